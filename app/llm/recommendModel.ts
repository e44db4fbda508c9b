import type { Capabilities } from './capabilities';
import type { CatalogEntry, GGUFCatalogEntry, WebLLMCatalogEntry } from './catalog';
import { CATALOG, formatBytes } from './catalog';
import type { EngineChoice } from './engineChoice';

export interface Recommendation {
  entry: CatalogEntry;
  /** One or two sentences the first screen shows: why this model, from what this browser reported. */
  reason: string;
}

export interface RecommendInput {
  caps: Capabilities;
  choice: EngineChoice;
  /** navigator.deviceMemory (GB of RAM, rounded down and capped at 8 by browsers), where the browser tells it. */
  deviceMemoryGB?: number;
  catalog?: readonly CatalogEntry[];
}

/**
 * Best first for this app's work (structured memory operations, then answering from up to 60 memories): Memory-R1's
 * own backbones, then the 3–4B instruct models, down to the smallest. Qwen3 comes after the Qwen2.5 model of its
 * size because it thinks aloud by default, which spends tokens before the JSON this app asks for.
 */
const WEBLLM_PREFERENCE = [
  'Qwen2.5-7B-Instruct',
  'Llama-3.1-8B-Instruct',
  'Phi-3.5-mini-instruct',
  'Qwen2.5-3B-Instruct',
  'Qwen3-4B',
  'Llama-3.2-3B-Instruct',
  'Qwen3-1.7B',
  'Qwen2.5-1.5B-Instruct',
  'Llama-3.2-1B-Instruct',
  'Qwen2.5-0.5B-Instruct',
  'SmolLM2-360M-Instruct',
];

const GiB = 2 ** 30;

