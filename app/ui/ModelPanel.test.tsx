import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoadedChatModel } from '../llm/browserEngines';
import type { Capabilities } from '../llm/capabilities';
import { chooseEngine } from '../llm/engineChoice';
import type { LLMClient } from '../llm/types';
import { ModelPanel } from './ModelPanel';
import { defaultSettings } from './settings';

// The panel asks its server whether it holds local model files; here there is no server: it answers 404.
beforeEach(() => {
  vi.stubGlobal('fetch', async () => new Response(null, { status: 404 }));
});
afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
});

const caps: Capabilities = {
  webgpu: null,
  webgpuMissing: 'api',
  webgpuProblem: 'navigator.gpu is missing',
  crossOriginIsolated: true,
  hardwareConcurrency: 4,
  storage: { usage: 0, quota: 10e9 },
};

/** What the panel shows of a loaded model: its id, load time and runtime (the client itself is never called here). */
const loaded: LoadedChatModel = {
  client: { modelId: 'SmolLM2-135M-Instruct-Q4_1' } as LLMClient,
  loadMs: 1234,
  runtime: 'wllama (llama.cpp WASM), 4 threads, CPU',
};

function renderPanel(props: Partial<Parameters<typeof ModelPanel>[0]> = {}) {
  const updateSettings = vi.fn();
  render(
    <ModelPanel
      caps={caps}
      choice={chooseEngine(caps)}
      settings={{ ...defaultSettings(), modelBaseUrl: '/models/' }}
      updateSettings={updateSettings}
      loaded={null}
      onLoaded={vi.fn()}
      {...props}
    />,
  );
  return { updateSettings, user: userEvent.setup() };
}

describe('ModelPanel', () => {
  it('shows the recommendation with its reason, marks it in the list, and selects it on request', async () => {
    const { updateSettings, user } = renderPanel();
    const rec = screen.getByTestId('model-recommendation');
    expect(rec.textContent).toMatch(/^Recommended here: Qwen2\.5 0\.5B Instruct \(Q4_K_M\) — .*no usable WebGPU here.*4 threads/);
    expect(screen.getByRole('radio', { name: /Qwen2\.5 0\.5B Instruct \(Q4_K_M\).*\(recommended here\)/ })).toBeDefined();
    expect(screen.getByTestId('load-model').textContent).toBe('Download and load SmolLM2-135M-Instruct-Q4_1 (98 MB)');
    await user.click(screen.getByRole('button', { name: 'Use this model' }));
    expect(updateSettings).toHaveBeenCalledWith({ chatModelId: 'Qwen2.5-0.5B-Instruct-Q4_K_M' });
  });

  it('lists each model with its license, and web-llm builds with the GPU memory they need', () => {
    const gpuCaps: Capabilities = {
      ...caps,
      webgpu: {
        vendor: 'nvidia',
        architecture: '',
        description: 'RTX',
        isFallbackAdapter: false,
        isSoftware: false,
        shaderF16: true,
        maxBufferSize: 2 ** 32,
        maxStorageBufferBindingSize: 2 ** 31,
      },
    };
    renderPanel({ caps: gpuCaps, choice: chooseEngine(gpuCaps) });
    expect(screen.getByRole('radio', { name: /Llama 3\.1 8B Instruct \(q4f16\).*Llama 3\.1 Community License · needs ≈ 5\.0 GB of GPU memory/ })).toBeDefined();
  });

  it('once loaded, the button no longer offers a download', () => {
    renderPanel({ loaded });
    expect(screen.getByTestId('load-model').textContent).toBe('Reload SmolLM2-135M-Instruct-Q4_1');
    expect(screen.getByTestId('model-loaded').textContent).toBe('Loaded SmolLM2-135M-Instruct-Q4_1 in 1.2 s — wllama (llama.cpp WASM), 4 threads, CPU');
  });

  it('collapsed once loaded: one line and "Change model", which opens the whole panel', async () => {
    const { user } = renderPanel({ loaded, collapsed: true });
    expect(screen.getByTestId('model-panel-compact')).toBeDefined();
    expect(screen.getByTestId('model-loaded')).toBeDefined();
    expect(screen.queryByTestId('load-model')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Change model' }));
    expect(screen.getByTestId('load-model').textContent).toBe('Reload SmolLM2-135M-Instruct-Q4_1');
    await user.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(screen.getByTestId('model-panel-compact')).toBeDefined();
  });

  it('never downloads by itself: a last-used model that is not cached only gets a note', async () => {
    localStorage.setItem('memory-r1.lastChatModel.v1', JSON.stringify({ id: 'SmolLM2-135M-Instruct-Q4_1', baseUrl: '/models/' }));
    const onLoaded = vi.fn();
    renderPanel({ onLoaded });
    await waitFor(() => expect(screen.getByText(/loaded here last time, is no longer in this browser's cache/)).toBeDefined(), { timeout: 10_000 });
    expect(screen.getByTestId('load-model').textContent).toBe('Download and load SmolLM2-135M-Instruct-Q4_1 (98 MB)');
    expect(onLoaded).not.toHaveBeenCalled();
  });
});
