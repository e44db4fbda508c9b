import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageActions } from './MessageActions';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('MessageActions', () => {
  it('copies the answer’s text, says so, and reads "Copy" again after a moment', async () => {
    const user = userEvent.setup();
    render(<MessageActions text={'You live in **Lisbon**.'} />);
    await user.click(screen.getByRole('button', { name: 'Copy answer' }));
    expect(await navigator.clipboard.readText()).toBe('You live in **Lisbon**.');
    expect(screen.getByRole('button', { name: 'Copy answer' }).textContent).toBe('Copied');
    expect(screen.getByRole('status').textContent).toBe('Copied to the clipboard.');
    // happy-dom's clipboard runs on its timers, so the feedback's 2 s timeout is waited for, not faked.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copy answer' }).textContent).toBe('Copy'), { timeout: 5000 });
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('says why when the clipboard refuses', async () => {
    const user = userEvent.setup();
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValueOnce(new Error('Write permission denied.'));
    render(<MessageActions text="x" />);
    await user.click(screen.getByRole('button', { name: 'Copy answer' }));
    expect(screen.getByRole('status').textContent).toBe('Could not copy: Write permission denied.');
    expect(screen.getByRole('button', { name: 'Copy answer' }).textContent).toBe('Copy');
  });

  it('offers Regenerate only when the caller can regenerate, disabled while busy', async () => {
    const user = userEvent.setup();
    const onRegenerate = vi.fn();
    const { rerender } = render(<MessageActions text="x" />);
    expect(screen.queryByRole('button', { name: 'Regenerate answer' })).toBeNull();
    rerender(<MessageActions text="x" onRegenerate={onRegenerate} />);
    await user.click(screen.getByRole('button', { name: 'Regenerate answer' }));
    expect(onRegenerate).toHaveBeenCalledTimes(1);
    rerender(<MessageActions text="x" onRegenerate={onRegenerate} disabled />);
    expect(screen.getByRole('button', { name: 'Regenerate answer' })).toHaveProperty('disabled', true);
  });
});
