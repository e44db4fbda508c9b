import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useRef, useState } from 'react';
import type { MemoryBank } from '../memory/memoryBank';
import { wipeAllData } from './wipeAllData';
import { useBusyTask } from './useBusyTask';

interface DataPanelProps {
  bank: MemoryBank;
  /** After a wipe: the views drop what they hold of the old bank (the op stream, the open memory). */
  onWiped: () => void;
}

/** Export the whole bank to a file, import one, and wipe everything after a confirmation. */
export function DataPanel({ bank, onWiped }: DataPanelProps) {
  const { db } = bank;
  const counts = useLiveQuery(async () => ({ memories: await db.memories.count(), history: await db.memoryHistory.count(), turns: await db.turns.count() }), [db]);
  const { busy, problem, run: runTask } = useBusyTask();
  const [notice, setNotice] = useState('');
  const [confirming, setConfirming] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const wipeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  // Each action replaces the last one's notice.
  const run = (task: () => Promise<void>) => {
    setNotice('');
    return runTask(task);
  };

  const exportAll = () =>
    run(async () => {
      const { exportBank } = await import('../memory/exportImport');
      const blob = await exportBank(db);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `memory-r1-bank-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  const importFile = (file: File) =>
    run(async () => {
      const { importBank } = await import('../memory/exportImport');
      const summary = await importBank(db, file, { mode: 'merge' });
      await bank.changedWholesale();
      setNotice(`Imported ${summary.imported.memories} memories, ${summary.imported.memoryHistory} history rows and ${summary.imported.turns} turns.`);
    });

  const wipe = () =>
    run(async () => {
      const summary = await wipeAllData(bank);
      setConfirming(false);
      onWiped();
      setNotice(`Wiped ${summary.memories} memories, ${summary.memoryHistory} history rows and ${summary.turns} turns. Model files are still cached.`);
      wipeRef.current?.focus();
    });

  return (
    <section aria-labelledby="data-title" className="panel">
      <h2 id="data-title">Your data</h2>
      <p className="meta" data-testid="data-counts">
        {counts ? `${counts.memories} memories, ${counts.history} history rows, ${counts.turns} turns in this browser` : '…'}
      </p>
      <div className="row">
        <button type="button" onClick={() => void exportAll()} disabled={busy}>
          Export bank
        </button>
        <label className="file-button">
          Import a bank file
          <input
            type="file"
            accept="application/json,.json"
            data-testid="import-file"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importFile(file);
            }}
          />
        </label>
      </div>
      {!confirming ? (
        <div className="row">
          <button type="button" className="danger" ref={wipeRef} onClick={() => setConfirming(true)} disabled={busy}>
            Wipe all data…
          </button>
        </div>
      ) : (
        <div className="confirm" role="alertdialog" aria-labelledby="wipe-question" aria-describedby="wipe-what">
          <p id="wipe-question">
            <strong>Delete everything this app stored in this browser?</strong>
          </p>
          <p id="wipe-what" className="note">
            {counts?.memories ?? 0} memories, {counts?.history ?? 0} history rows and {counts?.turns ?? 0} turns, the search index and replay positions. This cannot be undone: export the bank first to keep a copy. Downloaded model files stay cached.
          </p>
          <div className="row">
            <button type="button" className="danger" onClick={() => void wipe()} disabled={busy}>
              Wipe everything
            </button>
            <button type="button" className="secondary" ref={cancelRef} onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {notice && (
        <p role="status" data-testid="data-notice">
          {notice}
        </p>
      )}
      {problem && (
        <p role="alert" className="error" data-testid="data-problem">
          {problem}
        </p>
      )}
    </section>
  );
}
