/**
 * Page-side client of the embedding worker. Importing this file does not pull in transformers.js: the worker
 * (workers/embed.worker.ts) is its own chunk, started on demand.
 */

import { createWorkerRpc, type WorkerLike } from '../lib/workerRpc';
import type { EmbedOptions, EmbedProgress, WasmPaths } from './embedder';
import { DEFAULT_EMBEDDING_MODEL_ID } from './embeddingModels';
import { type EmbedRequest, type EmbedResponse, isEmbedResponse } from './embedProtocol';

/** The slice of `Worker` the client uses (a test can pass a MessagePort-backed stand-in). */
export type EmbedWorkerLike = WorkerLike<EmbedRequest>;

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

/** Starts the worker, loads the model, and resolves once it is ready (rejects, terminating the worker, if not). */
export async function createEmbedWorkerClient(options: EmbedWorkerClientOptions = {}): Promise<EmbedWorkerClient> {
  const modelId = options.modelId ?? DEFAULT_EMBEDDING_MODEL_ID;
  const worker = (options.createWorker ?? startEmbedWorker)();
  const rpc = createWorkerRpc<EmbedRequest, EmbedResponse>(worker, {
    name: 'Embed worker',
    isResponse: isEmbedResponse,
    errorOf: (msg) => (msg.type === 'error' ? msg.message : null),
    transferables: () => [],
    isProgress: (msg) => msg.type === 'progress',
  });
  const onProgress = options.onProgress;
  const forwardProgress = onProgress
    ? (msg: EmbedResponse) => {
        if (msg.type !== 'progress') return;
        const { type: _type, id: _id, ...progress } = msg;
        onProgress(progress);
      }
    : undefined;

  let loaded: Extract<EmbedResponse, { type: 'loaded' }>;
  try {
    loaded = await rpc.request(
      {
        type: 'load',
        modelId,
        ...(options.localModelBaseUrl !== undefined ? { localModelBaseUrl: options.localModelBaseUrl } : {}),
        ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
      },
      'loaded',
      forwardProgress,
    );
  } catch (error) {
    rpc.close('Embed worker closed after a failed load');
    throw error;
  }

  return {
    modelId: loaded.modelId,
    dims: loaded.dims,
    loadMs: loaded.loadMs,
    async embed(texts, embedOptions = {}) {
      if (texts.length === 0 && !rpc.closed) return new Float32Array(0);
      const msg = await rpc.request(
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
      rpc.close('Embed worker client was disposed');
    },
  };
}

/** transformers.js keeps downloaded model files in this Cache Storage bucket (its `env.cacheKey` default). */
export const TRANSFORMERS_CACHE_NAME = 'transformers-cache';

/** Deletes every cached embedding-model file of this origin; the next load downloads them again. */
export async function clearEmbeddingModelCache(): Promise<boolean> {
  return caches.delete(TRANSFORMERS_CACHE_NAME);
}
