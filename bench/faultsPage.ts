// Loaded by bench/faults.html in headless Chromium (Vite dev server): the parts of the fault harness that need the
// app's modules in the page — the soak (10k memories, then 1k batches, then a from-scratch index to compare
// with), the durability cost, and the hostile inputs (malformed bank files, malformed model replies) — each on a
// bank of its own, opened with the app's own code (MemoryDB, the retrieval worker, MemoryBank, importBank, the
// Memory Manager).
import { createMemoryManager, type DialogueTurn } from '../app/agent/memoryManager';
import { malformedReplies } from '../app/agent/testing/malformedModelOutputs';
import { createScriptedLlmClient } from '../app/agent/testing/scriptedLlmClient';
import { createHashingEmbedder, hashingEmbedding } from '../app/embed/testing/hashingEmbedder';
import { mulberry32 } from '../app/lib/seededRandom';
import { applyMemoryOps } from '../app/memory/applyMemoryOps';
import { MemoryDB } from '../app/memory/db';
import { BankImportError, exportBank } from '../app/memory/exportImport';
import { importBank } from '../app/memory/exportImportPlan';
import { dumpBank, snapshotBank } from '../app/memory/faults/bankSnapshot';
import { type BankProblem, checkBank } from '../app/memory/faults/checkBank';
import { CommitRecord } from '../app/memory/faults/commitRecord';
import { malformedImports, seedHostileBank } from '../app/memory/faults/malformedImports';
import { applyPlanToModel, type BatchMix, createBatchGenerator, type PlannedBatch, toMemoryOpBatch } from '../app/memory/faults/opBatches';
import { MemoryBank } from '../app/memory/memoryBank';
import { createRetrievalClient } from '../app/memory/retrievalClient';
import { MANUAL_PROPOSER } from '../app/memory/types';
import { hybridSearch } from '../app/retrieval/hybridSearch';
import { LexicalIndex } from '../app/retrieval/lexicalIndex';

async function freshDb(name: string, options?: ConstructorParameters<typeof MemoryDB>[1]): Promise<MemoryDB> {
  await new MemoryDB(name).delete();
  return new MemoryDB(name, options);
}

const p95 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Applies `plan` through `apply`, records it, and keeps `alive` in step; the apply's wall time in ms. */
async function applyRecorded(
  apply: (plan: PlannedBatch) => Promise<Awaited<ReturnType<typeof applyMemoryOps>>>,
  plan: PlannedBatch,
  record: CommitRecord,
  alive: Map<string, string>,
): Promise<number> {
  record.issued(plan.tag, plan.ops);
  const t0 = performance.now();
  const result = await apply(plan);
  const ms = performance.now() - t0;
  if (!result.ok) throw new Error(`valid batch ${plan.tag} refused: ${result.errors.map((e) => e.reason).join('; ')}`);
  record.committed(plan.tag);
  applyPlanToModel(
    alive,
    plan,
    result.history.filter((h) => h.op === 'ADD').map((h) => h.memoryId!),
  );
  return ms;
}

async function seedBank(
  apply: (plan: PlannedBatch) => ReturnType<typeof applyMemoryOps>,
  generator: ReturnType<typeof createBatchGenerator>,
  record: CommitRecord,
  alive: Map<string, string>,
  count: number,
): Promise<void> {
  for (let n = 0; n < count; n += 500) {
    const size = Math.min(500, count - n);
    await applyRecorded(apply, generator.next(alive, { minOps: size, maxOps: size, add: 1, update: 0, delete: 0 }), record, alive);
  }
}

export interface SoakResult {
  memories: number;
  batches: number;
  firstP95Ms: number;
  lastP95Ms: number;
  medianMs: number;
  growth: number;
  halfApplied: number;
  lost: number;
  problems: BankProblem[];
  queries: number;
  /** Queries whose hybrid results (ids, order, rank in each retriever) differ from a from-scratch index's. */
  indexMismatches: number;
  mismatchExample: string | null;
}

