import { describe, expect, it } from 'vitest';
import type { Capabilities, WebGPUInfo } from './capabilities';
import { chooseEngine } from './engineChoice';
import { recommendModel } from './recommendModel';

const GiB = 2 ** 30;

function gpu(over: Partial<WebGPUInfo> = {}): WebGPUInfo {
  return {
    vendor: 'nvidia',
    architecture: 'ampere',
    description: 'NVIDIA GeForce RTX 3060',
    isFallbackAdapter: false,
    isSoftware: false,
    shaderF16: true,
    maxBufferSize: 4 * GiB,
    maxStorageBufferBindingSize: 2 * GiB,
    ...over,
  };
}

function caps(over: Partial<Capabilities> = {}): Capabilities {
  return {
    webgpu: null,
    webgpuProblem: 'navigator.gpu is missing',
    crossOriginIsolated: true,
    hardwareConcurrency: 16,
    storage: { usage: 0, quota: 50e9 },
    ...over,
  };
}

function recommend(c: Capabilities, deviceMemoryGB?: number) {
  return recommendModel({ caps: c, choice: chooseEngine(c), ...(deviceMemoryGB !== undefined ? { deviceMemoryGB } : {}) });
}

describe('recommendModel', () => {
  it('without WebGPU and with many threads: the 1.5B GGUF on the CPU, saying why', () => {
    const r = recommend(caps());
    expect(r?.entry.id).toBe('Qwen2.5-1.5B-Instruct-Q4_K_M');
    expect(r?.reason).toMatch(/no usable WebGPU/);
    expect(r?.reason).toMatch(/16 threads/);
  });

  it('on a software adapter with few threads: the smallest real GGUF, naming the renderer', () => {
    const r = recommend(
      caps({
        webgpu: gpu({ isSoftware: true, vendor: 'google', description: 'SwiftShader Device', shaderF16: false, maxBufferSize: 256 * 2 ** 20 }),
        hardwareConcurrency: 2,
      }),
    );
    expect(r?.entry.id).toBe('Qwen2.5-0.5B-Instruct-Q4_K_M');
    expect(r?.reason).toMatch(/software renderer \(SwiftShader Device\)/);
    expect(r?.reason).toMatch(/2 threads/);
  });

  it('counts one thread when the page is not cross-origin isolated (wllama then runs single-threaded)', () => {
    const r = recommend(caps({ crossOriginIsolated: false }));
    expect(r?.entry.id).toBe('Qwen2.5-0.5B-Instruct-Q4_K_M');
    expect(r?.reason).toMatch(/1 thread \(the page is not cross-origin isolated\)/);
  });

  it('a GPU with 4 GB buffers and shader-f16: Memory-R1’s Qwen2.5 7B backbone, q4f16, with the limits that led there', () => {
    const r = recommend(caps({ webgpu: gpu() }));
    expect(r?.entry.id).toBe('Qwen2.5-7B-Instruct-q4f16_1-MLC');
    expect(r?.reason).toMatch(/maxBufferSize is 4 GiB/);
    expect(r?.reason).toMatch(/about 5\.1 GB/);
    expect(r?.reason).toMatch(/shader-f16, so the smaller q4f16 build/);
    expect(r?.reason).toMatch(/Memory-R1 was trained on/);
  });

  it('without shader-f16 the q4f32 build of the same model', () => {
    expect(recommend(caps({ webgpu: gpu({ shaderF16: false }) }))?.entry.id).toBe('Qwen2.5-7B-Instruct-q4f32_1-MLC');
  });

  it('smaller buffers, smaller models: 2 GB → a 3.8B model, under 1 GB → 1.5B', () => {
    expect(recommend(caps({ webgpu: gpu({ maxBufferSize: 2 * GiB }) }))?.entry.id).toBe('Phi-3.5-mini-instruct-q4f16_1-MLC');
    expect(recommend(caps({ webgpu: gpu({ maxBufferSize: GiB }) }))?.entry.id).toBe('Qwen2.5-3B-Instruct-q4f16_1-MLC');
    const small = recommend(caps({ webgpu: gpu({ maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 }) }));
    expect(small?.entry.id).toBe('Qwen2.5-1.5B-Instruct-q4f16_1-MLC');
    expect(small?.reason).toMatch(/small or mobile GPU/);
  });

  it('storage bindings under 1 GB allow only builds web-llm marks for limited devices', () => {
    const r = recommend(caps({ webgpu: gpu({ maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 128 * 2 ** 20 }) }));
    expect(r?.entry.id).toBe('Qwen2.5-3B-Instruct-q4f16_1-MLC');
    expect(r?.reason).toMatch(/only builds web-llm marks for limited devices/);
  });

  it('a device reporting 4 GB of RAM caps the budget whatever the buffers say', () => {
    const r = recommend(caps({ webgpu: gpu() }), 4);
    expect(r?.entry.id).toBe('Llama-3.2-3B-Instruct-q4f16_1-MLC');
    expect(r?.reason).toMatch(/only 4 GB of RAM/);
  });

  it('skips what the free storage cannot hold, and recommends nothing when nothing fits', () => {
    expect(recommend(caps({ storage: { usage: 49.4e9, quota: 50e9 } }))?.entry.id).toBe('Qwen2.5-0.5B-Instruct-Q4_K_M');
    expect(recommend(caps({ storage: { usage: 0, quota: 100e6 } }))).toBeNull();
  });

  it('llama.cpp chosen by the user on a real GPU: a GGUF sized by the same buffer hint', () => {
    const c = caps({ webgpu: gpu() });
    const r = recommendModel({ caps: c, choice: chooseEngine(c, 'wllama') });
    expect(r?.entry.id).toBe('Qwen2.5-3B-Instruct-Q4_K_M');
    expect(r?.reason).toMatch(/on the GPU through WebGPU/);
  });

  it('recommends only what the chosen engine can load', () => {
    for (const c of [caps(), caps({ webgpu: gpu() }), caps({ webgpu: gpu({ shaderF16: false, maxBufferSize: GiB }) })]) {
      const choice = chooseEngine(c);
      const r = recommendModel({ caps: c, choice });
      expect(r?.entry.engine).toBe(choice.engine);
      if (r?.entry.engine === 'webllm') expect(r.entry.requires.shaderF16).toBe(c.webgpu?.shaderF16);
    }
  });
});
