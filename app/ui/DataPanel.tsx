import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useRef, useState } from 'react';
import type { ImportPlan, MemoryReview, MemoryVerdict } from '../memory/exportImportPlan';
import type { MemoryBank } from '../memory/memoryBank';
import { useBusyTask } from './useBusyTask';
import { type DeviceData, describeDeviceData, wipeAllData } from './wipeAllData';

interface DataPanelProps {
  bank: MemoryBank;
  /** After a wipe: the views drop what they hold of the old bank (the op stream, the open memory). */
  onWiped: () => void;
}

/** Export the whole bank to a file, import one, and wipe everything after a confirmation. */
export function DataPanel({ bank, onWiped }: DataPanelProps) {
  const { db } = bank;
  const counts = useLiveQuery(
    async () => ({ memories: await db.memories.count(), history: await db.memoryHistory.count(), turns: await db.turns.count() }),
    [db],
  );
  const { busy, problem, run: runTask } = useBusyTask();
  const [notice, setNotice] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [found, setFound] = useState<DeviceData | null>(null);
  const [withModels, setWithModels] = useState(false);
  const [take, setTake] = useState<ReadonlySet<string>>(new Set());
  const cancelRef = useRef<HTMLButtonElement>(null);
  const wipeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!confirming) return;
    cancelRef.current?.focus();
    // The confirmation lists what a wipe deletes, read from the device just now.
    let live = true;
    setFound(null);
    void describeDeviceData(bank).then((data) => live && setFound(data));
    return () => {
      live = false;
    };
  }, [confirming, bank]);

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

  // An import is reviewed first: the file is read and compared with the bank, and only what the user keeps ticked is written.
  const reviewFile = (file: File) =>
    run(async () => {
      setPlan(null);
      const { planImport } = await import('../memory/exportImportPlan');
      const next = await planImport(db, file);
      setPlan(next);
      setTake(new Set(next.memories.filter((m) => m.takeByDefault).map((m) => m.id)));
    });

  const applyReviewed = () =>
    run(async () => {
      if (!plan) return;
      const { applyImport, describeImport } = await import('../memory/exportImportPlan');
      try {
        const summary = await applyImport(db, plan, { take });
        await bank.changedWholesale();
        setNotice(describeImport(summary));
      } finally {
        setPlan(null);
      }
    });

  const wipe = () =>
    run(async () => {
      const summary = await wipeAllData(bank, { modelCaches: withModels });
      setConfirming(false);
      setWithModels(false);
      onWiped();
      const t = summary.tables;
      const others = [
        summary.databases.length ? `the database${summary.databases.length === 1 ? '' : 's'} ${summary.databases.join(', ')}` : '',
        summary.localStorageKeys.length
          ? `${summary.localStorageKeys.length} saved setting${summary.localStorageKeys.length === 1 ? '' : 's'} (${summary.localStorageKeys.join(', ')})`
          : '',
      ].filter(Boolean);
      setNotice(
        `Wiped ${t.memories} memories, ${t.memoryHistory} history rows and ${t.turns} turns, ${t.conversations} chats, ${t.opEvents} operation events, ${t.evalRuns} evaluation runs${others.length ? `, ${others.join(' and ')}` : ''}. ${summary.modelCachesDeleted ? 'Downloaded model files were deleted too.' : 'Model files are still cached.'}`,
      );
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
              if (file) void reviewFile(file);
            }}
          />
        </label>
      </div>
      {plan && <ImportReview plan={plan} take={take} onTake={setTake} busy={busy} onImport={() => void applyReviewed()} onCancel={() => setPlan(null)} />}
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
            {counts?.memories ?? 0} memories, {counts?.history ?? 0} history rows and {counts?.turns ?? 0} turns, the search index and replay positions. This
            cannot be undone: export the bank first to keep a copy.
          </p>
          {found ? (
            <ul className="note" data-testid="wipe-list">
              <li>
                In the bank: {found.tables.conversations} chats, {found.tables.opEvents} operation events, {found.tables.evalRuns} evaluation runs,{' '}
                {found.tables.settings} stored settings.
              </li>
              {found.databases.length > 0 && <li>Other databases of this app: {found.databases.join(', ')}.</li>}
              {found.localStorageKeys.length > 0 && (
                <li>Settings saved in this browser (API key, server URL, namespace, your model URLs…): {found.localStorageKeys.join(', ')}.</li>
              )}
              <li>
                <label>
                  <input type="checkbox" checked={withModels} onChange={(e) => setWithModels(e.target.checked)} data-testid="wipe-models" /> Also delete
                  downloaded model files ({found.modelCaches.caches.length + found.modelCaches.files.length + found.modelCaches.databases.length} caches:{' '}
                  {[...found.modelCaches.caches, ...found.modelCaches.files, ...found.modelCaches.databases].join(', ') || 'none'})
                </label>
              </li>
            </ul>
          ) : (
            <p className="note">Listing what this browser holds…</p>
          )}
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

