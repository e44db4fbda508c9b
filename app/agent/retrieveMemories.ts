/** The two retrievals the agents make over the bank's index: around a turn's facts, and around a question. */
import type { MemoryBank } from '../memory/memoryBank';
import type { MemoryRecord, Namespace } from '../memory/types';

export interface ScoredMemory {
  memory: MemoryRecord;
  /** Cosine similarity; for a union, the best over the queries. */
  score: number;
}

export type MemorySearch = Pick<MemoryBank, 'search'>;

function mergeBest(lists: readonly (readonly ScoredMemory[])[], cap: number): ScoredMemory[] {
  const best = new Map<string, ScoredMemory>();
  for (const list of lists) {
    for (const hit of list) {
      const seen = best.get(hit.memory.id);
      if (!seen || hit.score > seen.score) best.set(hit.memory.id, hit);
    }
  }
  return [...best.values()]
    .sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? -1 : a.memory.id > b.memory.id ? 1 : 0))
    .slice(0, cap);
}

/** Row i of a packed `count × dims` Float32Array. */
export function rowOf(packed: Float32Array, i: number, dims: number): Float32Array {
  return packed.subarray(i * dims, (i + 1) * dims);
}

/**
 * The memories most similar to any of the facts, in one namespace: the `perFactK` best per fact, their union
 * (each memory once, with its best score), the `maxCandidates` best of that, best first.
 */
export async function retrieveForFacts(
  bank: MemorySearch,
  factVectors: Float32Array,
  factCount: number,
  options: { namespace: Namespace; perFactK: number; maxCandidates: number },
): Promise<ScoredMemory[]> {
  if (factCount === 0) return [];
  const dims = factVectors.length / factCount;
  const lists = await Promise.all(
    Array.from({ length: factCount }, (_, i) => bank.search(rowOf(factVectors, i, dims), { k: options.perFactK, namespaces: [options.namespace] })),
  );
  return mergeBest(lists, options.maxCandidates);
}

/**
 * The memories for a question: `k` best over all the namespaces, or with `perNamespaceK` that many from each
 * namespace (Memory-R1: 30 per speaker of a two-speaker dialogue), merged best first.
 */
export async function retrieveForQuestion(
  bank: MemorySearch,
  questionVector: Float32Array,
  options: { namespaces: readonly Namespace[]; k: number; perNamespaceK?: number },
): Promise<ScoredMemory[]> {
  if (options.perNamespaceK === undefined) {
    return mergeBest([await bank.search(questionVector, { k: options.k, namespaces: [...options.namespaces] })], options.k);
  }
  const perNamespaceK = options.perNamespaceK;
  const lists = await Promise.all(options.namespaces.map((ns) => bank.search(questionVector, { k: perNamespaceK, namespaces: [ns] })));
  return mergeBest(lists, perNamespaceK * options.namespaces.length);
}
