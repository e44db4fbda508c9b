/**
 * Two evaluation runs side by side (typically the base model's and the trained model's: the same questions and
 * prompts, another model). Questions are matched by pipeline, conversation (sample id) and position in its QA
 * list; a match whose question, gold answer or category text differs is not the same question. Scores are
 * recomputed from the questions both runs answered, so A and B are always averaged over the same set.
 *
 * Two runs that scored different question sets or ran different prompt versions are not comparable as they are:
 * the comparison says what differs, and `comparable` is false until the caller accepts the intersection. What
 * else differs (model, judge, data file, turns, retrieval settings) is listed for the reader, not refused: a
 * different model is the point, and the rest is the reader's call.
 */
import type { PipelineSummary, QuestionResult, ScoreSummary } from './evalResults';
import { summarizePipeline } from './evalResults';
import type { EvalRunConfig } from './evalRunner';

/** What a comparison needs of a run: the page's stored runs and the eval CLI's JSON report both carry it. */
export interface ComparedRun {
  config: Pick<EvalRunConfig, 'data' | 'split' | 'limit' | 'maxTurns' | 'settings' | 'model' | 'judgeModel' | 'promptCache'>;
  /** Per pipeline, its prompt versions and settings in words (EvalReport.descriptions); null: not recorded. */
  descriptions: Readonly<Record<string, string>> | null;
  results: readonly QuestionResult[];
}

export const COMPARED_METRICS = [
  { key: 'f1', label: 'F1' },
  { key: 'bleu1', label: 'BLEU-1' },
  { key: 'locomoF1', label: 'LoCoMo F1' },
  { key: 'exactMatch', label: 'EM' },
  { key: 'judge', label: 'J' },
] as const satisfies readonly { key: keyof ScoreSummary; label: string }[];

export type ComparedMetric = (typeof COMPARED_METRICS)[number]['label'];

export interface MetricPair {
  metric: ComparedMetric;
  /** Percent; null when the run did not measure it (J without a judge, or no answer judged). */
  a: number | null;
  b: number | null;
  /** b − a in percentage points, when both exist. */
  delta: number | null;
}

export interface ScorePair {
  /** Questions both runs answered in this group. */
  questions: number;
  metrics: MetricPair[];
}

export interface PipelineComparison {
  pipeline: string;
  overall: ScorePair;
  byCategory: { code: number; label: string; scores: ScorePair }[];
}

export interface AnswerSide {
  prediction: string;
  problems: readonly string[];
  scores: QuestionResult['scores'];
  judge: QuestionResult['judge'];
}

export interface QuestionComparison {
  pipeline: string;
  sampleId: string;
  index: number;
  category: number;
  question: string;
  gold: string;
  a: AnswerSide;
  b: AnswerSide;
  /** The two predictions differ as text (surrounding whitespace aside). */
  answersDiffer: boolean;
}

/** A question by its place: pipeline, conversation, position in the conversation's QA list. */
export interface QuestionRef {
  pipeline: string;
  sampleId: string;
  index: number;
}

export interface RunDifferences {
  /** Questions only one of the two runs answered. */
  onlyA: QuestionRef[];
  onlyB: QuestionRef[];
  /** The same place holding another question, gold answer or category in the other run (another data file). */
  changed: (QuestionRef & { field: 'question' | 'gold' | 'category' })[];
  /** Pipelines both runs ran whose recorded prompt versions / settings differ. */
  prompts: { pipeline: string; a: string; b: string }[];
  /** Runs that did not record their prompt versions (older stored runs): the check could not be made. */
  promptsUnrecorded: ('A' | 'B')[];
  /** Everything else in the two configurations that differs, for the reader. */
  settings: { field: string; a: string; b: string }[];
}

export interface RunComparison {
  differences: RunDifferences;
  /** Same questions, same prompt versions: the numbers compare as they are. */
  sameQuestionsAndPrompts: boolean;
  /** Per pipeline both ran, over the questions both answered. */
  pipelines: PipelineComparison[];
  questions: QuestionComparison[];
}

const keyOf = (r: QuestionRef) => JSON.stringify([r.pipeline, r.sampleId, r.index]);
const refOf = (r: QuestionResult): QuestionRef => ({ pipeline: r.pipeline, sampleId: r.sampleId, index: r.index });
const show = (x: unknown) => (x === null || x === undefined ? 'none' : typeof x === 'string' ? x : JSON.stringify(x));