const VERDICT_LABELS: Record<MemoryVerdict, string> = {
  new: 'new',
  identical: 'already here, identical',
  'file-newer': 'newer in the file',
  'bank-newer': 'newer here',
  'deleted-here': 'deleted here (importing would bring it back)',
  'other-namespace': 'refused: the id is in another namespace here',
};

/** How many differing memories are listed one by one; the rest follow the default (counted above the list). */
const LISTED_CHOICES = 200;

interface ImportReviewProps {
  plan: ImportPlan;
  take: ReadonlySet<string>;
  onTake: (take: ReadonlySet<string>) => void;
  busy: boolean;
  onImport: () => void;
  onCancel: () => void;
}

/** What an import would do, memory by memory where the file and the bank disagree; texts render as text. */
function ImportReview({ plan, take, onTake, busy, onImport, onCancel }: ImportReviewProps) {
  const choices = plan.memories.filter((m) => m.choosable && m.verdict !== 'new');
  const counts = (Object.entries(plan.memoryCounts) as [MemoryVerdict, number][]).filter(([, n]) => n > 0);
  const toggle = (m: MemoryReview, checked: boolean) => {
    const next = new Set(take);
    if (checked) next.add(m.id);
    else next.delete(m.id);
    onTake(next);
  };
  const logRows = Object.entries(plan.tables).filter(([, c]) => c.new + c.differing + c.otherNamespace > 0);
  return (
    <section className="confirm" aria-label="Import review" data-testid="import-review">
      <p>
        <strong>The file has {plan.memories.length} memories</strong> ({plan.namespaces.join(', ') || 'no namespace'}):{' '}
        {counts.map(([verdict, n]) => `${n} ${VERDICT_LABELS[verdict]}`).join(', ') || 'none'}.
      </p>
      {logRows.length > 0 && (
        <p className="note" data-testid="import-review-tables">
          {logRows
            .map(
              ([table, c]) =>
                `${table}: ${c.new} new${c.differing ? `, ${c.differing} differ (yours kept)` : ''}${c.otherNamespace ? `, ${c.otherNamespace} refused (id in another namespace)` : ''}`,
            )
            .join('; ')}
          .
        </p>
      )}
      {plan.skippedSettings.length > 0 && <p className="note">Settings an import never reads are skipped: {plan.skippedSettings.join(', ')}.</p>}
      {choices.length > 0 && (
        <>
          <p className="note">
            Where the file and this browser differ, tick the memories to take from the file. By default the newer version wins and nothing deleted here comes
            back.
          </p>
          <ul className="import-choices" data-testid="import-choices">
            {choices.slice(0, LISTED_CHOICES).map((m) => (
              <li key={m.id} data-verdict={m.verdict}>
                <label>
                  <input type="checkbox" checked={take.has(m.id)} onChange={(e) => toggle(m, e.target.checked)} disabled={busy} />{' '}
                  <span className="meta">{VERDICT_LABELS[m.verdict]}</span> · file: <q>{m.file.text}</q>
                  {m.bank && (
                    <>
                      {' '}
                      · here: <q>{m.bank.text}</q>
                    </>
                  )}
                </label>
              </li>
            ))}
          </ul>
          {choices.length > LISTED_CHOICES && <p className="note">{choices.length - LISTED_CHOICES} more follow the default.</p>}
        </>
      )}
      <div className="row">
        <button type="button" onClick={onImport} disabled={busy} data-testid="import-apply">
          Import {take.size} {take.size === 1 ? 'memory' : 'memories'} and the new rows
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}