async function runSoak(seed: number, seedMemories: number, batches: number): Promise<SoakResult> {
  const namespace = 'user:soak';
  const db = await freshDb('memory-r1-faults-soak');
  const index = await createRetrievalClient();
  const bank = await MemoryBank.open({ db, index, channelName: null });
  const record = new CommitRecord();
  const alive = new Map<string, string>();
  const generator = createBatchGenerator(seed, namespace, 'soak');
  const apply = (plan: PlannedBatch) => bank.apply(toMemoryOpBatch(plan));
  await seedBank(apply, generator, record, alive, seedMemories);
  const times: number[] = [];
  for (let i = 0; i < batches; i++) times.push(await applyRecorded(apply, generator.next(alive), record, alive));

  const check = checkBank(await snapshotBank(db, namespace), record.all());
  // From scratch: a new lexical index and a new dense index (a second retrieval worker), both from IndexedDB.
  const rows = await db.memories.where('namespace').equals(namespace).toArray();
  const lexical = LexicalIndex.create(rows.map((m) => ({ id: m.id, namespace: m.namespace, text: m.text, eventTime: m.eventTime })));
  const dense = await createRetrievalClient();
  await dense.bulkLoad(rows.map((m) => ({ id: m.id, namespace: m.namespace, vector: m.embedding })));
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const texts = [...alive.values()];
  let indexMismatches = 0;
  let mismatchExample: string | null = null;
  const queries = 100;
  for (let q = 0; q < queries; q++) {
    const words = texts[Math.floor(rand() * texts.length)]!.split(' ');
    const text = words.slice(0, 2 + Math.floor(rand() * 3)).join(' ');
    const vector = hashingEmbedding(text);
    const options = { k: 60, namespaces: [namespace] };
    const got = await bank.hybridSearch(text, vector, options);
    const want = await hybridSearch({ lexical, dense }, { text, vector }, options);
    const a = JSON.stringify(got.hits.map((h) => [h.memory.id, h.ranks]));
    const b = JSON.stringify(want.results.map((r) => [r.id, r.ranks]));
    if (a !== b) {
      indexMismatches++;
      mismatchExample ??= `query ${JSON.stringify(text)}: bank ${a.slice(0, 300)} vs rebuilt ${b.slice(0, 300)}`;
    }
  }
  dense.dispose();
  bank.close();
  index.dispose();
  db.close();
  const firstP95Ms = p95(times.slice(0, 100));
  const lastP95Ms = p95(times.slice(-100));
  return {
    memories: rows.length,
    batches,
    firstP95Ms,
    lastP95Ms,
    medianMs: median(times),
    growth: lastP95Ms / firstP95Ms,
    halfApplied: check.halfApplied,
    lost: check.lost,
    problems: check.problems.slice(0, 5),
    queries,
    indexMismatches,
    mismatchExample,
  };
}

type Durability = 'default' | 'relaxed' | 'strict';
export interface DurabilityResult {
  mode: Durability;
  batches: number;
  medianMs: number;
  p95Ms: number;
  meanMs: number;
}

/**
 * The same generated batches applied (applyMemoryOps, one transaction each) to three banks opened with each
 * durability hint, in interleaved rounds with the order rotating, so drift and noise fall on all three alike.
 */
async function runDurability(seed: number, seedMemories: number, batchesPerMode: number): Promise<DurabilityResult[]> {
  const modes: Durability[] = ['default', 'relaxed', 'strict'];
  const banks = await Promise.all(
    modes.map(async (mode) => {
      const db = await freshDb(`memory-r1-faults-durability-${mode}`, { chromeTransactionDurability: mode });
      const alive = new Map<string, string>();
      const generator = createBatchGenerator(seed, 'user:durability', `d-${mode}`);
      const record = new CommitRecord();
      const apply = (plan: PlannedBatch) => applyMemoryOps(db, toMemoryOpBatch(plan));
      await seedBank(apply, generator, record, alive, seedMemories);
      return { mode, db, alive, generator, record, apply, times: [] as number[] };
    }),
  );
  const round = 10;
  for (let r = 0; r * round < batchesPerMode; r++) {
    for (let k = 0; k < banks.length; k++) {
      const b = banks[(k + r) % banks.length]!;
      for (let i = 0; i < round; i++) b.times.push(await applyRecorded(b.apply, b.generator.next(b.alive), b.record, b.alive));
    }
  }
  for (const b of banks) b.db.close();
  return banks.map((b) => ({
    mode: b.mode,
    batches: b.times.length,
    medianMs: median(b.times),
    p95Ms: p95(b.times),
    meanMs: b.times.reduce((s, x) => s + x, 0) / b.times.length,
  }));
}

export interface HostileResult {
  tried: number;
  rejected: number;
  /** Accepted, or refused without a reason. */
  accepted: number;
  /** The bank differed afterwards. */
  changed: number;
  kinds: Record<string, number>;
  examples: string[];
}

