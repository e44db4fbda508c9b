/**
 * Two stored runs side by side, as app/eval/compareRuns.ts computes them: overall and per-category scores of A and
 * B with B − A, and every question both answered with the two answers, the differing ones marked. Runs that scored
 * other questions or ran other prompt versions are refused with what differs; the reader may then compare the
 * questions both answered, said so above the numbers. Every text (questions, answers, model names) is rendered as
 * text.
 */
import { useMemo, useState } from 'react';
import { categoryLabel } from '../../eval/categories';
import { type RunComparison as Comparison, compareRuns, type MetricPair, type QuestionRef } from '../../eval/compareRuns';
import { describeJudge } from '../../eval/evalResults';
import { comparedRun, type StoredRun } from './evalRunStore';

const pct = (x: number | null) => (x === null ? '–' : x.toFixed(1));
const signed = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);
const when = (ms: number) => new Date(ms).toLocaleString();
const questionsText = (n: number) => `${n} question${n === 1 ? '' : 's'}`;
const refText = (r: QuestionRef) => `${r.sampleId} #${r.index} (${r.pipeline})`;
/** Lists of questions are cut after a few: the count says how many. */
const MAX_LISTED = 5;

function listed(refs: readonly QuestionRef[]): string {
  return refs.slice(0, MAX_LISTED).map(refText).join(', ') + (refs.length > MAX_LISTED ? `, … ${refs.length - MAX_LISTED} more` : '');
}

function RunLabel({ side, run }: { side: 'A' | 'B'; run: StoredRun }) {
  return (
    <li data-testid={`eval-compare-run-${side}`}>
      {side}: {run.config.model} (judge: {describeJudge(run.config)}),{' '}
      {run.config.importedFrom ? `imported from ${run.config.importedFrom}` : when(run.startedAt)}
    </li>
  );
}

export function RunComparison({ a, b, onSwap }: { a: StoredRun; b: StoredRun; onSwap: () => void }) {
  const comparison = useMemo(() => compareRuns(comparedRun(a), comparedRun(b)), [a, b]);
  const [onShared, setOnShared] = useState(false);
  const { differences: d, questions } = comparison;
  const show = comparison.sameQuestionsAndPrompts || onShared;
  return (
    <div data-testid="eval-compare">
      <h4>Side by side</h4>
      <ul className="meta">
        <RunLabel side="A" run={a} />
        <RunLabel side="B" run={b} />
      </ul>
      <button type="button" data-testid="eval-compare-swap" onClick={onSwap}>
        Swap A and B
      </button>
      {!comparison.sameQuestionsAndPrompts && (
        <div role="alert" className="eval-refused" data-testid="eval-compare-refused">
          <p>These two runs are not comparable as they are:</p>
          <ul>
            {d.onlyA.length > 0 && (
              <li>
                {questionsText(d.onlyA.length)} only in A: {listed(d.onlyA)}
              </li>
            )}
            {d.onlyB.length > 0 && (
              <li>
                {questionsText(d.onlyB.length)} only in B: {listed(d.onlyB)}
              </li>
            )}
            {d.changed.length > 0 && (
              <li>
                {questionsText(d.changed.length)} at the same place hold another {[...new Set(d.changed.map((c) => c.field))].join(' or ')} (another data
                file?): {listed(d.changed)}
              </li>
            )}
            {d.prompts.map((p) => (
              <li key={p.pipeline} data-testid="eval-compare-prompts">
                {p.pipeline} ran other prompts. A: {p.a}. B: {p.b}.
              </li>
            ))}
          </ul>
          {questions.length > 0 ? (
            <label>
              <input type="checkbox" data-testid="eval-compare-shared" checked={onShared} onChange={(e) => setOnShared(e.target.checked)} /> Compare on the{' '}
              {questionsText(questions.length)} both runs answered
            </label>
          ) : (
            <p>They have no question in common.</p>
          )}
        </div>
      )}
      {d.promptsUnrecorded.length > 0 && (
        <p className="note" data-testid="eval-compare-unrecorded">
          Run {d.promptsUnrecorded.join(' and ')} did not record its prompt versions (stored before runs recorded them): whether the prompts match cannot be
          checked.
        </p>
      )}
      {d.settings.length > 0 && (
        <div className="meta" data-testid="eval-compare-settings">
          Also differs:
          <ul>
            {d.settings.map((s) => (
              <li key={s.field}>
                {s.field}: A {s.a}, B {s.b}
              </li>
            ))}
          </ul>
        </div>
      )}
      {show && <ComparedScores comparison={comparison} onShared={!comparison.sameQuestionsAndPrompts} />}
    </div>
  );
}

