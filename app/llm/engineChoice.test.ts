import { describe, expect, it } from 'vitest';
import type { Capabilities, WebGPUInfo } from './capabilities';
import { isSoftwareAdapter } from './capabilities';
import { CATALOG } from './catalog';
import { availableModels, chooseEngine, chooseWllamaBackend } from './engineChoice';

function gpu(overrides: Partial<WebGPUInfo>): WebGPUInfo {
  const base = {
    vendor: 'nvidia',
    architecture: 'ampere',
    description: '',
    isFallbackAdapter: false,
    shaderF16: true,
    maxBufferSize: 2 ** 31,
    maxStorageBufferBindingSize: 2 ** 30,
    ...overrides,
  };
  return { ...base, isSoftware: isSoftwareAdapter(base) };
}

function caps(webgpu: WebGPUInfo | null, extra: Partial<Capabilities> = {}): Capabilities {
  return { webgpu, crossOriginIsolated: true, hardwareConcurrency: 8, ...(webgpu ? {} : { webgpuProblem: 'navigator.gpu is missing.' }), ...extra };
}

// What headless Chromium reports with --enable-unsafe-webgpu (measured on the CI machines).
const swiftshader = gpu({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true, shaderF16: false });

describe('chooseEngine', () => {
  it('runs web-llm q4f16 on a real GPU with shader-f16', () => {
    expect(chooseEngine(caps(gpu({})))).toMatchObject({ engine: 'webllm', variant: 'q4f16', overridden: false });
  });

  it('runs web-llm q4f32 on a real GPU without shader-f16', () => {
    const choice = chooseEngine(caps(gpu({ shaderF16: false })));
    expect(choice).toMatchObject({ engine: 'webllm', variant: 'q4f32' });
    expect(choice.reason).toContain('without shader-f16');
  });

  it('runs llama.cpp on the CPU on a software adapter, and says why', () => {
    const choice = chooseEngine(caps(swiftshader));
    expect(choice).toMatchObject({ engine: 'wllama', variant: 'cpu' });
    expect(choice.reason).toContain('software renderer');
    expect(choice.reason).toContain('google / swiftshader');
  });

  it('treats llvmpipe / WARP adapters that do not call themselves fallbacks as software too', () => {
    expect(chooseEngine(caps(gpu({ vendor: 'mesa', architecture: 'llvmpipe' }))).engine).toBe('wllama');
    expect(chooseEngine(caps(gpu({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }))).engine).toBe('wllama');
  });

  it('runs llama.cpp on the CPU without WebGPU and passes on the reason', () => {
    const choice = chooseEngine(caps(null));
    expect(choice).toMatchObject({ engine: 'wllama', variant: 'cpu' });
    expect(choice.reason).toContain('navigator.gpu is missing');
    expect(choice.reason).toContain('8 thread(s)');
  });

  it('says when threads are unavailable because the page is not cross-origin isolated', () => {
    expect(chooseEngine(caps(null, { crossOriginIsolated: false })).reason).toContain('not cross-origin isolated');
  });

  it('honours an override where it can, and refuses web-llm without any adapter', () => {
    expect(chooseEngine(caps(gpu({})), 'wllama')).toMatchObject({ engine: 'wllama', variant: 'webgpu', overridden: true });
    expect(chooseEngine(caps(swiftshader), 'webllm')).toMatchObject({ engine: 'webllm', variant: 'q4f32', overridden: true });
    const refused = chooseEngine(caps(null), 'webllm');
    expect(refused).toMatchObject({ engine: 'wllama', overridden: false });
    expect(refused.reason).toContain('web-llm needs WebGPU');
  });
});

describe('availableModels', () => {
  it('lists only the chosen engine’s models and disables q4f16 builds without shader-f16', () => {
    const c = caps(gpu({ shaderF16: false }));
    const models = availableModels(CATALOG, c, chooseEngine(c));
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((m) => m.entry.engine === 'webllm')).toBe(true);
    for (const m of models) {
      expect(m.usable).toBe(m.entry.quantization === 'q4f32_1');
      if (!m.usable) expect(m.note).toContain('shader-f16');
    }
  });

  it('makes every llama.cpp model usable on the CPU path', () => {
    const c = caps(swiftshader);
    const models = availableModels(CATALOG, c, chooseEngine(c));
    expect(models.map((m) => m.entry.id)).toContain('SmolLM2-135M-Instruct-Q4_1');
    expect(models.every((m) => m.entry.engine === 'wllama' && m.usable)).toBe(true);
  });
});

describe('chooseWllamaBackend', () => {
  it('offloads a GGUF to a real GPU through WebGPU even when the probe picked web-llm for the catalog', () => {
    const c = caps(gpu({}));
    expect(chooseEngine(c).engine).toBe('webllm');
    const backend = chooseWllamaBackend(c, chooseEngine(c));
    expect(backend.gpu).toBe(true);
    expect(backend.reason).toContain('WebGPU (nvidia / ampere)');
  });

  it('keeps the CPU on a software adapter and without WebGPU, and says why', () => {
    const soft = caps(swiftshader);
    expect(chooseWllamaBackend(soft, chooseEngine(soft))).toEqual({ gpu: false, reason: expect.stringContaining('software renderer') });
    const none = caps(null);
    expect(chooseWllamaBackend(none, chooseEngine(none))).toEqual({ gpu: false, reason: expect.stringContaining('no usable WebGPU') });
  });

  it('honours a choice of wllama on the CPU over a real GPU', () => {
    const c = caps(gpu({}));
    const cpu = { engine: 'wllama' as const, variant: 'cpu' as const, reason: '', overridden: true };
    expect(chooseWllamaBackend(c, cpu).gpu).toBe(false);
    expect(chooseWllamaBackend(c, chooseEngine(c, 'wllama')).gpu).toBe(true);
  });
});