/** A small bank with every table filled: the valid file the malformed ones are made from, and the bank they hit. */
async function smallBank(name: string): Promise<{ db: MemoryDB; bank: MemoryBank; index: Awaited<ReturnType<typeof createRetrievalClient>> }> {
  const db = await freshDb(name);
  const index = await createRetrievalClient();
  const bank = await MemoryBank.open({ db, index, channelName: null, lexicalPersistDelayMs: null });
  await seedHostileBank(db, (plan) => bank.apply(toMemoryOpBatch(plan, MANUAL_PROPOSER)));
  await bank.persistLexicalIndex();
  return { db, bank, index };
}

async function runHostileImports(count: number, seed: number): Promise<HostileResult> {
  const { db, bank, index } = await smallBank('memory-r1-faults-imports');
  const valid = await (await exportBank(db)).text();
  let before = await dumpBank(db);
  const result: HostileResult = { tried: 0, rejected: 0, accepted: 0, changed: 0, kinds: {}, examples: [] };
  for (const bad of malformedImports(valid, count, seed)) {
    result.tried++;
    result.kinds[bad.kind] = (result.kinds[bad.kind] ?? 0) + 1;
    try {
      const summary = await importBank(db, new Blob([bad.content as BlobPart], { type: 'application/json' }));
      result.accepted++;
      result.examples.push(`ACCEPTED ${bad.kind}: ${JSON.stringify(summary)}`);
    } catch (error) {
      if (error instanceof BankImportError && error.message.length > 0) {
        result.rejected++;
        if (result.examples.length < 4 && result.tried % 97 === 1) result.examples.push(`${bad.kind}: ${error.message.slice(0, 160)}`);
      } else {
        result.accepted++;
        result.examples.push(`NO REASON ${bad.kind}: ${String(error)}`);
      }
    }
    const after = await dumpBank(db);
    if (after !== before) {
      result.changed++;
      result.examples.push(`CHANGED by ${bad.kind}`);
      // Count each input that changes the bank once, not every input after it.
      before = after;
    }
  }
  bank.close();
  index.dispose();
  db.close();
  return result;
}

const TURN: DialogueTurn = {
  speaker: 'Melanie',
  text: 'I paint with my kids now, and I sold my red car.',
  sessionTime: '2023-05-25',
  turnId: 'D2:3',
  namespace: 'user:melanie',
};
const FACTS_REPLY = JSON.stringify({ facts: ['Melanie likes painting with her kids.', 'Melanie sold her red car.'] });
const STORED = ['Melanie likes running.', 'Melanie has two kids.', 'Melanie owns a red car.'];

async function runHostileReplies(count: number, seed: number): Promise<HostileResult> {
  const db = await freshDb('memory-r1-faults-replies');
  const index = await createRetrievalClient();
  const bank = await MemoryBank.open({ db, index, channelName: null, lexicalPersistDelayMs: null });
  const seeded = await bank.apply({
    namespace: TURN.namespace,
    ops: STORED.map((text) => ({ op: 'ADD', text, embedding: hashingEmbedding(text) })),
    candidateIds: [],
    turnId: null,
    proposer: MANUAL_PROPOSER,
  });
  if (!seeded.ok) throw new Error('seed refused');
  await bank.persistLexicalIndex();
  const run = (replies: string[]) => createMemoryManager({ llm: createScriptedLlmClient(replies), embedder: createHashingEmbedder(), bank }).processTurn(TURN);
  // What the manager shows for TURN's facts, so replies can aim at the real short ids and texts.
  const probe = await run([FACTS_REPLY, '', '']);
  if (probe.status !== 'rejected' || probe.candidates.length !== 3) throw new Error(`probe: ${probe.status}, ${probe.candidates.length} shown`);
  const shown = [...probe.candidates].sort((a, b) => Number(a.shortId) - Number(b.shortId)).map((c) => c.text);
  let before = await dumpBank(db);
  const result: HostileResult = { tried: 0, rejected: 0, accepted: 0, changed: 0, kinds: {}, examples: [] };
  for (const bad of malformedReplies(shown, count, seed)) {
    result.tried++;
    result.kinds[bad.kind] = (result.kinds[bad.kind] ?? 0) + 1;
    const r = await run([FACTS_REPLY, bad.output, bad.output]);
    const reasons = r.status === 'rejected' ? r.attemptErrors.map((e) => e.join('\n')) : [];
    if (r.status === 'rejected' && r.stage === 'memory-update' && reasons.length === 2 && reasons.every((x) => bad.reason.test(x))) result.rejected++;
    else {
      result.accepted++;
      result.examples.push(`${r.status.toUpperCase()} ${bad.kind}: ${JSON.stringify(bad.output).slice(0, 120)} → ${JSON.stringify(reasons).slice(0, 200)}`);
    }
    const after = await dumpBank(db);
    if (after !== before) {
      result.changed++;
      result.examples.push(`CHANGED by ${bad.kind}`);
      before = after;
    }
  }
  bank.close();
  index.dispose();
  db.close();
  return result;
}

