/**
 * What the fault harness reads back from a bank after a fault: every memory's text and every history row, without
 * embeddings (the checker compares texts and history; byte-identity uses `dumpBank`). Plain data, so a page
 * can hand it to the Node driver that holds the independent record.
 */
import type { MemoryDB } from '../db';
import type { HistoryOp } from '../types';

export interface SnapshotMemory {
  id: string;
  namespace: string;
  text: string;
}

export interface SnapshotHistoryRow {
  id: string;
  batchId: string;
  seq: number;
  op: HistoryOp;
  memoryId: string | null;
  before: string | null;
  after: string | null;
  turnId: string | null;
  at: number;
}

export interface BankSnapshot {
  memories: SnapshotMemory[];
  history: SnapshotHistoryRow[];
}

/** One read transaction, so the snapshot is of one moment even while another tab writes. */
export async function snapshotBank(db: MemoryDB, namespace?: string): Promise<BankSnapshot> {
  return db.transaction('r', db.memories, db.memoryHistory, async () => {
    const memories = namespace === undefined ? await db.memories.toArray() : await db.memories.where('namespace').equals(namespace).toArray();
    const history = namespace === undefined ? await db.memoryHistory.toArray() : await db.memoryHistory.where('namespace').equals(namespace).toArray();
    return {
      memories: memories.map((m) => ({ id: m.id, namespace: m.namespace, text: m.text })),
      history: history.map((h) => ({
        id: h.id,
        batchId: h.batchId,
        seq: h.seq,
        op: h.op,
        memoryId: h.memoryId,
        before: h.before,
        after: h.after,
        turnId: h.turnId,
        at: h.at,
      })),
    };
  });
}

/**
 * Every row of every table, embeddings as their bytes, rows sorted: two equal strings mean a byte-identical bank.
 * Browser-safe (no fake-indexeddb), and used by the Node tests too. Self-contained (no outside names), so the
 * fault driver can also run its source text inside a production page (bench/faultsPageCalls.ts).
 */
export async function dumpBank(db: MemoryDB): Promise<string> {
  return db.transaction('r', db.memories, db.memoryHistory, db.turns, db.settings, async () => {
    const tables = await Promise.all(
      [db.memories, db.memoryHistory, db.turns, db.settings].map(async (table) => {
        const rows: unknown[] = await table.toArray();
        return rows
          .map((row) =>
            JSON.stringify(row, (_k, v: unknown) =>
              v instanceof Float32Array ? { f32: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) } : v,
            ),
          )
          .sort();
      }),
    );
    return JSON.stringify(tables);
  });
}
