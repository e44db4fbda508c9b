import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import type { GGUFCatalogEntry, WebLLMCatalogEntry } from './catalog';
import { CATALOG, findCatalogEntry, formatBytes, normalizeBaseUrl, resolveModelSource, TEST_CHAT_MODEL_ID } from './catalog';

const webllmEntries = CATALOG.filter((e): e is WebLLMCatalogEntry => e.engine === 'webllm');
const ggufEntries = CATALOG.filter((e): e is GGUFCatalogEntry => e.engine === 'wllama');

describe('catalog', () => {
  it('mirrors web-llm’s own prebuilt records, so its compiled libraries and URLs match the installed runtime', () => {
    expect(webllmEntries.length).toBeGreaterThan(0);
    for (const entry of webllmEntries) {
      const record = prebuiltAppConfig.model_list.find((r) => r.model_id === entry.id);
      expect(record, `${entry.id} is not in web-llm's prebuiltAppConfig`).toBeDefined();
      expect(entry.modelUrl).toBe(record?.model);
      expect(entry.modelLibUrl).toBe(record?.model_lib);
      expect(entry.vramRequiredMB).toBe(record?.vram_required_MB);
      expect(entry.contextLength).toBe(record?.overrides?.context_window_size);
      expect(entry.lowResource).toBe(record?.low_resource_required);
      // q4f16 builds use f16 shaders whether or not web-llm's record says so.
      expect(entry.requires.shaderF16).toBe(entry.id.includes('q4f16'));
    }
  });

  it('offers each web-llm model in both a q4f16 and a q4f32 build, so GPUs without shader-f16 still get it', () => {
    const families = new Set(webllmEntries.map((e) => e.id.replace(/-q4f(16|32)_1-MLC$/, '')));
    for (const family of families) {
      expect(webllmEntries.some((e) => e.id === `${family}-q4f16_1-MLC`)).toBe(true);
      expect(webllmEntries.some((e) => e.id === `${family}-q4f32_1-MLC`)).toBe(true);
    }
  });

  it('has unique ids, a GGUF file name for every llama.cpp entry, and the pinned test model', () => {
    expect(new Set(CATALOG.map((e) => e.id)).size).toBe(CATALOG.length);
    for (const e of ggufEntries) {
      expect(e.url).toMatch(/^https:\/\/.+\.gguf$/);
      expect(e.localPath).toMatch(/^gguf\/[^/]+\.gguf$/);
    }
    const test = findCatalogEntry(TEST_CHAT_MODEL_ID);
    expect(test.engine).toBe('wllama');
    expect(test.sizeBytes).toBe(98_362_432);
    expect(test.sizeApproximate).toBe(false);
  });

  it('offers the 1.7B–8B web-llm models, Memory-R1’s own backbones among them, and GGUF builds above 1B', () => {
    const families = new Set(webllmEntries.map((e) => e.id.replace(/-q4f(16|32)_1-MLC$/, '')));
    for (const family of [
      'Qwen3-1.7B',
      'Qwen2.5-3B-Instruct',
      'Llama-3.2-3B-Instruct',
      'Phi-3.5-mini-instruct',
      'Qwen3-4B',
      'Qwen2.5-7B-Instruct',
      'Llama-3.1-8B-Instruct',
    ]) {
      expect(families.has(family), family).toBe(true);
    }
    const gguf = ggufEntries.map((e) => e.id);
    expect(gguf).toEqual(expect.arrayContaining(['Qwen2.5-1.5B-Instruct-Q4_K_M', 'Qwen2.5-3B-Instruct-Q4_K_M', 'Llama-3.2-3B-Instruct-Q4_K_M']));
  });

  it('gives every entry its size, context, license and requirements; every GGUF fits wllama’s 2 GB per-file limit', () => {
    for (const e of CATALOG) {
      expect(e.sizeBytes, e.id).toBeGreaterThan(0);
      expect(e.contextLength, e.id).toBeGreaterThanOrEqual(4096);
      expect(e.license.length, e.id).toBeGreaterThan(2);
      expect(e.requires.webgpu).toBe(e.engine === 'webllm');
    }
    for (const e of ggufEntries) expect(e.sizeBytes, e.id).toBeLessThan(2 ** 31);
    // Sizes of web-llm builds are estimates, and grow with the model: an 8B build is larger than a 3B one.
    const size = (id: string) => findCatalogEntry(id).sizeBytes;
    expect(size('Llama-3.1-8B-Instruct-q4f16_1-MLC')).toBeGreaterThan(size('Llama-3.2-3B-Instruct-q4f16_1-MLC'));
    expect(size('Qwen2.5-3B-Instruct-q4f32_1-MLC')).toBeGreaterThan(size('Qwen2.5-3B-Instruct-q4f16_1-MLC'));
  });

  it('names the known ids when an unknown model is asked for', () => {
    expect(() => findCatalogEntry('gpt-5')).toThrow(/Unknown model "gpt-5".*SmolLM2-135M-Instruct-Q4_1/);
  });
});

describe('resolveModelSource', () => {
  const gguf = findCatalogEntry(TEST_CHAT_MODEL_ID) as GGUFCatalogEntry;
  const web = webllmEntries[0]!;

  it('uses the real remote sources when no local base URL is set', () => {
    expect(resolveModelSource(gguf, '')).toEqual({ url: gguf.url, local: false });
    expect(resolveModelSource(web, '  ')).toEqual({ modelUrl: web.modelUrl, modelLibUrl: web.modelLibUrl, local: false });
  });

  it('points every loader under the local base URL, with or without a trailing slash', () => {
    expect(resolveModelSource(gguf, '/models')).toEqual({ url: '/models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf', local: true });
    const lib = web.modelLibUrl.split('/').pop();
    expect(resolveModelSource(web, 'http://host:8080/m/')).toEqual({
      modelUrl: `http://host:8080/m/webllm/${web.id}`,
      modelLibUrl: `http://host:8080/m/webllm/libs/${lib}`,
      local: true,
    });
  });

  it('normalizes base URLs', () => {
    expect(normalizeBaseUrl(undefined)).toBe('');
    expect(normalizeBaseUrl('/models')).toBe('/models/');
    expect(normalizeBaseUrl('/models/')).toBe('/models/');
  });
});

describe('formatBytes', () => {
  it('prints sizes people read, marking estimates', () => {
    expect(formatBytes(98_362_432)).toBe('98 MB');
    expect(formatBytes(1_128_820_000, true)).toBe('≈ 1.13 GB');
    expect(formatBytes(512)).toBe('512 B');
  });
});
