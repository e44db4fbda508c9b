import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EmbedWorkerClient } from '../embed/embedClient';
import { EmbeddingPanel } from './EmbeddingPanel';
import { defaultSettings } from './settings';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

/** What the panel shows of a loaded embedder: its dimensions (it is never called here). */
const client = { dims: 384 } as EmbedWorkerClient;

function renderPanel(props: Partial<Parameters<typeof EmbeddingPanel>[0]> = {}) {
  render(
    <EmbeddingPanel settings={{ ...defaultSettings(), modelBaseUrl: '/models/' }} updateSettings={vi.fn()} client={null} setClient={vi.fn()} {...props} />,
  );
  return userEvent.setup();
}

describe('EmbeddingPanel', () => {
  it('collapsed once loaded: one line and a way back to the whole panel', async () => {
    const user = renderPanel({ client, collapsed: true });
    expect(screen.getByTestId('embed-panel-compact')).toBeDefined();
    expect(screen.getByTestId('embedder-loaded').textContent).toBe('Xenova/bge-small-en-v1.5 ready (384-d)');
    expect(screen.queryByTestId('load-embedder')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Change embedding model' }));
    expect(screen.getByTestId('load-embedder').textContent).toBe('Reload');
  });

  it('offers the download with its size before anything is loaded', () => {
    renderPanel();
    expect(screen.getByTestId('load-embedder').textContent).toBe('Download and load (≈ 35 MB)');
  });

  it('never downloads by itself: a last-used model that is not cached only gets a note', async () => {
    localStorage.setItem('memory-r1.lastEmbeddingModel.v1', JSON.stringify({ id: 'Xenova/bge-small-en-v1.5', baseUrl: '/models/' }));
    const setClient = vi.fn();
    renderPanel({ setClient });
    await waitFor(() => expect(screen.getByText(/loaded here last time, is no longer in this browser's cache/)).toBeDefined());
    expect(setClient).not.toHaveBeenCalled();
  });
});
