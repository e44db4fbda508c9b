/**
 * Ids that sort in the order they were made (several per millisecond included), for rows read back in order:
 * the op stream's events. 13 base-36 digits of epoch ms, a per-page counter, then randomness so ids made in two
 * tabs at the same millisecond never collide.
 */
let last = 0;
let counter = 0;

export function orderedId(now: number = Date.now()): string {
  if (now === last) counter++;
  else {
    last = now;
    counter = 0;
  }
  return `${now.toString(36).padStart(10, '0')}-${counter.toString(36).padStart(4, '0')}-${Math.random().toString(36).slice(2, 10)}`;
}
