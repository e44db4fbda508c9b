/**
 * The Answer Agent (Memory-R1): retrieves up to 60 memories for a question (Memory-R1: 30 per speaker of a
 * two-speaker dialogue, `perNamespaceK`), lists them as `- [id] <date>: <text>` under short ids, and asks the
 * model to name the memories it uses and then answer from those alone. The reply is schema-constrained JSON by
 * default and shown in the marker form `<ids> **Answer:** <answer>` (see prompts/answerPrompt.ts for why).
 *
 * Pure TypeScript: the model, the embedder and the bank are passed in; runs in Node and in the browser.
 */
import type { Embedder } from '../embed/embedder';
import type { LLMClient } from '../llm/types';
import type { MemoryRecord, Namespace } from '../memory/types';
import type { ModelCall, UsageTotals } from './modelCalls';
import { totalUsage } from './modelCalls';
import { parseAnswer, type ParsedAnswer } from './parseAnswer';
import {
  answerSchema,
  buildAnswerMessages,
  MAX_ANSWER_LENGTH,
  PROMPT_VERSION as ANSWER_PROMPT_VERSION,
  renderAnswerWithMarker,
  type AnswerFormat,
  type AnswerMode,
} from './prompts/answerPrompt';
import { formatDay, parseSessionDate } from '../lib/calendar';
import { retrieveForQuestion, type MemorySearch, type RetrievalMode } from './retrieveMemories';
import type { RetrieverRanks } from '../retrieval/fusion';

export { ANSWER_PROMPT_VERSION };

export interface AnswerAgentDeps {
  llm: LLMClient;
  /** Null when no embedding model is loaded: retrieval then runs lexical-only and the result says so. */
  embedder: Pick<Embedder, 'embed'> | null;
  bank: MemorySearch;
}

export interface AnswerRequest {
  question: string;
  /** Whose memories to search. */
  namespaces: readonly Namespace[];
  /** `benchmark`: a few words; `chat`: a conversational sentence or two. */
  mode: AnswerMode;
  /** How many memories over all namespaces; default 60. Ignored when perNamespaceK is set. */
  k?: number;
  /** That many memories from each namespace instead (Memory-R1: 30 per speaker). */
  perNamespaceK?: number;
  /** `json` (default): schema-constrained; `marker`: free text with `**Answer:**`. */
  format?: AnswerFormat;
  /** Default: enough for 5 ids and the mode's longest answer. */
  maxTokens?: number;
  temperature?: number;
  /**
   * Time-aware retrieval: a question naming a period ("in May 2023", "last week") moves memories whose event time
   * falls in it up; relative phrases resolve against this ISO date (the dialogue's date; today in a chat).
   * Off unless given.
   */
  referenceDate?: string;
  signal?: AbortSignal;
  onToken?: (delta: string) => void;
}

export interface AnswerCandidate {
  /** The id the model saw. */
  shortId: string;
  memory: MemoryRecord;
  /** The fused retrieval score. */
  score: number;
  /** Its rank in each retriever: why it was retrieved. */
  ranks: RetrieverRanks;
  /** The date shown next to it. */
  date: string;
}

export interface AnswerResult {
  answer: string;
  /** Real ids of the memories the model said it used: always a subset of the candidates' ids. */
  usedMemoryIds: string[];
  /** Cited ids that were not shown (dropped). */
  unknownIds: string[];
  candidates: AnswerCandidate[];
  /** How retrieval ran (`lexical` with the reason when no embedding model was loaded). */
  retrieval: RetrievalMode;
  /** True when the answer was delimited as asked (schema field or marker); false: the fallback rule was used. */
  markerFound: boolean;
  replyForm: ParsedAnswer['form'];
  problems: string[];
  /** The reply as the engine returned it, and in the marker form. */
  rawOutput: string;
  rendered: string;
  call: ModelCall;
  usage: UsageTotals;
  model: string;
  promptVersion: string;
}

export const DEFAULT_ANSWER_K = 60;

