import type { MemoryBank } from '../memory/memoryBank';

export interface WipeSummary {
  memories: number;
  memoryHistory: number;
  turns: number;
  settings: number;
}

/**
 * Deletes everything the app keeps in IndexedDB — memories, their history, turns, and the settings table's
 * derived state (the saved lexical index, replay positions, the persistence request) — in one transaction, then
 * empties this tab's and the other tabs' retrieval indexes. Model files live in the engines' own caches and are
 * not touched (the model panels clear those).
 */
export async function wipeAllData(bank: MemoryBank): Promise<WipeSummary> {
  const { db } = bank;
  const summary = await db.transaction('rw', [db.memories, db.memoryHistory, db.turns, db.settings], async () => {
    const counts: WipeSummary = {
      memories: await db.memories.count(),
      memoryHistory: await db.memoryHistory.count(),
      turns: await db.turns.count(),
      settings: await db.settings.count(),
    };
    await Promise.all([db.memories.clear(), db.memoryHistory.clear(), db.turns.clear(), db.settings.clear()]);
    return counts;
  });
  await bank.changedWholesale();
  return summary;
}
