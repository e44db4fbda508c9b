/**
 * The checker must catch each kind of loss: it is fed real banks (fake-indexeddb, the app's applyMemoryOps) that
 * were then corrupted on purpose, and a clean bank next to them so a checker that reports everything fails too.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMemoryOps } from '../applyMemoryOps';
import type { MemoryDB } from '../db';
import { openTestBank } from '../testing/bankFixtures';
import { snapshotBank } from './bankSnapshot';
import { checkBank, type ProblemKind } from './checkBank';
import { CommitRecord } from './commitRecord';
import { applyPlanToModel, createBatchGenerator, type PlannedBatch, toMemoryOpBatch } from './opBatches';

const NS = 'user:faults';

let db: MemoryDB;
let record: CommitRecord;
let plans: PlannedBatch[];

/** 12 committed batches of mixed ops, each recorded as the harness records them. */
async function fillBank(): Promise<void> {
  const generator = createBatchGenerator(7, NS);
  const alive = new Map<string, string>();
  for (let i = 0; i < 12; i++) {
    const plan = generator.next(alive, { minOps: 2, maxOps: 6 });
    record.issued(plan.tag, plan.ops);
    const result = await applyMemoryOps(db, toMemoryOpBatch(plan));
    if (!result.ok) throw new Error(`fixture batch refused: ${JSON.stringify(result.errors)}`);
    record.committed(plan.tag);
    applyPlanToModel(
      alive,
      plan,
      result.history.filter((h) => h.op === 'ADD').map((h) => h.memoryId!),
    );
    plans.push(plan);
  }
}

const kinds = async () => {
  const check = checkBank(await snapshotBank(db, NS), record.all());
  return { check, kinds: [...new Set(check.problems.map((p) => p.kind))].sort() as ProblemKind[] };
};

/** A committed batch with at least two ops whose first op is an ADD. */
const batchWithAdd = () => plans.find((p) => p.ops.length >= 2 && p.ops[0]!.op === 'ADD' && p.ops.some((o, i) => i > 0 && o.op !== 'DELETE'))!;

beforeEach(async () => {
  db = openTestBank();
  record = new CommitRecord();
  plans = [];
  await fillBank();
});

afterEach(async () => {
  await db.delete();
});

describe('checkBank', () => {
  it('passes an intact bank: every committed batch whole, every history replaying to its text', async () => {
    const { check } = await kinds();
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ batches: 12, present: 12, absent: 0, halfApplied: 0, lost: 0 });
  });

  it('accepts an in-flight batch that landed whole or not at all, including one cut by a fault mid-transaction', async () => {
    const generator = createBatchGenerator(99, NS);
    const alive = new Map((await db.memories.toArray()).map((m) => [m.id, m.text]));
    const failed = generator.next(alive, { minOps: 4, maxOps: 4 });
    record.issued(failed.tag, failed.ops);
    await expect(
      applyMemoryOps(db, toMemoryOpBatch(failed), {
        faults: {
          beforeWrite: (i) => {
            if (i === 2) throw new Error('killed at op 2');
          },
        },
      }),
    ).rejects.toThrow(/nothing of the batch was written/);
    const landed = generator.next(alive, { minOps: 3, maxOps: 3 });
    record.issued(landed.tag, landed.ops);
    expect((await applyMemoryOps(db, toMemoryOpBatch(landed))).ok).toBe(true);
    const { check } = await kinds();
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ batches: 14, present: 13, absent: 1, halfApplied: 0, lost: 0 });
  });

  it('reports a half-applied batch', async () => {
    const plan = batchWithAdd();
    // Take away the first op's effect and history row: the rest of the batch stays.
    const rows = await db.memoryHistory.where('turnId').equals(plan.tag).sortBy('seq');
    await db.memories.delete(rows[0]!.memoryId!);
    await db.memoryHistory.delete(rows[0]!.id);
    const { check, kinds: found } = await kinds();
    expect(check.halfApplied).toBe(1);
    expect(found).toContain('half-applied batch');
    expect(check.problems.find((p) => p.kind === 'half-applied batch')!.detail).toContain(`${plan.ops.length - 1} of ${plan.ops.length}`);
  });

  it('reports a missing history row: the memory it made has no history', async () => {
    const plan = plans.find((p) => p.ops.some((o) => o.op === 'ADD'))!;
    const rows = await db.memoryHistory.where('turnId').equals(plan.tag).toArray();
    const add = rows.find((r) => r.op === 'ADD' && r.memoryId && rows.every((o) => o === r || o.memoryId !== r.memoryId))!;
    const laterRows = await db.memoryHistory.where('memoryId').equals(add.memoryId!).count();
    await db.memoryHistory.delete(add.id);
    const { check, kinds: found } = await kinds();
    expect(found).toContain(plan.ops.length > 1 ? 'half-applied batch' : 'committed batch missing');
    // The memory either still exists with no history at all, or its later history no longer starts with an ADD.
    expect(found).toContain(
      laterRows === 1 ? ((await db.memories.get(add.memoryId!)) ? 'memory without history' : 'history does not replay') : 'history does not replay',
    );
    expect(check.lost + check.halfApplied).toBeGreaterThan(0);
  });

  it('reports a history that does not replay to the memory text', async () => {
    const memory = (await db.memories.toArray())[0]!;
    await db.memories.update(memory.id, { text: `${memory.text} (edited behind the history's back)` });
    const { check, kinds: found } = await kinds();
    expect(found).toEqual(['text differs from its history']);
    expect(check.lost).toBe(1);
  });

  it('reports a committed batch that is gone, and the memories it made', async () => {
    const plan = plans.find((p) => p.ops.every((o) => o.op === 'ADD')) ?? plans.find((p) => p.ops.some((o) => o.op === 'ADD'))!;
    const rows = await db.memoryHistory.where('turnId').equals(plan.tag).toArray();
    await db.memoryHistory.bulkDelete(rows.map((r) => r.id));
    const { check, kinds: found } = await kinds();
    expect(found).toContain('committed batch missing');
    expect(check.lost).toBeGreaterThan(1);
  });

  it('reports a memory lost after its history said it exists, and one deleted that is still there', async () => {
    const memory = (await db.memories.toArray())[0]!;
    await db.memories.delete(memory.id);
    const deleted = (await db.memoryHistory.where('op').equals('DELETE').toArray())[0];
    if (deleted) {
      const row = (await db.memoryHistory.where('memoryId').equals(deleted.memoryId!).toArray()).find((r) => r.op === 'ADD')!;
      await db.memories.add({
        id: deleted.memoryId!,
        namespace: NS,
        text: row.after!,
        embedding: new Float32Array(384).fill(0.05),
        createdAt: 0,
        updatedAt: 0,
        sourceTurnIds: [],
        eventTime: null,
      });
    }
    const { kinds: found } = await kinds();
    expect(found).toContain('memory lost');
    if (deleted) expect(found).toContain('deleted memory still present');
  });

  it('reports history rows nobody sent, and a batch whose rows say something else than was sent', async () => {
    const plan = plans.find((p) => p.ops.some((o) => o.op === 'UPDATE' || o.op === 'ADD'))!;
    const row = (await db.memoryHistory.where('turnId').equals(plan.tag).sortBy('seq')).find((r) => r.op !== 'DELETE')!;
    await db.memoryHistory.update(row.id, { after: 'something nobody sent' });
    await db.memoryHistory.add({ ...row, id: 'phantom', turnId: 'nobody', seq: 0 });
    const { kinds: found } = await kinds();
    expect(found).toContain('batch differs from what was sent');
    expect(found).toContain('history row of a batch nobody sent');
  });
});
