/**
 * The Answer Agent (Memory-R1): retrieves up to 60 memories for a question (Memory-R1: 30 per speaker of a
 * two-speaker dialogue, `perNamespaceK`), lists them under short ids and date headings, and asks the model to name
 * the memories it uses and then answer from those alone. The reply is schema-constrained JSON by default and shown
 * in the marker form `<ids> **Answer:** <answer>` (see prompts/answerPrompt.ts for why).
 *
 * Which memories are listed and in which order is answerAgentListing.ts: stable across questions so the engine's
 * prompt cache serves the listing, and cut to a latency budget on engines too slow to read it in time. The result's
 * `considered` says how many were listed of how many and why.
 *
 * Pure TypeScript: the model, the embedder and the bank are passed in; runs in Node and in the browser.
 */
import type { Embedder } from '../embed/embedder';
import { formatDay, parseSessionDate } from '../lib/calendar';
import { describePrefillRate, MIN_TIMED_PROMPT_TOKENS, recordAnswerPrefillRate, seededPrefillRate } from '../llm/prefillRate';
import type { LLMClient } from '../llm/types';
import type { MemoryBank } from '../memory/memoryBank';
import type { MemoryRecord, Namespace } from '../memory/types';
import type { RetrieverRanks } from '../retrieval/fusion';
import { chronologicalCompare, estimateListingTokens, estimateMemoryTokens, type ListingItem, listingKey, planListing } from './answerAgentListing';
import type { ModelCall, UsageTotals } from './modelCalls';
import { totalUsage } from './modelCalls';
import { type ParsedAnswer, parseAnswer } from './parseAnswer';
import {
  PROMPT_VERSION as ANSWER_PROMPT_VERSION,
  type AnswerFormat,
  type AnswerMode,
  answerSchema,
  buildAnswerMessages,
  MAX_ANSWER_LENGTH,
  renderAnswerWithMarker,
} from './prompts/answerPrompt';
import { type MemorySearch, type RetrievalMode, retrieveForQuestion } from './retrieveMemories';

export { ANSWER_PROMPT_VERSION };

export interface AnswerAgentDeps {
  llm: LLMClient;
  /** Null when no embedding model is loaded: retrieval then runs lexical-only and the result says so. */
  embedder: Pick<Embedder, 'embed'> | null;
  /** With the bank's database the agent can list the whole bank when it fits, and carry earlier listings over. */
  bank: MemorySearch & Partial<Pick<MemoryBank, 'db'>>;
  /**
   * Seconds the engine may spend reading the prompt (default 10; 0 = no budget): on an engine whose measured
   * prefill rate cannot read the listing in time, fewer memories are listed, chosen by rank.
   */
  latencyBudgetS?: number;
  /** Prompt tokens/s of the engine, where the caller knows it; else the engine's own measure, else this agent's. */
  prefillTokensPerSecond?: () => number | null;
  /**
   * Keep the listing stable across questions for the prompt cache, carrying earlier listed memories over and
   * listing a whole bank that fits (default true). false: exactly the retrieved memories, in date order (the
   * eval runs Memory-R1's k as it is).
   */
  reuseAcrossQuestions?: boolean;
  /** Estimated tokens the listing may take with carried-over memories or a whole bank (default: `maxListingTokensFor`). */
  maxListingTokens?: number;
}

export const DEFAULT_LATENCY_BUDGET_S = 10;
/**
 * The answer prompt's fixed text, the question and the reply, with room to spare: the listing may fill the rest of
 * what the engine gives one prompt (a 4,096-token context: 3,000).
 */
const ANSWER_PROMPT_RESERVE = 1096;
/** A cap for engines with a small context: a few memories still fit. */
const MIN_LISTING_TOKENS = 256;
export const DEFAULT_MAX_LISTING_TOKENS = 4096 - ANSWER_PROMPT_RESERVE;

/**
 * The listing cap on this engine. A bigger cap lists more of the bank across questions, so fewer of a question's
 * memories are new to the engine's cache (bench:answer measures the time to the first token).
 */
