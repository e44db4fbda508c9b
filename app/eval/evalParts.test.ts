import { describe, expect, it } from 'vitest';
import { categoryLabel, isScoredCategory } from './categories';
import { buildContextAnswerMessages, parseContextAnswer } from './contextAnswerPrompt';
import { evidenceIds, selectQuestions } from './evalQuestions';
import { markdownTable, percentile, type QuestionResult, summarizePipeline } from './evalResults';
import { checkCheckpoint, type EvalCheckpoint, type EvalRunConfig } from './evalRunner';
import { readLocomoFixture } from './fixtures/locomoFixture';
import { buildJudgeMessages, parseJudgeReply } from './judge';
import { lexicalScores } from './metrics';
import { DEFAULT_PIPELINE_SETTINGS } from './pipelines/evalPipeline';
import { estimatePromptTokens, fittingTail } from './pipelines/fullContextPipeline';
import { mem0Decide } from './pipelines/mem0Pipeline';
import { parsePipelineList } from './pipelines/pipelines';
import { selectSplit, splitOf } from './splits';

const dev = readLocomoFixture();

describe('categories and splits', () => {
  it('labels codes with both naming schemes and scores all but 5', () => {
    expect(categoryLabel(1)).toBe('1 multi-hop (Mem0/Memory-R1: single-hop)');
    expect(categoryLabel(2)).toBe('2 temporal');
    expect(categoryLabel(9)).toBe('9 (unknown category)');
    expect([1, 2, 3, 4, 5].map(isScoredCategory)).toEqual([true, true, true, true, false]);
  });
  it("names Memory-R1's split: conv-26 train, conv-30 val, the rest test", () => {
    expect(['conv-26', 'conv-30', 'conv-41'].map(splitOf)).toEqual(['train', 'val', 'test']);
    expect(selectSplit(dev, 'val').map((c) => c.sampleId)).toEqual(['conv-30']);
    expect(selectSplit(dev, 'all')).toHaveLength(2);
    expect(() => selectSplit(dev, 'test')).toThrow('the file has no test conversations');
  });
});

describe('selectQuestions', () => {
  it('skips category 5, keeps questions whose evidence was ingested, and counts every skip', () => {
    const all = selectQuestions(selectSplit(dev, 'val'));
    expect(all.questions).toHaveLength(9);
    expect(all.skipped.adversarial).toBe(2);
    const first4 = selectQuestions(selectSplit(dev, 'val'), { maxTurns: 4 });
    expect(first4.questions.map((q) => q.index)).toEqual([0, 1, 4]);
    expect(first4.turns.get('conv-30')).toHaveLength(4);
    expect(first4.skipped).toMatchObject({ adversarial: 2, beyondMaxTurns: 5, noEvidence: 1 });
    expect(first4.skipped.beyondMaxTurns + first4.skipped.noEvidence + first4.questions.length + first4.skipped.adversarial).toBe(dev[1]!.questions.length);
    const limited = selectQuestions(selectSplit(dev, 'val'), { maxTurns: 4, limit: 2 });
    expect(limited.questions).toHaveLength(2);
    expect(limited.skipped.overLimit).toBe(1);
    expect(() => selectQuestions(dev, { limit: 0 })).toThrow('limit must be a positive whole number');
  });
  it('splits evidence written as one entry', () => {
    expect(evidenceIds(['D8:6; D9:17', 'D1:2'])).toEqual(['D8:6', 'D9:17', 'D1:2']);
  });
});

describe('the baselines’ answer prompt and the judge', () => {
  it('lists dated lines before the question and reads the JSON answer, keeping a raw reply visibly', () => {
    const m = buildContextAnswerMessages('Conversation', [{ date: '8 May 2023', text: 'Jon: hi' }], 'Who?');
    expect(m[1]!.content).toBe('Conversation:\n- 8 May 2023: Jon: hi\nQuestion: Who?');
    expect(parseContextAnswer('{"answer":" Jon "}')).toEqual({ answer: 'Jon', parsed: true });
    expect(parseContextAnswer('Jon, probably')).toEqual({ answer: 'Jon, probably', parsed: false });
  });
  it('reads the judge’s label from JSON or a lone word, and says when it cannot', () => {
    expect(buildJudgeMessages('q?', 'g', 'p')[1]!.content).toBe('Question: q?\nGold answer: g\nGenerated answer: p');
    expect(parseJudgeReply('{"label":"CORRECT"}')).toEqual({ label: 'CORRECT' });
    expect(parseJudgeReply('It is wrong.')).toEqual({ label: 'WRONG' });
    expect(parseJudgeReply('correct or wrong').label).toBeNull();
    expect(parseJudgeReply('').problem).toMatch(/names no single label/);
  });
});

