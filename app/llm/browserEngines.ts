import type { Capabilities } from './capabilities';
import type { CatalogEntry } from './catalog';
import { resolveModelSource } from './catalog';
import { chooseWllamaBackend, type EngineChoice } from './engineChoice';
import type { ModelFileVerdict, ModelHashStorage } from './modelFileCheck';
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

/** Storage that lasts as long as the page, where the browser blocks localStorage. */
function pageLifetimeStorage(): ModelHashStorage {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

function describeVerdict(verdict: ModelFileVerdict | null): string {
  if (!verdict) return '';
  if (verdict.kind === 'pinned') return '; file sha256 matches the catalog';
  if (verdict.kind === 'first-download') return '; no published sha256: this first download’s hash is recorded, and a changed file will be refused';
  return '; file sha256 matches its first download';
}

/** Loads a catalog entry in the engine it belongs to; the engines' code is fetched only now. */
export async function loadChatModel(options: LoadChatModelOptions): Promise<LoadedChatModel> {
  const { entry, caps, baseUrl, onProgress, signal } = options;
  if (entry.engine === 'wllama') {
    const [{ createWllamaClient }, { downloadCheckedGGUF }] = await Promise.all([import('./wllamaClient'), import('./ggufDownload')]);
    const source = resolveModelSource(entry, baseUrl);
    // Downloaded (unless cached) and checked before wllama loads it: against the catalog's sha256, or the first download's.
    const verdict = await downloadCheckedGGUF({
      what: `Loading ${entry.id} with wllama`,
      url: source.url,
      pinnedSha256: entry.sha256,
      storage: pageStorage() ?? pageLifetimeStorage(),
      onProgress: ({ phase, loaded, total }) =>
        onProgress?.({
          fraction: total > 0 ? loaded / total : null,
          text:
            phase === 'download'
              ? `Downloading ${entry.id}: ${Math.round(loaded / 1e6)} / ${Math.round(total / 1e6)} MB`
              : `Checking ${entry.id}'s sha256: ${Math.round(loaded / 1e6)} / ${Math.round(total / 1e6)} MB`,
        }),
      ...(signal ? { signal } : {}),
    });
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
      runtime: `wllama (llama.cpp WASM), ${client.threads} thread${client.threads === 1 ? '' : 's'}${client.multithreaded ? '' : ' (single-threaded build)'}, ${onCpu ? 'CPU' : 'WebGPU'} — ${backend.reason}${prefill}${describeVerdict(verdict)}`,
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
