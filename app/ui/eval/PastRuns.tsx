/**
 * The stored Evaluation-page runs (evalRuns), newest first: when, which model, which judge, prompt cache, status and
 * overall scores per pipeline. Tick two to set them side by side, the earlier as A (e.g. the base model's run) and
 * the later as B (the trained model's), swappable; open one to see its category chart and every question; delete
 * one after a confirmation. A report of the eval CLI (`--out`: bench:train's val-base.json and val-trained.json) is
 * imported as a run, so two GGUFs scored outside the browser compare here too.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useState } from 'react';
import { describeJudge, describeSkipped } from '../../eval/evalResults';
import type { MemoryDB } from '../../memory/db';
import { CategoryBarChart } from './CategoryBarChart';
import { importReport, readRun, type StoredRun } from './evalRunStore';
import { QuestionTable } from './QuestionTable';
import { RunComparison } from './RunComparison';

const pct = (x: number | null) => (x === null ? '–' : x.toFixed(1));
const when = (ms: number) => new Date(ms).toLocaleString();

export function PastRuns({ db, disabled }: { db: MemoryDB; disabled: boolean }) {
  const rows = useLiveQuery(() => db.evalRuns.orderBy('startedAt').reverse().toArray(), [db]);
  const runs = useMemo(() => (rows ?? []).map((r) => ({ id: r.id, startedAt: r.startedAt, run: readRun(r) })), [rows]);
  const [picked, setPicked] = useState<string[]>([]);
  const [swapped, setSwapped] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);
  const [imports, setImports] = useState<{ file: string; message: string; ok: boolean }[]>([]);
  const byId = (id: string | null) => runs.find((r) => r.id === id)?.run ?? null;
  // A is the earlier run (e.g. the base model's), B the later (the trained model's), whatever the ticking order;
  // Swap turns it round (two reports imported together are stored in the order the browser lists the files).
  const pair = picked
    .map(byId)
    .filter((r): r is StoredRun => r !== null)
    .sort((x, y) => (x.startedAt - y.startedAt) * (swapped ? -1 : 1));
  const shown = byId(opened);
  const pick = (id: string, on: boolean) => {
    setSwapped(false);
    setPicked((list) => (on ? [...list, id] : list.filter((x) => x !== id)));
  };

  async function onImport(files: File[]) {
    const now = Date.now();
    const outcome: typeof imports = [];
    // One file after the other, each on its own: a bad file is reported and stores nothing; the others still import.
    for (const [i, file] of files.entries()) {
      try {
        const run = await importReport(db, await file.text(), file.name, now + i);
        outcome.push({ file: file.name, ok: true, message: `imported as a run of ${run.config.model} (${run.results.length} answers)` });
      } catch (error) {
        outcome.push({ file: file.name, ok: false, message: error instanceof Error ? error.message : String(error) });
      }
    }
    setImports(outcome);
  }

  if (!rows) return null;
  return (
    <section aria-labelledby="eval-runs-title" data-testid="eval-runs">
      <h3 id="eval-runs-title">Past runs</h3>
      <label>
        Import a results file (npm run eval -- --out, e.g. bench:train's val-base.json and val-trained.json, or this page's Download results)
        <input
          type="file"
          multiple
          accept=".json,application/json"
          data-testid="eval-run-import"
          disabled={disabled}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            // Cleared, so picking the same file again imports it again (as a new run) instead of doing nothing.
            e.target.value = '';
            void onImport(files);
          }}
        />
      </label>
      {imports.map((r) =>
        r.ok ? (
          <p key={r.file} className="meta" data-testid="eval-run-imported">
            {r.file}: {r.message}
          </p>
        ) : (
          <p key={r.file} role="alert" className="error" data-testid="eval-run-import-problem">
            {r.message}
          </p>
        ),
      )}
      {runs.length === 0 ? (
        <p className="note">No stored runs yet: each run is kept here as it goes.</p>
      ) : (
        <div className="eval-table-wrap">
          <table className="eval-table">
            <thead>
              <tr>
                <th>compare</th>
                <th>started</th>
                <th>status</th>
                <th>model</th>
                <th>judge</th>
                <th>prompt cache</th>
                <th>questions</th>
                <th>overall F1 / BLEU-1 / LoCoMo F1 / J %</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {runs.map(({ id, startedAt, run }) => (
                <tr key={id} data-run={id} data-testid="eval-run-row">
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare the run of ${when(startedAt)}`}
                      data-testid="eval-run-compare"
                      disabled={!run || (!picked.includes(id) && picked.length >= 2)}
                      checked={picked.includes(id)}
                      onChange={(e) => pick(id, e.target.checked)}
                    />
                  </td>
                  <td>{when(startedAt)}</td>
                  {run ? (
                    <>
                      <td data-testid="eval-run-status">{run.status}</td>
                      <td>
                        {run.config.model}
                        {run.config.importedFrom && <div className="meta">imported from {run.config.importedFrom}</div>}
                      </td>
                      <td data-testid="eval-run-judge">{describeJudge(run.config)}</td>
                      <td>{run.config.promptCache ? 'on' : 'off'}</td>
                      <td className="num">{run.results.length}</td>
                      <td>
                        {run.summaries.map((s) => (
                          <div key={s.pipeline}>
                            {s.pipeline}: {pct(100 * s.overall.f1)} / {pct(100 * s.overall.bleu1)} / {pct(100 * s.overall.locomoF1)} /{' '}
                            {pct(s.overall.judge === null ? null : 100 * s.overall.judge)}
                          </div>
                        ))}
                      </td>
                    </>
                  ) : (
                    <td colSpan={6}>not a run this page can read (an edited or foreign import)</td>
                  )}
                  <td>
                    {run && (
                      <button type="button" data-testid="eval-run-open" onClick={() => setOpened(opened === id ? null : id)}>
                        {opened === id ? 'Close' : 'Open'}
                      </button>
                    )}
                    <button
                      type="button"
                      data-testid="eval-run-delete"
                      disabled={disabled}
                      onClick={() => {
                        if (!confirm(`Delete the evaluation run of ${when(startedAt)}? Its scores and answers cannot be brought back.`)) return;
                        pick(id, false);
                        if (opened === id) setOpened(null);
                        void db.evalRuns.delete(id);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pair.length === 2 && (
        <RunComparison
          key={pair
            .map((r) => r.id)
            .sort()
            .join('/')}
          a={pair[0]!}
          b={pair[1]!}
          onSwap={() => setSwapped((x) => !x)}
        />
      )}
      {pair.length === 1 && <p className="note">Tick a second run to compare.</p>}
      {shown && (
        <div data-testid="eval-run-detail">
          <h4>Run of {when(shown.startedAt)}</h4>
          <p className="meta">
            {shown.config.data}, split {shown.config.split}; model {shown.config.model}; judge: {describeJudge(shown.config)}; prompt cache{' '}
            {shown.config.promptCache ? 'on' : 'off'}; {shown.config.questions} questions planned; skipped: {describeSkipped(shown.config.skipped)}
          </p>
          {shown.summaries.length > 0 && <CategoryBarChart summaries={shown.summaries} />}
          <QuestionTable results={shown.results} />
        </div>
      )}
    </section>
  );
}
