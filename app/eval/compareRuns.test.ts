/**
 * Two runs side by side: matched by pipeline, conversation and question position; averaged over the questions both
 * answered; refused (with what differs) when the question sets or the prompt versions differ.
 */
import { describe, expect, it } from 'vitest';
import { type ComparedRun, compareRuns } from './compareRuns';
import type { QuestionResult } from './evalResults';
import { lexicalScores } from './metrics';
import { DEFAULT_PIPELINE_SETTINGS } from './pipelines/evalPipeline';

const PROMPTS = { rag: 'top-k raw turns by hybrid search (context-answer-v1)', full: 'whole conversation (context-answer-v1)' };

function answer(
  pipeline: 'rag' | 'full',
  index: number,
  gold: string,
  prediction: string,
  category = 4,
  judge: QuestionResult['judge'] = null,
): QuestionResult {
  return {
    pipeline,
    sampleId: 'conv-b',
    index,
    question: `question ${index} about ${gold}`,
    gold,
    category,
    prediction,
    context: [],
    shown: 3,
    problems: [],
    scores: lexicalScores(prediction, gold, category),
    judge,
    tokens: { calls: 1, promptTokens: 100, completionTokens: 10 },
    latencyMs: 20,
  };
}

function run(model: string, results: QuestionResult[], descriptions: Record<string, string> | null = PROMPTS): ComparedRun {
  return {
    config: {
      data: 'project.json#1',
      split: 'val',
      limit: null,
      maxTurns: null,
      settings: DEFAULT_PIPELINE_SETTINGS,
      model,
      judgeModel: null,
      promptCache: false,
    },
    descriptions,
    results,
  };
}

const base = run('base', [
  answer('rag', 0, 'Tallinn', 'Riga'),
  answer('rag', 1, '3 March 2021', 'March 2021', 2),
  answer('rag', 2, 'cello, ukulele', 'cello', 1),
  answer('full', 0, 'Tallinn', 'Tallinn'),
]);
const trained = run('trained', [
  answer('rag', 0, 'Tallinn', 'Tallinn'),
  answer('rag', 1, '3 March 2021', '3 March 2021', 2),
  answer('rag', 2, 'cello, ukulele', 'cello ', 1),
  answer('full', 0, 'Tallinn', 'Riga'),
]);

