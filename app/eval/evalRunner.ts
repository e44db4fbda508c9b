/**
 * Runs the compared pipelines over a split, conversation by conversation: for each pipeline, ingest the turns
 * (in chunks), answer the conversation's selected questions, score each answer (lexical metrics and, with a judge,
 * J), then drop the pipeline's namespaces so the next one starts from an empty bank.
 *
 * Resumable: after every ingested chunk and every answered question the runner hands a checkpoint to
 * `saveCheckpoint` (the CLI writes it to a file); given that checkpoint back, a run skips what is done, restores
 * the bank of a half-done ingestion and the bank's id counter, and goes on. The lexical index is rebuilt from the
 * bank after every chunk in both cases, so a resumed run sees exactly the bank an uninterrupted one sees.
 * A checkpoint made for other settings, data or models is refused, never mixed in.
 */

import type { LLMClient } from '../llm/types';
import type { EvalBank, EvalBankState, SerializedMemory } from './evalBank';
import { type EvalQuestion, type SelectionOptions, type SkippedCounts, selectQuestions } from './evalQuestions';
import { type PipelineSummary, type QuestionResult, summarizePipeline } from './evalResults';
import type { Judge } from './judge';
import type { LocomoConversation } from './locomo';
import { lexicalScores } from './metrics';
import {
  addIngestStats,
  emptyIngestStats,
  type IngestStats,
  type PipelineContext,
  type PipelineDeps,
  type PipelineName,
  type PipelineSettings,
} from './pipelines/evalPipeline';
import { PIPELINES } from './pipelines/pipelines';
import { withoutPromptCache } from './withoutPromptCache';

export const CHECKPOINT_VERSION = 1;
/** Turns ingested between two checkpoints. */
export const INGEST_CHUNK_TURNS = 8;

/** Everything that shapes the results: a checkpoint is only resumed by a run with the same. */
export interface EvalRunConfig {
  /** Identifies the data file (the CLI: a hash of its text). */
  data: string;
  split: string;
  pipelines: PipelineName[];
  limit: number | null;
  maxTurns: number | null;
  settings: PipelineSettings;
  model: string;
  /** The model that graded J (the CLI's `--judge-model`, or the model under test with `--judge self`); null: no J. */
  judgeModel: string | null;
  /**
   * llama.cpp's prompt cache on (`--prompt-cache`): faster, but a greedy reply can change by a token depending on
   * what the engine served before, so two runs may differ. Off (the default): every prompt is read in full and
   * the same run gives the same scores (withoutPromptCache.ts).
   */
  promptCache: boolean;
}

export interface IngestProgress {
  turnsDone: number;
  stats: IngestStats;
  /** The pipeline's memories after `turnsDone` turns; emptied once its questions are answered. */
  memories: SerializedMemory[];
  finished: boolean;
}

export interface EvalCheckpoint {
  version: typeof CHECKPOINT_VERSION;
  config: EvalRunConfig;
  bankState: EvalBankState;
  /** Keyed `pipeline/sampleId`. */
  ingest: Record<string, IngestProgress>;
  results: QuestionResult[];
}

export interface EvalProgress {
  phase: 'ingest' | 'answer';
  pipeline: PipelineName;
  sampleId: string;
  /** Units of work done and in all: a turn ingested by one pipeline, or a question answered by one. */
  done: number;
  total: number;
}

export interface EvalRunOptions {
  conversations: readonly LocomoConversation[];
  config: EvalRunConfig;
  deps: Omit<PipelineDeps, 'bank'>;
  evalBank: EvalBank;
  judge: Judge | null;
  checkpoint?: EvalCheckpoint | null;
  saveCheckpoint?: (checkpoint: EvalCheckpoint) => void | Promise<void>;
  onProgress?: (progress: EvalProgress) => void;
  onResult?: (result: QuestionResult) => void;
  /** Turns per checkpoint; default INGEST_CHUNK_TURNS. Not part of the config: results do not depend on it. */
  ingestChunkTurns?: number;
  signal?: AbortSignal;
}