export interface ImportConflictResult {
  rounds: number;
  /** Memories of the bank whose text an import of an older export changed (the bank's version was newer). */
  overwrittenSilently: number;
  /** Memories deleted in the bank after the export that the import brought back. */
  resurrected: number;
  /** Memories whose namespace an import changed (a file with the bank's ids under another namespace). */
  crossNamespaceMoves: number;
  /** What the imports reported doing, summed: memories kept as the bank had them, refused rows. */
  keptBank: number;
  notRestored: number;
  refused: number;
}

/**
 * Import conflicts with the default choice: a bank exported, then changed (updates, deletes, additions) and the old
 * export imported back; then a file holding the bank's ids under another namespace. Nothing of the bank's may be
 * overwritten, brought back or moved.
 */
async function runImportConflicts(rounds: number, seed: number): Promise<ImportConflictResult> {
  const result: ImportConflictResult = { rounds, overwrittenSilently: 0, resurrected: 0, crossNamespaceMoves: 0, keptBank: 0, notRestored: 0, refused: 0 };
  for (let round = 0; round < rounds; round++) {
    const db = await freshDb(`memory-r1-faults-conflicts-${round}`);
    const alive = new Map<string, string>();
    const generator = createBatchGenerator(seed * 1000 + round, 'user:me', `c${round}`);
    const run = async (mix: Partial<BatchMix>) => {
      const plan = generator.next(alive, mix);
      const applied = await applyMemoryOps(db, toMemoryOpBatch(plan, MANUAL_PROPOSER));
      if (!applied.ok) throw new Error(`conflict fixture batch refused: ${JSON.stringify(applied.errors)}`);
      applyPlanToModel(
        alive,
        plan,
        applied.history.filter((h) => h.op === 'ADD').map((h) => h.memoryId!),
      );
    };
    for (let i = 0; i < 3; i++) await run({ minOps: 4, maxOps: 8, add: 1, update: 0.2, delete: 0 });
    const oldExport = await exportBank(db);
    const exported = new Set(alive.keys());
    for (let i = 0; i < 2; i++) await run({ minOps: 3, maxOps: 6, add: 0.3, update: 1, delete: 1 });
    const before = new Map((await db.memories.toArray()).map((m) => [m.id, m]));
    const deletedHere = [...exported].filter((id) => !before.has(id));

    // The same ids under another namespace, each with the history that makes the file consistent.
    const other = await freshDb(`memory-r1-faults-conflicts-evil-${round}`);
    const stolen = [...before.values()].slice(0, 3).map((m) => ({ ...m, namespace: 'user:evil', text: `${m.text} (evil)` }));
    await other.memories.bulkPut(stolen);
    await other.memoryHistory.bulkPut(
      stolen.map((m, i) => ({
        id: `evil-h-${round}-${i}`,
        batchId: `evil-${round}`,
        seq: i,
        op: 'ADD' as const,
        memoryId: m.id,
        namespace: m.namespace,
        before: null,
        after: m.text,
        turnId: null,
        at: m.updatedAt,
        model: 'manual',
        promptVersion: 'manual',
      })),
    );
    const evilFile = await exportBank(other);
    other.close();

    for (const file of [oldExport, evilFile]) {
      const summary = await importBank(db, file);
      result.keptBank += summary.memories.keptBank;
      result.notRestored += summary.memories.notRestored;
      result.refused += summary.refusedOtherNamespace;
    }
    const after = new Map((await db.memories.toArray()).map((m) => [m.id, m]));
    for (const [id, m] of before) {
      const now = after.get(id);
      if (now && now.namespace !== m.namespace) result.crossNamespaceMoves++;
      else if (now && now.text !== m.text) result.overwrittenSilently++;
    }
    result.resurrected += deletedHere.filter((id) => after.has(id)).length;
    db.close();
  }
  return result;
}

export type { BatchMix };

const api = { runSoak, runDurability, runHostileImports, runHostileReplies, runImportConflicts };
export type FaultsPageApi = typeof api;
(globalThis as unknown as { faults: FaultsPageApi }).faults = api;
document.title = 'ready';
