import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApplyResult, applyMemoryOps } from './applyMemoryOps';
import type { MemoryDB } from './db';
import { dumpBank } from './faults/bankSnapshot';
import { MemoryBankError } from './memoryBankError';
import type { MemoryOpBatch } from './memoryOps';
import { openTestBank, randomVector } from './testing/bankFixtures';
import { MANUAL_PROPOSER } from './types';

const PROPOSER = { model: 'SmolLM2-135M-Instruct-Q4_1', promptVersion: 'manager-v1' };
const NS = 'user:alice';

let db: MemoryDB;
let seed = 1;
const vec = () => randomVector(seed++);

function batch(ops: unknown[], candidateIds: string[] = [], extra: Partial<MemoryOpBatch> = {}): MemoryOpBatch {
  return { namespace: NS, ops, candidateIds, turnId: 'D1:3', proposer: PROPOSER, ...extra };
}

async function expectApplied(result: Promise<ApplyResult>) {
  const r = await result;
  if (!r.ok) throw new Error(`rejected: ${JSON.stringify(r.errors)}`);
  return r;
}

async function add(text: string) {
  const r = await expectApplied(applyMemoryOps(db, batch([{ op: 'ADD', text, embedding: vec() }])));
  return r.history[0]!.memoryId!;
}

beforeEach(() => {
  db = openTestBank();
});
afterEach(async () => {
  await db.delete();
});

