// Reads the app page's bank for the fault driver: the same snapshot as app/memory/faults/bankSnapshot.ts, written
// out inline because a production page cannot import modules it was not built with.
import type { Page } from '@playwright/test';
import type { BankSnapshot } from '../app/memory/faults/bankSnapshot';

export async function snapshotBankInPage(page: Page, namespace: string): Promise<BankSnapshot> {
  return page.evaluate(async (namespace) => {
    const { db } = globalThis.memoryR1!.bank;
    return db.transaction('r', db.memories, db.memoryHistory, async () => {
      const memories = await db.memories.where('namespace').equals(namespace).toArray();
      const history = await db.memoryHistory.where('namespace').equals(namespace).toArray();
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
  }, namespace);
}

/** Every row of every table, embeddings as bytes, rows sorted: equal strings mean a byte-identical bank. */
export async function dumpBankInPage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const { db } = globalThis.memoryR1!.bank;
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
  });
}
