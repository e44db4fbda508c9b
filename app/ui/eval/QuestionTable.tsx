import { categoryLabel } from '../../eval/categories';
import type { QuestionResult } from '../../eval/evalResults';

const pct = (x: number) => (100 * x).toFixed(0);
/** The full-context baseline shows the whole conversation: the table lists its first lines only. */
const MAX_LINES = 8;

/** Every answered question: what was asked, the gold and predicted answers, what the answer came from, the scores. */
export function QuestionTable({ results }: { results: readonly QuestionResult[] }) {
  return (
    <div className="eval-table-wrap">
      <table className="eval-table" data-testid="eval-results">
        <thead>
          <tr>
            <th>pipeline</th>
            <th>category</th>
            <th>question</th>
            <th>gold</th>
            <th>prediction</th>
            <th>distilled memories / lines shown</th>
            <th>F1</th>
            <th>BLEU-1</th>
            <th>EM</th>
            <th>J</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={`${r.pipeline}/${r.sampleId}/${r.index}`} data-pipeline={r.pipeline} data-question={r.index}>
              <td>{r.pipeline}</td>
              <td>{categoryLabel(r.category)}</td>
              <td>{r.question}</td>
              <td>{r.gold}</td>
              <td data-testid="eval-prediction">
                {r.prediction}
                {r.problems.map((p) => (
                  <div key={p} className="eval-problem">
                    {p}
                  </div>
                ))}
              </td>
              <td>
                {r.context.length === 0 ? (
                  <span className="meta">none (of {r.shown} shown)</span>
                ) : (
                  <ul>
                    {r.context.slice(0, MAX_LINES).map((c, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: a result's context lines never change or reorder, and two may read alike
                      <li key={i}>{c}</li>
                    ))}
                    {r.context.length > MAX_LINES && <li className="meta">… {r.context.length - MAX_LINES} more</li>}
                  </ul>
                )}
              </td>
              <td className="num">{pct(r.scores.f1)}</td>
              <td className="num">{pct(r.scores.bleu1)}</td>
              <td className="num">{pct(r.scores.exactMatch)}</td>
              <td>{r.judge ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