describe('applyMemoryOps: applied batches', () => {
  it('ADD stores a unit-norm memory with its turn and date, and records who proposed it', async () => {
    const raw = vec().map((x) => x * 3);
    const r = await expectApplied(
      applyMemoryOps(db, batch([{ op: 'ADD', text: '  Alice adopted a dog named Buddy ', embedding: raw, eventTime: '2023-05-08' }]), { now: () => 1000 }),
    );
    const [memory] = await db.memories.toArray();
    expect(memory).toMatchObject({
      namespace: NS,
      text: 'Alice adopted a dog named Buddy',
      createdAt: 1000,
      updatedAt: 1000,
      sourceTurnIds: ['D1:3'],
      eventTime: '2023-05-08',
    });
    const norm = Math.sqrt(memory!.embedding.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
    expect(r.history).toEqual([
      expect.objectContaining({
        op: 'ADD',
        memoryId: memory!.id,
        before: null,
        after: 'Alice adopted a dog named Buddy',
        turnId: 'D1:3',
        model: PROPOSER.model,
        promptVersion: 'manager-v1',
        seq: 0,
      }),
    ]);
    expect(await db.memoryHistory.toArray()).toEqual(r.history);
    expect(r.changes.upserts.map((u) => u.id)).toEqual([memory!.id]);
  });

  it('UPDATE merges into the existing memory (Buddy + Scout → two dogs), keeping its id, creation time and turns', async () => {
    const id = await add('Alice adopted a dog named Buddy');
    const created = (await db.memories.get(id))!;
    const r = await expectApplied(
      applyMemoryOps(db, batch([{ op: 'UPDATE', id, text: 'Alice adopted two dogs, Buddy and Scout', embedding: vec() }], [id], { turnId: 'D2:7' })),
    );
    const memories = await db.memories.toArray();
    expect(memories).toHaveLength(1);
    expect(memories[0]).toMatchObject({ id, text: 'Alice adopted two dogs, Buddy and Scout', createdAt: created.createdAt, sourceTurnIds: ['D1:3', 'D2:7'] });
    expect(r.history[0]).toMatchObject({
      op: 'UPDATE',
      memoryId: id,
      before: 'Alice adopted a dog named Buddy',
      after: 'Alice adopted two dogs, Buddy and Scout',
      turnId: 'D2:7',
    });
  });

  it('DELETE removes the memory and keeps its last text in the history; NOOP writes only history', async () => {
    const a = await add('Alice lives in Berlin');
    const b = await add('Alice likes jazz');
    const before = await db.memories.get(b);
    const r = await expectApplied(applyMemoryOps(db, batch([{ op: 'DELETE', id: a }, { op: 'NOOP', id: b }, { op: 'NOOP' }], [a, b])));
    expect(await db.memories.get(a)).toBeUndefined();
    expect(await db.memories.get(b)).toEqual(before);
    expect(r.history.map((h) => [h.op, h.memoryId, h.before, h.after])).toEqual([
      ['DELETE', a, 'Alice lives in Berlin', null],
      ['NOOP', b, 'Alice likes jazz', 'Alice likes jazz'],
      ['NOOP', null, null, null],
    ]);
    expect(r.changes).toEqual({ upserts: [], removes: [a] });
    expect(new Set(r.history.map((h) => h.batchId)).size).toBe(1);
  });

  it('records manual edits as manual', async () => {
    const id = await add('Alice works as a nurse');
    const r = await expectApplied(
      applyMemoryOps(
        db,
        batch([{ op: 'UPDATE', id, text: 'Alice works as a counselor', embedding: vec() }], [id], { proposer: MANUAL_PROPOSER, turnId: null }),
      ),
    );
    expect(r.history[0]).toMatchObject({ model: 'manual', promptVersion: 'manual', turnId: null });
  });
});

describe('applyMemoryOps: every kind of bad op rejects the whole batch and leaves the bank byte-identical', () => {
  const good = () => ({ op: 'ADD', text: 'a new fact', embedding: vec() });
  const cases: [string, (ids: { a: string; b: string; gone: string; other: string }) => { ops: unknown[]; candidates?: string[] }, RegExp][] = [
    ['not an object', () => ({ ops: ['ADD Buddy'] }), /must be an object, got "ADD Buddy"/],
    ['null op', () => ({ ops: [null] }), /must be an object, got null/],
    ['unknown op', () => ({ ops: [{ op: 'MERGE', text: 'x', embedding: vec() }] }), /unknown operation "MERGE"/],
    ['lowercase op', () => ({ ops: [{ op: 'add', text: 'x', embedding: vec() }] }), /unknown operation "add"/],
    ['missing op', () => ({ ops: [{ text: 'x' }] }), /unknown operation undefined/],
    ['UPDATE without id', () => ({ ops: [{ op: 'UPDATE', text: 'x', embedding: vec() }] }), /UPDATE needs the id of a memory/],
    ['hallucinated id', () => ({ ops: [{ op: 'DELETE', id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }] }), /was not among the memories shown/],
    ['short id instead of the real one', (i) => ({ ops: [{ op: 'DELETE', id: '0' }], candidates: [i.a] }), /"0" was not among the memories shown/],
    ['real id not shown', (i) => ({ ops: [{ op: 'DELETE', id: i.b }], candidates: [i.a] }), /was not among the memories shown/],
    ['deleted meanwhile', (i) => ({ ops: [{ op: 'UPDATE', id: i.gone, text: 'x', embedding: vec() }], candidates: [i.gone] }), /no longer exists/],
    ['other namespace', (i) => ({ ops: [{ op: 'DELETE', id: i.other }], candidates: [i.other] }), /belongs to another namespace/],
    [
      'same memory twice',
      (i) => ({
        ops: [
          { op: 'UPDATE', id: i.a, text: 'y', embedding: vec() },
          { op: 'DELETE', id: i.a },
        ],
        candidates: [i.a],
      }),
      /already the target of operation 1/,
    ],
    ['empty text', () => ({ ops: [{ op: 'ADD', text: '', embedding: vec() }] }), /text is empty/],
    ['blank text', (i) => ({ ops: [{ op: 'UPDATE', id: i.a, text: ' \n\t ', embedding: vec() }], candidates: [i.a] }), /text is empty/],
    ['non-string text', () => ({ ops: [{ op: 'ADD', text: 42, embedding: vec() }] }), /text must be a string, got number/],
    ['text too long', () => ({ ops: [{ op: 'ADD', text: 'x'.repeat(2001), embedding: vec() }] }), /limit is 2000/],
    ['no embedding', () => ({ ops: [{ op: 'ADD', text: 'x' }] }), /embedding must be a Float32Array, got undefined/],
    ['plain-array embedding', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: Array.from(vec()) }] }), /got an array/],
    ['wrong dims', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: new Float32Array(3).fill(1) }] }), /3 dimensions; the bank uses 384/],
    ['NaN in embedding', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: vec().fill(Number.NaN, 5, 6) }] }), /non-finite/],
    ['zero embedding', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: new Float32Array(384) }] }), /all zeros/],
    ['bad eventTime', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: vec(), eventTime: 'last Saturday' }] }), /eventTime must be an ISO date/],
    ['bad sourceTurnIds', () => ({ ops: [{ op: 'ADD', text: 'x', embedding: vec(), sourceTurnIds: [1, 2] }] }), /sourceTurnIds must be an array of strings/],
    [
      'duplicate ADDs',
      () => ({
        ops: [
          { op: 'ADD', text: 'Likes tea', embedding: vec() },
          { op: 'ADD', text: ' likes  TEA', embedding: vec() },
        ],
      }),
      /operation 1 already adds this text/,
    ],
    [
      're-adding an existing fact',
      (i) => ({ ops: [{ op: 'ADD', text: 'alice lives in berlin', embedding: vec() }], candidates: [i.a] }),
      /already says this; use NOOP/,
    ],
    [
      'UPDATE that changes nothing',
      (i) => ({ ops: [{ op: 'UPDATE', id: i.a, text: 'Alice lives in Berlin', embedding: vec() }], candidates: [i.a] }),
      /unchanged; use NOOP/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, reason) => {
    const a = await add('Alice lives in Berlin');
    const b = await add('Alice likes jazz');
    const gone = await add('Alice is 30');
    await expectApplied(applyMemoryOps(db, batch([{ op: 'DELETE', id: gone }], [gone])));
    const other = (await expectApplied(applyMemoryOps(db, batch([{ op: 'ADD', text: 'Bob likes tea', embedding: vec() }], [], { namespace: 'user:bob' }))))
      .history[0]!.memoryId!;
    const before = await dumpBank(db);
    const { ops, candidates } = make({ a, b, gone, other });
    // A valid op in the same batch must not be written either.
    const r = await applyMemoryOps(db, batch([good(), ...ops], candidates ?? []));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.reason).join('\n')).toMatch(reason);
    expect(r.errors.every((e) => e.index >= -1 && e.index <= ops.length)).toBe(true);
    expect(await dumpBank(db)).toBe(before);
  });

  it('rejects an empty batch', async () => {
    const r = await applyMemoryOps(db, batch([]));
    expect(r).toEqual({ ok: false, errors: [{ index: -1, reason: 'the batch has no operations' }] });
    expect(await db.memoryHistory.count()).toBe(0);
  });

  it('reports every problem of every op at once, with its position', async () => {
    const r = await applyMemoryOps(
      db,
      batch([
        { op: 'ADD', text: '', embedding: new Float32Array(2) },
        { op: 'DELETE', id: 'nope' },
      ]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { index: 0, reason: 'text is empty' },
      { index: 0, reason: 'embedding has 2 dimensions; the bank uses 384' },
      { index: 1, reason: 'memory id "nope" was not among the memories shown' },
    ]);
  });
});

