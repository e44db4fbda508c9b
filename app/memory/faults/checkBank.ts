/**
 * The fault harness's checker: a bank (read back after faults) against the independent record of what was sent.
 * - every batch is there whole or not at all, and a batch seen committed is there;
 * - its history rows say exactly what was sent (op, target, text), in order;
 * - every memory's history replays (ADD, then UPDATEs whose `before` is the previous `after`, maybe a DELETE) to
 *   its current text, a memory whose history ends in DELETE is gone, and no memory exists without history;
 * - no history row belongs to a batch nobody sent.
 * It reports each problem; `halfApplied` counts partial batches, `lost` every other loss.
 */

import type { BankSnapshot, SnapshotHistoryRow } from './bankSnapshot';
import type { RecordedBatch } from './commitRecord';

export type ProblemKind =
  | 'half-applied batch'
  | 'committed batch missing'
  | 'batch differs from what was sent'
  | 'history row of a batch nobody sent'
  | 'history does not replay'
  | 'text differs from its history'
  | 'memory lost'
  | 'deleted memory still present'
  | 'memory without history';

export interface BankProblem {
  kind: ProblemKind;
  detail: string;
}

export interface BankCheck {
  batches: number;
  /** Batches found whole in the bank (committed ones and in-flight ones that landed). */
  present: number;
  /** In-flight batches that did not land (allowed). */
  absent: number;
  halfApplied: number;
  lost: number;
  problems: BankProblem[];
}

function matches(row: SnapshotHistoryRow, op: RecordedBatch['ops'][number]): boolean {
  if (row.op !== op.op) return false;
  switch (op.op) {
    case 'ADD':
      return row.before === null && row.after === op.text.trim() && row.memoryId !== null;
    case 'UPDATE':
      return row.memoryId === op.id && row.after === op.text.trim();
    case 'DELETE':
      return row.memoryId === op.id && row.after === null;
  }
}

/** The snapshot must hold only the record's namespace (`snapshotBank(db, namespace)`). */
export function checkBank(snapshot: BankSnapshot, batches: readonly RecordedBatch[]): BankCheck {
  const problems: BankProblem[] = [];
  const report = (kind: ProblemKind, detail: string) => problems.push({ kind, detail });
  let present = 0;
  let absent = 0;
  let halfApplied = 0;

  const byTag = new Map<string, SnapshotHistoryRow[]>();
  for (const row of snapshot.history) {
    const key = row.turnId ?? '';
    const rows = byTag.get(key);
    if (rows) rows.push(row);
    else byTag.set(key, [row]);
  }
  const order = new Map<string, number>();
  batches.forEach((b, i) => order.set(b.tag, i));

  for (const batch of batches) {
    const rows = (byTag.get(batch.tag) ?? []).sort((a, b) => a.seq - b.seq);
    byTag.delete(batch.tag);
    if (rows.length === 0) {
      if (batch.state === 'committed')
        report('committed batch missing', `batch ${batch.tag} (${batch.ops.length} ops) resolved as committed but has no history row`);
      else absent++;
      continue;
    }
    const oneBatch = new Set(rows.map((r) => r.batchId)).size === 1;
    if (rows.length !== batch.ops.length || !oneBatch) {
      halfApplied++;
      report('half-applied batch', `batch ${batch.tag}: ${rows.length} of ${batch.ops.length} history rows${oneBatch ? '' : ' across several batch ids'}`);
      continue;
    }
    const wrong = rows.findIndex((row, i) => row.seq !== i || !matches(row, batch.ops[i]!));
    if (wrong >= 0) {
      report(
        'batch differs from what was sent',
        `batch ${batch.tag}, op ${wrong}: sent ${JSON.stringify(batch.ops[wrong])}, history has ${JSON.stringify(rows[wrong])}`,
      );
      continue;
    }
    present++;
  }
  for (const [tag, rows] of byTag) report('history row of a batch nobody sent', `${rows.length} history row(s) with turn ${JSON.stringify(tag)}`);

  // Replay each memory's history in commit order: the record's batch order, then `at` for rows it does not know.
  const byMemory = new Map<string, SnapshotHistoryRow[]>();
  for (const row of snapshot.history) {
    if (row.memoryId === null || row.op === 'NOOP') continue;
    const rows = byMemory.get(row.memoryId);
    if (rows) rows.push(row);
    else byMemory.set(row.memoryId, [row]);
  }
  const rank = (row: SnapshotHistoryRow) => order.get(row.turnId ?? '') ?? Number.MAX_SAFE_INTEGER;
  const current = new Map(snapshot.memories.map((m) => [m.id, m.text]));
  for (const [memoryId, rows] of byMemory) {
    rows.sort((a, b) => rank(a) - rank(b) || a.at - b.at || a.seq - b.seq);
    let text: string | null = null;
    let broken: string | null = null;
    for (const row of rows) {
      const expectedBefore = row.op === 'ADD' ? null : text;
      if (row.before !== expectedBefore || (row.op !== 'ADD' && text === null) || (row.op === 'ADD' && text !== null)) {
        broken = `${row.op} in batch ${row.turnId} expects ${JSON.stringify(row.before)} but the history so far gives ${JSON.stringify(text)}`;
        break;
      }
      text = row.op === 'DELETE' ? null : row.after;
    }
    if (broken) {
      report('history does not replay', `memory ${memoryId}: ${broken}`);
      continue;
    }
    const now = current.get(memoryId);
    if (now === undefined && text !== null) report('memory lost', `memory ${memoryId}: history ends with ${JSON.stringify(text)} but the memory is gone`);
    else if (now !== undefined && text === null)
      report('deleted memory still present', `memory ${memoryId}: history ends with DELETE but it holds ${JSON.stringify(now)}`);
    else if (now !== undefined && now !== text)
      report('text differs from its history', `memory ${memoryId}: holds ${JSON.stringify(now)}, history replays to ${JSON.stringify(text)}`);
  }
  for (const m of snapshot.memories) if (!byMemory.has(m.id)) report('memory without history', `memory ${m.id} (${JSON.stringify(m.text)}) has no history row`);

  return { batches: batches.length, present, absent, halfApplied, lost: problems.length - halfApplied, problems };
}