describe('pipeline helpers', () => {
  it('full context keeps the longest tail that fits', () => {
    const lines = Array.from({ length: 10 }, (_, i) => ({ date: 'd', text: `line ${i}` }));
    expect(fittingTail(lines, (tail) => tail.length <= 4)).toBe(4);
    expect(fittingTail(lines, () => true)).toBe(10);
    expect(fittingTail(lines, () => false)).toBe(0);
    expect(estimatePromptTokens([{ role: 'user', content: 'x'.repeat(22) }])).toBe(10);
  });
  it('mem0’s heuristic: NOOP for a near-copy, UPDATE for a close memory, ADD otherwise, one op per memory', () => {
    const near = (score: number, id = 'm1', text = 'Jon likes jazz') => ({ id, text, score });
    expect(
      mem0Decide([
        { text: 'Jon likes jazz.', nearest: near(0.97) },
        { text: 'Jon likes jazz a lot', nearest: near(0.9) },
        { text: 'Jon has a dog', nearest: near(0.5, 'm2') },
        { text: 'Gina dances', nearest: null },
        { text: 'Jon likes rock', nearest: near(0.88, 'm3') },
      ]),
    ).toEqual([
      { kind: 'NOOP', factIndex: 0, id: 'm1' },
      { kind: 'ADD', factIndex: 1 },
      { kind: 'ADD', factIndex: 2 },
      { kind: 'ADD', factIndex: 3 },
      { kind: 'UPDATE', factIndex: 4, id: 'm3' },
    ]);
  });
  it('parses a pipeline list and names the known ones for an unknown', () => {
    expect(parsePipelineList('ours, rag,ours')).toEqual(['ours', 'rag']);
    expect(() => parsePipelineList('ours,bm25')).toThrow('unknown pipeline "bm25": use one or more of ours, mem0, rag, full');
  });
});

describe('results', () => {
  const result = (category: number, prediction: string, gold: string, judge: 'CORRECT' | 'WRONG' | null, latencyMs: number): QuestionResult => ({
    pipeline: 'rag',
    sampleId: 'conv-30',
    index: latencyMs,
    question: 'q',
    gold,
    category,
    prediction,
    context: [],
    shown: 0,
    problems: [],
    scores: lexicalScores(prediction, gold, category),
    judge,
    tokens: { calls: 1, promptTokens: 100, completionTokens: 10 },
    latencyMs,
  });
  it('nearest-rank percentiles', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBe(0);
  });
  it('sums up per category and overall, J over the judged only, and prints a table', () => {
    const s = summarizePipeline(
      'rag',
      [result(2, '7 May 2023', '7 May 2023', 'CORRECT', 10), result(2, 'x', 'y', null, 30), result(4, 'Paris', 'Rome', 'WRONG', 20)],
      null,
    );
    expect(s.overall).toMatchObject({ questions: 3, f1: 1 / 3, exactMatch: 1 / 3, judge: 0.5, judged: 2 });
    expect(s.byCategory.map((c) => [c.code, c.summary.questions, c.summary.judge])).toEqual([
      [2, 2, 1],
      [4, 1, 0],
    ]);
    expect(s).toMatchObject({ tokensPerQuestion: 110, latencyP50Ms: 20, latencyP95Ms: 30 });
    const table = markdownTable([s]);
    expect(table).toContain('| rag | 2 temporal | 2 | 50.0 |');
    expect(table).toContain('| rag | **overall** | 3 | 33.3 |');
    expect(table).toContain('| 50.0 | 110 | 20 | 30 |');
  });
  it('refuses a checkpoint of another run, naming what differs', () => {
    const config: EvalRunConfig = {
      data: 'd',
      split: 'val',
      pipelines: ['rag'],
      limit: null,
      maxTurns: 4,
      settings: DEFAULT_PIPELINE_SETTINGS,
      model: 'm',
      judgeModel: null,
      promptCache: false,
    };
    const cp: EvalCheckpoint = { version: 1, config, bankState: { nextId: 1, clock: 0 }, ingest: {}, results: [] };
    expect(() => checkCheckpoint(cp, config)).not.toThrow();
    expect(() => checkCheckpoint(cp, { ...config, model: 'other' })).toThrow('different run (model: checkpoint "m", now "other")');
  });
});
