import type { Capabilities } from '../llm/capabilities';
import { formatBytes } from '../llm/catalog';
import type { EngineChoice } from '../llm/engineChoice';

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

const CPU_FALLBACK = 'The app still works: llama.cpp (WebAssembly) runs the models on your CPU, more slowly than a GPU would.';

/**
 * Why there is no GPU for the models, in words that fit the case: no WebGPU in this browser, WebGPU without an
 * adapter (or a failed request for one), or an adapter that is a software renderer. Null when a real GPU is there.
 */
function noGpuNotice(caps: Capabilities): string | null {
  const gpu = caps.webgpu;
  if (gpu) {
    if (!gpu.isSoftware) return null;
    const name = [gpu.vendor, gpu.description].filter(Boolean).join(' ') || 'no name given';
    return `No GPU for the models here: this browser's WebGPU adapter is a software renderer (${name}), which runs on the CPU and is slower than plain WebAssembly. ${CPU_FALLBACK}`;
  }
  if (caps.webgpuMissing === 'api') {
    return `No GPU for the models here: this browser does not support WebGPU (navigator.gpu is missing). ${CPU_FALLBACK}`;
  }
  const detail = caps.webgpuProblem?.startsWith('WebGPU adapter request failed')
    ? `its request for an adapter failed (${caps.webgpuProblem.replace(/^WebGPU adapter request failed:\s*/, '').replace(/\.$/, '')})`
    : 'it offered no adapter (the GPU is blocked, disabled or missing)';
  return `No GPU for the models here: this browser supports WebGPU, but ${detail}. ${CPU_FALLBACK}`;
}

export function CapabilitiesPanel({ caps, choice }: { caps: Capabilities; choice: EngineChoice }) {
  const gpu = caps.webgpu;
  const notice = noGpuNotice(caps);
  return (
    <section aria-labelledby="caps-title" className="panel">
      <h2 id="caps-title">This browser</h2>
      {notice && (
        <p role="alert" className="notice" data-testid={gpu ? 'software-webgpu' : 'no-webgpu'}>
          {notice}
        </p>
      )}
      <dl className="facts">
        <dt>WebGPU adapter</dt>
        <dd data-testid="cap-adapter">
          {gpu ? [gpu.vendor || '(no vendor)', gpu.architecture || '(no architecture)', gpu.description].filter(Boolean).join(' · ') : 'none'}
        </dd>
        <dt>Fallback / software adapter</dt>
        <dd data-testid="cap-fallback">{gpu ? `${yesNo(gpu.isFallbackAdapter)} / ${yesNo(gpu.isSoftware)}` : '—'}</dd>
        <dt>shader-f16</dt>
        <dd data-testid="cap-shader-f16">{gpu ? yesNo(gpu.shaderF16) : '—'}</dd>
        <dt>Max buffer size</dt>
        <dd data-testid="cap-max-buffer">{gpu ? formatBytes(gpu.maxBufferSize) : '—'}</dd>
        <dt>Max storage binding</dt>
        <dd>{gpu ? formatBytes(gpu.maxStorageBufferBindingSize) : '—'}</dd>
        <dt>Cross-origin isolated</dt>
        <dd data-testid="cap-coi">{yesNo(caps.crossOriginIsolated)}</dd>
        <dt>Threads</dt>
        <dd data-testid="cap-threads">{caps.hardwareConcurrency}</dd>
        <dt>Storage</dt>
        <dd data-testid="cap-storage">{caps.storage ? `${formatBytes(caps.storage.usage)} used of ${formatBytes(caps.storage.quota)}` : 'unknown'}</dd>
        <dt>Engine</dt>
        <dd data-testid="cap-engine">
          <strong>{choice.engine === 'webllm' ? `web-llm (${choice.variant})` : `llama.cpp / wllama (${choice.variant === 'cpu' ? 'CPU' : 'WebGPU'})`}</strong>
          <span className="reason" data-testid="engine-reason">
            {' '}
            — {choice.reason}
          </span>
        </dd>
      </dl>
    </section>
  );
}
