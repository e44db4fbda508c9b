import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Capabilities, WebGPUInfo } from '../llm/capabilities';
import { chooseEngine } from '../llm/engineChoice';
import { CapabilitiesPanel } from './CapabilitiesPanel';

afterEach(cleanup);

const base: Capabilities = { webgpu: null, crossOriginIsolated: true, hardwareConcurrency: 4 };
const adapter: WebGPUInfo = {
  vendor: 'google',
  architecture: 'swiftshader',
  description: 'SwiftShader Device (Subzero)',
  isFallbackAdapter: false,
  isSoftware: true,
  shaderF16: false,
  maxBufferSize: 2 ** 28,
  maxStorageBufferBindingSize: 2 ** 27,
};

function renderPanel(caps: Capabilities) {
  render(<CapabilitiesPanel caps={caps} choice={chooseEngine(caps)} />);
}

describe('CapabilitiesPanel: why there is no GPU, said right for each case', () => {
  it('no WebGPU in the browser', () => {
    renderPanel({ ...base, webgpuMissing: 'api', webgpuProblem: 'This browser does not expose WebGPU (navigator.gpu is missing).' });
    const notice = screen.getByTestId('no-webgpu').textContent ?? '';
    expect(notice).toMatch(/^No GPU for the models here: this browser does not support WebGPU \(navigator\.gpu is missing\)\./);
    expect(notice).toContain('llama.cpp (WebAssembly) runs the models on your CPU');
  });

  it('WebGPU without an adapter: it does not claim there is no WebGPU', () => {
    renderPanel({ ...base, webgpuMissing: 'adapter', webgpuProblem: 'WebGPU is present but no adapter is available (GPU blocked, disabled or missing).' });
    const notice = screen.getByTestId('no-webgpu').textContent ?? '';
    expect(notice).toMatch(
      /^No GPU for the models here: this browser supports WebGPU, but it offered no adapter \(the GPU is blocked, disabled or missing\)\./,
    );
    expect(notice).not.toMatch(/No WebGPU here/);
  });

  it('a failed adapter request, with the browser’s reason', () => {
    renderPanel({ ...base, webgpuMissing: 'adapter', webgpuProblem: 'WebGPU adapter request failed: Device lost.' });
    expect(screen.getByTestId('no-webgpu').textContent).toMatch(/supports WebGPU, but its request for an adapter failed \(Device lost\)\./);
  });

  it('a software adapter: WebGPU is there, the GPU is not', () => {
    renderPanel({ ...base, webgpu: adapter });
    expect(screen.queryByTestId('no-webgpu')).toBeNull();
    expect(screen.getByTestId('software-webgpu').textContent).toMatch(
      /^No GPU for the models here: this browser's WebGPU adapter is a software renderer \(google SwiftShader Device \(Subzero\)\)/,
    );
  });

  it('a real GPU: no notice at all', () => {
    renderPanel({ ...base, webgpu: { ...adapter, vendor: 'nvidia', description: 'RTX', isSoftware: false } });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
