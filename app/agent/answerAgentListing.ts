/**
 * Which memories the Answer Agent lists, in which order — chosen for the engine's prompt (KV) cache and, on a
 * slow engine, for a latency budget.
 *
 * llama.cpp re-reads a prompt only from the first token that differs from what its slot holds. The answer prompt is
 * fixed text, then the listing, then the question; so the listing is kept as stable as possible between questions:
 * - the memories listed last time come first, in the same order, as long as they still exist unchanged;
 * - what is new (retrieved now, not listed before) follows, in date order (equal dates share one heading);
 * - when the bank fits the listing cap, "retrieved" is the whole bank: after the first question only the question
 *   (and memories the manager added since) is new;
 * - when the listing would pass the cap, memories not retrieved for this question are dropped from the end, which
 *   keeps the cached prefix.
 * Every memory retrieved for the question is listed unless the latency budget says otherwise; carried-over memories
 * cost nothing to re-read while they stay in the prefix, and the result says how many there are and why.
 *
 * The budget counts only the tokens the engine must read (those after the shared prefix) and cuts retrieved memories
 * by rank, lowest first, among those not already cached.
 */
import type { MemoryRecord } from '../memory/types';
import type { RetrieverRanks } from '../retrieval/fusion';

export interface ListingItem {
  memory: MemoryRecord;
  /** Fused retrieval score for this question; 0 for a memory listed only because it was listed before. */
  score: number;
  ranks: RetrieverRanks;
  /** Retrieved for this question (within k, or the whole bank when it fits). */
  retrieved: boolean;
}

/** What the engine's answer slot holds: the memories of the last listing, in order, as they were then. */
export type ListingKey = string;

export function listingKey(memory: Pick<MemoryRecord, 'id' | 'updatedAt'>): ListingKey {
  return `${memory.id}@${memory.updatedAt}`;
}

/**
 * Tokens a memory line costs, without the engine's tokenizer: ~4.5 characters a token for English text plus the id
 * and the newline, a little over the real count so a budget is not overrun. bench:tokens prints how far this is
 * from the real tokenizer.
 */
export function estimateMemoryTokens(text: string): number {
  return Math.ceil(text.length / 4.5) + 2;
}

/** A date heading: "7 May 2023:" (or "8 May:") and a newline. */
export const DATE_HEADING_TOKENS = 6;

/** Oldest first; memories without an event time by when they were stored; ties by id, so the order is total. */
export function chronologicalCompare(a: Pick<MemoryRecord, 'id' | 'eventTime' | 'createdAt'>, b: Pick<MemoryRecord, 'id' | 'eventTime' | 'createdAt'>): number {
  const ka = a.eventTime ?? new Date(a.createdAt).toISOString();
  const kb = b.eventTime ?? new Date(b.createdAt).toISOString();
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface ListingInput {
  /** Retrieved for this question, best first (the whole bank, best first, when it fits the cap). */
  retrieved: readonly ListingItem[];
  /** What was listed last time on this engine, in order (records as they were then). */
  previous: readonly MemoryRecord[];
  /** Still in the bank, unchanged, among `previous` (by listingKey); those not here are not carried over. */
  stillCurrent: ReadonlySet<ListingKey>;
  /** Order for the cache and carry earlier memories over; false: exactly the retrieved ones, in date order. */
  reuse: boolean;
  /** Estimated tokens the listing may take. */
  maxListingTokens: number;
  /** Estimated tokens the engine may read fresh (after the cached prefix); null: no budget. */
  budgetTokens: number | null;
  /** The budget never cuts below this many retrieved memories: an answer from none would be no answer. */
  minListed: number;
  /** The date each memory is listed under. */
  dateOf: (memory: MemoryRecord) => string;
}

export interface ListingPlan {
  listed: ListingItem[];
  /** How many leading memories are the same as last time (their tokens are cached). */
  cachedPrefix: number;
  /** Estimated tokens the engine must read for the listing. */
  freshTokens: number;
  /** Retrieved memories left out by the latency budget. */
  cutByBudget: number;
  /** Listed only because they were listed before (free while cached). */
  carried: number;
}

export function estimateListingTokens(items: readonly ListingItem[], dateOf: (memory: MemoryRecord) => string, from = 0): number {
  let tokens = 0;
  let date: string | null = from > 0 ? dateOf(items[from - 1]!.memory) : null;
  for (let i = from; i < items.length; i++) {
    const d = dateOf(items[i]!.memory);
    if (d !== date) tokens += DATE_HEADING_TOKENS;
    date = d;
    tokens += estimateMemoryTokens(items[i]!.memory.text);
  }
  return tokens;
}

function sharedPrefix(items: readonly ListingItem[], previous: readonly MemoryRecord[]): number {
  let n = 0;
  while (n < items.length && n < previous.length && listingKey(items[n]!.memory) === listingKey(previous[n]!)) n++;
  return n;
}

export function planListing(input: ListingInput): ListingPlan {
  const { retrieved, dateOf } = input;
  if (!input.reuse) {
    const listed = [...retrieved].sort((a, b) => chronologicalCompare(a.memory, b.memory));
    return finish(listed, input);
  }
  const byId = new Map(retrieved.map((item) => [item.memory.id, item]));
  const carriedOver: ListingItem[] = [];
  const seen = new Set<string>();
  for (const memory of input.previous) {
    if (!input.stillCurrent.has(listingKey(memory)) || seen.has(memory.id)) continue;
    seen.add(memory.id);
    carriedOver.push(byId.get(memory.id) ?? { memory, score: 0, ranks: {}, retrieved: false });
  }
  const fresh = retrieved.filter((item) => !seen.has(item.memory.id)).sort((a, b) => chronologicalCompare(a.memory, b.memory));
  const listed = [...carriedOver, ...fresh];
  // Over the cap: drop memories not retrieved this time, from the end, so the cached prefix stays whole.
  for (let i = listed.length - 1; i >= 0 && estimateListingTokens(listed, dateOf) > input.maxListingTokens; i--) {
    if (!listed[i]!.retrieved) listed.splice(i, 1);
  }
  return finish(listed, input);
}

function finish(listed: ListingItem[], input: ListingInput): ListingPlan {
  const { dateOf, budgetTokens } = input;
  const cachedPrefix = input.reuse ? sharedPrefix(listed, input.previous) : 0;
  let cutByBudget = 0;
  if (budgetTokens !== null && estimateListingTokens(listed, dateOf, cachedPrefix) > budgetTokens) {
    // First what costs and was not retrieved for this question, then retrieved memories by rank, lowest first.
    let kept = listed.filter((item, i) => i < cachedPrefix || item.retrieved);
    const cuttable = kept
      .map((item, i) => ({ item, i }))
      .filter(({ i }) => i >= cachedPrefix)
      .sort((a, b) => a.item.score - b.item.score || (a.item.memory.id < b.item.memory.id ? -1 : 1));
    let retrievedLeft = kept.filter((item) => item.retrieved).length;
    for (const { item } of cuttable) {
      if (estimateListingTokens(kept, dateOf, cachedPrefix) <= budgetTokens || retrievedLeft <= input.minListed) break;
      retrievedLeft--;
      kept = kept.filter((k) => k !== item);
      cutByBudget++;
    }
    listed = kept;
  }
  const freshFrom = input.reuse ? sharedPrefix(listed, input.previous) : 0;
  return {
    listed,
    cachedPrefix: freshFrom,
    freshTokens: estimateListingTokens(listed, dateOf, freshFrom),
    cutByBudget,
    carried: listed.filter((item) => !item.retrieved).length,
  };
}
