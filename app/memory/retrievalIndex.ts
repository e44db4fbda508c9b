/**
 * The memory bank's retrieval index: the retrieval worker (retrievalClient.ts), or — when the worker cannot start
 * (module workers blocked, a worker chunk that fails to load, a CSP without worker-src) — the same VectorIndex on
 * the page's own thread, behind the same interface, so the bank still opens. On the page a search blocks the
 * thread for its duration; results are the same.
 */
import { createRetrievalClient, type RetrievalClient, type RetrievalClientOptions } from './retrievalClient';
import { createVectorIndex } from './vectorIndex';

/** bge-small-en-v1.5, the default embedding model (as in retrievalClient.ts). */
const DEFAULT_DIMS = 384;

/** The VectorIndex in this thread, behind the worker client's interface. */
export async function createInThreadRetrievalIndex(options: Pick<RetrievalClientOptions, 'dims' | 'kernel'> = {}): Promise<RetrievalClient> {
  const index = await createVectorIndex({ dims: options.dims ?? DEFAULT_DIMS, ...(options.kernel !== undefined ? { kernel: options.kernel } : {}) });
  let lastSearchMs = 0;
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error('The in-thread retrieval index was disposed');
    return index;
  };
  return {
    dims: index.dims,
    kernel: index.kernel,
    get lastSearchMs() {
      return lastSearchMs;
    },
    bulkLoad: async (entries) => live().bulkLoad(entries),
    patch: async (changes) => live().patch(changes),
    search: async (query, searchOptions) => {
      const start = performance.now();
      const hits = live().search(query, searchOptions);
      lastSearchMs = performance.now() - start;
      return hits;
    },
    clear: async () => {
      live().clear();
      return 0;
    },
    dispose: () => {
      disposed = true;
    },
  };
}

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
