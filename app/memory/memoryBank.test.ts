import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDB } from './db';
import { MemoryBank } from './memoryBank';
import { randomVector } from './testing/bankFixtures';
import { createVectorIndex } from './vectorIndex';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';

const PROPOSER = { model: 'test', promptVersion: 'test' };
const opened: { bank: MemoryBank; db: MemoryDB }[] = [];

async function openBank(name: string) {
  const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
  const bank = await MemoryBank.open({ db, index: await createVectorIndex({ dims: 384 }), channelName: `${name}:changes` });
  opened.push({ bank, db });
  return bank;
}

afterEach(async () => {
  for (const { bank, db } of opened.splice(0)) {
    bank.close();
    db.close();
  }
});

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('MemoryBank', () => {
  it('keeps the retrieval index in step with applied batches: added found, updated found by new text, deleted gone', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    const buddy = randomVector(1);
    const paris = randomVector(2);
    const added = await bank.apply({ namespace: 'user:a', ops: [{ op: 'ADD', text: 'Alice adopted Buddy', embedding: buddy }, { op: 'ADD', text: 'Alice lives in Berlin', embedding: randomVector(3) }], candidateIds: [], turnId: 't1', proposer: PROPOSER });
    expect(added.ok).toBe(true);
    const [top] = await bank.search(buddy, { k: 1, namespaces: ['user:a'] });
    expect(top?.memory.text).toBe('Alice adopted Buddy');
    expect(top?.score).toBeCloseTo(1, 5);

    const berlin = (await bank.db.memories.where('namespace').equals('user:a').toArray()).find((m) => m.text.includes('Berlin'))!;
    const buddyId = top!.memory.id;
    const r = await bank.apply({ namespace: 'user:a', ops: [{ op: 'UPDATE', id: berlin.id, text: 'Alice lives in Paris', embedding: paris }, { op: 'DELETE', id: buddyId }], candidateIds: [berlin.id, buddyId], turnId: 't2', proposer: PROPOSER });
    expect(r.ok).toBe(true);
    const hits = await bank.search(paris, { k: 5, namespaces: ['user:a'] });
    expect(hits.map((h) => h.memory.text)).toEqual(['Alice lives in Paris']);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(await bank.search(buddy, { k: 5, namespaces: ['user:b'] })).toEqual([]);
  });

  it('rebuilds its index from IndexedDB on open, and other tabs patch theirs through the channel', async () => {
    const name = `bank-${Math.random()}`;
    const first = await openBank(name);
    await first.apply({ namespace: 'user:a', ops: [{ op: 'ADD', text: 'stored before the second tab opened', embedding: randomVector(10) }], candidateIds: [], turnId: null, proposer: PROPOSER });
    const second = await openBank(name);
    expect((await second.search(randomVector(10), { k: 1 }))[0]?.memory.text).toBe('stored before the second tab opened');

    await first.apply({ namespace: 'user:a', ops: [{ op: 'ADD', text: 'stored after', embedding: randomVector(11) }], candidateIds: [], turnId: null, proposer: PROPOSER });
    await until(async () => (await second.search(randomVector(11), { k: 1 }))[0]?.memory.text === 'stored after');
    expect((await second.search(randomVector(11), { k: 1 }))[0]?.memory.text).toBe('stored after');
  });

  it('leaves the index alone when a batch is rejected', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    const r = await bank.apply({ namespace: 'user:a', ops: [{ op: 'ADD', text: 'ok', embedding: randomVector(5) }, { op: 'DELETE', id: 'ghost' }], candidateIds: [], turnId: null, proposer: PROPOSER });
    expect(r.ok).toBe(false);
    expect(await bank.search(randomVector(5), { k: 5 })).toEqual([]);
  });
});
