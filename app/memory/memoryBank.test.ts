import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DENSE_OFF_NO_MODEL } from '../retrieval/hybridSearch';
import { LexicalIndex } from '../retrieval/lexicalIndex';
import { MemoryDB } from './db';
import { LEXICAL_INDEX_SETTING_KEY, MemoryBank, type MemoryBankOptions } from './memoryBank';
import { randomVector } from './testing/bankFixtures';
import type { MemoryRecord } from './types';
import { createVectorIndex } from './vectorIndex';

const PROPOSER = { model: 'test', promptVersion: 'test' };
const opened: { bank: MemoryBank; db: MemoryDB }[] = [];

async function openBank(name: string, options: Partial<MemoryBankOptions> = {}) {
  const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
  const bank = await MemoryBank.open({
    db,
    index: await createVectorIndex({ dims: 384 }),
    channelName: `${name}:changes`,
    lexicalPersistDelayMs: null,
    ...options,
  });
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

/** Nearest neighbours alone: the bank's one search with only its dense retriever. */
const nearest = async (bank: MemoryBank, vector: Float32Array, k: number, namespaces?: string[]) =>
  (await bank.hybridSearch('', vector, { k, retrievers: ['dense'], ...(namespaces ? { namespaces } : {}) })).hits;

describe('MemoryBank', () => {
  it('keeps the retrieval index in step with applied batches: added found, updated found by new text, deleted gone', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    const buddy = randomVector(1);
    const paris = randomVector(2);
    const added = await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'ADD', text: 'Alice adopted Buddy', embedding: buddy },
        { op: 'ADD', text: 'Alice lives in Berlin', embedding: randomVector(3) },
      ],
      candidateIds: [],
      turnId: 't1',
      proposer: PROPOSER,
    });
    expect(added.ok).toBe(true);
    const [top] = await nearest(bank, buddy, 1, ['user:a']);
    expect(top?.memory.text).toBe('Alice adopted Buddy');
    expect(top?.denseScore).toBeCloseTo(1, 5);

    const berlin = (await bank.db.memories.where('namespace').equals('user:a').toArray()).find((m) => m.text.includes('Berlin'))!;
    const buddyId = top!.memory.id;
    const r = await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'UPDATE', id: berlin.id, text: 'Alice lives in Paris', embedding: paris },
        { op: 'DELETE', id: buddyId },
      ],
      candidateIds: [berlin.id, buddyId],
      turnId: 't2',
      proposer: PROPOSER,
    });
    expect(r.ok).toBe(true);
    const hits = await nearest(bank, paris, 5, ['user:a']);
    expect(hits.map((h) => h.memory.text)).toEqual(['Alice lives in Paris']);
    expect(hits[0]!.denseScore).toBeCloseTo(1, 5);
    expect(await nearest(bank, buddy, 5, ['user:b'])).toEqual([]);
  });

  it('rebuilds its index from IndexedDB on open, and other tabs patch theirs through the channel', async () => {
    const name = `bank-${Math.random()}`;
    const first = await openBank(name);
    await first.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'stored before the second tab opened', embedding: randomVector(10) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    const second = await openBank(name);
    expect((await nearest(second, randomVector(10), 1))[0]?.memory.text).toBe('stored before the second tab opened');

    await first.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'stored after', embedding: randomVector(11) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await until(async () => (await nearest(second, randomVector(11), 1))[0]?.memory.text === 'stored after');
    expect((await nearest(second, randomVector(11), 1))[0]?.memory.text).toBe('stored after');
  });

  it('leaves the index alone when a batch is rejected', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    const r = await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'ADD', text: 'ok', embedding: randomVector(5) },
        { op: 'DELETE', id: 'ghost' },
      ],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    expect(r.ok).toBe(false);
    expect(await nearest(bank, randomVector(5), 5)).toEqual([]);
  });
});

const lexicalIds = async (bank: MemoryBank, query: string, namespaces?: string[]) =>
  (await bank.hybridSearch(query, null, { k: 20, ...(namespaces ? { namespaces } : {}) })).hits.map((h) => h.memory.text).sort();