export function maxListingTokensFor(llm: Pick<LLMClient, 'promptContextTokens'>): number {
  if (llm.promptContextTokens === undefined) return DEFAULT_MAX_LISTING_TOKENS;
  return Math.max(llm.promptContextTokens - ANSWER_PROMPT_RESERVE, MIN_LISTING_TOKENS);
}
/** The budget never lists fewer than this many: the most the model may cite. */
const MIN_LISTED = 5;

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
  /** The fused retrieval score (0 for a memory listed only because an earlier question listed it). */
  score: number;
  /** Retrieved for this question; false: carried over from an earlier listing (cached, so free to list). */
  retrieved: boolean;
  /** Its rank in each retriever: why it was retrieved. */
  ranks: RetrieverRanks;
  /** The date shown next to it. */
  date: string;
}

/** How many memories the prompt listed, of how many retrieved, and why: shown under each answer. */
export interface AnswerConsidered {
  listed: number;
  available: number;
  why: string;
}

export interface AnswerResult {
  answer: string;
  considered: AnswerConsidered;
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

/**
 * Per engine: what its answer slot was last given (the prompt cache is the engine's, not an agent's: agents are made
 * per question) and the prefill rate its answer calls measured.
 */
const answerSlots = new WeakMap<LLMClient, { prefix: string; listed: MemoryRecord[] }>();
const measuredRates = new WeakMap<LLMClient, number>();

/** The whole bank of these namespaces, oldest first, when its listing fits the cap; else null. */
async function bankThatFits(bank: AnswerAgentDeps['bank'], namespaces: readonly Namespace[], maxListingTokens: number): Promise<MemoryRecord[] | null> {
  const db = bank.db;
  if (!db) return null;
  // A memory line is never under ~6 tokens: a bank that cannot fit is not loaded. One query per namespace.
  const counts = await Promise.all(namespaces.map((ns) => db.memories.where('namespace').equals(ns).count()));
  if (counts.reduce((a, b) => a + b, 0) * 6 > maxListingTokens) return null;
  const all = (await Promise.all(namespaces.map((ns) => db.memories.where('namespace').equals(ns).toArray()))).flat().sort(chronologicalCompare);
  if (all.length === 0) return null;
  const items = all.map((memory) => ({ memory, score: 0, ranks: {}, retrieved: true }));
  return estimateListingTokens(items, memoryDate) <= maxListingTokens ? all : null;
}

/** Which earlier-listed memories still exist unchanged in these namespaces (without the bank's database: the retrieved ones). */
async function stillCurrent(
  bank: AnswerAgentDeps['bank'],
  previous: readonly MemoryRecord[],
  namespaces: readonly Namespace[],
  retrieved: readonly ListingItem[],
): Promise<Set<string>> {
  if (previous.length === 0) return new Set();
  if (!bank.db) return new Set(retrieved.map((item) => listingKey(item.memory)));
  const allowed = new Set(namespaces);
  const now = await bank.db.memories.bulkGet(previous.map((m) => m.id));
  return new Set(now.flatMap((m) => (m && allowed.has(m.namespace) ? [listingKey(m)] : [])));
}

function describeConsidered(
  plan: ReturnType<typeof planListing>,
  available: number,
  wholeBank: boolean,
  budgetS: number,
  rate: KnownRate | null,
): AnswerConsidered {
  const listed = plan.listed.length;
  const fromRetrieval = listed - plan.carried;
  const what = wholeBank ? 'memories (the whole bank fits)' : 'retrieved memories';
  let why = `${fromRetrieval} of ${available} ${what}`;
  if (plan.cutByBudget > 0 && rate !== null) {
    why += `: the ${budgetS} s latency budget at ~${Math.round(rate.tokensPerSecond)} tok/s prefill${rate.source ? ` (${rate.source})` : ''}`;
  }
  if (plan.carried > 0) why += `, and ${plan.carried} listed for earlier questions (kept so the engine reuses what it already read)`;
  return { listed, available, why };
}

/** A prefill rate and where it comes from, in words for the UI (none for a rate the caller gave). */
interface KnownRate {
  tokensPerSecond: number;
  source: string | null;
}

/**
 * The freshest rate known: the caller's, else the engine's own measure of its latest call, else this engine's latest
 * answer, else the rate it was seeded with at load (stored, or timed on a test prompt): so the first answer has one.
 */
function knownRate(deps: AnswerAgentDeps): KnownRate | null {
  const given = deps.prefillTokensPerSecond?.() ?? null;
  if (given !== null) return { tokensPerSecond: given, source: null };
  const live = deps.llm.prefillTokensPerSecond?.() ?? null;
  if (live !== null) return { tokensPerSecond: live, source: "measured on the engine's latest prompt" };
  const answered = measuredRates.get(deps.llm);
  if (answered !== undefined) return { tokensPerSecond: answered, source: 'measured on the latest answer' };
  const seeded = seededPrefillRate(deps.llm);
  return seeded ? { tokensPerSecond: seeded.tokensPerSecond, source: describePrefillRate(seeded) } : null;
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
    const reuse = deps.reuseAcrossQuestions ?? true;
    const maxListingTokens = deps.maxListingTokens ?? maxListingTokensFor(deps.llm);
    const k = request.k ?? DEFAULT_ANSWER_K;
    const wholeBank = reuse ? await bankThatFits(deps.bank, request.namespaces, maxListingTokens) : null;
    const retrieval = await retrieveForQuestion(deps.bank, question, vector, {
      namespaces: request.namespaces,
      k: wholeBank ? Math.max(k, wholeBank.length) : k,
      ...(request.perNamespaceK !== undefined && !wholeBank ? { perNamespaceK: request.perNamespaceK } : {}),
      ...(request.referenceDate ? { timeAware: { referenceDate: request.referenceDate } } : {}),
    });
    const retrieved: ListingItem[] = retrieval.hits.map((h) => ({ memory: h.memory, score: h.score, ranks: h.ranks, retrieved: true }));
    if (wholeBank) {
      // Lexical-only search returns only the memories sharing a word; the rest of a listed bank is retrieved too.
      const found = new Set(retrieved.map((item) => item.memory.id));
      for (const memory of wholeBank) if (!found.has(memory.id)) retrieved.push({ memory, score: 0, ranks: {}, retrieved: true });
    }

    const slot = answerSlots.get(deps.llm);
    const prefix = `${request.mode}/${format}`;
    const previous = reuse && slot?.prefix === prefix ? slot.listed : [];
    const rate = knownRate(deps);
    const budgetS = deps.latencyBudgetS ?? DEFAULT_LATENCY_BUDGET_S;
    const budgetTokens = budgetS > 0 && rate !== null ? Math.max(0, Math.floor(budgetS * rate.tokensPerSecond) - estimateMemoryTokens(question)) : null;
    const plan = planListing({
      retrieved,
      previous,
      stillCurrent: await stillCurrent(deps.bank, previous, request.namespaces, retrieved),
      reuse,
      maxListingTokens,
      budgetTokens,
      minListed: MIN_LISTED,
      dateOf: memoryDate,
    });
    const candidates: AnswerCandidate[] = plan.listed.map((item, i) => ({
      shortId: String(i),
      memory: item.memory,
      score: item.score,
      retrieved: item.retrieved,
      ranks: item.ranks,
      date: memoryDate(item.memory),
    }));
    const shownIds = candidates.map((c) => c.shortId);
    const considered = describeConsidered(plan, retrieved.length, wholeBank !== null, budgetS, rate);

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
    if (reuse) answerSlots.set(deps.llm, { prefix, listed: plan.listed.map((item) => item.memory) });
    const freshTokens = result.usage.promptTokens - (result.usage.cachedTokens ?? 0);
    if (result.timings.prefillMs && freshTokens >= MIN_TIMED_PROMPT_TOKENS) {
      const measured = freshTokens / (result.timings.prefillMs / 1000);
      measuredRates.set(deps.llm, measured);
      recordAnswerPrefillRate(deps.llm, measured, freshTokens);
    }
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
      considered,
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
