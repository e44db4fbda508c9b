import type { PipelineSummary, ScoreSummary } from '../../eval/evalResults';

const COLORS = ['#2f6fde', '#1f8a4c', '#c9731a', '#8a3fc7'];
const METRICS: { key: 'f1' | 'bleu1' | 'judge'; label: string }[] = [
  { key: 'f1', label: 'F1' },
  { key: 'bleu1', label: 'BLEU-1' },
  { key: 'judge', label: 'J (LLM judge)' },
];

interface Group {
  label: string;
  pick: (p: PipelineSummary) => ScoreSummary | undefined;
}

/**
 * One metric per chart, grouped bars: a group per category (and overall), a bar per pipeline, 0–100 %. Plain SVG:
 * a chart library would weigh more than the whole page.
 */
export function CategoryBarChart({ summaries }: { summaries: readonly PipelineSummary[] }) {
  const codes = [...new Set(summaries.flatMap((s) => s.byCategory.map((c) => c.code)))].sort();
  const groups: Group[] = [
    ...codes.map((code) => ({
      label: summaries
        .flatMap((s) => s.byCategory)
        .find((c) => c.code === code)!
        .label.replace(/ \(Mem0\/Memory-R1: (.*)\)/, ' / $1'),
      pick: (p: PipelineSummary) => p.byCategory.find((c) => c.code === code)?.summary,
    })),
    { label: 'overall', pick: (p: PipelineSummary) => p.overall },
  ];
  const barW = 14;
  const groupW = summaries.length * barW + 18;
  const h = 120;
  const top = 10;
  const left = 30;
  const width = left + groups.length * groupW + 10;
  return (
    <div className="eval-charts" data-testid="eval-charts">
      <ul className="eval-legend">
        {summaries.map((s, i) => (
          <li key={s.pipeline}>
            <span className="eval-swatch" style={{ background: COLORS[i % COLORS.length] }} /> {s.pipeline}
          </li>
        ))}
      </ul>
      {METRICS.map((m) => (
        <figure key={m.key} className="eval-chart">
          <figcaption>{m.label}, % per category</figcaption>
          <svg role="img" aria-label={`${m.label} per category`} width={width} height={h + top + 48} viewBox={`0 0 ${width} ${h + top + 48}`}>
            {[0, 50, 100].map((t) => (
              <g key={t}>
                <line x1={left} x2={width - 6} y1={top + h - (t / 100) * h} y2={top + h - (t / 100) * h} className="eval-grid" />
                <text x={left - 4} y={top + h - (t / 100) * h + 4} textAnchor="end" className="eval-tick">
                  {t}
                </text>
              </g>
            ))}
            {groups.map((g, gi) => (
              <g key={g.label} transform={`translate(${left + gi * groupW + 9}, 0)`}>
                {summaries.map((p, pi) => {
                  const s = g.pick(p);
                  const value = s ? s[m.key] : null;
                  const bh = value === null ? 0 : Math.max(1, value * h);
                  return (
                    <rect
                      key={p.pipeline}
                      data-pipeline={p.pipeline}
                      data-metric={m.key}
                      x={pi * barW}
                      y={top + h - bh}
                      width={barW - 2}
                      height={bh}
                      fill={COLORS[pi % COLORS.length]}
                      opacity={value === null ? 0 : 1}
                    >
                      <title>{`${p.pipeline}, ${g.label}: ${value === null ? 'no value' : `${(100 * value).toFixed(1)} %`}${s ? ` (${s.questions} questions)` : ''}`}</title>
                    </rect>
                  );
                })}
                <text x={(summaries.length * barW) / 2} y={top + h + 14} textAnchor="middle" className="eval-tick">
                  {g.label.length > 18 ? `${g.label.slice(0, 17)}…` : g.label}
                </text>
              </g>
            ))}
          </svg>
        </figure>
      ))}
    </div>
  );
}
