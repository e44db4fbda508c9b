import type { HistoryRecord } from '../memory/types';

/**
 * One memory's history rows, oldest first. Rows are ordered by time; rows of one memory written in the same
 * millisecond (two quick edits) are chained instead: each one's `before` is the text the previous one left.
 */
export function orderHistory(rows: readonly HistoryRecord[]): HistoryRecord[] {
  const byTime = [...rows].sort((a, b) => a.at - b.at);
  const ordered: HistoryRecord[] = [];
  let i = 0;
  while (i < byTime.length) {
    let j = i;
    while (j < byTime.length && byTime[j]!.at === byTime[i]!.at) j++;
    const tied = byTime.slice(i, j);
    while (tied.length > 0) {
      const last = ordered.at(-1);
      const text = last ? (last.op === 'DELETE' ? null : last.after) : null;
      // ADD starts a memory's history; DELETE ends it; otherwise the row that continues from the current text.
      let next = tied.findIndex((h) => (last ? h.op !== 'ADD' && h.before === text : h.op === 'ADD'));
      if (next < 0) next = tied.findIndex((h) => h.op !== 'DELETE');
      if (next < 0) next = 0;
      ordered.push(tied.splice(next, 1)[0]!);
    }
    i = j;
  }
  return ordered;
}
