/**
 * Page-side client of the embedding worker. Importing this file does not pull in transformers.js: the worker
 * (workers/embed.worker.ts) is its own chunk, started on demand.
 */
import type { EmbedOptions, EmbedProgress, WasmPaths } from './embedder';
import { isEmbedResponse, type EmbedRequest, type EmbedResponse } from './embedProtocol';
import { DEFAULT_EMBEDDING_MODEL_ID } from './embeddingModels';

/** The slice of `Worker` the client uses (a test can pass a MessagePort-backed stand-in). */
export interface EmbedWorkerLike {
  postMessage(message: EmbedRequest, options?: { transfer?: Transferable[] }): void;
  /** 'message' events are MessageEvents; 'error' events from a real Worker are ErrorEvents. */
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

export interface EmbedWorkerClientOptions {
  /** Catalog id; default DEFAULT_EMBEDDING_MODEL_ID (bge-small-en-v1.5). */
  modelId?: string;
  /**
   * Folder URL holding `<modelId>/…` (e.g. `/models/transformers/`, i.e. `<modelBaseUrl>transformers/`); the
   * model then loads only from there. Unset: the Hugging Face hub.
   */
  localModelBaseUrl?: string;
  /** Overrides the worker's self-hosted ONNX Runtime WASM files. */
  wasmPaths?: WasmPaths;
  onProgress?: (progress: EmbedProgress) => void;
  /** Starts the worker; default: the module worker in workers/embed.worker.ts. */
  createWorker?: () => EmbedWorkerLike;
}

export interface EmbedWorkerClient {
  readonly modelId: string;
  readonly dims: number;
  /** Time the worker took to load the model. */
  readonly loadMs: number;
  /** Packed `texts.length * dims` unit vectors in the order of `texts`. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  /** Terminates the worker; pending and later requests reject. */
  dispose(): void;
}

export function startEmbedWorker(): EmbedWorkerLike {
  return new Worker(new URL('../../workers/embed.worker.ts', import.meta.url), {
    type: 'module',
    name: 'embed',
  });
}

interface Pending {
  resolve: (msg: EmbedResponse) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: EmbedProgress) => void;
}

/** Starts the worker, loads the model, and resolves once it is ready (rejects, terminating the worker, if not). */
export async function createEmbedWorkerClient(options: EmbedWorkerClientOptions = {}): Promise<EmbedWorkerClient> {
  const modelId = options.modelId ?? DEFAULT_EMBEDDING_MODEL_ID;
  const worker = (options.createWorker ?? startEmbedWorker)();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closedReason: string | null = null;

  const failAll = (reason: string): void => {
    for (const p of pending.values()) p.reject(new Error(reason));
    pending.clear();
  };
  const close = (reason: string): void => {
    if (closedReason !== null) return;
    closedReason = reason;
    failAll(reason);
    worker.terminate();
  };

  worker.addEventListener('message', (event) => {
    const msg = (event as MessageEvent<unknown>).data;
    if (!isEmbedResponse(msg)) {
      close(`Embed worker sent a malformed message: ${JSON.stringify(msg)?.slice(0, 200)}`);
      return;
    }
    if (msg.id === null) {
      // Only an error can lack an id: a request the worker could not even read.
      failAll(`Embed worker error: ${msg.type === 'error' ? msg.message : msg.type}`);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return; // a request already rejected (e.g. by dispose)
    if (msg.type === 'progress') {
      const { type: _type, id: _id, ...progress } = msg;
      p.onProgress?.(progress);
      return;
    }
    pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new Error(`Embed worker: ${msg.message}`));
    else p.resolve(msg);
  });
  worker.addEventListener('error', (event) => {
    // A module worker that fails to load or throws at top level ends up here; preventDefault keeps the page's
    // console from reporting it a second time as uncaught.
    event.preventDefault?.();
    const detail = 'message' in event && typeof event.message === 'string' && event.message ? `: ${event.message}` : '';
    close(`Embed worker failed${detail} (model ${modelId})`);
  });
  worker.addEventListener('messageerror', () => {
    failAll('Embed worker sent a message that could not be deserialized');
  });

  function request<T extends EmbedResponse['type']>(
    body: DistributiveOmit<EmbedRequest, 'id'>,
    expect: T,
    onProgress?: (progress: EmbedProgress) => void,
  ): Promise<Extract<EmbedResponse, { type: T }>> {
    if (closedReason !== null) return Promise.reject(new Error(closedReason));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, {
        resolve: (msg) => {
          if (msg.type === expect) resolve(msg as Extract<EmbedResponse, { type: T }>);
          else reject(new Error(`Embed worker answered ${body.type} with ${msg.type}, expected ${expect}`));
        },
        reject,
        ...(onProgress ? { onProgress } : {}),
      });
      try {
        worker.postMessage({ ...body, id } as EmbedRequest);
      } catch (error) {
        pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  let loaded: Extract<EmbedResponse, { type: 'loaded' }>;
  try {
    loaded = await request(
      {
        type: 'load',
        modelId,
        ...(options.localModelBaseUrl !== undefined ? { localModelBaseUrl: options.localModelBaseUrl } : {}),
        ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
      },
      'loaded',
      options.onProgress,
    );
  } catch (error) {
    close('Embed worker closed after a failed load');
    throw error;
  }

  return {
    modelId: loaded.modelId,
    dims: loaded.dims,
    loadMs: loaded.loadMs,
    async embed(texts, embedOptions = {}) {
      if (texts.length === 0 && closedReason === null) return new Float32Array(0);
      const msg = await request(
        {
          type: 'embed',
          texts: [...texts],
          ...(embedOptions.batchSize !== undefined ? { batchSize: embedOptions.batchSize } : {}),
        },
        'embedded',
      );
      if (msg.count !== texts.length || msg.dims !== loaded.dims) {
        throw new Error(`Embed worker returned ${msg.count}x${msg.dims} vectors for ${texts.length} texts`);
      }
      return msg.vectors;
    },
    dispose() {
      close('Embed worker client was disposed');
    },
  };
}

/** Omit over each member of a union (plain Omit collapses the union). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** transformers.js keeps downloaded model files in this Cache Storage bucket (its `env.cacheKey` default). */
export const TRANSFORMERS_CACHE_NAME = 'transformers-cache';

/** Deletes every cached embedding-model file of this origin; the next load downloads them again. */
export async function clearEmbeddingModelCache(): Promise<boolean> {
  return caches.delete(TRANSFORMERS_CACHE_NAME);
}
