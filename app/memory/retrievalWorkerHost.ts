/**
 * The worker side of the retrieval protocol, without the worker: validates incoming messages, routes them to the
 * VectorIndex core and posts responses through an injected `post`. workers/retrieval.worker.ts wires it to
 * `self`; tests wire it to a MessageChannel.
 */
import { createWorkerHost, type WorkerHost } from '../lib/workerHost';
import { isRetrievalRequest, type RetrievalRequest, type RetrievalResponse } from './retrievalProtocol';
import { createVectorIndex, type VectorIndex, type VectorIndexOptions } from './vectorIndex';

export interface RetrievalWorkerHostOptions {
  /** Sends a response (responses carry no large buffers, so nothing is transferred). */
  post: (msg: RetrievalResponse) => void;
  /** Builds the index for a load request; tests inject options such as `prefilterMinRows`. */
  createIndex?: (options: VectorIndexOptions) => Promise<VectorIndex>;
  now?: () => number;
}

export function createRetrievalWorkerHost(options: RetrievalWorkerHostOptions): WorkerHost {
  const now = options.now ?? (() => performance.now());
  const createIndex = options.createIndex ?? createVectorIndex;
  const send = options.post;
  let index: VectorIndex | null = null;

  function loaded(): VectorIndex {
    if (!index) throw new Error('The retrieval index is not loaded: send a load request first');
    return index;
  }

  async function route(req: RetrievalRequest): Promise<void> {
    switch (req.type) {
      case 'load': {
        index = null;
        index = await createIndex({ dims: req.dims, ...(req.kernel !== undefined ? { kernel: req.kernel } : {}) });
        send({ type: 'ready', id: req.id, dims: index.dims, kernel: index.kernel });
        return;
      }
      case 'bulkLoad':
        send({ type: 'ok', id: req.id, size: loaded().bulkLoad(req.entries) });
        return;
      case 'patch':
        send({ type: 'ok', id: req.id, size: loaded().patch(req) });
        return;
      case 'search': {
        const start = now();
        const hits = loaded().search(req.query, {
          k: req.k,
          ...(req.namespaces !== undefined ? { namespaces: req.namespaces } : {}),
        });
        send({ type: 'results', id: req.id, hits, ms: now() - start });
        return;
      }
      case 'clear':
        loaded().clear();
        send({ type: 'ok', id: req.id, size: 0 });
        return;
    }
  }

  return createWorkerHost({
    name: 'retrieval',
    isRequest: isRetrievalRequest,
    route,
    replyError: (id, message) => send({ type: 'error', id, message }),
  });
}
