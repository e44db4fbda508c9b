/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = Σ_r w_r / (k + rank_r(d)) over the
 * retrievers r that returned d, ranks starting at 1. Every fused result keeps its rank in each retriever, so the
 * UI can say why a memory was retrieved ("lexical #2, dense #7").
 */

export type RetrieverName = 'lexical' | 'dense';

export interface RetrieverRanks {
  lexical?: number;
  dense?: number;
}

export interface FusedResult {
  id: string;
  score: number;
  /** 1-based rank in each retriever that returned this id; absent where it did not. */
  ranks: RetrieverRanks;
}

export interface FusionOptions {
  /** RRF's k: larger flattens the difference between top ranks. Default DEFAULT_RRF_K. */
  k?: number;
  /** Per-retriever weights; default 1 each. */
  weights?: Partial<Record<RetrieverName, number>>;
}

/**
 * 5, not Cormack et al.'s 60. Their 60 was fitted on TREC runs of 1,000 documents; here each retriever gives a short
 * pool (60) and the best evidence sits in its first few ranks, which a small k keeps on top. Chosen by leaving one
 * conversation out (`npm run bench:recall -- --cv`, which prints the held-out recall of the k each fold picks): on
 * LoCoMo-dev both folds picked k ≤ 10 over 60, and where k = 1 and k = 5 tied the less extreme one was kept. Rerun
 * `--cv` on the full ten-conversation file to revisit it.
 */
export const DEFAULT_RRF_K = 5;

/** Fuses ranked id lists (best first; duplicates within a list count once, at their first rank). */
export function reciprocalRankFusion(lists: Partial<Record<RetrieverName, readonly string[]>>, options: FusionOptions = {}): FusedResult[] {
  const k = options.k ?? DEFAULT_RRF_K;
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`RRF k must be a finite number ≥ 0, got ${k}`);
  const byId = new Map<string, FusedResult>();
  for (const name of ['lexical', 'dense'] as const) {
    const list = lists[name];
    if (!list) continue;
    const weight = options.weights?.[name] ?? 1;
    let rank = 0;
    for (const id of list) {
      let entry = byId.get(id);
      if (entry?.ranks[name] !== undefined) continue;
      rank++;
      if (!entry) {
        entry = { id, score: 0, ranks: {} };
        byId.set(id, entry);
      }
      entry.ranks[name] = rank;
      entry.score += weight / (k + rank);
    }
  }
  const bestRank = (r: FusedResult) => Math.min(r.ranks.lexical ?? Infinity, r.ranks.dense ?? Infinity);
  return [...byId.values()].sort((a, b) => b.score - a.score || bestRank(a) - bestRank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
