import { DB_NAME, USER_DATA_TABLES, type UserDataTable } from '../memory/db';
import type { MemoryBank } from '../memory/memoryBank';
import { forgetSettings } from './settings';

/**
 * Everything this app keeps on the device, listed before a wipe so the confirmation can say what goes:
 * - the bank's tables (memories, history, turns, chats, events, settings, evaluation runs);
 * - the app's other IndexedDB databases (the evaluation page's bank `memory-r1-eval`, leftover import staging);
 * - localStorage (settings: API key, server URL, namespace, custom model URLs…); the whole origin is the app's;
 * - model files, only when asked: the Cache API (transformers.js, web-llm), the origin-private file system
 *   (wllama), and IndexedDB databases that are not the app's (an engine's model cache).
 */
export interface DeviceData {
  tables: Record<UserDataTable, number>;
  /** The app's IndexedDB databases other than the open bank. */
  databases: string[];
  localStorageKeys: string[];
  modelCaches: { caches: string[]; files: string[]; databases: string[] };
}

export interface WipeOptions {
  /** Also delete downloaded model files (they take minutes to download again). Default false. */
  modelCaches?: boolean;
}

/** The browser's storage APIs; tests pass Node stand-ins (fake-indexeddb, a Map-backed Storage). */
export interface DeviceStorage {
  indexedDB?: Pick<IDBFactory, 'databases' | 'deleteDatabase'>;
  localStorage?: Pick<Storage, 'length' | 'key' | 'removeItem' | 'clear'>;
  caches?: Pick<CacheStorage, 'keys' | 'delete'>;
  opfsRoot?: () => Promise<FileSystemDirectoryHandle>;
}

function browserStorage(): DeviceStorage {
  const g = globalThis as Partial<typeof globalThis>;
  return {
    ...(g.indexedDB ? { indexedDB: g.indexedDB } : {}),
    ...(g.localStorage ? { localStorage: g.localStorage } : {}),
    ...(g.caches ? { caches: g.caches } : {}),
    ...(g.navigator?.storage?.getDirectory ? { opfsRoot: () => g.navigator!.storage.getDirectory() } : {}),
  };
}

/** Names starting with the bank's own name are the app's (the evaluation bank, import staging, test banks). */
function isAppDatabase(name: string, bankName: string): boolean {
  return name.startsWith(DB_NAME) || name.startsWith(bankName);
}

export async function describeDeviceData(bank: MemoryBank, device: DeviceStorage = browserStorage()): Promise<DeviceData> {
  const { db } = bank;
  const counts = await Promise.all(USER_DATA_TABLES.map((t) => db.table(t).count()));
  const tables = Object.fromEntries(USER_DATA_TABLES.map((t, i) => [t, counts[i]!])) as Record<UserDataTable, number>;
  const allDatabases = ((await device.indexedDB?.databases().catch(() => [])) ?? []).flatMap((d) => (d.name && d.name !== db.name ? [d.name] : []));
  const localStorageKeys: string[] = [];
  const store = device.localStorage;
  if (store) for (let i = 0; i < store.length; i++) localStorageKeys.push(store.key(i)!);
  const files: string[] = [];
  try {
    const root = await device.opfsRoot?.();
    // keys() is in every engine with OPFS; the DOM typings of this TypeScript version lack it.
    if (root) for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) files.push(name);
  } catch {
    // No OPFS (or denied): nothing stored there.
  }
  return {
    tables,
    databases: allDatabases.filter((n) => isAppDatabase(n, db.name)).sort(),
    localStorageKeys: localStorageKeys.sort(),
    modelCaches: {
      caches: ((await device.caches?.keys().catch(() => [])) ?? []).sort(),
      files: files.sort(),
      databases: allDatabases.filter((n) => !isAppDatabase(n, db.name)).sort(),
    },
  };
}

export interface WipeSummary extends DeviceData {
  modelCachesDeleted: boolean;
}

/**
 * Deletes everything `describeDeviceData` lists (model files only with `modelCaches`): the bank's tables in one
 * transaction, then the other databases, localStorage (and the settings this page holds in memory), then, on
 * request, the model caches. This tab's and the other tabs' retrieval indexes are emptied.
 */
export async function wipeAllData(bank: MemoryBank, options: WipeOptions = {}, device: DeviceStorage = browserStorage()): Promise<WipeSummary> {
  const found = await describeDeviceData(bank, device);
  const { db } = bank;
  const tables = USER_DATA_TABLES.map((t) => db.table(t));
  await db.transaction('rw', tables, () => Promise.all(tables.map((t) => t.clear())));
  await Promise.all(found.databases.map((name) => deleteDatabase(device, name)));
  device.localStorage?.clear();
  forgetSettings();
  if (options.modelCaches) {
    await Promise.all(found.modelCaches.caches.map((name) => device.caches!.delete(name)));
    const root = await device.opfsRoot?.().catch(() => null);
    if (root) await Promise.all(found.modelCaches.files.map((name) => root.removeEntry(name, { recursive: true })));
    await Promise.all(found.modelCaches.databases.map((name) => deleteDatabase(device, name)));
  }
  await bank.changedWholesale();
  return { ...found, modelCachesDeleted: options.modelCaches === true };
}

function deleteDatabase(device: DeviceStorage, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = device.indexedDB!.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete the database ${name}`));
    // Another tab holds it open and did not close on versionchange: the delete completes once it does.
    request.onblocked = () => resolve();
  });
}
