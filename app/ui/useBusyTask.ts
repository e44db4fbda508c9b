import { useState } from 'react';

/**
 * One async action at a time from a panel's buttons: `busy` while it runs (the buttons disable themselves), and
 * its error, or a refusal the task reports with `setProblem`, shown as `problem` instead of being lost in the console.
 */
export function useBusyTask(): {
  busy: boolean;
  problem: string;
  setProblem: (problem: string) => void;
  run: (task: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  async function run(task: () => Promise<void>): Promise<void> {
    setBusy(true);
    setProblem('');
    try {
      await task();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }
  return { busy, problem, setProblem, run };
}