function ScoreCell({ m }: { m: MetricPair }) {
  return (
    <td className="num" data-metric={m.metric}>
      {pct(m.a)} → {pct(m.b)} ({signed(m.delta)})
    </td>
  );
}

function ComparedScores({ comparison, onShared }: { comparison: Comparison; onShared: boolean }) {
  const { pipelines, questions } = comparison;
  const metrics = pipelines[0]?.overall.metrics.map((m) => m.metric) ?? [];
  return (
    <>
      {onShared && (
        <p className="note" data-testid="eval-compare-intersection">
          Scores below are over the {questionsText(questions.length)} both runs answered, not over each run's own set: they differ from each run's own table.
        </p>
      )}
      <table className="eval-table" data-testid="eval-compare-overall">
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
          {pipelines.flatMap((p) =>
            p.overall.metrics.map((m) => (
              <tr key={`${p.pipeline}/${m.metric}`} data-pipeline={p.pipeline} data-metric={m.metric}>
                <td>{p.pipeline}</td>
                <td>{m.metric}</td>
                <td className="num">{pct(m.a)}</td>
                <td className="num">{pct(m.b)}</td>
                <td className="num">{signed(m.delta)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      <div className="eval-table-wrap">
        <table className="eval-table" data-testid="eval-compare-categories">
          <caption>Per category: A % → B % (B − A)</caption>
          <thead>
            <tr>
              <th>pipeline</th>
              <th>category</th>
              <th>questions</th>
              {metrics.map((m) => (
                <th key={m}>{m}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {pipelines.flatMap((p) =>
              p.byCategory.map((c) => (
                <tr key={`${p.pipeline}/${c.code}`} data-pipeline={p.pipeline} data-category={c.code}>
                  <td>{p.pipeline}</td>
                  <td>{c.label}</td>
                  <td className="num">{c.scores.questions}</td>
                  {c.scores.metrics.map((m) => (
                    <ScoreCell key={m.metric} m={m} />
                  ))}
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <p className="meta" data-testid="eval-compare-answers-differ">
        {questions.filter((q) => q.answersDiffer).length} of {questions.length} answers differ (marked ≠).
      </p>
      <div className="eval-table-wrap">
        <table className="eval-table" data-testid="eval-compare-questions">
          <thead>
            <tr>
              <th>pipeline</th>
              <th>question</th>
              <th>category</th>
              <th>gold</th>
              <th />
              <th>A answer</th>
              <th>B answer</th>
              <th>F1 A / B</th>
              <th>EM A / B</th>
              <th>J A / B</th>
            </tr>
          </thead>
          <tbody>
            {questions.map((q) => (
              <tr
                key={`${q.pipeline}/${q.sampleId}/${q.index}`}
                data-pipeline={q.pipeline}
                data-sample={q.sampleId}
                data-question={q.index}
                data-differs={q.answersDiffer ? 'true' : 'false'}
                className={q.answersDiffer ? 'eval-differs' : undefined}
              >
                <td>{q.pipeline}</td>
                <td>
                  <span className="meta">
                    {q.sampleId} #{q.index}
                  </span>{' '}
                  {q.question}
                </td>
                <td>{categoryLabel(q.category)}</td>
                <td>{q.gold}</td>
                <td title={q.answersDiffer ? 'the answers differ' : 'the same answer'}>{q.answersDiffer ? '≠' : '='}</td>
                <td data-testid="eval-compare-answer-a">
                  {q.a.prediction}
                  {q.a.problems.map((p) => (
                    <div key={p} className="eval-problem">
                      {p}
                    </div>
                  ))}
                </td>
                <td data-testid="eval-compare-answer-b">
                  {q.b.prediction}
                  {q.b.problems.map((p) => (
                    <div key={p} className="eval-problem">
                      {p}
                    </div>
                  ))}
                </td>
                <td className="num">
                  {(100 * q.a.scores.f1).toFixed(0)} / {(100 * q.b.scores.f1).toFixed(0)}
                </td>
                <td className="num">
                  {q.a.scores.exactMatch} / {q.b.scores.exactMatch}
                </td>
                <td>
                  {q.a.judge ?? '–'} / {q.b.judge ?? '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
