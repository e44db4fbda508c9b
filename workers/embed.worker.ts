/**
 * The embedding worker: a thin adapter that configures transformers.js for the browser (WASM backend,
 * self-hosted ONNX Runtime files) and wires `self` to the protocol host in app/embed/embedWorkerHost.ts.
 *
 * Created by the page with
 *   new Worker(new URL('../../workers/embed.worker.ts', import.meta.url), { type: 'module' })
 * so `@huggingface/transformers` (and onnxruntime-web) live in this worker's chunk, never in the page's bundle.
 */
import * as transformers from '@huggingface/transformers';
// transformers.js 4.3.1 imports `onnxruntime-web/webgpu`, whose WASM build is the asyncify one
// (ort-wasm-simd-threaded.asyncify.{mjs,wasm}); transformers.js itself points Safari < 26 without WebGPU at the
// plain build (ort-wasm-simd-threaded.{mjs,wasm}). Both pairs are self-hosted here, so nothing is fetched from a
// CDN at run time; a browser only downloads the pair it uses.
import ortAsyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortAsyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortPlainMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortPlainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { EmbedResponse } from '../app/embed/embedProtocol';
import { createEmbedWorkerHost, ortWasmBuildChosenByTransformers } from '../app/embed/embedWorkerHost';

/** The slice of DedicatedWorkerGlobalScope used here (the project's tsconfig has the DOM lib, not WebWorker). */
interface EmbedWorkerScope {
  postMessage(message: EmbedResponse, options: { transfer: Transferable[] }): void;
  addEventListener(type: 'message' | 'messageerror', listener: (event: MessageEvent<unknown>) => void): void;
  readonly crossOriginIsolated: boolean;
  readonly navigator: { readonly hardwareConcurrency?: number };
}
const scope = self as unknown as EmbedWorkerScope;

const { env } = transformers;
const wasm = env.backends.onnx.wasm;
if (!wasm) throw new Error('transformers.js has no ONNX Runtime WASM backend in this environment');
// Already in a worker: running ORT in yet another proxy worker would only add copies.
wasm.proxy = false;
// Threads need SharedArrayBuffer, which only cross-origin-isolated pages (COOP/COEP) get.
wasm.numThreads = scope.crossOriginIsolated ? Math.max(1, scope.navigator.hardwareConcurrency ?? 1) : 1;
// transformers.js has just set its CDN default for this browser; keep its choice of build, but self-hosted.
const wasmPaths =
  ortWasmBuildChosenByTransformers(wasm.wasmPaths) === 'plain'
    ? { mjs: ortPlainMjsUrl, wasm: ortPlainWasmUrl }
    : { mjs: ortAsyncifyMjsUrl, wasm: ortAsyncifyWasmUrl };
wasm.wasmPaths = { ...wasmPaths };

const host = createEmbedWorkerHost({
  transformers,
  device: 'wasm',
  defaultWasmPaths: wasmPaths,
  post: (msg, transfer) => scope.postMessage(msg, { transfer }),
});

scope.addEventListener('message', (event) => {
  void host.handle(event.data);
});
scope.addEventListener('messageerror', () => host.handleMessageError());