function metricPairs(a: ScoreSummary, b: ScoreSummary): MetricPair[] {
  return COMPARED_METRICS.map(({ key, label }) => {
    const va = a[key];
    const vb = b[key];
    const pa = typeof va === 'number' ? 100 * va : null;
    const pb = typeof vb === 'number' ? 100 * vb : null;
    return { metric: label, a: pa, b: pb, delta: pa === null || pb === null ? null : pb - pa };
  });
}

function pipelineComparison(a: PipelineSummary, b: PipelineSummary): PipelineComparison {
  return {
    pipeline: a.pipeline,
    overall: { questions: a.overall.questions, metrics: metricPairs(a.overall, b.overall) },
    // Both sides hold the same questions, so the same categories.
    byCategory: a.byCategory.map((c, i) => ({
      code: c.code,
      label: c.label,
      scores: { questions: c.summary.questions, metrics: metricPairs(c.summary, b.byCategory[i]!.summary) },
    })),
  };
}

function settingDifferences(a: ComparedRun['config'], b: ComparedRun['config']): RunDifferences['settings'] {
  const fields: [string, unknown, unknown][] = [
    ['model', a.model, b.model],
    ['judge', a.judgeModel, b.judgeModel],
    ['data file', a.data, b.data],
    ['split', a.split, b.split],
    ['question limit', a.limit, b.limit],
    ['turns ingested', a.maxTurns, b.maxTurns],
    ['prompt cache', a.promptCache, b.promptCache],
  ];
  for (const key of [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])].sort())
    fields.push([`settings.${key}`, (a.settings as unknown as Record<string, unknown>)[key], (b.settings as unknown as Record<string, unknown>)[key]]);
  return fields.filter(([, x, y]) => show(x) !== show(y)).map(([field, x, y]) => ({ field, a: show(x), b: show(y) }));
}

/** Run A against run B (B − A), over the questions both answered; what differs between them, listed. */
export function compareRuns(a: ComparedRun, b: ComparedRun): RunComparison {
  const inB = new Map(b.results.map((r) => [keyOf(r), r]));
  const inA = new Set(a.results.map(keyOf));
  const changed: RunDifferences['changed'] = [];
  const pairs: [QuestionResult, QuestionResult][] = [];
  for (const ra of a.results) {
    const rb = inB.get(keyOf(ra));
    if (!rb) continue;
    const field = ra.question !== rb.question ? 'question' : ra.gold !== rb.gold ? 'gold' : ra.category !== rb.category ? 'category' : null;
    if (field) changed.push({ ...refOf(ra), field });
    else pairs.push([ra, rb]);
  }
  const onlyA = a.results.filter((r) => !inB.has(keyOf(r))).map(refOf);
  const onlyB = b.results.filter((r) => !inA.has(keyOf(r))).map(refOf);

  const bothPipelines = [...new Set(pairs.map(([ra]) => ra.pipeline))];
  const prompts =
    a.descriptions && b.descriptions
      ? [...new Set([...a.results, ...b.results].map((r) => r.pipeline))]
          .filter((p) => p in a.descriptions! && p in b.descriptions! && a.descriptions![p] !== b.descriptions![p])
          .map((p) => ({ pipeline: p, a: a.descriptions![p]!, b: b.descriptions![p]! }))
      : [];
  const promptsUnrecorded = (
    [
      ['A', a],
      ['B', b],
    ] as const
  )
    .filter(([, run]) => run.descriptions === null)
    .map(([side]) => side);
  const differences: RunDifferences = { onlyA, onlyB, changed, prompts, promptsUnrecorded, settings: settingDifferences(a.config, b.config) };

  const sharedA = pairs.map(([ra]) => ra);
  const sharedB = pairs.map(([, rb]) => rb);
  const pipelines = bothPipelines.map((p) => pipelineComparison(summarizePipeline(p, sharedA, null), summarizePipeline(p, sharedB, null)));
  const side = (r: QuestionResult): AnswerSide => ({ prediction: r.prediction, problems: r.problems, scores: r.scores, judge: r.judge });
  const questions = pairs.map(([ra, rb]) => ({
    ...refOf(ra),
    category: ra.category,
    question: ra.question,
    gold: ra.gold,
    a: side(ra),
    b: side(rb),
    answersDiffer: ra.prediction.trim() !== rb.prediction.trim(),
  }));
  return {
    differences,
    sameQuestionsAndPrompts: onlyA.length === 0 && onlyB.length === 0 && changed.length === 0 && prompts.length === 0,
    pipelines,
    questions,
  };
}
