import type { Capabilities } from './capabilities';
import type { CatalogEntry } from './catalog';

export type BrowserEngine = 'webllm' | 'wllama';

export interface EngineChoice {
  engine: BrowserEngine;
  /** For web-llm: which build fits. For wllama: where llama.cpp runs. */
  variant: 'q4f16' | 'q4f32' | 'cpu' | 'webgpu';
  /** One sentence the UI shows: which engine runs and why. */
  reason: string;
  /** True when the user picked the engine rather than the probe. */
  overridden: boolean;
}

/**
 * The engine that will run, from what the browser has:
 *   WebGPU (a real GPU) + shader-f16 → web-llm, q4f16 builds
 *   WebGPU (a real GPU) without f16  → web-llm, q4f32 builds
 *   a software adapter (SwiftShader…) → wllama on the CPU: web-llm would run its GPU kernels on the CPU,
 *                                       measured here to produce no token in 8 minutes
 *   no WebGPU                         → wllama on the CPU
 * The user may override; an override web-llm cannot honour (no adapter at all) is refused with the reason.
 */
export function chooseEngine(caps: Capabilities, override?: BrowserEngine): EngineChoice {
  const gpu = caps.webgpu;
  if (override === 'webllm') {
    if (!gpu) {
      return {
        ...chooseEngine(caps),
        reason: `web-llm needs WebGPU, which is not available: ${caps.webgpuProblem ?? 'no adapter'} Using llama.cpp (wllama) on the CPU instead.`,
      };
    }
    return {
      engine: 'webllm',
      variant: gpu.shaderF16 ? 'q4f16' : 'q4f32',
      reason: gpu.isSoftware
        ? `web-llm chosen by you on a software WebGPU adapter (${describeAdapter(caps)}): expect it to be very slow.`
        : `web-llm chosen by you on ${describeAdapter(caps)}.`,
      overridden: true,
    };
  }
  if (override === 'wllama') {
    const onGpu = Boolean(gpu && !gpu.isSoftware);
    return {
      engine: 'wllama',
      variant: onGpu ? 'webgpu' : 'cpu',
      reason: `llama.cpp (wllama) chosen by you, running on ${onGpu ? `the GPU through WebGPU (${describeAdapter(caps)})` : `the CPU with ${caps.hardwareConcurrency} thread(s)`}.`,
      overridden: true,
    };
  }
  const threads = `${caps.hardwareConcurrency} thread(s)${caps.crossOriginIsolated ? '' : ', single-threaded because the page is not cross-origin isolated'}`;
  if (!gpu) {
    return {
      engine: 'wllama',
      variant: 'cpu',
      reason: `No usable WebGPU (${caps.webgpuProblem ?? 'no adapter'}), so llama.cpp (wllama, WebAssembly) runs the model on the CPU with ${threads}.`,
      overridden: false,
    };
  }
  if (gpu.isSoftware) {
    return {
      engine: 'wllama',
      variant: 'cpu',
      reason: `The WebGPU adapter is a software renderer (${describeAdapter(caps)}), slower than plain WebAssembly, so llama.cpp (wllama) runs on the CPU with ${threads}.`,
      overridden: false,
    };
  }
  if (gpu.shaderF16) {
    return {
      engine: 'webllm',
      variant: 'q4f16',
      reason: `WebGPU with shader-f16 on ${describeAdapter(caps)}: web-llm runs q4f16 builds on the GPU.`,
      overridden: false,
    };
  }
  return {
    engine: 'webllm',
    variant: 'q4f32',
    reason: `WebGPU without shader-f16 on ${describeAdapter(caps)}: web-llm runs q4f32 builds on the GPU.`,
    overridden: false,
  };
}

export interface WllamaBackend {
  /** Offload the layers to the GPU through wllama's WebGPU backend; false: WebAssembly on the CPU. */
  gpu: boolean;
  /** One sentence the UI shows next to the model. */
  reason: string;
}

/**
 * Where llama.cpp (wllama) runs a GGUF model: on a real GPU through wllama's WebGPU backend (all layers offloaded),
 * so a GGUF — a fine-tune included — runs on the GPU without an MLC compile, whichever engine the probe picked for
 * the catalog; on the CPU on a software adapter (its "GPU" is the CPU, slower than WebAssembly's own kernels) or
 * without WebGPU, or when the user chose wllama on the CPU.
 */
export function chooseWllamaBackend(caps: Capabilities, choice: EngineChoice): WllamaBackend {
  const gpu = caps.webgpu;
  const threads = `${caps.crossOriginIsolated ? caps.hardwareConcurrency : 1} thread(s)`;
  if (choice.engine === 'wllama' && choice.variant === 'cpu' && choice.overridden) {
    return { gpu: false, reason: `llama.cpp on the CPU (WebAssembly, ${threads}), as chosen.` };
  }
  if (!gpu) return { gpu: false, reason: `llama.cpp on the CPU (WebAssembly, ${threads}): no usable WebGPU.` };
  if (gpu.isSoftware) {
    return { gpu: false, reason: `llama.cpp on the CPU (WebAssembly, ${threads}): the WebGPU adapter (${describeAdapter(caps)}) is a software renderer.` };
  }
  return { gpu: true, reason: `llama.cpp on the GPU through WebGPU (${describeAdapter(caps)}), all layers offloaded.` };
}

export function describeAdapter(caps: Capabilities): string {
  const gpu = caps.webgpu;
  if (!gpu) return 'no adapter';
  const parts = [gpu.vendor, gpu.architecture, gpu.description].filter(Boolean);
  return parts.length ? parts.join(' / ') : 'an unnamed adapter';
}

export interface ModelAvailability {
  entry: CatalogEntry;
  usable: boolean;
  /** Why the entry cannot run here, or a warning when it can. */
  note?: string;
}

/** Which catalog entries fit the chosen engine and this browser, and why the others do not. */
export function availableModels(catalog: readonly CatalogEntry[], caps: Capabilities, choice: EngineChoice): ModelAvailability[] {
  return catalog
    .filter((entry) => entry.engine === choice.engine)
    .map((entry): ModelAvailability => {
      if (entry.engine === 'wllama') {
        // wllama reads a whole GGUF into one ArrayBuffer per file: 2 GB is the ceiling unless split.
        if (entry.sizeBytes > 2 ** 31) return { entry, usable: false, note: 'larger than 2 GB: needs a split GGUF' };
        return { entry, usable: true };
      }
      const gpu = caps.webgpu;
      if (!gpu) return { entry, usable: false, note: 'needs WebGPU' };
      if (entry.requires.shaderF16 && !gpu.shaderF16) {
        return { entry, usable: false, note: 'needs the shader-f16 WebGPU feature, which this adapter lacks' };
      }
      if (!entry.requires.shaderF16 && gpu.shaderF16) {
        return { entry, usable: true, note: 'a q4f16 build of this model is smaller and faster here' };
      }
      return { entry, usable: true };
    });
}
