/**
 * Which chat session may remember a stored turn. The Memory Manager's backlog lives in the database, so every open
 * tab sees the same waiting turns: a session claims a turn before remembering it and holds the claim until the
 * turn's outcome is stored, so two tabs never remember one turn twice. In a browser a claim is a Web Lock (the
 * browser releases it when the tab closes or crashes, so a dead tab's turn can be claimed again); where Web Locks
 * are missing (Node), claims are held in this module, which is what sessions in one process need.
 */

/** Gives the claim back. */
export type ReleaseClaim = () => void;

export interface TurnClaims {
  /** Claims the named turn for this session: a release function, or null when another session holds it. */
  claim(key: string): Promise<ReleaseClaim | null>;
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

/** Claims held in this process: one set shared by the sessions that share it (a fresh set is a fresh page). */
export function inProcessTurnClaims(): TurnClaims {
  const held = new Set<string>();
  return {
    async claim(key) {
      if (held.has(key)) return null;
      held.add(key);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(key);
      };
    },
  };
}

const inProcessClaims = inProcessTurnClaims();

function webLockClaims(locks: LockManagerLike): TurnClaims {
  return {
    claim(key) {
      return new Promise<ReleaseClaim | null>((resolve) => {
        locks
          .request(`memory-r1:remember:${key}`, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(null);
              return undefined;
            }
            // The lock is held until this promise settles.
            return new Promise<void>((release) => resolve(() => release()));
          })
          .catch(() => resolve(null));
      });
    },
  };
}

/** Web Locks where the runtime has them, else claims held in this process. */
export function defaultTurnClaims(): TurnClaims {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ? webLockClaims(locks) : inProcessClaims;
}
