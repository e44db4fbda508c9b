/**
 * Plays a dialogue into the Memory Manager one turn at a time, with play / pause / step and a pause between turns.
 * Pausing never cuts a turn short: a turn in flight completes (its batch is applied or rejected as a whole) and
 * the player stops after it, at the next position. A turn that throws (an engine lost, an abort) leaves the
 * position where it was, so the same turn is played again on resume. No React here: the Replay view renders
 * `snapshot()` on every change.
 */

export type ReplayStatus = 'paused' | 'playing' | 'pausing' | 'done';

export interface ReplaySnapshot {
  status: ReplayStatus;
  /** The next turn to play (0-based); `total` when every turn has been played. */
  position: number;
  total: number;
  /** The turn being played, or null. */
  inFlight: number | null;
  /** Why the last turn failed; cleared when a turn completes. */
  error: string | null;
}

export interface ReplayPlayerOptions {
  total: number;
  /** Where to start (turns already played in an earlier run). */
  start?: number;
  /** Plays turn `index`; resolves once its outcome is stored. */
  runTurn: (index: number) => Promise<void>;
  /** The pause between two turns while playing, read before each wait so a change applies at once. */
  delayMs: () => number;
  onChange: (snapshot: ReplaySnapshot) => void;
}

export class ReplayPlayer {
  private status: ReplayStatus;
  private position: number;
  private inFlight: number | null = null;
  private error: string | null = null;
  private readonly total: number;
  private wakeUp: (() => void) | null = null;
  private disposed = false;

  constructor(private readonly options: ReplayPlayerOptions) {
    if (!Number.isInteger(options.total) || options.total < 0) throw new RangeError(`total must be a whole number ≥ 0, got ${options.total}`);
    const start = options.start ?? 0;
    if (!Number.isInteger(start) || start < 0 || start > options.total) throw new RangeError(`start must be between 0 and ${options.total}, got ${start}`);
    this.total = options.total;
    this.position = start;
    this.status = start >= options.total ? 'done' : 'paused';
  }

  snapshot(): ReplaySnapshot {
    return { status: this.status, position: this.position, total: this.total, inFlight: this.inFlight, error: this.error };
  }

  /** Plays turns until paused or done. */
  play(): void {
    if (this.status !== 'paused' || this.disposed) return;
    this.status = 'playing';
    this.emit();
    void this.loop();
  }

  /** Stops after the turn in flight (at once when none is). */
  pause(): void {
    if (this.status === 'playing') {
      this.status = this.inFlight === null ? 'paused' : 'pausing';
      // Cut the wait between turns short.
      this.wakeUp?.();
      this.emit();
    }
  }

  /** Plays exactly one turn while paused. Resolves when it is done. */
  async step(): Promise<void> {
    if (this.status !== 'paused' || this.inFlight !== null || this.disposed) return;
    await this.runOne();
    if (this.position >= this.total) this.status = 'done';
    this.emit();
  }

  /** Stops the loop for good (the view went away); a turn in flight still completes. */
  dispose(): void {
    this.disposed = true;
    this.wakeUp?.();
  }

  private async runOne(): Promise<boolean> {
    const index = this.position;
    this.inFlight = index;
    this.emit();
    try {
      await this.options.runTurn(index);
      this.position = index + 1;
      this.error = null;
      return true;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      return false;
    } finally {
      this.inFlight = null;
    }
  }

  private async loop(): Promise<void> {
    while (this.status === 'playing' && !this.disposed && this.position < this.total) {
      const ok = await this.runOne();
      if (!ok) {
        // A failed turn pauses the replay; the user decides whether to try it again.
        this.status = 'paused';
        break;
      }
      // pause() may have run while the turn was in flight (TypeScript cannot see that across the await).
      if ((this.status as ReplayStatus) === 'pausing') {
        this.status = 'paused';
        break;
      }
      if (this.position >= this.total) break;
      this.emit();
      await this.wait(this.options.delayMs());
    }
    if (this.position >= this.total) this.status = 'done';
    else if (this.status !== 'paused') this.status = 'paused';
    this.emit();
  }

  private wait(ms: number): Promise<void> {
    if (!(ms > 0) || this.status !== 'playing') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private emit(): void {
    if (!this.disposed) this.options.onChange(this.snapshot());
  }
}
