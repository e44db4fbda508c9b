import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDB } from '../memory/db';
import { MemoryBank } from '../memory/memoryBank';
import { randomVector } from '../memory/testing/bankFixtures';
import { createVectorIndex } from '../memory/vectorIndex';
import { wipeAllData } from './wipeAllData';

const opened: { bank: MemoryBank; db: MemoryDB }[] = [];
afterEach(() => {
  for (const { bank, db } of opened.splice(0)) {
    bank.close();
    db.close();
  }
});

describe('wipeAllData', () => {
  it('empties memories, history, turns and settings, and both search indexes', async () => {
    const name = `wipe-${Math.random()}`;
    const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
    const bank = await MemoryBank.open({ db, index: await createVectorIndex({ dims: 384 }), channelName: null, lexicalPersistDelayMs: null });
    opened.push({ bank, db });
    const v = randomVector(1);
    const added = await bank.apply({ namespace: 'user:me', ops: [{ op: 'ADD', text: 'Alice adopted a dog named Buddy', embedding: v }], candidateIds: [], turnId: 't1', proposer: { model: 'test', promptVersion: 'test' } });
    expect(added.ok).toBe(true);
    await db.turns.add({ id: 't1', namespace: 'user:me', conversationId: 'chat:user:me', speaker: 'User', role: 'user', text: 'I adopted Buddy', at: 1, sessionTime: '2024-01-01' });
    await db.settings.put({ key: 'replay.position:conv-1', value: 3 });
    expect((await bank.hybridSearch('Buddy', v, { k: 5 })).hits).toHaveLength(1);

    const summary = await wipeAllData(bank);
    expect(summary).toMatchObject({ memories: 1, memoryHistory: 1, turns: 1 });
    expect(summary.settings).toBeGreaterThanOrEqual(1);
    expect(await db.memories.count()).toBe(0);
    expect(await db.memoryHistory.count()).toBe(0);
    expect(await db.turns.count()).toBe(0);
    expect(await db.settings.get('replay.position:conv-1')).toBeUndefined();
    // Neither retriever still knows the memory (the bank also drops hits it cannot read, so look at the index).
    expect(bank.lexical.size).toBe(0);
    const after = await bank.hybridSearch('Buddy', v, { k: 5 });
    expect(after.hits).toEqual([]);
    expect(await bank.search(v, { k: 5 })).toEqual([]);
  });
});
