/**
 * The two retrievals the agents make over the bank: around a turn's facts, and around a question. Both go through
 * the bank's hybrid search (lexical + dense, reciprocal rank fusion): LoCoMo's questions hinge on names, dates and
 * rare words that embeddings alone miss (bench:recall), and the Memory Manager needs the memory that names the same
 * dog, not one that merely sounds alike.
 */
import type { MemoryBank } from '../memory/memoryBank';
import type { MemoryRecord, Namespace } from '../memory/types';
import type { RetrieverRanks } from '../retrieval/fusion';
import type { TimeAwareOptions } from '../retrieval/hybridSearch';

export interface ScoredMemory {
  memory: MemoryRecord;
  /** The fused (RRF) score; for a union, the best over the queries. */
  score: number;
  /** Its rank in each retriever (from the query that scored it best): why it was retrieved. */
  ranks: RetrieverRanks;
  timeMatch?: boolean;
}

/** How a retrieval ran: `lexical` when no query vector was given, with the reason for the UI. */
export interface RetrievalMode {
  mode: 'hybrid' | 'lexical' | 'dense';
  denseOff?: string;
}

export type MemorySearch = Pick<MemoryBank, 'hybridSearch'>;

function mergeBest(lists: readonly (readonly ScoredMemory[])[], cap: number): ScoredMemory[] {
  const best = new Map<string, ScoredMemory>();
  for (const list of lists) {
    for (const hit of list) {
      const seen = best.get(hit.memory.id);
      if (!seen || hit.score > seen.score) best.set(hit.memory.id, hit);
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? -1 : a.memory.id > b.memory.id ? 1 : 0)).slice(0, cap);
}

/** Row i of a packed `count × dims` Float32Array. */
export function rowOf(packed: Float32Array, i: number, dims: number): Float32Array {
  return packed.subarray(i * dims, (i + 1) * dims);
}

function scored(hits: { memory: MemoryRecord; score: number; ranks: RetrieverRanks; timeMatch?: boolean }[]): ScoredMemory[] {
  return hits.map((h) => ({ memory: h.memory, score: h.score, ranks: h.ranks, ...(h.timeMatch ? { timeMatch: true } : {}) }));
}

/**
 * The memories closest to any of the facts, in one namespace: the `perFactK` best per fact (hybrid: the fact's
 * words and its embedding), their union (each memory once, with its best fused score), the `maxCandidates` best of
 * that, best first.
 */
export async function retrieveForFacts(
  bank: MemorySearch,
  facts: readonly string[],
  factVectors: Float32Array,
  options: { namespace: Namespace; perFactK: number; maxCandidates: number },
): Promise<ScoredMemory[]> {
  if (facts.length === 0) return [];
  const dims = factVectors.length / facts.length;
  const lists = await Promise.all(
    facts.map(async (fact, i) =>
      scored((await bank.hybridSearch(fact, rowOf(factVectors, i, dims), { k: options.perFactK, namespaces: [options.namespace] })).hits),
    ),
  );
  return mergeBest(lists, options.maxCandidates);
}

/**
 * The memories for a question: `k` best over all the namespaces, or with `perNamespaceK` that many from each
 * namespace (Memory-R1: 30 per speaker of a two-speaker dialogue), merged best first. Without a question vector
 * (no embedding model loaded) the search is lexical-only, and the returned mode says so.
 */
export async function retrieveForQuestion(
  bank: MemorySearch,
  question: string,
  questionVector: Float32Array | null,
  options: { namespaces: readonly Namespace[]; k: number; perNamespaceK?: number; timeAware?: TimeAwareOptions | false },
): Promise<{ hits: ScoredMemory[] } & RetrievalMode> {
  const search = (namespaces: Namespace[], k: number) =>
    bank.hybridSearch(question, questionVector, { k, namespaces, ...(options.timeAware ? { timeAware: options.timeAware } : {}) });
  const results =
    options.perNamespaceK === undefined
      ? [await search([...options.namespaces], options.k)]
      : await Promise.all(options.namespaces.map((ns) => search([ns], options.perNamespaceK!)));
  const cap = options.perNamespaceK === undefined ? options.k : options.perNamespaceK * options.namespaces.length;
  const first = results[0]!;
  return {
    hits: mergeBest(
      results.map((r) => scored(r.hits)),
      cap,
    ),
    mode: first.mode,
    ...(first.denseOff ? { denseOff: first.denseOff } : {}),
  };
}
