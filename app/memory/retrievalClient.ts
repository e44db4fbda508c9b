/**
 * Page-side client of the retrieval worker: the memory bank's top-k search off the main thread. Its methods match
 * the bank's `RetrievalIndex` (memoryBank.ts), so the bank can hold either this client or, in Node, an adapter
 * over the VectorIndex itself.
 */

import { createWorkerRpc, type WorkerLike } from '../lib/workerRpc';
import {
  isRetrievalResponse,
  type PackedVectorsMessage,
  type RetrievalHit,
  type RetrievalRequest,
  type RetrievalResponse,
  requestTransferables,
} from './retrievalProtocol';
import type { KernelChoice, KernelName } from './simd/rowMatrix';
import type { PackedVectors, VectorEntry } from './vectorIndex';

/** bge-small-en-v1.5, the default embedding model. */
const DEFAULT_DIMS = 384;

/** The slice of `Worker` the client uses (a test can pass a MessagePort-backed stand-in). */
export type RetrievalWorkerLike = WorkerLike<RetrievalRequest>;

export interface RetrievalClientOptions {
  /** Embedding dimensions; default 384. */
  dims?: number;
  /** Default `auto` (WebAssembly SIMD where available). */
  kernel?: KernelChoice;
  /** Starts the worker; default: the module worker in workers/retrieval.worker.ts. */
  createWorker?: () => RetrievalWorkerLike;
}

export interface RetrievalClient {
  readonly dims: number;
  /** The kernel the worker runs: `js` means an engine without WebAssembly SIMD (slower, same results). */
  readonly kernel: KernelName;
  /** Worker-side time of the last completed search, ms. */
  readonly lastSearchMs: number;
  /** Replaces the index's content; resolves to its size. Vectors are copied, never taken from the caller. */
  bulkLoad(entries: readonly VectorEntry[] | PackedVectors): Promise<number>;
  /** Applies one batch (removes first, then upserts; all or nothing); resolves to the size. */
  patch(changes: { upserts: readonly VectorEntry[]; removes: readonly string[] }): Promise<number>;
  /** Top-k by cosine similarity, best first, ties in id order; `namespaces` filters (unset: all). */
  search(query: ArrayLike<number>, options: { k: number; namespaces?: readonly string[] }): Promise<RetrievalHit[]>;
  clear(): Promise<number>;
  /** Terminates the worker; pending and later requests reject. */
  dispose(): void;
}

export function startRetrievalWorker(): RetrievalWorkerLike {
  return new Worker(new URL('../../workers/retrieval.worker.ts', import.meta.url), {
    type: 'module',
    name: 'retrieval',
  });
}

/** Starts the worker and its index; resolves once it is ready (rejects, terminating the worker, if not). */
export async function createRetrievalClient(options: RetrievalClientOptions = {}): Promise<RetrievalClient> {
  const dims = options.dims ?? DEFAULT_DIMS;
  const worker = (options.createWorker ?? startRetrievalWorker)();
  const rpc = createWorkerRpc<RetrievalRequest, RetrievalResponse>(worker, {
    name: 'Retrieval worker',
    isResponse: isRetrievalResponse,
    errorOf: (msg) => (msg.type === 'error' ? msg.message : null),
    transferables: requestTransferables,
  });
  const request = rpc.request;
  let lastSearchMs = 0;

  let ready: Extract<RetrievalResponse, { type: 'ready' }>;
  try {
    ready = await request({ type: 'load', dims, ...(options.kernel !== undefined ? { kernel: options.kernel } : {}) }, 'ready');
  } catch (error) {
    rpc.close('Retrieval worker closed after a failed load');
    throw error;
  }

  return {
    dims: ready.dims,
    kernel: ready.kernel,
    get lastSearchMs() {
      return lastSearchMs;
    },
    async bulkLoad(entries) {
      return (await request({ type: 'bulkLoad', entries: packed(entries, ready.dims) }, 'ok')).size;
    },
    async patch(changes) {
      const upserts = changes.upserts.map((u) => ({ id: u.id, namespace: u.namespace, vector: ownedCopy(u.vector) }));
      return (await request({ type: 'patch', upserts, removes: [...changes.removes] }, 'ok')).size;
    },
    async search(query, searchOptions) {
      const msg = await request(
        {
          type: 'search',
          query: ownedCopy(query),
          k: searchOptions.k,
          ...(searchOptions.namespaces !== undefined ? { namespaces: [...searchOptions.namespaces] } : {}),
        },
        'results',
      );
      lastSearchMs = msg.ms;
      return msg.hits;
    },
    async clear() {
      return (await request({ type: 'clear' }, 'ok')).size;
    },
    dispose() {
      rpc.close('Retrieval client was disposed');
    },
  };
}

/** A Float32Array with a buffer of its own, safe to transfer. */
function ownedCopy(vector: ArrayLike<number>): Float32Array {
  return Float32Array.from(vector);
}

/** Entries → one packed buffer of our own (the caller's vectors stay usable). A wrong length fails here, early. */
function packed(entries: readonly VectorEntry[] | PackedVectors, dims: number): PackedVectorsMessage {
  if (!Array.isArray(entries)) {
    const p = entries as PackedVectors;
    return { ids: [...p.ids], namespaces: [...p.namespaces], vectors: p.vectors.slice() };
  }
  const list = entries as readonly VectorEntry[];
  const vectors = new Float32Array(list.length * dims);
  list.forEach((entry, i) => {
    if (entry.vector?.length !== dims) {
      throw new RangeError(`entry ${i} (${JSON.stringify(entry.id)}) has ${entry.vector?.length} dims, expected ${dims}`);
    }
    vectors.set(entry.vector, i * dims);
  });
  return { ids: list.map((e) => e.id), namespaces: list.map((e) => e.namespace), vectors };
}