export interface EvalReport {
  config: EvalRunConfig;
  questions: number;
  skipped: SkippedCounts;
  descriptions: Record<string, string>;
  summaries: PipelineSummary[];
  results: QuestionResult[];
}

function configKey(config: EvalRunConfig): string {
  return JSON.stringify(config, Object.keys(config).sort());
}

function describeDifference(a: EvalRunConfig, b: EvalRunConfig): string {
  const keys = (Object.keys(a) as (keyof EvalRunConfig)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return keys.map((k) => `${k}: checkpoint ${JSON.stringify(b[k])}, now ${JSON.stringify(a[k])}`).join('; ');
}

/** Throws when the checkpoint belongs to another run. */
export function checkCheckpoint(checkpoint: EvalCheckpoint, config: EvalRunConfig): void {
  if (checkpoint.version !== CHECKPOINT_VERSION)
    throw new Error(`the checkpoint is version ${String(checkpoint.version)}; this runner reads ${CHECKPOINT_VERSION}`);
  if (configKey(checkpoint.config) !== configKey(config)) {
    throw new Error(`the checkpoint was made by a different run (${describeDifference(config, checkpoint.config)}); delete it or use the same options`);
  }
}

/** The client a run scores with: as given when the prompt cache is on, else one that reads every prompt in full. */
export function forScoring(llm: LLMClient, promptCache: boolean): LLMClient {
  return promptCache ? llm : withoutPromptCache(llm);
}

export const resultKey = (r: Pick<QuestionResult, 'pipeline' | 'sampleId' | 'index'>) => `${r.pipeline}/${r.sampleId}/${r.index}`;

export async function runEvaluation(options: EvalRunOptions): Promise<EvalReport> {
  const { config, evalBank, judge, signal } = options;
  const bank = evalBank.bank;
  const selection: SelectionOptions = { limit: config.limit, maxTurns: config.maxTurns };
  const { questions, turns: turnsOf, skipped } = selectQuestions(options.conversations, selection);

  let checkpoint: EvalCheckpoint;
  if (options.checkpoint) {
    checkCheckpoint(options.checkpoint, config);
    checkpoint = structuredClone(options.checkpoint);
    Object.assign(evalBank.state, checkpoint.bankState);
  } else {
    checkpoint = { version: CHECKPOINT_VERSION, config, bankState: { ...evalBank.state }, ingest: {}, results: [] };
  }
  const done = new Set(checkpoint.results.map(resultKey));
  const save = async () => {
    checkpoint.bankState = { ...evalBank.state };
    await options.saveCheckpoint?.(checkpoint);
  };

  const pipelines = config.pipelines.map((name) => PIPELINES[name]);
  // Only conversations with a selected question are ingested, so only theirs count towards the total.
  const asked = new Set(questions.map((q) => q.sampleId));
  const ingestUnits = (c: LocomoConversation) =>
    asked.has(c.sampleId) ? pipelines.filter((p) => p.ingest).length * (turnsOf.get(c.sampleId)?.length ?? 0) : 0;
  const total = options.conversations.reduce((n, c) => n + ingestUnits(c), 0) + questions.length * pipelines.length;
  let doneUnits = checkpoint.results.length + Object.values(checkpoint.ingest).reduce((n, p) => n + p.turnsDone, 0);

  const deps: PipelineDeps = { ...options.deps, llm: forScoring(options.deps.llm, config.promptCache), bank };
  for (const conversation of options.conversations) {
    const turns = turnsOf.get(conversation.sampleId) ?? [];
    const convQuestions = questions.filter((q) => q.sampleId === conversation.sampleId);
    if (convQuestions.length === 0) continue;
    for (const pipeline of pipelines) {
      const key = `${pipeline.name}/${conversation.sampleId}`;
      const namespace = `eval/${pipeline.name}/${conversation.sampleId}`;
      const ctx: PipelineContext = { deps, settings: config.settings, conversation, namespace, turns, ...(signal ? { signal } : {}) };
      const pending = convQuestions.filter((q) => !done.has(resultKey({ pipeline: pipeline.name, sampleId: q.sampleId, index: q.index })));
      if (pending.length === 0) continue;

      // Ingest, chunk by chunk, from where the checkpoint left off.
      let progress = checkpoint.ingest[key] ?? { turnsDone: 0, stats: emptyIngestStats(), memories: [], finished: false };
      await evalBank.restore(namespace, progress.memories);
      if (pipeline.ingest) {
        while (progress.turnsDone < turns.length) {
          signal?.throwIfAborted();
          const chunk = turns.slice(progress.turnsDone, progress.turnsDone + (options.ingestChunkTurns ?? INGEST_CHUNK_TURNS));
          const stats = await pipeline.ingest(chunk, ctx);
          const memories = await evalBank.snapshot(namespace);
          await bank.changedWholesale();
          progress = { turnsDone: progress.turnsDone + chunk.length, stats: addIngestStats(progress.stats, stats), memories, finished: false };
          checkpoint.ingest[key] = progress;
          doneUnits += chunk.length;
          options.onProgress?.({ phase: 'ingest', pipeline: pipeline.name, sampleId: conversation.sampleId, done: doneUnits, total });
          await save();
        }
      }

      for (const q of pending) {
        signal?.throwIfAborted();
        const result = await answerOne(q, pipeline.name, ctx, judge, signal);
        checkpoint.results.push(result);
        done.add(resultKey(result));
        doneUnits += 1;
        options.onResult?.(result);
        options.onProgress?.({ phase: 'answer', pipeline: pipeline.name, sampleId: conversation.sampleId, done: doneUnits, total });
        await save();
      }
      // This pipeline is done with the conversation: its bank goes, so the next pipeline's lexical statistics
      // (and a resumed run's) are over its own memories alone.
      await evalBank.restore(namespace, []);
      checkpoint.ingest[key] = { ...progress, memories: [], finished: true };
      await save();
    }
  }
  return buildReport(config, questions.length, skipped, checkpoint);
}

async function answerOne(q: EvalQuestion, pipeline: PipelineName, ctx: PipelineContext, judge: Judge | null, signal?: AbortSignal): Promise<QuestionResult> {
  const started = performance.now();
  const answer = await PIPELINES[pipeline].answer(q.question, ctx);
  const latencyMs = performance.now() - started;
  const verdict = judge ? await judge.judge(q.question, q.gold, answer.prediction, signal) : null;
  return {
    pipeline,
    sampleId: q.sampleId,
    index: q.index,
    question: q.question,
    gold: q.gold,
    category: q.category,
    prediction: answer.prediction,
    context: answer.context,
    shown: answer.shown,
    problems: answer.problems,
    scores: lexicalScores(answer.prediction, q.gold, q.category),
    judge: verdict?.label ?? null,
    ...(verdict?.problem ? { judgeProblem: verdict.problem } : {}),
    tokens: answer.tokens,
    latencyMs,
  };
}

export function buildReport(config: EvalRunConfig, questionCount: number, skipped: SkippedCounts, checkpoint: EvalCheckpoint): EvalReport {
  const results = [...checkpoint.results];
  const summaries = config.pipelines.map((name) => {
    const ingest = Object.entries(checkpoint.ingest)
      .filter(([key]) => key.startsWith(`${name}/`))
      .reduce<IngestStats | null>((sum, [, p]) => addIngestStats(sum ?? emptyIngestStats(), p.stats), null);
    return summarizePipeline(name, results, PIPELINES[name].ingest ? ingest : null);
  });
  return {
    config,
    questions: questionCount,
    skipped,
    descriptions: Object.fromEntries(config.pipelines.map((n) => [n, PIPELINES[n].description])),
    summaries,
    results,
  };
}