describe('applyMemoryOps: all or nothing', () => {
  it('an exception in the middle of a batch leaves no trace', async () => {
    const a = await add('Alice lives in Berlin');
    const before = await dumpBank(db);
    const ops = [
      { op: 'ADD', text: 'Alice adopted Buddy', embedding: vec() },
      { op: 'UPDATE', id: a, text: 'Alice lives in Paris', embedding: vec() },
      { op: 'ADD', text: 'Alice likes jazz', embedding: vec() },
    ];
    const failing = applyMemoryOps(db, batch(ops, [a]), {
      faults: {
        beforeWrite: (i) => {
          if (i === 2) throw new Error('simulated crash');
        },
      },
    });
    await expect(failing).rejects.toThrow(MemoryBankError);
    await expect(failing).rejects.toThrow(/nothing of the batch was written: simulated crash/);
    expect(await dumpBank(db)).toBe(before);
  });

  it('a full disk surfaces as a clear quota error and writes nothing', async () => {
    const before = await dumpBank(db);
    const failing = applyMemoryOps(
      db,
      batch([
        { op: 'ADD', text: 'x', embedding: vec() },
        { op: 'ADD', text: 'y', embedding: vec() },
      ]),
      {
        faults: {
          beforeWrite: (i) => {
            if (i === 1) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          },
        },
      },
    );
    await expect(failing).rejects.toMatchObject({ kind: 'quota', message: expect.stringMatching(/^Storage is full/) });
    expect(await dumpBank(db)).toBe(before);
  });

  it('two concurrent batches that delete the same memory: one applies, the other is rejected', async () => {
    const a = await add('Alice lives in Berlin');
    const [r1, r2] = await Promise.all([
      applyMemoryOps(db, batch([{ op: 'DELETE', id: a }], [a])),
      applyMemoryOps(db, batch([{ op: 'UPDATE', id: a, text: 'Alice lives in Paris', embedding: vec() }], [a])),
    ]);
    expect([r1.ok, r2.ok].sort()).toEqual([false, true]);
    const rejected = r1.ok ? r2 : r1;
    expect(!rejected.ok && rejected.errors[0]?.reason).toMatch(/no longer exists/);
  });
});
