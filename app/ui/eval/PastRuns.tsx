/**
 * The stored Evaluation-page runs (evalRuns), newest first: when, which model, which judge, prompt cache, status and
 * overall scores per pipeline. Tick two to set them side by side, the earlier as A (e.g. the base model's run) and
 * the later as B (the trained model's); open one to see its category chart and every question; delete one after a confirmation.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useState } from 'react';
import { describeJudge, describeSkipped } from '../../eval/evalResults';
import type { MemoryDB } from '../../memory/db';
import { CategoryBarChart } from './CategoryBarChart';
import { compareRuns, readRun, type StoredRun } from './evalRunStore';
import { QuestionTable } from './QuestionTable';

const pct = (x: number | null) => (x === null ? '–' : x.toFixed(1));
const when = (ms: number) => new Date(ms).toLocaleString();

export function PastRuns({ db, disabled }: { db: MemoryDB; disabled: boolean }) {
  const rows = useLiveQuery(() => db.evalRuns.orderBy('startedAt').reverse().toArray(), [db]);
  const runs = useMemo(() => (rows ?? []).map((r) => ({ id: r.id, startedAt: r.startedAt, run: readRun(r) })), [rows]);
  const [picked, setPicked] = useState<string[]>([]);
  const [opened, setOpened] = useState<string | null>(null);
  const byId = (id: string | null) => runs.find((r) => r.id === id)?.run ?? null;
  // A is the earlier run (e.g. the base model's), B the later (the trained model's), whatever the ticking order.
  const pair = picked
    .map(byId)
    .filter((r): r is StoredRun => r !== null)
    .sort((x, y) => x.startedAt - y.startedAt);
  const shown = byId(opened);

  if (!rows) return null;
  return (
    <section aria-labelledby="eval-runs-title" data-testid="eval-runs">
      <h3 id="eval-runs-title">Past runs</h3>
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
                      onChange={(e) => setPicked((list) => (e.target.checked ? [...list, id] : list.filter((x) => x !== id)))}
                    />
                  </td>
                  <td>{when(startedAt)}</td>
                  {run ? (
                    <>
                      <td data-testid="eval-run-status">{run.status}</td>
                      <td>{run.config.model}</td>
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
                        setPicked((list) => list.filter((x) => x !== id));
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
      {pair.length === 2 && <RunComparison a={pair[0]!} b={pair[1]!} />}
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

/** Two runs side by side: per pipeline and metric, A, B and B − A in points. */
function RunComparison({ a, b }: { a: StoredRun; b: StoredRun }) {
  const rows = compareRuns(a, b);
  const sameQuestions =
    a.config.data === b.config.data && a.config.split === b.config.split && a.config.limit === b.config.limit && a.config.maxTurns === b.config.maxTurns;
  return (
    <div data-testid="eval-compare">
      <h4>Side by side</h4>
      <p className="meta">
        A: {a.config.model} (judge: {describeJudge(a.config)}), {when(a.startedAt)} · B: {b.config.model} (judge: {describeJudge(b.config)}),{' '}
        {when(b.startedAt)}
      </p>
      {!sameQuestions && (
        <p className="note">The two runs did not ask the same questions (data, split, limit or turns differ): read the difference with care.</p>
      )}
      <table className="eval-table">
        <thead>
          <tr>
            <th>pipeline</th>
            <th>metric</th>
            <th>A %</th>
            <th>B %</th>
            <th>B − A</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.pipeline}/${r.metric}`} data-pipeline={r.pipeline} data-metric={r.metric}>
              <td>{r.pipeline}</td>
              <td>{r.metric}</td>
              <td className="num">{pct(r.a)}</td>
              <td className="num">{pct(r.b)}</td>
              <td className="num">{r.delta === null ? '–' : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(1)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
