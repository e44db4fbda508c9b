/**
 * What this browser can run, read before any model is loaded. The probe takes the navigator (and the few window
 * facts it needs) as arguments so the engine choice stays a pure function of its result.
 */

export interface WebGPUInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** The adapter says it is a fallback (software) adapter. */
  isFallbackAdapter: boolean;
  /** A CPU rasterizer such as SwiftShader, whether or not the adapter admits to being a fallback. */
  isSoftware: boolean;
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface Capabilities {
  /** null when the browser has no WebGPU or no adapter; `webgpuProblem` says which. */
  webgpu: WebGPUInfo | null;
  webgpuProblem?: string;
  /** Why `webgpu` is null: the browser has no WebGPU at all ('api'), or has it but gave no adapter ('adapter'). */
  webgpuMissing?: 'api' | 'adapter';
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  storage?: { usage: number; quota: number };
}

/** Recognises software rasterizers by what Chromium/Dawn, Firefox and Safari report for them. */
export function isSoftwareAdapter(info: Pick<WebGPUInfo, 'vendor' | 'architecture' | 'description' | 'isFallbackAdapter'>): boolean {
  if (info.isFallbackAdapter) return true;
  const text = `${info.vendor} ${info.architecture} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp|microsoft basic render/.test(text);
}

interface ProbeEnvironment {
  navigator: Navigator;
  crossOriginIsolated: boolean;
}

export async function probeCapabilities(env: ProbeEnvironment): Promise<Capabilities> {
  const { navigator } = env;
  const caps: Capabilities = {
    webgpu: null,
    crossOriginIsolated: env.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
  };
  try {
    const estimate = await navigator.storage?.estimate?.();
    if (estimate) caps.storage = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
  } catch {
    // Some browsers refuse storage estimates in private windows; the rest of the probe still stands.
  }
  if (!('gpu' in navigator) || !navigator.gpu) {
    caps.webgpuProblem = 'This browser does not expose WebGPU (navigator.gpu is missing).';
    caps.webgpuMissing = 'api';
    return caps;
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (error) {
    caps.webgpuProblem = `WebGPU adapter request failed: ${error instanceof Error ? error.message : String(error)}`;
    caps.webgpuMissing = 'adapter';
    return caps;
  }
  if (!adapter) {
    caps.webgpuProblem = 'WebGPU is present but no adapter is available (GPU blocked, disabled or missing).';
    caps.webgpuMissing = 'adapter';
    return caps;
  }
  const info = adapter.info;
  // `isFallbackAdapter` moved from the adapter to its info; read whichever this browser has.
  const legacy = adapter as unknown as { isFallbackAdapter?: boolean };
  const infoFlags = info as unknown as { isFallbackAdapter?: boolean };
  const base = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(infoFlags.isFallbackAdapter ?? legacy.isFallbackAdapter),
  };
  caps.webgpu = {
    ...base,
    isSoftware: isSoftwareAdapter(base),
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
  return caps;
}
