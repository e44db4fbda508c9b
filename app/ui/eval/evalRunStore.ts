/**
 * The Evaluation page's runs in the app's database (`evalRuns`, app/memory/db.ts): one row per run, written when it
 * starts and after every answer, so a stopped or crashed run keeps what it scored; listed newest first, and two of
 * them compared side by side (a base model's run and a trained model's: the page has one chat model loaded at a
 * time, so the comparison is between stored runs). A report the eval CLI wrote (`--out`, e.g. bench:train's
 * val-base.json and val-trained.json) is imported as a run, so GGUFs scored outside the browser compare here too.
 * Rows can come back from an imported file, so reading checks their shape instead of trusting it.
 */
import * as v from 'valibot';
import type { ComparedRun } from '../../eval/compareRuns';
import type { SkippedCounts } from '../../eval/evalQuestions';
import { type PipelineSummary, type QuestionResult, summarizePipeline } from '../../eval/evalResults';
import type { EvalRunConfig } from '../../eval/evalRunner';
import type { EvalRunRecord, MemoryDB } from '../../memory/db';
import { describeIssues, evalReportSchema, questionResultSchema, repeatedQuestions, runConfigSchema, skippedSchema } from './evalRunSchema';

/** The run's settings plus what was planned: how many questions, and how many left out by reason. */
export interface StoredRunConfig extends EvalRunConfig {
  questions: number;
  skipped: SkippedCounts;
  /** Per pipeline, its prompt versions and settings in words; absent in runs stored before they were recorded. */
  descriptions?: Record<string, string>;
  /** The report file the run was imported from; absent for a run made on this page. */
  importedFrom?: string;
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

/** Per pipeline that answered anything, its scores from the run's results. */
function summariesOf(run: Pick<StoredRun, 'config' | 'results'>): PipelineSummary[] {
  return run.config.pipelines.map((p) => summarizePipeline(p, run.results, null)).filter((s) => s.overall.questions > 0);
}

/** The row for a run at this point: summaries recomputed from the results so far. */
export function runRecord(run: Omit<StoredRun, 'summaries'>): EvalRunRecord {
  const summaries = summariesOf(run);
  return { id: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, status: run.status, config: run.config, summaries, results: run.results };
}

export async function saveRun(db: MemoryDB, run: Omit<StoredRun, 'summaries'>): Promise<void> {
  await db.evalRuns.put(runRecord(run));
}

const storedConfigSchema = v.object({
  ...runConfigSchema.entries,
  questions: v.pipe(v.number(), v.integer(), v.minValue(0)),
  skipped: skippedSchema,
  descriptions: v.optional(v.record(v.string(), v.string())),
  importedFrom: v.optional(v.string()),
});
const storedRowSchema = v.object({ config: storedConfigSchema, results: v.array(questionResultSchema) });

/** A stored row as a run, or null when it is not one this page wrote (an edited or foreign import). */
export function readRun(record: EvalRunRecord): StoredRun | null {
  const checked = v.safeParse(storedRowSchema, record);
  if (!checked.success || repeatedQuestions(checked.output.results).length > 0) return null;
  const { config, results } = checked.output;
  // Summaries are recomputed from the results, never read: a row's stored numbers could disagree with its answers.
  return { ...record, config, results, summaries: summariesOf({ config, results }) };
}

/** What the comparison reads of a stored run. */
export function comparedRun(run: StoredRun): ComparedRun {
  return { config: run.config, descriptions: run.config.descriptions ?? null, results: run.results };
}

/**
 * A report the eval CLI wrote (`--out`) or this page downloaded, stored as a finished run: a new row, never in place
 * of another. Throws, storing nothing, when the text is not such a report; the message names the file and the field.
 */
export async function importReport(db: MemoryDB, text: string, fileName: string, now: number): Promise<StoredRun> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${fileName} is not JSON: pick the results file of npm run eval (--out) or of this page's "Download results"`);
  }
  const checked = v.safeParse(evalReportSchema, json);
  if (!checked.success) throw new Error(`${fileName} is not an evaluation report: ${describeIssues(checked.issues)}`);
  const report = checked.output;
  if (report.results.length === 0) throw new Error(`${fileName} holds no answered question: there is nothing to compare`);
  const repeated = repeatedQuestions(report.results);
  if (repeated.length > 0) throw new Error(`${fileName} lists a question twice (${repeated.slice(0, 3).join(', ')}): it cannot be matched with another run`);
  const run = {
    id: newRunId(now),
    startedAt: now,
    finishedAt: now,
    status: 'done' as const,
    config: { ...report.config, questions: report.questions, skipped: report.skipped, descriptions: report.descriptions, importedFrom: fileName },
    results: report.results,
  };
  await saveRun(db, run);
  return { ...run, summaries: summariesOf(run) };
}
