import type { Capabilities } from '../llm/capabilities';
import { formatBytes } from '../llm/catalog';
import type { EngineChoice } from '../llm/engineChoice';

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

export function CapabilitiesPanel({ caps, choice }: { caps: Capabilities; choice: EngineChoice }) {
  const gpu = caps.webgpu;
  return (
    <section aria-labelledby="caps-title" className="panel">
      <h2 id="caps-title">This browser</h2>
      {!gpu && (
        <p role="alert" className="notice" data-testid="no-webgpu">
          No WebGPU here: {caps.webgpuProblem} The app still works: llama.cpp (WebAssembly) runs the models on your CPU,
          more slowly than a GPU would.
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
        <dd data-testid="cap-storage">
          {caps.storage ? `${formatBytes(caps.storage.usage)} used of ${formatBytes(caps.storage.quota)}` : 'unknown'}
        </dd>
        <dt>Engine</dt>
        <dd data-testid="cap-engine">
          <strong>{choice.engine === 'webllm' ? `web-llm (${choice.variant})` : `llama.cpp / wllama (${choice.variant === 'cpu' ? 'CPU' : 'WebGPU'})`}</strong>
          <span className="reason" data-testid="engine-reason"> — {choice.reason}</span>
        </dd>
      </dl>
    </section>
  );
}
