/**
 * What every compared pipeline is to the runner: an optional ingestion of a conversation's turns into its own
 * namespace of the evaluation bank, and an answer per question. The runner owns the bank, its snapshots and the
 * order of work; a pipeline only reads and writes its namespace.
 */
import type { Embedder } from '../../embed/embedder';
import type { ChatMessage, LLMClient } from '../../llm/types';
import type { MemoryBank } from '../../memory/memoryBank';
import type { LocomoConversation, LocomoTurn } from '../locomo';

export const PIPELINE_NAMES = ['ours', 'mem0', 'rag', 'full', 'evidence'] as const;
export type PipelineName = (typeof PIPELINE_NAMES)[number];

export interface PipelineDeps {
  llm: LLMClient;
  embedder: Pick<Embedder, 'embed'>;
  bank: MemoryBank;
  /** Prompt tokens of messages as the model will see them, where the engine can count them (node-llama-cpp). */
  countPromptTokens?: (messages: ChatMessage[]) => number;
}

export interface PipelineSettings {
  /** Turns (rag) or memories (mem0) put in front of the question. */
  topK: number;
  /** Memories the Answer Agent retrieves per speaker (ours; Memory-R1: 30, i.e. 60 in all). */
  perSpeakerK: number;
  /** The model's context, in tokens: the full-context pipeline fills it. */
  contextTokens: number;
}

export interface PipelineContext {
  deps: PipelineDeps;
  settings: PipelineSettings;
  conversation: LocomoConversation;
  /** This pipeline's namespace for this conversation. */
  namespace: string;
  /** The turns that are ingested (all, or the first maxTurns). */
  turns: readonly LocomoTurn[];
  signal?: AbortSignal;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = { topK: 10, perSpeakerK: 30, contextTokens: 4096 };

export interface TokenCounts {
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

export const NO_TOKENS: TokenCounts = { calls: 0, promptTokens: 0, completionTokens: 0 };

export function tokensOf(usage: { calls?: number; promptTokens: number; completionTokens: number }, calls = usage.calls ?? 1): TokenCounts {
  return { calls, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { calls: a.calls + b.calls, promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens };
}

/** What ingesting some turns cost and did, summed over a conversation. */
export interface IngestStats {
  turns: number;
  tokens: TokenCounts;
  /** Operations applied to the bank, by kind. */
  ops: Record<'ADD' | 'UPDATE' | 'DELETE' | 'NOOP', number>;
  /** Turns whose batch the bank or the parser refused (the bank untouched for them). */
  rejectedTurns: number;
}

export function emptyIngestStats(): IngestStats {
  return { turns: 0, tokens: NO_TOKENS, ops: { ADD: 0, UPDATE: 0, DELETE: 0, NOOP: 0 }, rejectedTurns: 0 };
}

export function addIngestStats(a: IngestStats, b: IngestStats): IngestStats {
  return {
    turns: a.turns + b.turns,
    tokens: addTokens(a.tokens, b.tokens),
    ops: { ADD: a.ops.ADD + b.ops.ADD, UPDATE: a.ops.UPDATE + b.ops.UPDATE, DELETE: a.ops.DELETE + b.ops.DELETE, NOOP: a.ops.NOOP + b.ops.NOOP },
    rejectedTurns: a.rejectedTurns + b.rejectedTurns,
  };
}

export interface PipelineAnswer {
  prediction: string;
  /** What the answer was built from: the memories the Answer Agent distilled (ours), else the lines shown. */
  context: string[];
  /** How many turns or memories were shown to the model. */
  shown: number;
  tokens: TokenCounts;
  /** Problems with the reply (unparsed JSON, cut off), shown next to the prediction. */
  problems: string[];
}

export interface EvalPipeline {
  readonly name: PipelineName;
  /** Prompt versions and settings that shape its output, recorded with the results. */
  readonly description: string;
  /** Absent: the pipeline builds nothing (full context). */
  ingest?(turns: readonly LocomoTurn[], ctx: PipelineContext): Promise<IngestStats>;
  answer(question: string, ctx: PipelineContext): Promise<PipelineAnswer>;
}