/** Adapter limits are powers of two: 4 GiB reads better than 4.29 GB. */
function gib(bytes: number): string {
  const n = bytes / GiB;
  return n >= 1 ? `${Number.isInteger(n) ? n : n.toFixed(2)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * WebGPU reports no GPU memory size. The adapter's maxBufferSize (the largest single allocation it allows) is what
 * drivers size from the memory they have, so it is the hint: a budget for web-llm's vram_required_MB per tier.
 */
function vramBudgetMB(maxBufferSize: number, deviceMemoryGB: number | undefined): { mb: number; why: string } {
  let tier =
    maxBufferSize >= 4 * GiB
      ? { mb: 6500, why: 'buffers of 4 GiB or more suggest a GPU with at least 8 GB of memory' }
      : maxBufferSize >= 2 * GiB
        ? { mb: 4000, why: 'buffers of 2–4 GiB suggest a GPU with about 4–6 GB of memory' }
        : maxBufferSize >= GiB
          ? { mb: 3000, why: 'buffers of 1–2 GiB suggest a GPU with about 3–4 GB of memory' }
          : { mb: 1700, why: 'buffers under 1 GiB mark a small or mobile GPU' };
  // An integrated GPU shares the system's RAM: with 4 GB or less of it, a model needing more than 2.5 GB starves the rest.
  if (deviceMemoryGB !== undefined && deviceMemoryGB <= 4 && tier.mb > 2500) {
    tier = { mb: 2500, why: `${tier.why}, but this device reports only ${deviceMemoryGB} GB of RAM` };
  }
  return tier;
}

function family(entry: WebLLMCatalogEntry): string {
  return entry.id.replace(/-q4f(16|32)_1-MLC$/, '');
}

function freeStorage(caps: Capabilities): number {
  return caps.storage ? Math.max(0, caps.storage.quota - caps.storage.usage) : Number.POSITIVE_INFINITY;
}

function recommendWebLLM(catalog: readonly CatalogEntry[], input: RecommendInput): Recommendation | null {
  const gpu = input.caps.webgpu;
  if (!gpu) return null;
  const f16 = gpu.shaderF16;
  const budget = vramBudgetMB(gpu.maxBufferSize, input.deviceMemoryGB);
  // web-llm asks for 1 GB storage bindings and falls back to 128 MB ones: below 1 GB only its low-resource builds fit.
  const smallBindings = gpu.maxStorageBufferBindingSize < GiB;
  const free = freeStorage(input.caps);
  const candidates = catalog.filter((e): e is WebLLMCatalogEntry => e.engine === 'webllm' && !e.custom && e.requires.shaderF16 === f16);
  for (const name of WEBLLM_PREFERENCE) {
    const entry = candidates.find((e) => family(e) === name);
    if (!entry) continue;
    if (entry.vramRequiredMB > budget.mb) continue;
    if (smallBindings && !entry.lowResource) continue;
    if (entry.sizeBytes * 1.1 > free) continue;
    const parts = [
      `${entry.label}, ${formatBytes(entry.sizeBytes, entry.sizeApproximate)}: WebGPU reports no GPU memory, but this adapter's maxBufferSize is ${gib(gpu.maxBufferSize)} — ${budget.why} — and this build needs about ${(entry.vramRequiredMB / 1000).toFixed(1)} GB (web-llm's estimate).`,
      f16 ? 'The adapter has shader-f16, so the smaller q4f16 build.' : 'The adapter has no shader-f16, so the q4f32 build.',
    ];
    if (smallBindings) parts.push(`Its storage bindings stop at ${gib(gpu.maxStorageBufferBindingSize)}, so only builds web-llm marks for limited devices.`);
    if (name === 'Qwen2.5-7B-Instruct' || name === 'Llama-3.1-8B-Instruct') parts.push('It is one of the models Memory-R1 was trained on.');
    parts.push('If loading runs out of GPU memory, pick a smaller one.');
    return { entry, reason: parts.join(' ') };
  }
  return null;
}

function recommendGGUF(catalog: readonly CatalogEntry[], input: RecommendInput): Recommendation | null {
  const { caps, choice } = input;
  const ggufs = catalog.filter((e): e is GGUFCatalogEntry => e.engine === 'wllama' && !e.custom);
  const free = freeStorage(caps);
  const fits = (id: string) => {
    const e = ggufs.find((g) => g.id === id);
    return e && e.sizeBytes * 1.1 <= free ? e : undefined;
  };
  const threads = caps.crossOriginIsolated ? caps.hardwareConcurrency : 1;
  const why = !caps.webgpu
    ? 'no usable WebGPU here, so llama.cpp runs the model on the CPU'
    : caps.webgpu.isSoftware
      ? `the WebGPU adapter is a software renderer (${caps.webgpu.description || caps.webgpu.vendor || 'no name'}), so llama.cpp runs the model on the CPU`
      : 'llama.cpp (wllama) was chosen';
  const threadText = `${threads} thread${threads === 1 ? '' : 's'}${caps.crossOriginIsolated ? '' : ' (the page is not cross-origin isolated)'}`;

  if (choice.variant === 'webgpu' && caps.webgpu) {
    // wllama on a real GPU: the 3B GGUF where the adapter's buffers suggest room for it.
    const budget = vramBudgetMB(caps.webgpu.maxBufferSize, input.deviceMemoryGB);
    const entry = budget.mb >= 3000 ? fits('Qwen2.5-3B-Instruct-Q4_K_M') : fits('Qwen2.5-1.5B-Instruct-Q4_K_M');
    if (entry) {
      return {
        entry,
        reason: `${entry.label}, ${formatBytes(entry.sizeBytes, entry.sizeApproximate)}: llama.cpp runs on the GPU through WebGPU, and this adapter's maxBufferSize of ${gib(caps.webgpu.maxBufferSize)} — ${budget.why}.`,
      };
    }
  }
  // On the CPU, speed follows threads: a 1.5B model keeps answers within seconds only with many of them.
  const order = threads >= 8 ? ['Qwen2.5-1.5B-Instruct-Q4_K_M', 'Qwen2.5-0.5B-Instruct-Q4_K_M'] : ['Qwen2.5-0.5B-Instruct-Q4_K_M'];
  for (const id of order) {
    const entry = fits(id);
    if (!entry) continue;
    const size =
      threads >= 8 && id.startsWith('Qwen2.5-1.5B')
        ? `with ${threadText} a 1.5B model answers at a usable pace; 3B models would be slow`
        : `with ${threadText} a small model keeps answers quick; larger ones would be slow`;
    return { entry, reason: `${entry.label}, ${formatBytes(entry.sizeBytes, entry.sizeApproximate)}: ${why}, and ${size}.` };
  }
  return null;
}

/**
 * One model for this browser, and why: by the engine that will run (chooseEngine), the adapter's limits
 * (maxBufferSize, maxStorageBufferBindingSize, shader-f16) against web-llm's VRAM estimates, the CPU threads on the
 * llama.cpp path, and the free storage the download needs. Null when nothing in the catalog fits.
 */
export function recommendModel(input: RecommendInput): Recommendation | null {
  const catalog = input.catalog ?? CATALOG;
  if (input.choice.engine === 'webllm') return recommendWebLLM(catalog, input);
  return recommendGGUF(catalog, input);
}
