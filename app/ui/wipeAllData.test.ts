import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDB } from '../memory/db';
import { MemoryBank } from '../memory/memoryBank';
import { randomVector } from '../memory/testing/bankFixtures';
import { createVectorIndex } from '../memory/vectorIndex';
import { type DeviceStorage, describeDeviceData, wipeAllData } from './wipeAllData';

const opened: { bank: MemoryBank; db: MemoryDB }[] = [];
afterEach(() => {
  for (const { bank, db } of opened.splice(0)) {
    bank.close();
    db.close();
  }
});

/** localStorage as the browser has it: string keys and values, in insertion order. */
function memoryStorage(entries: Record<string, string>): Storage {
  const map = new Map(Object.entries(entries));
  return {
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
  };
}

/** The Cache API's names, as CacheStorage lists and deletes them. */
function cacheNames(names: string[]): Pick<CacheStorage, 'keys' | 'delete'> {
  const set = new Set(names);
  return { keys: async () => [...set], delete: async (name: string) => set.delete(name) };
}

async function openBank(name: string) {
  const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
  const index = await createVectorIndex({ dims: 384 });
  const bank = await MemoryBank.open({ db, index, channelName: null, lexicalPersistDelayMs: null });
  opened.push({ bank, db });
  return { db, bank, index };
}

async function seed(bank: MemoryBank, db: MemoryDB) {
  const v = randomVector(1);
  const added = await bank.apply({
    namespace: 'user:me',
    ops: [{ op: 'ADD', text: 'Alice adopted a dog named Buddy', embedding: v }],
    candidateIds: [],
    turnId: 't1',
    proposer: { model: 'test', promptVersion: 'test' },
  });
  expect(added.ok).toBe(true);
  await db.turns.add({
    id: 't1',
    namespace: 'user:me',
    conversationId: 'chat:user:me',
    speaker: 'User',
    role: 'user',
    text: 'I adopted Buddy',
    at: 1,
    sessionTime: '2024-01-01',
  });
  await db.conversations.add({ id: 'chat:user:me', namespace: 'user:me', title: 'Dogs', createdAt: 1, updatedAt: 2 });
  await db.evalRuns.add({ id: 'run-1', startedAt: 1, finishedAt: 2, status: 'done', config: {}, summaries: [], results: [] });
  await db.settings.put({ key: 'replay.position:conv-1', value: 3 });
  return v;
}

describe('wipeAllData', () => {
  it('empties every table of the bank, the evaluation database and localStorage, and both search indexes; model files stay', async () => {
    const name = `memory-r1-wipe-${Math.random()}`;
    const { db, bank, index } = await openBank(name);
    const v = await seed(bank, db);
    // The Evaluation page's own bank, built from the user's evaluation file.
    const evalDb = new MemoryDB(`memory-r1-eval-${Math.random()}`, { indexedDB, IDBKeyRange });
    await evalDb.memories.put({
      id: 'e1',
      namespace: 'locomo:conv-26',
      text: 'Caroline went to a support group',
      embedding: v,
      createdAt: 1,
      updatedAt: 1,
      sourceTurnIds: [],
      eventTime: null,
    });
    evalDb.close();
    const device: DeviceStorage = {
      indexedDB,
      localStorage: memoryStorage({
        'memory-r1.settings.v1': JSON.stringify({ openaiApiKey: 'sk-secret', openaiBaseUrl: 'http://127.0.0.1:8089/v1', namespace: 'user:me' }),
      }),
      caches: cacheNames(['transformers-cache', 'webllm/model']),
    };
    expect((await bank.hybridSearch('Buddy', v, { k: 5 })).hits).toHaveLength(1);

    const listed = await describeDeviceData(bank, device);
    expect(listed.tables).toMatchObject({ memories: 1, memoryHistory: 1, turns: 1, conversations: 1, evalRuns: 1, settings: 1 });
    expect(listed.databases).toContain(evalDb.name);
    expect(listed.localStorageKeys).toEqual(['memory-r1.settings.v1']);
    expect(listed.modelCaches.caches).toEqual(['transformers-cache', 'webllm/model']);

    const summary = await wipeAllData(bank, {}, device);
    expect(summary.tables).toEqual(listed.tables);
    for (const table of [db.memories, db.memoryHistory, db.turns, db.conversations, db.opEvents, db.evalRuns, db.settings])
      expect(await table.count(), table.name).toBe(0);
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(evalDb.name);
    expect(device.localStorage!.length).toBe(0);
    expect(await device.caches!.keys()).toEqual(['transformers-cache', 'webllm/model']);
    expect(summary.modelCachesDeleted).toBe(false);
    // Neither retriever still knows the memory (the bank also drops hits it cannot read, so look at the index).
    expect(bank.lexical.size).toBe(0);
    expect((await bank.hybridSearch('Buddy', v, { k: 5 })).hits).toEqual([]);
    expect(index.search(v, { k: 5 })).toEqual([]);
  });

  it('deletes downloaded model files when asked', async () => {
    const { db, bank } = await openBank(`memory-r1-wipe-${Math.random()}`);
    await seed(bank, db);
    const device: DeviceStorage = { indexedDB, localStorage: memoryStorage({}), caches: cacheNames(['transformers-cache']) };
    const summary = await wipeAllData(bank, { modelCaches: true }, device);
    expect(summary.modelCachesDeleted).toBe(true);
    expect(await device.caches!.keys()).toEqual([]);
  });
});
