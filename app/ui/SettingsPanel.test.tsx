import { cleanup, render, renderHook, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LATENCY_BUDGET_S } from '../agent/answerAgent';
import { SettingsPanel } from './SettingsPanel';
import { defaultSettings, type Settings, useSettings } from './settings';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

function renderPanel(settings: Partial<Settings> = {}) {
  const updateSettings = vi.fn();
  render(<SettingsPanel settings={{ ...defaultSettings(), ...settings }} updateSettings={updateSettings} db={null} />);
  return { user: userEvent.setup(), updateSettings };
}

const budgetInput = () => screen.getByLabelText('Latency budget for reading them (seconds)') as HTMLInputElement;
const save = () => screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement;

describe('SettingsPanel: the latency budget', () => {
  it('shows the default budget and saves a new one in seconds', async () => {
    const { user, updateSettings } = renderPanel();
    expect(budgetInput().value).toBe(String(DEFAULT_LATENCY_BUDGET_S));
    expect(screen.getByTestId('settings-current').textContent).toContain(`latency budget ${DEFAULT_LATENCY_BUDGET_S} s`);
    expect(save().disabled).toBe(true); // nothing changed yet
    await user.clear(budgetInput());
    await user.type(budgetInput(), '2.5');
    await user.click(save());
    expect(updateSettings).toHaveBeenCalledWith({ retrievalK: 60, namespace: 'user:me', latencyBudgetS: 2.5 });
  });

  it('refuses a budget out of range, with the reason, and saves nothing', async () => {
    const { user, updateSettings } = renderPanel();
    for (const bad of ['0', '-3', '601', '']) {
      await user.clear(budgetInput());
      if (bad) await user.type(budgetInput(), bad);
      expect(budgetInput().getAttribute('aria-invalid')).toBe('true');
      expect(save().disabled).toBe(true);
      expect(screen.getByText(/Enter seconds from 0.5 to 600, or tick Off/)).toBeDefined();
    }
    expect(updateSettings).not.toHaveBeenCalled();
  });

  it('turns the budget off (0: all k listed) and back on', async () => {
    const { user, updateSettings } = renderPanel();
    await user.click(screen.getByTestId('latency-budget-off'));
    expect(budgetInput().disabled).toBe(true);
    await user.click(save());
    expect(updateSettings).toHaveBeenLastCalledWith(expect.objectContaining({ latencyBudgetS: 0 }));
    cleanup();

    const again = renderPanel({ latencyBudgetS: 0 });
    expect(screen.getByTestId('settings-current').textContent).toContain('latency budget off');
    expect((screen.getByTestId('latency-budget-off') as HTMLInputElement).checked).toBe(true);
    await again.user.click(screen.getByTestId('latency-budget-off'));
    expect(budgetInput().value).toBe(String(DEFAULT_LATENCY_BUDGET_S));
    await again.user.click(save());
    expect(again.updateSettings).toHaveBeenLastCalledWith(expect.objectContaining({ latencyBudgetS: DEFAULT_LATENCY_BUDGET_S }));
  });

  it('is persisted with the other settings; a stored value the agent cannot take reads as the default', () => {
    const { result, unmount } = renderHook(() => useSettings());
    result.current[1]({ latencyBudgetS: 4 });
    unmount();
    expect(renderHook(() => useSettings()).result.current[0].latencyBudgetS).toBe(4);

    localStorage.setItem('memory-r1.settings.v1', JSON.stringify({ retrievalK: 30, latencyBudgetS: 'fast' }));
    const [settings] = renderHook(() => useSettings()).result.current;
    expect(settings).toMatchObject({ retrievalK: 30, latencyBudgetS: DEFAULT_LATENCY_BUDGET_S });
  });
});