describe('compareRuns', () => {
  it('same questions, same prompts: overall and per category A, B and B − A in points; answers compared as text', () => {
    const c = compareRuns(base, trained);
    expect(c.sameQuestionsAndPrompts).toBe(true);
    expect(c.differences).toMatchObject({ onlyA: [], onlyB: [], changed: [], prompts: [], promptsUnrecorded: [] });
    expect(c.differences.settings).toEqual([{ field: 'model', a: 'base', b: 'trained' }]);
    expect(c.pipelines.map((p) => p.pipeline)).toEqual(['rag', 'full']);

    const rag = c.pipelines[0]!;
    const f1 = (r: QuestionResult[]) => (100 * r.reduce((s, x) => s + x.scores.f1, 0)) / r.length;
    const ragF1 = rag.overall.metrics.find((m) => m.metric === 'F1')!;
    expect(rag.overall.questions).toBe(3);
    expect(ragF1.a).toBeCloseTo(f1(base.results.slice(0, 3) as QuestionResult[]), 10);
    expect(ragF1.b).toBeCloseTo(f1(trained.results.slice(0, 3) as QuestionResult[]), 10);
    expect(ragF1.delta).toBeCloseTo(ragF1.b! - ragF1.a!, 10);
    expect(ragF1.delta).toBeGreaterThan(0);
    // No judge ran: J is missing on both sides, never 0.
    expect(rag.overall.metrics.find((m) => m.metric === 'J')).toEqual({ metric: 'J', a: null, b: null, delta: null });
    expect(rag.overall.metrics.map((m) => m.metric)).toEqual(['F1', 'BLEU-1', 'LoCoMo F1', 'EM', 'J']);

    expect(rag.byCategory.map((x) => [x.code, x.scores.questions])).toEqual([
      [1, 1],
      [2, 1],
      [4, 1],
    ]);
    const temporalEm = rag.byCategory.find((x) => x.code === 2)!.scores.metrics.find((m) => m.metric === 'EM')!;
    expect(temporalEm).toEqual({ metric: 'EM', a: 0, b: 100, delta: 100 });

    expect(c.questions.map((q) => [q.pipeline, q.index, q.answersDiffer])).toEqual([
      ['rag', 0, true],
      ['rag', 1, true],
      ['rag', 2, false], // "cello" and "cello ": the same answer
      ['full', 0, true],
    ]);
    expect(c.questions[0]).toMatchObject({ question: 'question 0 about Tallinn', gold: 'Tallinn', a: { prediction: 'Riga' }, b: { prediction: 'Tallinn' } });
  });

  it('J compares where both runs were judged; a run without a verdict shows none', () => {
    const judged = (model: string, labels: QuestionResult['judge'][]) =>
      run(
        model,
        labels.map((j, i) => answer('rag', i, 'x', 'x', 4, j)),
      );
    const c = compareRuns(judged('a', ['WRONG', 'CORRECT']), judged('b', ['CORRECT', 'CORRECT']));
    expect(c.pipelines[0]!.overall.metrics.find((m) => m.metric === 'J')).toEqual({ metric: 'J', a: 50, b: 100, delta: 50 });
    const half = compareRuns(judged('a', ['CORRECT', 'CORRECT']), judged('b', [null, null]));
    expect(half.pipelines[0]!.overall.metrics.find((m) => m.metric === 'J')).toEqual({ metric: 'J', a: 100, b: null, delta: null });
  });

  it('other question sets are refused with what differs; the numbers are over the questions both answered', () => {
    const other = run('trained', [
      answer('rag', 0, 'Tallinn', 'Tallinn'),
      // rag #1 not answered; rag #2 holds another gold (another data file); rag #7 and a pipeline A did not run.
      answer('rag', 2, 'violin', 'cello', 1),
      answer('rag', 7, 'Oslo', 'Oslo'),
      answer('full', 0, 'Tallinn', 'Riga'),
    ]);
    const c = compareRuns(base, other);
    expect(c.sameQuestionsAndPrompts).toBe(false);
    expect(c.differences.onlyA).toEqual([{ pipeline: 'rag', sampleId: 'conv-b', index: 1 }]);
    expect(c.differences.onlyB).toEqual([{ pipeline: 'rag', sampleId: 'conv-b', index: 7 }]);
    // The question text carries the gold here, so the question is what differs first.
    expect(c.differences.changed).toEqual([{ pipeline: 'rag', sampleId: 'conv-b', index: 2, field: 'question' }]);
    expect(c.questions.map((q) => `${q.pipeline}#${q.index}`)).toEqual(['rag#0', 'full#0']);
    const ragF1 = c.pipelines.find((p) => p.pipeline === 'rag')!.overall;
    expect(ragF1.questions).toBe(1);
    expect(ragF1.metrics.find((m) => m.metric === 'F1')).toEqual({ metric: 'F1', a: 0, b: 100, delta: 100 });
  });

  it('a changed gold alone, or a changed category, is another question too', () => {
    const goldChanged = run('t', [{ ...answer('full', 0, 'Tallinn', 'Tallinn'), gold: 'Tartu' }]);
    expect(compareRuns(run('b', [answer('full', 0, 'Tallinn', 'Tallinn')]), goldChanged).differences.changed).toEqual([
      { pipeline: 'full', sampleId: 'conv-b', index: 0, field: 'gold' },
    ]);
    const categoryChanged = run('t', [answer('full', 0, 'Tallinn', 'Tallinn', 2)]);
    const c = compareRuns(run('b', [answer('full', 0, 'Tallinn', 'Tallinn')]), categoryChanged);
    expect(c.differences.changed.map((x) => x.field)).toEqual(['category']);
    expect(c.sameQuestionsAndPrompts).toBe(false);
    expect(c.questions).toEqual([]);
    expect(c.pipelines).toEqual([]);
  });

  it('other prompt versions are refused, naming the pipeline and both versions; unrecorded ones are said so', () => {
    const newer = run('trained', trained.results as QuestionResult[], { ...PROMPTS, rag: 'top-k raw turns by hybrid search (context-answer-v2)' });
    const c = compareRuns(base, newer);
    expect(c.sameQuestionsAndPrompts).toBe(false);
    expect(c.differences.prompts).toEqual([{ pipeline: 'rag', a: PROMPTS.rag, b: 'top-k raw turns by hybrid search (context-answer-v2)' }]);
    expect(c.questions).toHaveLength(4);

    const old = compareRuns(run('old', base.results as QuestionResult[], null), trained);
    expect(old.differences.promptsUnrecorded).toEqual(['A']);
    expect(old.differences.prompts).toEqual([]);
    expect(old.sameQuestionsAndPrompts).toBe(true);
  });

  it('other settings are listed for the reader, field by field', () => {
    const other = run('base', base.results as QuestionResult[]);
    other.config = { ...other.config, maxTurns: 40, judgeModel: 'judge-7b', settings: { ...DEFAULT_PIPELINE_SETTINGS, contextTokens: 2048 } };
    expect(compareRuns(base, other).differences.settings).toEqual([
      { field: 'judge', a: 'none', b: 'judge-7b' },
      { field: 'turns ingested', a: 'none', b: '40' },
      { field: 'settings.contextTokens', a: String(DEFAULT_PIPELINE_SETTINGS.contextTokens), b: '2048' },
    ]);
  });
});
