// Loaded by bench/engines.html in headless Chromium: exposes one function that loads the GGUF through the app's
// own wllama client with a given thread count and times one completion.

import type { ChatMessage } from '../app/llm/types';
import { createWllamaClient } from '../app/llm/wllamaClient';

export interface BrowserEngineRun {
  threads: number;
  multithreaded: boolean;
  loadMs: number;
  promptTokens: number;
  completionTokens: number;
  prefillMs: number;
  decodeMs: number;
}

async function runWllama(
  url: string,
  threads: number,
  messages: ChatMessage[],
  maxTokens: number,
  batch: number | null,
  ubatch: number | null,
): Promise<BrowserEngineRun> {
  const client = await createWllamaClient({
    modelId: 'bench',
    url,
    threads,
    gpuLayers: 0,
    ...(batch !== null ? { batchSize: batch } : {}),
    ...(ubatch !== null ? { ubatchSize: ubatch } : {}),
  });
  try {
    const r = await client.complete(messages, { maxTokens, temperature: 0 });
    return {
      threads: client.threads,
      multithreaded: client.multithreaded,
      loadMs: client.loadMs,
      promptTokens: r.usage.promptTokens,
      completionTokens: r.usage.completionTokens,
      prefillMs: r.timings.prefillMs ?? NaN,
      decodeMs: r.timings.decodeMs ?? NaN,
    };
  } finally {
    await client.dispose();
  }
}

(globalThis as unknown as { runWllama: typeof runWllama }).runWllama = runWllama;
document.title = 'ready';