describe('MemoryBank lexical index', () => {
  it('follows every batch: added found, updated found by its new text only, deleted never returned; lexical-only says why', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'ADD', text: 'Alice adopted a dog named Buddy', embedding: randomVector(1), eventTime: '2023-05-08' },
        { op: 'ADD', text: 'Alice lives in Berlin', embedding: randomVector(2) },
      ],
      candidateIds: [],
      turnId: 't1',
      proposer: PROPOSER,
    });
    await bank.apply({
      namespace: 'user:b',
      ops: [{ op: 'ADD', text: 'Bob adopted a cat', embedding: randomVector(3) }],
      candidateIds: [],
      turnId: 't1',
      proposer: PROPOSER,
    });
    const result = await bank.hybridSearch('who adopted a pet?', null, { k: 5, namespaces: ['user:a'] });
    expect(result.mode).toBe('lexical');
    expect(result.denseOff).toBe(DENSE_OFF_NO_MODEL);
    expect(result.hits.map((h) => [h.memory.text, h.ranks])).toEqual([['Alice adopted a dog named Buddy', { lexical: 1 }]]);

    const all = await bank.db.memories.toArray();
    const berlin = all.find((m) => m.text.includes('Berlin'))!;
    const buddy = all.find((m) => m.text.includes('Buddy'))!;
    await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'UPDATE', id: berlin.id, text: 'Alice lives in Paris', embedding: randomVector(4) },
        { op: 'DELETE', id: buddy.id },
      ],
      candidateIds: [berlin.id, buddy.id],
      turnId: 't2',
      proposer: PROPOSER,
    });
    expect(await lexicalIds(bank, 'berlin')).toEqual([]);
    expect(await lexicalIds(bank, 'paris')).toEqual(['Alice lives in Paris']);
    expect(await lexicalIds(bank, 'buddy dog adopted')).toEqual(['Bob adopted a cat']);
  });

  it('fuses dense and lexical ranks when a query vector is given', async () => {
    const bank = await openBank(`bank-${Math.random()}`);
    await bank.apply({
      namespace: 'user:a',
      ops: [
        { op: 'ADD', text: 'Alice adopted a dog named Buddy', embedding: randomVector(1) },
        { op: 'ADD', text: 'Alice lives in Berlin', embedding: randomVector(2) },
      ],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    const result = await bank.hybridSearch('Berlin', randomVector(1), { k: 5 });
    expect(result.mode).toBe('hybrid');
    expect(result.denseOff).toBeUndefined();
    const byText = Object.fromEntries(result.hits.map((h) => [h.memory.text, h.ranks]));
    expect(byText['Alice lives in Berlin']).toEqual({ lexical: 1, dense: 2 });
    expect(byText['Alice adopted a dog named Buddy']).toEqual({ dense: 1 });
  });

  it('persists the lexical index in settings and loads it on open instead of re-indexing; a stale copy is reconciled', async () => {
    const name = `bank-${Math.random()}`;
    const first = await openBank(name);
    await first.apply({
      namespace: 'user:a',
      ops: [
        { op: 'ADD', text: 'Alice adopted Buddy', embedding: randomVector(1) },
        { op: 'ADD', text: 'Alice lives in Berlin', embedding: randomVector(2) },
      ],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await first.persistLexicalIndex();
    expect((await first.db.settings.get(LEXICAL_INDEX_SETTING_KEY))?.value).toMatchObject({ memoryCount: 2 });

    const second = await openBank(name);
    expect(second.lastLexicalLoad).toEqual({ from: 'persisted', fresh: true, kept: 2, upserted: 0, removed: 0 });
    expect(await lexicalIds(second, 'berlin')).toEqual(['Alice lives in Berlin']);

    // Written behind the persisted copy's back (as an import does): the next open reconciles only the difference.
    second.close();
    const berlin = (await first.db.memories.toArray()).find((m) => m.text.includes('Berlin'))!;
    await first.db.memories.put({ ...berlin, text: 'Alice lives in Rome' });
    const third = await openBank(name);
    expect(third.lastLexicalLoad).toMatchObject({ from: 'persisted', kept: 1, upserted: 1, removed: 0 });
    expect(await lexicalIds(third, 'berlin')).toEqual([]);
    expect(await lexicalIds(third, 'rome')).toEqual(['Alice lives in Rome']);

    // A damaged or foreign-version row: indexed from scratch.
    await first.db.settings.put({ key: LEXICAL_INDEX_SETTING_KEY, value: { index: { version: 999 } } });
    const fourth = await openBank(name);
    expect(fourth.lastLexicalLoad).toMatchObject({ from: 'scratch', upserted: 2 });
  });

  it('saves on its own after a change (debounced)', async () => {
    const bank = await openBank(`bank-${Math.random()}`, { lexicalPersistDelayMs: 5 });
    await bank.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'saved later', embedding: randomVector(1) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await until(
      async () =>
        (await bank.db.settings.get(LEXICAL_INDEX_SETTING_KEY)) !== undefined &&
        ((await bank.db.settings.get(LEXICAL_INDEX_SETTING_KEY))!.value as { memoryCount: number }).memoryCount === 1,
    );
    expect((await bank.db.settings.get(LEXICAL_INDEX_SETTING_KEY))?.value).toMatchObject({ memoryCount: 1 });
  });

  it("patches other tabs' lexical indexes through the channel", async () => {
    const name = `bank-${Math.random()}`;
    const first = await openBank(name);
    const second = await openBank(name);
    await first.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'Caroline went to a support group', embedding: randomVector(1) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await until(async () => (await lexicalIds(second, 'support group')).length === 1);
    expect(await lexicalIds(second, 'support group')).toEqual(['Caroline went to a support group']);
  });

  it('stays equal to a from-scratch index under random add / update / delete / import (property)', async () => {
    const words = ['dog', 'cat', 'adopted', 'paris', 'berlin', 'painting', 'sunrise', 'charity', 'race', 'camping', 'group'];
    const textArb = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 5 }).map((w) => w.join(' '));
    type Step =
      | { kind: 'add'; text: string; ns: string }
      | { kind: 'update'; pick: number; text: string }
      | { kind: 'delete'; pick: number }
      | { kind: 'import'; texts: string[] };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), text: textArb, ns: fc.constantFrom('user:a', 'user:b') }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), text: textArb }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('import' as const), texts: fc.array(textArb, { maxLength: 3 }) }) },
    );
    let seed = 100;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 12 }), async (steps) => {
        const bank = await openBank(`bank-${Math.random()}`);
        const db = bank.db;
        for (const step of steps) {
          const memories = await db.memories.toArray();
          if (step.kind === 'add') {
            await bank.apply({
              namespace: step.ns,
              ops: [{ op: 'ADD', text: step.text, embedding: randomVector(seed++) }],
              candidateIds: [],
              turnId: null,
              proposer: PROPOSER,
            });
          } else if (step.kind === 'update' || step.kind === 'delete') {
            const target = memories[step.pick % Math.max(1, memories.length)];
            if (!target) continue;
            const op =
              step.kind === 'update' ? { op: 'UPDATE', id: target.id, text: step.text, embedding: randomVector(seed++) } : { op: 'DELETE', id: target.id };
            await bank.apply({ namespace: target.namespace, ops: [op], candidateIds: [target.id], turnId: null, proposer: PROPOSER });
          } else {
            // An import writes rows straight into IndexedDB, then tells the bank it changed wholesale.
            const rows: MemoryRecord[] = step.texts.map((text) => ({
              id: `imported-${seed++}`,
              namespace: 'user:a',
              text,
              embedding: randomVector(seed++),
              createdAt: 0,
              updatedAt: 0,
              sourceTurnIds: [],
              eventTime: null,
            }));
            await db.memories.bulkPut(rows);
            await bank.changedWholesale();
          }
        }
        const fresh = LexicalIndex.create(
          (await db.memories.toArray()).map((m) => ({ id: m.id, namespace: m.namespace, text: m.text, eventTime: m.eventTime })),
        );
        const round = (hits: { id: string; score: number }[]) => hits.map((h) => `${h.id}:${h.score.toFixed(6)}`).sort();
        for (const q of ['dog', 'adopted cat', 'paris berlin', 'charity race camping']) {
          for (const namespaces of [undefined, ['user:b']]) {
            const opts = { k: 50, ...(namespaces ? { namespaces } : {}) };
            expect(round(bank.lexical.search(q, opts))).toEqual(round(fresh.search(q, opts)));
          }
        }
        bank.close();
      }),
      { numRuns: 15 },
    );
  });
});

