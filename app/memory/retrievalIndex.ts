/**
 * The memory bank's retrieval index: the retrieval worker (retrievalClient.ts), or — when the worker cannot start
 * (module workers blocked, a worker chunk that fails to load, a CSP without worker-src) — the same VectorIndex on
 * the page's own thread, behind the same interface, so the bank still opens. On the page a search blocks the
 * thread for its duration; results are the same. Page-only: it may start a worker.
 */

import { createInThreadRetrievalIndex } from './inThreadRetrievalIndex';
import { createRetrievalClient, type RetrievalClient, type RetrievalClientOptions } from './retrievalClient';

export interface OpenedRetrievalIndex {
  index: RetrievalClient;
  where: 'worker' | 'page';
  /** Why the worker could not be used; null when it is. */
  workerProblem: string | null;
}

/** The retrieval worker, or the in-thread index when the worker cannot start. */
export async function openRetrievalIndex(options: RetrievalClientOptions = {}): Promise<OpenedRetrievalIndex> {
  try {
    return { index: await createRetrievalClient(options), where: 'worker', workerProblem: null };
  } catch (error) {
    const workerProblem = error instanceof Error ? error.message : String(error);
    console.warn(`Memory search runs on the page: the retrieval worker could not start (${workerProblem})`);
    return { index: await createInThreadRetrievalIndex(options), where: 'page', workerProblem };
  }
}
