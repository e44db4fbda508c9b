/**
 * Seeded generator of memory-operation batches for the fault harness: mixed ADD / UPDATE / DELETE against the
 * memories a bank holds now, always valid (distinct targets, texts that change something, no duplicate text), so
 * every batch the bank refuses or half-writes is the bank's fault, not the generator's. Runs in Node (the e2e and
 * bench drivers) and in the page (the soak) alike.
 */
import { hashingEmbedding } from '../../embed/testing/hashingEmbedder';
import { mulberry32 } from '../../lib/seededRandom';
import type { MemoryOp, MemoryOpBatch } from '../memoryOps';

export type PlannedOp = { op: 'ADD'; text: string } | { op: 'UPDATE'; id: string; text: string } | { op: 'DELETE'; id: string };

export interface PlannedBatch {
  tag: string;
  namespace: string;
  ops: PlannedOp[];
  /** The memories the batch names (its UPDATE / DELETE targets): the bank validates against these. */
  candidateIds: string[];
}

export interface BatchMix {
  minOps: number;
  maxOps: number;
  /** Shares of ADD, UPDATE, DELETE among ops that can target a memory; ADD alone when the bank is empty. */
  add: number;
  update: number;
  delete: number;
}

export const DEFAULT_MIX: BatchMix = { minOps: 1, maxOps: 8, add: 0.5, update: 0.3, delete: 0.2 };

const WORDS = [
  'Alice',
  'Bob',
  'Caroline',
  'Melanie',
  'adopted',
  'a',
  'dog',
  'cat',
  'named',
  'Buddy',
  'moved',
  'to',
  'Paris',
  'Berlin',
  'works',
  'as',
  'counselor',
  'painter',
  'likes',
  'running',
  'hiking',
  'camping',
  'in',
  'June',
  'May',
  'sold',
  'her',
  'red',
  'car',
  'bike',
  'plays',
  'violin',
  'on',
  'Sundays',
  'visited',
  'grandmother',
  'started',
  'pottery',
  'class',
  'reads',
];

export interface BatchGenerator {
  /** The next batch against `alive` (id → text of the memories in the namespace now). */
  next(alive: ReadonlyMap<string, string>, mix?: Partial<BatchMix>): PlannedBatch;
}

/** `prefix` makes tags (and so texts) unique across runs sharing a bank. */
export function createBatchGenerator(seed: number, namespace: string, prefix = `b${seed}`): BatchGenerator {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let counter = 0;
  const sentence = (tag: string, k: number) => {
    const n = 3 + Math.floor(rand() * 6);
    return `${Array.from({ length: n }, () => pick(WORDS)).join(' ')} (${tag}.${k})`;
  };
  return {
    next(alive, partial = {}) {
      const mix = { ...DEFAULT_MIX, ...partial };
      const tag = `${prefix}-${counter++}`;
      const size = mix.minOps + Math.floor(rand() * (mix.maxOps - mix.minOps + 1));
      const ids = [...alive.keys()];
      const targeted = new Set<string>();
      const ops: PlannedOp[] = [];
      for (let k = 0; k < size; k++) {
        const r = rand() * (mix.add + mix.update + mix.delete);
        const kind = r < mix.add ? 'ADD' : r < mix.add + mix.update ? 'UPDATE' : 'DELETE';
        let target: string | undefined;
        if (kind !== 'ADD') {
          // A few tries at an untargeted memory; on a small bank fall back to ADD.
          for (let t = 0; t < 4 && ids.length > 0 && target === undefined; t++) {
            const id = ids[Math.floor(rand() * ids.length)]!;
            if (!targeted.has(id)) target = id;
          }
        }
        if (kind === 'ADD' || target === undefined) ops.push({ op: 'ADD', text: sentence(tag, k) });
        else {
          targeted.add(target);
          ops.push(kind === 'UPDATE' ? { op: 'UPDATE', id: target, text: sentence(tag, k) } : { op: 'DELETE', id: target });
        }
      }
      return { tag, namespace, ops, candidateIds: [...targeted] };
    },
  };
}

/** The batch as the bank takes it: embeddings of each new text, the tag as turnId (history rows carry it). */
export function toMemoryOpBatch(plan: PlannedBatch, proposer = { model: 'faults', promptVersion: 'faults' }): MemoryOpBatch {
  const ops: MemoryOp[] = plan.ops.map((op) => (op.op === 'DELETE' ? { ...op } : { ...op, embedding: hashingEmbedding(op.text) }));
  return { namespace: plan.namespace, ops, candidateIds: plan.candidateIds, turnId: plan.tag, proposer };
}

/** `alive` after a batch committed, given the ids its ADDs got (in op order). */
export function applyPlanToModel(alive: Map<string, string>, plan: PlannedBatch, addedIds: readonly string[]): void {
  let a = 0;
  for (const op of plan.ops) {
    if (op.op === 'ADD') alive.set(addedIds[a++]!, op.text);
    else if (op.op === 'UPDATE') alive.set(op.id, op.text);
    else alive.delete(op.id);
  }
}
