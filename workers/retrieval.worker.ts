/**
 * The retrieval worker: a thin adapter that wires `self` to the protocol host in app/memory/retrievalWorkerHost.ts,
 * so top-k searches over the memory bank never block the page.
 *
 * Created by the page with
 *   new Worker(new URL('../../workers/retrieval.worker.ts', import.meta.url), { type: 'module' })
 * The SIMD kernels travel inside this worker's chunk as base64 (app/memory/simd/dotKernelsWasm.ts): nothing is
 * fetched at run time.
 */

import type { RetrievalResponse } from '../app/memory/retrievalProtocol';
import { createRetrievalWorkerHost } from '../app/memory/retrievalWorkerHost';

/** The slice of DedicatedWorkerGlobalScope used here (the project's tsconfig has the DOM lib, not WebWorker). */
interface RetrievalWorkerScope {
  postMessage(message: RetrievalResponse): void;
  addEventListener(type: 'message' | 'messageerror', listener: (event: MessageEvent<unknown>) => void): void;
}
const scope = self as unknown as RetrievalWorkerScope;

const host = createRetrievalWorkerHost({ post: (msg) => scope.postMessage(msg) });

scope.addEventListener('message', (event) => {
  void host.handle(event.data);
});
scope.addEventListener('messageerror', () => host.handleMessageError());
