import type { MemoryDB } from './db';

export type PersistenceOutcome = 'granted' | 'denied' | 'already-persistent' | 'unsupported' | 'asked-before';

const SETTING_KEY = 'storage.persistRequested';

/**
 * Asks the browser once, when the user first stores memories, not to evict this origin's storage under pressure
 * (`navigator.storage.persist()`). Asking earlier would prompt (Firefox) before the user has anything to keep;
 * asking on every write would nag. The outcome is remembered in settings.
 */
export async function requestPersistenceOnce(
  db: MemoryDB,
  storage: Pick<StorageManager, 'persist' | 'persisted'> | undefined,
  now: () => number = Date.now,
): Promise<PersistenceOutcome> {
  if (await db.settings.get(SETTING_KEY)) return 'asked-before';
  if (!storage?.persist) return 'unsupported';
  let outcome: PersistenceOutcome;
  if (await storage.persisted?.()) outcome = 'already-persistent';
  else outcome = (await storage.persist()) ? 'granted' : 'denied';
  await db.settings.put({ key: SETTING_KEY, value: { at: now(), outcome } });
  return outcome;
}