/** The date a memory is listed under: when it happened if known, else when it was stored. */
export function memoryDate(memory: Pick<MemoryRecord, 'eventTime' | 'createdAt'>): string {
  if (memory.eventTime) {
    try {
      return formatDay(parseSessionDate(memory.eventTime));
    } catch {
      return memory.eventTime;
    }
  }
  const d = new Date(memory.createdAt);
  return Number.isNaN(d.getTime()) ? 'unknown date' : formatDay({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Room for 5 cited ids (~4 tokens each with quotes and commas), the JSON around them and the longest answer. */
export function defaultAnswerMaxTokens(mode: AnswerMode): number {
  return 32 + Math.ceil(MAX_ANSWER_LENGTH[mode] / 3);
}

export interface AnswerAgent {
  readonly promptVersion: string;
  answer(request: AnswerRequest): Promise<AnswerResult>;
}

export function createAnswerAgent(deps: AnswerAgentDeps): AnswerAgent {
  async function answer(request: AnswerRequest): Promise<AnswerResult> {
    if (typeof request.question !== 'string' || request.question.trim() === '') throw new TypeError('the question must be a non-empty string');
    if (request.namespaces.length === 0) throw new TypeError('at least one namespace must be searched');
    const format = request.format ?? 'json';
    const question = request.question.trim();

    const vector = deps.embedder ? await deps.embedder.embed([question]) : null;
    const retrieval = await retrieveForQuestion(deps.bank, question, vector, {
      namespaces: request.namespaces,
      k: request.k ?? DEFAULT_ANSWER_K,
      ...(request.perNamespaceK !== undefined ? { perNamespaceK: request.perNamespaceK } : {}),
      ...(request.referenceDate ? { timeAware: { referenceDate: request.referenceDate } } : {}),
    });
    const candidates: AnswerCandidate[] = retrieval.hits.map((h, i) => ({ shortId: String(i), memory: h.memory, score: h.score, ranks: h.ranks, date: memoryDate(h.memory) }));
    const shownIds = candidates.map((c) => c.shortId);

    const messages = buildAnswerMessages({
      question,
      memories: candidates.map((c) => ({ id: c.shortId, date: c.date, text: c.memory.text })),
      mode: request.mode,
      format,
    });
    const maxTokens = request.maxTokens ?? defaultAnswerMaxTokens(request.mode);
    const result = await deps.llm.complete(messages, {
      maxTokens,
      temperature: request.temperature ?? 0,
      // Its own prompt cache: the Memory Manager's prompts never evict the answer prompt's stable prefix.
      cacheKey: 'answer',
      ...(format === 'json' ? { jsonSchema: answerSchema(shownIds, request.mode) } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onToken ? { onToken: request.onToken } : {}),
    });
    const call: ModelCall = {
      stage: 'answer',
      attempt: 1,
      output: result.text,
      usage: result.usage,
      timings: result.timings,
      finishReason: result.finishReason,
      maxTokens,
    };
    const parsed = parseAnswer(result.text, shownIds);
    const byShortId = new Map(candidates.map((c) => [c.shortId, c.memory.id]));
    const problems = result.finishReason === 'length' ? [...parsed.problems, `the reply was cut off at the ${maxTokens}-token limit`] : parsed.problems;
    return {
      answer: parsed.answer,
      usedMemoryIds: parsed.ids.map((id) => byShortId.get(id)!),
      unknownIds: parsed.unknownIds,
      candidates,
      retrieval: { mode: retrieval.mode, ...(retrieval.denseOff ? { denseOff: retrieval.denseOff } : {}) },
      markerFound: parsed.markerFound,
      replyForm: parsed.form,
      problems,
      rawOutput: result.text,
      rendered: renderAnswerWithMarker(parsed.ids, parsed.answer),
      call,
      usage: totalUsage([call]),
      model: deps.llm.modelId,
      promptVersion: ANSWER_PROMPT_VERSION,
    };
  }
  return { promptVersion: ANSWER_PROMPT_VERSION, answer };
}
