import type { Capabilities } from './capabilities';
import type { CatalogEntry } from './catalog';
import { resolveModelSource } from './catalog';
import { chooseWllamaBackend, type EngineChoice } from './engineChoice';
import { describePrefillRate, type PrefillRateStorage, seedPrefillRate } from './prefillRate';
import type { LLMClient } from './types';

export interface ModelLoadProgress {
  /** 0..1, or null while the engine does not know the total yet. */
  fraction: number | null;
  text: string;
}

export interface LoadChatModelOptions {
  entry: CatalogEntry;
  choice: EngineChoice;
  caps: Capabilities;
  /** '' = the entry's real remote source; otherwise a base URL on this origin (e.g. /models/). */
  baseUrl: string;
  onProgress?: (p: ModelLoadProgress) => void;
  signal?: AbortSignal;
}

export interface LoadedChatModel {
  client: LLMClient;
  loadMs: number;
  /** e.g. "wllama, 2 threads, CPU" — shown next to the model. */
  runtime: string;
}

/** The page's localStorage, or null where the browser blocks it (the rate is then timed on every load). */
function pageStorage(): PrefillRateStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** Loads a catalog entry in the engine it belongs to; the engines' code is fetched only now. */
export async function loadChatModel(options: LoadChatModelOptions): Promise<LoadedChatModel> {
  const { entry, caps, baseUrl, onProgress, signal } = options;
  if (entry.engine === 'wllama') {
    const { createWllamaClient } = await import('./wllamaClient');
    const source = resolveModelSource(entry, baseUrl);
    const backend = chooseWllamaBackend(caps, options.choice);
    const onCpu = !backend.gpu;
    const client = await createWllamaClient({
      modelId: entry.id,
      url: source.url,
      // wllama's default is half the cores; threads only work when the page is cross-origin isolated.
      threads: caps.crossOriginIsolated ? caps.hardwareConcurrency : 1,
      ...(onCpu ? { gpuLayers: 0 } : {}),
      onProgress: ({ loaded, total }) =>
        onProgress?.({
          fraction: total > 0 ? loaded / total : null,
          text: `Downloading ${entry.id}: ${Math.round(loaded / 1e6)} / ${Math.round(total / 1e6)} MB`,
        }),
      ...(signal ? { signal } : {}),
    });
    // The Answer Agent's latency budget needs the prefill rate before the first answer: stored from an earlier load
    // of this setup, else timed now on a short test prompt (once; seconds on a slow engine).
    onProgress?.({ fraction: null, text: `Timing how fast ${entry.id} reads a prompt (once for this model, backend and thread count)` });
    let prefill = '';
    try {
      const setup = { modelId: entry.id, backend: onCpu ? ('cpu' as const) : ('webgpu' as const), threads: client.threads };
      const rate = await seedPrefillRate(client, { setup, storage: pageStorage(), ...(signal ? { signal } : {}) });
      if (rate) prefill = `; reads prompts at ~${Math.round(rate.tokensPerSecond)} tok/s (${describePrefillRate(rate)})`;
    } catch (error) {
      if (signal?.aborted) {
        await client.dispose().catch(() => {});
        throw error;
      }
      // No rate: the budget waits for the first timed call; the model itself loaded fine.
    }
    return {
      client,
      loadMs: client.loadMs,
      runtime: `wllama (llama.cpp WASM), ${client.threads} thread${client.threads === 1 ? '' : 's'}${client.multithreaded ? '' : ' (single-threaded build)'}, ${onCpu ? 'CPU' : 'WebGPU'} — ${backend.reason}${prefill}`,
    };
  }
  const { createWebLLMClient } = await import('./webllmClient');
  const client = await createWebLLMClient({
    entry,
    source: resolveModelSource(entry, baseUrl),
    onProgress: ({ progress, text }) => onProgress?.({ fraction: progress, text }),
    ...(signal ? { signal } : {}),
  });
  return { client, loadMs: client.loadMs, runtime: 'web-llm (WebGPU)' };
}

export async function clearChatModelCache(entry: CatalogEntry, baseUrl: string): Promise<void> {
  if (entry.engine === 'wllama') {
    const { clearWllamaCache } = await import('./wllamaClient');
    await clearWllamaCache();
    return;
  }
  const { clearWebLLMCache } = await import('./webllmClient');
  await clearWebLLMCache(entry, resolveModelSource(entry, baseUrl));
}
