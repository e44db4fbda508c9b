// Loaded by bench/answer.html in headless Chromium: holds one wllama client (the app's) and answers the prompts
// bench/answer.ts sends, timing the first token on the page's own clock.

import type { ChatMessage, CompletionOptions, CompletionResult } from '../app/llm/types';
import { createWllamaClient, type WllamaClient } from '../app/llm/wllamaClient';

export type PageCompletion = CompletionResult & { ttftMs: number };

let client: WllamaClient | null = null;

async function load(url: string, threads: number): Promise<{ threads: number; loadMs: number; promptContextTokens: number | undefined }> {
  await client?.dispose();
  client = await createWllamaClient({ modelId: 'bench', url, threads, gpuLayers: 0 });
  return { threads: client.threads, loadMs: client.loadMs, promptContextTokens: client.promptContextTokens };
}

async function complete(messages: ChatMessage[], options: Omit<CompletionOptions, 'onToken' | 'signal'>): Promise<PageCompletion> {
  if (!client) throw new Error('no model loaded');
  const t0 = performance.now();
  let ttftMs = -1;
  const onToken = () => {
    if (ttftMs < 0) ttftMs = performance.now() - t0;
  };
  const result = await client.complete(messages, { ...options, onToken });
  return { ...result, ttftMs: ttftMs < 0 ? result.timings.totalMs : ttftMs };
}

Object.assign(globalThis, { benchLoad: load, benchComplete: complete });
document.title = 'ready';
