/**
 * Stored Evaluation-page runs in a real Dexie database (fake-indexeddb in Node): written as a run goes, read back,
 * foreign rows refused rather than trusted, and two runs compared metric by metric.
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuestionResult } from '../../eval/evalResults';
import { DEFAULT_PIPELINE_SETTINGS } from '../../eval/pipelines/evalPipeline';
import { MemoryDB } from '../../memory/db';
import { compareRuns, newRunId, readRun, type StoredRun, type StoredRunConfig, saveRun } from './evalRunStore';

const config = (model: string): StoredRunConfig => ({
  data: 'locomo-fixture.json#abc',
  split: 'val',
  pipelines: ['rag', 'full'],
  limit: 3,
  maxTurns: 4,
  settings: DEFAULT_PIPELINE_SETTINGS,
  model,
  judgeModel: null,
  promptCache: false,
  questions: 3,
  skipped: { adversarial: 1, beyondMaxTurns: 2, noEvidence: 0, overLimit: 0 },
});

const result = (pipeline: 'rag' | 'full', index: number, f1: number, judge: 'CORRECT' | 'WRONG' | null = null): QuestionResult => ({
  pipeline,
  sampleId: 'conv-30',
  index,
  question: 'q',
  gold: 'g',
  category: 4,
  prediction: 'p',
  context: [],
  shown: 0,
  problems: [],
  scores: { f1, bleu1: f1 / 2, locomoF1: f1, exactMatch: 0 },
  judge,
  tokens: { calls: 1, promptTokens: 10, completionTokens: 2 },
  latencyMs: 5,
});

let n = 0;
const dbs: MemoryDB[] = [];
const openDb = () => {
  n += 1;
  const db = new MemoryDB(`eval-runs-test-${process.pid}-${n}`, { indexedDB, IDBKeyRange });
  dbs.push(db);
  return db;
};
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

describe('stored evaluation runs', () => {
  it('a run is written when it starts, rewritten after each answer, and reads back with its summaries', async () => {
    const db = openDb();
    const id = newRunId(1_700_000_000_000);
    const base = { id, startedAt: 1_700_000_000_000, finishedAt: null, status: 'running' as const, config: config('base') };
    await saveRun(db, { ...base, results: [] });
    expect(readRun((await db.evalRuns.get(id))!)).toMatchObject({ status: 'running', results: [], summaries: [] });

    await saveRun(db, { ...base, results: [result('rag', 0, 0.5)] });
    await saveRun(db, { ...base, status: 'done', finishedAt: 1_700_000_000_500, results: [result('rag', 0, 0.5), result('rag', 1, 1), result('full', 0, 0)] });
    expect(await db.evalRuns.count()).toBe(1);
    const run = readRun((await db.evalRuns.get(id))!)!;
    expect(run.status).toBe('done');
    expect(run.config.skipped.beyondMaxTurns).toBe(2);
    expect(run.summaries.map((s) => [s.pipeline, s.overall.questions, s.overall.f1])).toEqual([
      ['rag', 2, 0.75],
      ['full', 1, 0],
    ]);
  });

  it('a row this page did not write is reported unreadable, not trusted', () => {
    expect(readRun({ id: 'x', startedAt: 1, finishedAt: null, status: 'done', config: { split: 'conv-26' }, summaries: [], results: [] })).toBeNull();
    expect(readRun({ id: 'x', startedAt: 1, finishedAt: null, status: 'done', config: config('m'), summaries: [{ pipeline: 'rag' }], results: [] })).toBeNull();
  });

  it('two runs side by side: per pipeline and metric, A, B and B − A in points; J missing stays missing', async () => {
    const db = openDb();
    const mk = async (model: string, results: QuestionResult[]): Promise<StoredRun> => {
      const id = newRunId(Date.now());
      await saveRun(db, { id, startedAt: 1, finishedAt: 2, status: 'done', config: { ...config(model), judgeModel: model }, results });
      return readRun((await db.evalRuns.get(id))!)!;
    };
    const a = await mk('base', [result('rag', 0, 0.2, 'WRONG'), result('rag', 1, 0.4, 'CORRECT')]);
    const b = await mk('trained', [result('rag', 0, 0.6, 'CORRECT'), result('rag', 1, 0.8, 'CORRECT'), result('full', 0, 1, null)]);
    const rows = compareRuns(a, b);
    const f1 = rows.find((r) => r.pipeline === 'rag' && r.metric === 'F1')!;
    expect(f1.a).toBeCloseTo(30, 10);
    expect(f1.b).toBeCloseTo(70, 10);
    expect(f1.delta).toBeCloseTo(40, 10);
    expect(rows.find((r) => r.pipeline === 'rag' && r.metric === 'J')).toMatchObject({ a: 50, b: 100, delta: 50 });
    // full only in B, and judged by nobody there: no number is made up.
    expect(rows.find((r) => r.pipeline === 'full' && r.metric === 'F1')).toMatchObject({ a: null, b: 100, delta: null });
    expect(rows.find((r) => r.pipeline === 'full' && r.metric === 'J')).toMatchObject({ a: null, b: null, delta: null });
  });
});