describe('MemoryBank across tabs: no change lost to a rebuild, no half-open bank', () => {
  it('an update arriving while the other tab rebuilds its index (a slow worker) is still found there afterwards', async () => {
    const name = `bank-${Math.random()}`;
    const writer = await openBank(name);
    await writer.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'Alice likes tea', embedding: randomVector(20) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    // The reader's retrieval worker takes 300 ms per bulk load, as a busy worker did when this was found.
    const dense = await createVectorIndex({ dims: 384 });
    let slow = false;
    const slowIndex = {
      bulkLoad: async (entries: Parameters<typeof dense.bulkLoad>[0]) => {
        if (slow) await new Promise((r) => setTimeout(r, 300));
        return dense.bulkLoad(entries);
      },
      patch: (changes: Parameters<typeof dense.patch>[0]) => dense.patch(changes),
      search: (q: Float32Array, o: { k: number; namespaces?: string[] }) => dense.search(q, o),
    };
    const reader = await openBank(name, { index: slowIndex });
    slow = true;
    const rebuilding = reader.rebuildIndex();
    await new Promise((r) => setTimeout(r, 50));
    await writer.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'Alice moved to Lyon', embedding: randomVector(21) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await rebuilding;
    await until(async () => (await lexicalIds(reader, 'lyon')).length > 0);
    expect(await lexicalIds(reader, 'lyon')).toEqual(['Alice moved to Lyon']);
    expect((await nearest(reader, randomVector(21), 1))[0]?.memory.text).toBe('Alice moved to Lyon');
  });

  it('a bank whose index fails while opening is closed again, and does not patch that index on later changes', async () => {
    const name = `bank-${Math.random()}`;
    const disposed = () => Promise.reject(new Error('Retrieval client was disposed'));
    let patched = 0;
    const gone = {
      bulkLoad: disposed,
      patch: () => {
        patched += 1;
        return disposed();
      },
      search: disposed,
    };
    await expect(openBank(name, { index: gone })).rejects.toThrow('Retrieval client was disposed');
    const live = await openBank(name);
    await live.apply({
      namespace: 'user:a',
      ops: [{ op: 'ADD', text: 'after the failed open', embedding: randomVector(30) }],
      candidateIds: [],
      turnId: null,
      proposer: PROPOSER,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(patched).toBe(0);
  });
});
