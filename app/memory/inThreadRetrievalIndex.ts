/**
 * The VectorIndex in this thread, behind the retrieval worker client's interface: the page's fallback when its
 * retrieval worker cannot start (retrievalIndex.ts), and the index the Node tests open banks on. Pure: no worker,
 * no DOM.
 */

import { DEFAULT_EMBEDDING_DIMS } from './memoryOps';
import type { RetrievalClient, RetrievalClientOptions } from './retrievalClient';
import { createVectorIndex } from './vectorIndex';

export async function createInThreadRetrievalIndex(options: Pick<RetrievalClientOptions, 'dims' | 'kernel'> = {}): Promise<RetrievalClient> {
  const index = await createVectorIndex({ dims: options.dims ?? DEFAULT_EMBEDDING_DIMS, ...(options.kernel !== undefined ? { kernel: options.kernel } : {}) });
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
