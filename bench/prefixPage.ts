// The replay behind `npm run bench:prefix`: LoCoMo turns through the app's own Memory Manager (processTurn, which
// alternates the fact-extraction and memory-update prompts), every model call recorded. Runs in Node (the
// node-llama-cpp engine, imported by bench/prefix.ts) and in headless Chromium (bench/prefix.html, the app's wllama
// client). The bank is a real MemoryBank on a fresh database (the page's IndexedDB, or fake-indexeddb in Node, as
// `openBank` gives it) with the real vector index, and the embedder the tests' hashing embedder: only the chat
// model's prompt cache is measured, not embedding time.

import { createMemoryManager, type DialogueTurn } from '../app/agent/memoryManager';
import { createTestRetrievalIndex } from '../app/agent/testing/agentTestBank';
import { createHashingEmbedder } from '../app/embed/testing/hashingEmbedder';
import type { LLMClient } from '../app/llm/types';
import { MemoryDB } from '../app/memory/db';
import { MemoryBank } from '../app/memory/memoryBank';

export interface PrefixCallRow {
  turnId: string;
  stage: string;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  wallMs: number;
}

export interface PrefixRun {
  cachePrompt: boolean;
  calls: PrefixCallRow[];
  /** Wall time of the whole replay (model calls, retrieval and bank writes). */
  wallMs: number;
}

/** Replays `turns` through a fresh Memory Manager and bank; `cachePrompt: false` turns the engine's prompt cache off. */
export async function replayManager(
  llm: LLMClient,
  turns: readonly DialogueTurn[],
  cachePrompt: boolean,
  openBank: () => Promise<MemoryBank>,
  onCall?: (row: PrefixCallRow) => void,
): Promise<PrefixRun> {
  const calls: PrefixCallRow[] = [];
  const llmWithCache: LLMClient = {
    engine: llm.engine,
    modelId: llm.modelId,
    complete: (messages, options) => llm.complete(messages, { ...options, cachePrompt }),
    dispose: () => llm.dispose(),
  };
  const bank = await openBank();
  const manager = createMemoryManager({ llm: llmWithCache, embedder: createHashingEmbedder(), bank });
  const t0 = performance.now();
  for (const turn of turns) {
    await manager.processTurn(turn, {
      onEvent: (event) => {
        if (event.type !== 'model-call') return;
        const row: PrefixCallRow = {
          turnId: event.turnId,
          stage: event.call.stage,
          promptTokens: event.call.usage.promptTokens,
          cachedTokens: event.call.usage.cachedTokens ?? 0,
          completionTokens: event.call.usage.completionTokens,
          wallMs: event.call.timings.totalMs,
        };
        calls.push(row);
        onCall?.(row);
      },
    });
  }
  return { cachePrompt, calls, wallMs: performance.now() - t0 };
}

/** Browser side: loads the app's wllama client afresh (an empty prompt cache) and replays the turns. */
async function runPrefixWllama(url: string, threads: number, turns: DialogueTurn[], cachePrompt: boolean): Promise<PrefixRun & { threads: number }> {
  const { createWllamaClient } = await import('../app/llm/wllamaClient');
  const client = await createWllamaClient({ modelId: 'bench', url, threads, gpuLayers: 0 });
  try {
    const openBank = async () =>
      MemoryBank.open({
        db: new MemoryDB(`bench-prefix-${Date.now()}-${Math.random().toString(36).slice(2)}`),
        index: await createTestRetrievalIndex(),
        channelName: null,
      });
    const run = await replayManager(client, turns, cachePrompt, openBank, (row) => console.log(`prefix-call ${JSON.stringify({ cachePrompt, ...row })}`));
    return { ...run, threads: client.threads };
  } finally {
    await client.dispose();
  }
}

if (typeof document !== 'undefined') {
  // Load every module now, so the dev server meets (and pre-bundles) all dependencies before the run starts.
  await import('../app/llm/wllamaClient');
  (globalThis as unknown as { runPrefixWllama: typeof runPrefixWllama }).runPrefixWllama = runPrefixWllama;
  document.title = 'ready';
}
