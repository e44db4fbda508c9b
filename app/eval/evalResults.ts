/** What a run records per question and how the report sums it up: per pipeline, per category and overall. */
import { categoryLabel, LOCOMO_CATEGORIES } from './categories';
import type { SkippedCounts } from './evalQuestions';
import type { EvalReport, EvalRunConfig } from './evalRunner';
import { JUDGE_PROMPT_VERSION, type JudgeLabel } from './judge';
import type { LexicalScores } from './metrics';
import type { IngestStats, PipelineName, TokenCounts } from './pipelines/evalPipeline';

export interface QuestionResult {
  pipeline: PipelineName;
  sampleId: string;
  /** Position in the conversation's QA list. */
  index: number;
  question: string;
  gold: string;
  category: number;
  prediction: string;
  /** Ours: the memories the Answer Agent distilled; the baselines: the lines shown. */
  context: string[];
  shown: number;
  problems: string[];
  scores: LexicalScores;
  /** Null when no judge ran or its reply was unreadable (then `judgeProblem` says why). */
  judge: JudgeLabel | null;
  judgeProblem?: string;
  /** The answer's model calls (ingestion is counted per pipeline, not per question). */
  tokens: TokenCounts;
  /** Wall time of the answer, judge excluded. */
  latencyMs: number;
}

export interface ScoreSummary {
  questions: number;
  f1: number;
  bleu1: number;
  locomoF1: number;
  exactMatch: number;
  /** Share judged CORRECT among those with a verdict; null when none has one. */
  judge: number | null;
  judged: number;
}

export interface PipelineSummary {
  pipeline: PipelineName;
  overall: ScoreSummary;
  byCategory: { code: number; label: string; summary: ScoreSummary }[];
  /** Mean prompt + completion tokens of the answer per question. */
  tokensPerQuestion: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  ingest: IngestStats | null;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Nearest-rank percentile (the smallest value with at least p% of the values at or below it); 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarizeScores(results: readonly QuestionResult[]): ScoreSummary {
  const judged = results.filter((r) => r.judge !== null);
  return {
    questions: results.length,
    f1: mean(results.map((r) => r.scores.f1)),
    bleu1: mean(results.map((r) => r.scores.bleu1)),
    locomoF1: mean(results.map((r) => r.scores.locomoF1)),
    exactMatch: mean(results.map((r) => r.scores.exactMatch)),
    judge: judged.length === 0 ? null : judged.filter((r) => r.judge === 'CORRECT').length / judged.length,
    judged: judged.length,
  };
}

export function summarizePipeline(pipeline: PipelineName, results: readonly QuestionResult[], ingest: IngestStats | null): PipelineSummary {
  const mine = results.filter((r) => r.pipeline === pipeline);
  const latencies = mine.map((r) => r.latencyMs);
  return {
    pipeline,
    overall: summarizeScores(mine),
    byCategory: LOCOMO_CATEGORIES.filter((c) => c.scored)
      .map((c) => ({ code: c.code, label: categoryLabel(c.code), summary: summarizeScores(mine.filter((r) => r.category === c.code)) }))
      .filter((c) => c.summary.questions > 0),
    tokensPerQuestion: mean(mine.map((r) => r.tokens.promptTokens + r.tokens.completionTokens)),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    ingest,
  };
}

const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(1));

/** One Markdown table: a row per pipeline and category, then overall; scores in percent. */
export function markdownTable(summaries: readonly PipelineSummary[]): string {
  const lines = [
    '| pipeline | category | n | F1 | BLEU-1 | LoCoMo F1 | EM | J | tokens/q | p50 ms | p95 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (p: PipelineSummary, label: string, s: ScoreSummary, extra: string) =>
    `| ${p.pipeline} | ${label} | ${s.questions} | ${pct(s.f1)} | ${pct(s.bleu1)} | ${pct(s.locomoF1)} | ${pct(s.exactMatch)} | ${pct(s.judge)} | ${extra} |`;
  for (const p of summaries) {
    for (const c of p.byCategory) lines.push(row(p, c.label, c.summary, ' | | '));
    lines.push(row(p, '**overall**', p.overall, `${p.tokensPerQuestion.toFixed(0)} | ${p.latencyP50Ms.toFixed(0)} | ${p.latencyP95Ms.toFixed(0)}`));
  }
  return lines.join('\n');
}

/** Every question left out, by reason, in words; "none" when nothing was. */
export function describeSkipped(skipped: SkippedCounts): string {
  const parts = [
    skipped.adversarial > 0 ? `${skipped.adversarial} adversarial (category 5: no gold answer, never scored)` : '',
    skipped.beyondMaxTurns > 0 ? `${skipped.beyondMaxTurns} with evidence beyond --max-turns` : '',
    skipped.noEvidence > 0 ? `${skipped.noEvidence} with no evidence listed (cannot tell whether --max-turns holds the answer)` : '',
    skipped.overLimit > 0 ? `${skipped.overLimit} over --limit` : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'none' : parts.join('; ');
}

/** Who graded J, in words: the report never leaves the judge implicit. */
export function describeJudge(config: Pick<EvalRunConfig, 'judgeModel' | 'model'>): string {
  if (config.judgeModel === null) return 'none (no J)';
  return config.judgeModel === config.model ? `${config.judgeModel} (the model under test grades its own answers: --judge self)` : config.judgeModel;
}

/** The Markdown report: what ran (data, split, models, judge, prompt cache), what was left out and why, the table. */
export function markdownReport(report: EvalReport): string {
  const { config } = report;
  return [
    '# LoCoMo evaluation',
    '',
    `- data: ${config.data}, split ${config.split}; pipelines ${config.pipelines.join(', ')}`,
    `- model under test: ${config.model}`,
    `- judge: ${describeJudge(config)}${config.judgeModel === null ? '' : `, prompt ${JUDGE_PROMPT_VERSION}`}`,
    `- prompt cache: ${config.promptCache ? 'ON (--prompt-cache: faster; two runs may differ by a token)' : 'off (every prompt read in full: the same run gives the same scores)'}`,
    `- questions: ${report.questions} scored${config.limit ? `, --limit ${config.limit}` : ''}${config.maxTurns ? `, --max-turns ${config.maxTurns}` : ''}`,
    `- skipped: ${describeSkipped(report.skipped)}`,
    '',
    markdownTable(report.summaries),
    '',
  ].join('\n');
}
