/**
 * The shape of an evaluation run as the Evaluation page reads it: a stored row's config and results (rows can come
 * from a bank file someone edited), and the JSON report the eval CLI writes (`npm run eval -- … --out r.json`,
 * bench:train's val-base.json / val-trained.json) or the page's own "Download results". Checked field by field
 * with valibot, so a comparison never reads a missing prediction or a score that is not a number.
 */
import * as v from 'valibot';
import type { QuestionResult } from '../../eval/evalResults';
import type { EvalRunConfig } from '../../eval/evalRunner';
import { PIPELINE_NAMES } from '../../eval/pipelines/evalPipeline';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
// Only "a finite number": a score a rounding step past 1 must not make a whole stored run unreadable.
const score = v.pipe(v.number(), v.finite());
const positiveOrNull = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)));

export const runConfigSchema = v.object({
  data: v.string(),
  split: v.string(),
  pipelines: v.array(v.picklist(PIPELINE_NAMES)),
  limit: positiveOrNull,
  maxTurns: positiveOrNull,
  settings: v.object({ topK: count, perSpeakerK: count, contextTokens: count }),
  model: v.string(),
  judgeModel: v.nullable(v.string()),
  promptCache: v.boolean(),
});

export const skippedSchema = v.object({ adversarial: count, beyondMaxTurns: count, noEvidence: count, overLimit: count });

export const questionResultSchema = v.object({
  pipeline: v.picklist(PIPELINE_NAMES),
  sampleId: v.string(),
  index: count,
  question: v.string(),
  gold: v.string(),
  category: v.pipe(v.number(), v.integer()),
  prediction: v.string(),
  context: v.array(v.string()),
  shown: count,
  problems: v.array(v.string()),
  scores: v.object({ f1: score, bleu1: score, locomoF1: score, exactMatch: score }),
  judge: v.nullable(v.picklist(['CORRECT', 'WRONG'])),
  judgeProblem: v.optional(v.string()),
  tokens: v.object({ calls: count, promptTokens: count, completionTokens: count }),
  latencyMs: v.pipe(v.number(), v.finite(), v.minValue(0)),
});

/** The eval CLI's `--out` JSON (EvalReport); its summaries are not read: they are recomputed from the results. */
export const evalReportSchema = v.object({
  config: runConfigSchema,
  questions: count,
  skipped: skippedSchema,
  descriptions: v.record(v.string(), v.string()),
  results: v.array(questionResultSchema),
});

// The schemas are the app's types: a field added to one and not the other fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [Same<v.InferOutput<typeof questionResultSchema>, QuestionResult>, Same<v.InferOutput<typeof runConfigSchema>, EvalRunConfig>] = [true, true];
void agree;

/** The first few problems of a failed check, each with where it is ("results.3.prediction: …"). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${v.getDotPath(issue) ?? '(the whole file)'}: ${issue.message}`);
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}

/** The questions listed twice (same pipeline, conversation and position): a comparison matches on that place. */
export function repeatedQuestions(results: readonly Pick<QuestionResult, 'pipeline' | 'sampleId' | 'index'>[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const r of results) {
    const key = `${r.pipeline} ${r.sampleId} #${r.index}`;
    if (seen.has(key)) repeated.push(key);
    seen.add(key);
  }
  return repeated;
}
