/**
 * How fast an engine reads a prompt, known before its first answer: the Answer Agent's latency budget needs the
 * rate, and an engine only measures it on a call long enough to time (the first question comes before any). After
 * a model loads, the rate stored for the same model, backend and thread count is used; without one, a short fixed
 * prompt is read once and its rate stored. Answers then replace it with the rate they measure, and store that.
 *
 * Pure: the storage is passed in (the page's localStorage, or none).
 */
import type { ChatMessage, LLMClient } from './types';

/** Where a rate was measured: the fixed prompt read after a load, or an answer's prompt. */
export type PrefillRateOrigin = 'probe' | 'answer';

export interface PrefillRate {
  tokensPerSecond: number;
  /** Prompt tokens read fresh in the timed call. */
  promptTokens: number;
  measuredOn: PrefillRateOrigin;
  /** When it was measured (ms since the epoch). */
  measuredAt: number;
  /** Read back from storage: measured on an earlier load, not in this one. */
  stored: boolean;
}

/** The part of the Web Storage API the rates are kept in (localStorage in the page). */
export interface PrefillRateStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** What the rate depends on: the same GGUF reads at another rate on another backend or thread count. */
export interface PrefillRateSetup {
  modelId: string;
  backend: 'cpu' | 'webgpu';
  threads: number;
}

/** One storage entry holds every setup's rate; a wipe of the app's data removes it with the rest. */
export const PREFILL_RATES_STORAGE_KEY = 'memory-r1.prefill-rates.v1';

/** Fewer fresh prompt tokens than this time too noisily to give a rate (wllama's own rate uses the same floor). */
export const MIN_TIMED_PROMPT_TOKENS = 64;

export function prefillRateKey(setup: PrefillRateSetup): string {
  return `${setup.modelId}|${setup.backend}|${setup.threads}`;
}

type StoredRates = Record<string, Omit<PrefillRate, 'stored'>>;

function isStoredRate(value: unknown): value is Omit<PrefillRate, 'stored'> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.tokensPerSecond === 'number' &&
    Number.isFinite(v.tokensPerSecond) &&
    v.tokensPerSecond > 0 &&
    typeof v.promptTokens === 'number' &&
    (v.measuredOn === 'probe' || v.measuredOn === 'answer') &&
    typeof v.measuredAt === 'number'
  );
}

function readAll(storage: PrefillRateStorage): StoredRates {
  try {
    const raw = storage.getItem(PREFILL_RATES_STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as StoredRates) : {};
  } catch {
    // Unreadable (blocked storage, a damaged entry): as if none were stored; the next measure writes a good one.
    return {};
  }
}

/** The rate stored for this setup, or null (none, or an entry that is not a valid rate). */
export function readPrefillRate(storage: PrefillRateStorage, setup: PrefillRateSetup): PrefillRate | null {
  const entry = readAll(storage)[prefillRateKey(setup)];
  return isStoredRate(entry) ? { ...entry, stored: true } : null;
}

/** Stores this setup's rate beside the others'; storage that refuses (full, blocked) leaves the rate for this page only. */
export function writePrefillRate(storage: PrefillRateStorage, setup: PrefillRateSetup, rate: PrefillRate): void {
  const { stored: _stored, ...entry } = rate;
  const all = readAll(storage);
  all[prefillRateKey(setup)] = entry;
  try {
    storage.setItem(PREFILL_RATES_STORAGE_KEY, JSON.stringify(all));
  } catch {
    // Storage full or blocked: the rate still serves this page.
  }
}

/**
 * The fixed prompt read to time an engine: an answer-style listing of a few memories (~150 tokens with a chat
 * template), long enough to time, short enough to read in seconds on a slow engine.
 */
