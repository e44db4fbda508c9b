/**
 * The worker side of the embedding protocol, without the worker: validates incoming messages, routes them to the
 * core embedder and posts responses through an injected `post`. workers/embed.worker.ts wires it to `self`; tests
 * wire it to a MessageChannel.
 */
import type { DeviceType } from '@huggingface/transformers';
import { createWorkerHost, type WorkerHost } from '../lib/workerHost';
import { createEmbedder, type Embedder, type TransformersModule, type WasmPaths } from './embedder';
import { type EmbedRequest, type EmbedResponse, isEmbedRequest, transferablesOf } from './embedProtocol';

/**
 * Which onnxruntime-web WASM build transformers.js picked, read from the CDN default it writes into
 * `env.backends.onnx.wasm.wasmPaths` on import: `ort-wasm-simd-threaded.asyncify.*` normally, the plain
 * `ort-wasm-simd-threaded.*` on Safari < 26 without WebGPU. Anything unrecognised → 'asyncify' (what its
 * `onnxruntime-web/webgpu` import is built for).
 */
export function ortWasmBuildChosenByTransformers(defaultWasmPaths: unknown): 'asyncify' | 'plain' {
  const mjs = typeof defaultWasmPaths === 'object' && defaultWasmPaths !== null ? (defaultWasmPaths as { mjs?: unknown }).mjs : undefined;
  const href = mjs instanceof URL ? mjs.href : typeof mjs === 'string' ? mjs : '';
  return /(^|\/)ort-wasm-simd-threaded\.mjs$/.test(href) ? 'plain' : 'asyncify';
}

export interface EmbedWorkerHostOptions {
  transformers: TransformersModule;
  /** Sends a response; `transfer` lists the buffers to move rather than copy. */
  post: (msg: EmbedResponse, transfer: Transferable[]) => void;
  /** ONNX Runtime WASM files used when a load request does not name its own. */
  defaultWasmPaths?: WasmPaths;
  /** transformers.js device, e.g. 'wasm' in the browser worker. */
  device?: DeviceType;
  now?: () => number;
}

export function createEmbedWorkerHost(options: EmbedWorkerHostOptions): WorkerHost {
  const now = options.now ?? (() => performance.now());
  const send = (msg: EmbedResponse): void => options.post(msg, transferablesOf(msg));
  let embedder: Embedder | null = null;
  let loadedKey = '';

  async function route(req: EmbedRequest): Promise<void> {
    switch (req.type) {
      case 'load': {
        const key = JSON.stringify([req.modelId, req.localModelBaseUrl ?? null]);
        if (embedder && key === loadedKey) {
          send({ type: 'loaded', id: req.id, modelId: embedder.modelId, dims: embedder.dims, loadMs: 0 });
          return;
        }
        if (embedder) {
          const previous = embedder;
          embedder = null;
          await previous.dispose();
        }
        const start = now();
        const wasmPaths = req.wasmPaths ?? options.defaultWasmPaths;
        embedder = await createEmbedder(options.transformers, {
          modelId: req.modelId,
          ...(req.localModelBaseUrl !== undefined ? { localModelBaseUrl: req.localModelBaseUrl } : {}),
          ...(wasmPaths !== undefined ? { wasmPaths } : {}),
          ...(options.device !== undefined ? { device: options.device } : {}),
          onProgress: (p) => send({ type: 'progress', id: req.id, ...p }),
        });
        loadedKey = key;
        send({ type: 'loaded', id: req.id, modelId: embedder.modelId, dims: embedder.dims, loadMs: now() - start });
        return;
      }
      case 'embed': {
        if (!embedder) throw new Error('No embedding model is loaded: send a load request first');
        const start = now();
        const vectors = await embedder.embed(req.texts, req.batchSize !== undefined ? { batchSize: req.batchSize } : {});
        send({
          type: 'embedded',
          id: req.id,
          vectors,
          count: req.texts.length,
          dims: embedder.dims,
          ms: now() - start,
        });
        return;
      }
      case 'dispose': {
        const previous = embedder;
        embedder = null;
        loadedKey = '';
        await previous?.dispose();
        send({ type: 'disposed', id: req.id });
        return;
      }
    }
  }

  return createWorkerHost({
    name: 'embed',
    isRequest: isEmbedRequest,
    route,
    replyError: (id, message) => send({ type: 'error', id, message }),
  });
}
