/**
 * Stored Evaluation-page runs in a real Dexie database (fake-indexeddb in Node): written as a run goes, read back,
 * foreign rows refused rather than trusted; the eval CLI's JSON report imported as a run (bad files refused, nothing
 * stored), and a base and a trained model's reports compared. The two reports in ./fixtures have the shape of
 * bench:train's val-base.json and val-trained.json (config, questions, skipped, descriptions, summaries, results,
 * as scripts/eval.ts --out writes them) with made-up questions and answers, scored by app/eval/metrics.ts and
 * summarized by summarizePipeline as the CLI does: no LoCoMo text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { compareRuns } from '../../eval/compareRuns';
import type { QuestionResult } from '../../eval/evalResults';
import { DEFAULT_PIPELINE_SETTINGS } from '../../eval/pipelines/evalPipeline';
import { MemoryDB } from '../../memory/db';
import { comparedRun, importReport, newRunId, readRun, type StoredRunConfig, saveRun } from './evalRunStore';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const BASE_REPORT = fixture('cli-report-base.json');
const TRAINED_REPORT = fixture('cli-report-trained.json');

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
    const bad = { ...result('rag', 0, 0.5), prediction: 7 };
    expect(readRun({ id: 'x', startedAt: 1, finishedAt: null, status: 'done', config: config('m'), summaries: [], results: [bad] })).toBeNull();
    const twice = [result('rag', 0, 0.5), result('rag', 0, 1)];
    expect(readRun({ id: 'x', startedAt: 1, finishedAt: null, status: 'done', config: config('m'), summaries: [], results: twice })).toBeNull();
  });

  it("a row's summaries are recomputed from its answers, never read", () => {
    const run = readRun({
      id: 'x',
      startedAt: 1,
      finishedAt: 2,
      status: 'done',
      config: config('m'),
      summaries: [{ pipeline: 'rag', overall: { f1: 9 } }],
      results: [result('rag', 0, 0.5)],
    });
    expect(run?.summaries.map((s) => [s.pipeline, s.overall.f1])).toEqual([['rag', 0.5]]);
  });
});

describe("the eval CLI's report imported as a run", () => {
  it('the base and the trained reports import as two finished runs and compare question by question', async () => {
    const db = openDb();
    const a = await importReport(db, BASE_REPORT, 'val-base.json', 1000);
    const b = await importReport(db, TRAINED_REPORT, 'val-trained.json', 1001);
    expect(await db.evalRuns.count()).toBe(2);
    const [ra, rb] = [readRun((await db.evalRuns.get(a.id))!)!, readRun((await db.evalRuns.get(b.id))!)!];
    expect([ra.status, ra.config.model, ra.config.importedFrom, ra.results.length]).toEqual(['done', 'base.Q8_0', 'val-base.json', 8]);
    expect(rb.config.model).toBe('trained.Q8_0');

    const c = compareRuns(comparedRun(ra), comparedRun(rb));
    expect(c.sameQuestionsAndPrompts).toBe(true);
    expect(c.differences.settings).toEqual([{ field: 'model', a: 'base.Q8_0', b: 'trained.Q8_0' }]);
    expect(c.differences.promptsUnrecorded).toEqual([]);
    // The comparison's per-run numbers are the CLI's own summaries (all questions shared), overall and per category.
    const [sa, sb] = [JSON.parse(BASE_REPORT).summaries[0], JSON.parse(TRAINED_REPORT).summaries[0]];
    const evidence = c.pipelines[0]!;
    expect(evidence.pipeline).toBe('evidence');
    const f1 = evidence.overall.metrics.find((m) => m.metric === 'F1')!;
    expect(f1.a).toBeCloseTo(100 * sa.overall.f1, 10);
    expect(f1.b).toBeCloseTo(100 * sb.overall.f1, 10);
    const em = evidence.overall.metrics.find((m) => m.metric === 'EM')!;
    expect(em.delta).toBeCloseTo(100 * (sb.overall.exactMatch - sa.overall.exactMatch), 10);
    expect(evidence.byCategory.map((x) => x.code)).toEqual(sa.byCategory.map((x: { code: number }) => x.code));
    for (const [i, cat] of evidence.byCategory.entries()) {
      expect(cat.scores.questions).toBe(sa.byCategory[i].summary.questions);
      expect(cat.scores.metrics.find((m) => m.metric === 'BLEU-1')!.b).toBeCloseTo(100 * sb.byCategory[i].summary.bleu1, 10);
    }
    const differ = JSON.parse(BASE_REPORT).results.filter(
      (r: QuestionResult, i: number) => r.prediction.trim() !== JSON.parse(TRAINED_REPORT).results[i].prediction.trim(),
    ).length;
    expect(c.questions).toHaveLength(8);
    expect(c.questions.filter((q) => q.answersDiffer)).toHaveLength(differ);
    expect(differ).toBeGreaterThan(0);
    expect(differ).toBeLessThan(8);
  });

  it('a file that is not a report is refused with the file and the field named; nothing is stored', async () => {
    const db = openDb();
    const report = JSON.parse(BASE_REPORT);
    const refused = async (text: string) => {
      const error = await importReport(db, text, 'r.json', 1).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(await db.evalRuns.count()).toBe(0);
      return error;
    };
    expect(await refused('{"config": ')).toMatch(/^r\.json is not JSON/);
    expect(await refused(JSON.stringify({ ...report, results: undefined }))).toMatch(/^r\.json is not an evaluation report: results: /);
    const badScore = structuredClone(report);
    badScore.results[2].scores.f1 = '0.5';
    expect(await refused(JSON.stringify(badScore))).toMatch(/results\.2\.scores\.f1: /);
    const badPipeline = structuredClone(report);
    badPipeline.config.pipelines = ['mystery'];
    expect(await refused(JSON.stringify(badPipeline))).toMatch(/config\.pipelines\.0: /);
    expect(await refused(JSON.stringify({ ...report, results: [] }))).toMatch(/no answered question/);
    expect(await refused(JSON.stringify({ ...report, results: [report.results[0], report.results[0]] }))).toMatch(
      /lists a question twice \(evidence conv-b #0\)/,
    );
    // A LoCoMo data file picked by mistake.
    expect(await refused(JSON.stringify([{ sample_id: 'conv-b', qa: [] }]))).toMatch(/not an evaluation report/);
  });

  it('importing the same report twice stores two runs: nothing is overwritten', async () => {
    const db = openDb();
    const first = await importReport(db, BASE_REPORT, 'val-base.json', 5);
    const second = await importReport(db, BASE_REPORT, 'val-base.json', 5);
    expect(first.id).not.toBe(second.id);
    expect(await db.evalRuns.count()).toBe(2);
  });
});
