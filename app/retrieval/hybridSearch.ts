/**
 * Hybrid retrieval: the lexical index and the dense index each return a pool of candidates, reciprocal rank fusion
 * merges them (ranks kept per retriever), and, when time-aware retrieval is on and the question names a period,
 * memories whose event time falls in it move up. Without a query vector (no embedding model loaded) it runs
 * lexical-only and says so in `denseOff` instead of failing.
 */
import { DEFAULT_RRF_K, type FusedResult, type FusionOptions, reciprocalRankFusion } from './fusion';
import type { LexicalIndex } from './lexicalIndex';
import { extractTimeRange, type TimeRange, timeMatches } from './timeFilter';

export const DENSE_OFF_NO_MODEL = 'dense search off: embedding model not loaded';

export interface DenseSearcher {
  search(query: Float32Array, options: { k: number; namespaces?: string[] }): { id: string; score: number }[] | Promise<{ id: string; score: number }[]>;
}

export interface TimeAwareOptions {
  /** The date relative phrases ("last week") are resolved against: the session's or today's, ISO. */
  referenceDate: string | null;
  /** Weight of the time match, in RRF units (a match adds weight / (k + 1)). Default 1. */
  weight?: number;
}

export interface HybridSearchOptions {
  k: number;
  namespaces?: string[];
  /** Candidates taken from each retriever before fusion; default max(k, 60). */
  poolSize?: number;
  fusion?: FusionOptions;
  /** Off unless given. */
  timeAware?: TimeAwareOptions | false;
  /** Which retrievers run; default both (dense only where a query vector is given). For ablations. */
  retrievers?: readonly ('lexical' | 'dense')[];
}

export interface HybridResult extends FusedResult {
  /** True when time-aware retrieval moved this memory up. */
  timeMatch?: boolean;
  /**
   * The dense retriever's own score (cosine similarity) where it returned this memory: what a similarity threshold
   * reads (the mem0 baseline's ADD / UPDATE / NOOP rule), as the fused score is only a rank.
   */
  denseScore?: number;
}

export interface HybridSearchOutput {
  results: HybridResult[];
  mode: 'hybrid' | 'lexical' | 'dense';
  /** Why dense search did not run, for the UI; absent in hybrid mode. */
  denseOff?: string;
  /** The period the question named, when time-aware retrieval was on and found one. */
  timeRange?: TimeRange | null;
}

export async function hybridSearch(
  sources: { lexical: LexicalIndex; dense?: DenseSearcher | null },
  query: { text: string; vector: Float32Array | null },
  options: HybridSearchOptions,
): Promise<HybridSearchOutput> {
  const pool = Math.max(options.poolSize ?? 60, options.k);
  const ns = options.namespaces ? { namespaces: options.namespaces } : {};
  const useLexical = options.retrievers?.includes('lexical') ?? true;
  const useDense = options.retrievers?.includes('dense') ?? true;
  const lexicalHits = useLexical ? sources.lexical.search(query.text, { k: pool, ...ns }) : [];
  let denseOff: string | undefined;
  let denseIds: string[] | undefined;
  const denseScores = new Map<string, number>();
  if (!useDense) denseOff = 'dense search off';
  else if (!query.vector) denseOff = DENSE_OFF_NO_MODEL;
  else if (!sources.dense) denseOff = 'dense search off: no vector index';
  else {
    const hits = await sources.dense.search(query.vector, { k: pool, ...ns });
    denseIds = hits.map((h) => h.id);
    for (const h of hits) if (!denseScores.has(h.id)) denseScores.set(h.id, h.score);
  }
  const fused: HybridResult[] = reciprocalRankFusion(
    { ...(useLexical ? { lexical: lexicalHits.map((h) => h.id) } : {}), ...(denseIds ? { dense: denseIds } : {}) },
    options.fusion,
  );
  for (const r of fused) {
    const denseScore = denseScores.get(r.id);
    if (denseScore !== undefined) r.denseScore = denseScore;
  }

  let timeRange: TimeRange | null | undefined;
  if (options.timeAware) {
    timeRange = extractTimeRange(query.text, options.timeAware.referenceDate);
    if (timeRange) {
      const bonus = (options.timeAware.weight ?? 1) / ((options.fusion?.k ?? DEFAULT_RRF_K) + 1);
      for (const r of fused) {
        if (timeMatches(sources.lexical.stored(r.id)?.eventTime, timeRange)) {
          r.score += bonus;
          r.timeMatch = true;
        }
      }
      fused.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
  }
  return {
    results: fused.slice(0, options.k),
    mode: denseIds ? (useLexical ? 'hybrid' : 'dense') : 'lexical',
    ...(denseOff ? { denseOff } : {}),
    ...(timeRange !== undefined ? { timeRange } : {}),
  };
}
