/**
 * The Evaluation page's runs in the app's database (`evalRuns`, app/memory/db.ts): one row per run, written when it
 * starts and after every answer, so a stopped or crashed run keeps what it scored; listed newest first, and two of
 * them compared side by side (a base model's run and a trained model's: the page has one chat model loaded at a
 * time, so the comparison is between stored runs). Rows can come back from an imported file, so reading checks
 * their shape instead of trusting it.
 */
import type { SkippedCounts } from '../../eval/evalQuestions';
import { type PipelineSummary, type QuestionResult, type ScoreSummary, summarizePipeline } from '../../eval/evalResults';
import type { EvalRunConfig } from '../../eval/evalRunner';
import type { EvalRunRecord, MemoryDB } from '../../memory/db';

/** The run's settings plus what was planned: how many questions, and how many left out by reason. */
export interface StoredRunConfig extends EvalRunConfig {
  questions: number;
  skipped: SkippedCounts;
}

export interface StoredRun {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  status: EvalRunRecord['status'];
  config: StoredRunConfig;
  summaries: PipelineSummary[];
  results: QuestionResult[];
}

export function newRunId(now: number): string {
  return `eval-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The row for a run at this point: summaries recomputed from the results so far. */
export function runRecord(run: Omit<StoredRun, 'summaries'>): EvalRunRecord {
  const summaries = run.config.pipelines.map((p) => summarizePipeline(p, run.results, null)).filter((s) => s.overall.questions > 0);
  return { id: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, status: run.status, config: run.config, summaries, results: run.results };
}

export async function saveRun(db: MemoryDB, run: Omit<StoredRun, 'summaries'>): Promise<void> {
  await db.evalRuns.put(runRecord(run));
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A stored row as a run, or null when it is not one this page wrote (an edited or foreign import). */
export function readRun(record: EvalRunRecord): StoredRun | null {
  const { config, summaries, results } = record;
  if (!isObject(config) || typeof config.model !== 'string' || !Array.isArray(config.pipelines) || !Array.isArray(summaries) || !Array.isArray(results))
    return null;
  if (!summaries.every((s) => isObject(s) && typeof s.pipeline === 'string' && isObject(s.overall))) return null;
  return { ...record, config: config as unknown as StoredRunConfig, summaries: summaries as PipelineSummary[], results: results as QuestionResult[] };
}

export const COMPARED_METRICS = [
  { key: 'f1', label: 'F1' },
  { key: 'bleu1', label: 'BLEU-1' },
  { key: 'locomoF1', label: 'LoCoMo F1' },
  { key: 'exactMatch', label: 'EM' },
  { key: 'judge', label: 'J' },
] as const satisfies readonly { key: keyof ScoreSummary; label: string }[];

export interface ComparisonRow {
  pipeline: string;
  metric: string;
  /** Percent; null when the run has no such pipeline or did not measure the metric (J without a judge). */
  a: number | null;
  b: number | null;
  /** b − a in percentage points, when both exist. */
  delta: number | null;
}

/** Per pipeline either run has and per metric: run A, run B and the difference, in percent. */
export function compareRuns(a: StoredRun, b: StoredRun): ComparisonRow[] {
  const pipelines = [...new Set([...a.summaries, ...b.summaries].map((s) => s.pipeline))];
  const value = (run: StoredRun, pipeline: string, key: keyof ScoreSummary) => {
    const v = run.summaries.find((s) => s.pipeline === pipeline)?.overall[key];
    return typeof v === 'number' ? 100 * v : null;
  };
  return pipelines.flatMap((pipeline) =>
    COMPARED_METRICS.map(({ key, label }) => {
      const va = value(a, pipeline, key);
      const vb = value(b, pipeline, key);
      return { pipeline, metric: label, a: va, b: vb, delta: va === null || vb === null ? null : vb - va };
    }),
  );
}