export const PREFILL_PROBE_MESSAGES: readonly ChatMessage[] = [
  { role: 'system', content: 'Answer the question from the memories below. Cite the ids of the memories you use.' },
  {
    role: 'user',
    content: [
      'Memories:',
      '2023 May',
      '7: 0 Caroline went to an LGBTQ support group and found the stories of other members inspiring.',
      '8: 1 Melanie painted a sunrise over the lake and plans to hang it in her living room.',
      '20: 2 Melanie ran a charity race for mental health with her colleagues from the school.',
      '25: 3 Caroline is researching adoption agencies and wants to give a child a loving home.',
      '2023 June',
      '3: 4 Melanie took her kids camping in the mountains and they roasted marshmallows by the fire.',
      'Question: What did Melanie paint?',
    ].join('\n'),
  },
];

/**
 * Reads the fixed prompt once, without the prompt cache, and returns its rate; null when the engine reports no
 * prefill time or read too few tokens fresh to time.
 */
export async function measurePrefillRate(llm: LLMClient, options: { signal?: AbortSignal; now?: () => number } = {}): Promise<PrefillRate | null> {
  const result = await llm.complete([...PREFILL_PROBE_MESSAGES], {
    maxTokens: 1,
    temperature: 0,
    cachePrompt: false,
    cacheKey: 'prefill-probe',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const fresh = result.usage.promptTokens - (result.usage.cachedTokens ?? 0);
  const ms = result.timings.prefillMs;
  if (!ms || ms <= 0 || fresh < MIN_TIMED_PROMPT_TOKENS) return null;
  return { tokensPerSecond: fresh / (ms / 1000), promptTokens: fresh, measuredOn: 'probe', measuredAt: (options.now ?? Date.now)(), stored: false };
}

/** Per engine: the rate it was seeded with and where to store the rates its answers measure. */
const seeds = new WeakMap<LLMClient, { rate: PrefillRate; storage: PrefillRateStorage | null; setup: PrefillRateSetup }>();

export interface SeedPrefillRateOptions {
  setup: PrefillRateSetup;
  /** Null: nothing is stored or read back (the probe runs on every load). */
  storage: PrefillRateStorage | null;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Gives a freshly loaded engine its prefill rate: the one stored for this setup, else the fixed prompt's, timed now
 * (and stored). A rate the engine measures on its own calls later (a Memory Manager call) takes precedence in the
 * Answer Agent over this seed.
 */
export async function seedPrefillRate(llm: LLMClient, options: SeedPrefillRateOptions): Promise<PrefillRate | null> {
  const { setup, storage } = options;
  const now = options.now ?? Date.now;
  let rate = storage ? readPrefillRate(storage, setup) : null;
  rate ??= await measurePrefillRate(llm, { ...(options.signal ? { signal: options.signal } : {}), now });
  if (!rate) return null;
  if (storage && !rate.stored) writePrefillRate(storage, setup, rate);
  seeds.set(llm, { rate, storage, setup });
  return rate;
}

/** The rate this engine was seeded with (or last measured on an answer), or null when it was not seeded. */
export function seededPrefillRate(llm: LLMClient): PrefillRate | null {
  return seeds.get(llm)?.rate ?? null;
}

/** An answer's measured rate replaces the seed, and is stored for the next load of the same setup. */
export function recordAnswerPrefillRate(llm: LLMClient, tokensPerSecond: number, promptTokens: number, now: () => number = Date.now): void {
  const seed = seeds.get(llm);
  if (!seed || !(tokensPerSecond > 0) || promptTokens < MIN_TIMED_PROMPT_TOKENS) return;
  const rate: PrefillRate = { tokensPerSecond, promptTokens, measuredOn: 'answer', measuredAt: now(), stored: false };
  seed.rate = rate;
  if (seed.storage) writePrefillRate(seed.storage, seed.setup, rate);
}

/** Where a rate comes from, in words for the UI: "measured on a 152-token prompt when the model loaded". */
export function describePrefillRate(rate: PrefillRate): string {
  const what = rate.measuredOn === 'probe' ? `a ${rate.promptTokens}-token test prompt` : `an answer's ${rate.promptTokens}-token prompt`;
  if (rate.stored) return `stored from ${what} on ${new Date(rate.measuredAt).toISOString().slice(0, 10)}, on this model, backend and thread count`;
  return rate.measuredOn === 'probe' ? `measured on ${what} when the model loaded` : `measured on ${what}`;
}
