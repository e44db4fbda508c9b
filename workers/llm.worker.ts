// web-llm's own worker handler: the engine, its WebGPU device and the model live here, the page talks to it
// through web-llm's message protocol (CreateWebWorkerMLCEngine / WebWorkerMLCEngine). Nothing is wrapped twice.
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (event: MessageEvent) => {
  handler.onmessage(event);
};
