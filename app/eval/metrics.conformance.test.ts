/**
 * metrics.ts against the reference code on the project's own fixture (metrics.conformance.json, made by
 * scripts/conformance/make_fixture.py with Mem0's and LoCoMo's functions copied verbatim, nltk 3.9.1): every
 * pair, all metrics, to 1e-6. A pair listed in EXCEPTIONS must disagree (and says why); any other must agree.
 */
import { describe, expect, it } from 'vitest';
import { bleu1, exactMatch, locomoF1, tokenF1 } from './metrics';
import fixture from './metrics.conformance.json';

interface Pair {
  prediction: string;
  gold: string;
  category: number;
  f1: number;
  bleu1: number;
  locomoF1: number;
  exactMatch: number;
}

const pairs = fixture.pairs as Pair[];
const TOLERANCE = 1e-6;

const METRICS = {
  f1: (p: Pair) => tokenF1(p.prediction, p.gold),
  bleu1: (p: Pair) => bleu1(p.prediction, p.gold),
  locomoF1: (p: Pair) => locomoF1(p.prediction, p.gold, p.category),
  exactMatch: (p: Pair) => exactMatch(p.prediction, p.gold),
} as const;
type MetricName = keyof typeof METRICS;

/** Pair indices where metrics.ts is known to differ from the reference, with the reason. */
const EXCEPTIONS: Record<MetricName, Record<number, string>> = { f1: {}, bleu1: {}, locomoF1: {}, exactMatch: {} };

function disagreements(metric: MetricName): { index: number; pair: Pair; ours: number; expected: number }[] {
  const out = [];
  for (const [index, pair] of pairs.entries()) {
    const ours = METRICS[metric](pair);
    if (!(Math.abs(ours - pair[metric]) <= TOLERANCE)) out.push({ index, pair, ours, expected: pair[metric] });
  }
  return out;
}

describe('metrics equal the reference implementations on the conformance fixture', () => {
  it('covers every LoCoMo category with at least 2,000 pairs', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(pairs.map((p) => p.category))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  for (const metric of Object.keys(METRICS) as MetricName[]) {
    it(`${metric}: every pair within ${TOLERANCE} of the reference, but the documented exceptions`, () => {
      const found = disagreements(metric);
      const unexpected = found.filter((d) => !(d.index in EXCEPTIONS[metric]));
      const show = unexpected
        .slice(0, 5)
        .map(
          (d) =>
            `#${d.index} ${JSON.stringify(d.pair.prediction)} vs ${JSON.stringify(d.pair.gold)} (cat ${d.pair.category}): ours ${d.ours}, reference ${d.expected}`,
        );
      expect(show, `${unexpected.length} of ${pairs.length} pairs disagree`).toEqual([]);
      expect(found.map((d) => d.index)).toEqual(Object.keys(EXCEPTIONS[metric]).map(Number));
    });
  }
});
