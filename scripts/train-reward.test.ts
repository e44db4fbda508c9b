/**
 * The trainer's reward (train/memory_r1_train/reward.py, pure Python: LoCoMo's normalize_answer, Mem0's
 * simple_tokenize set F1) gives the value the reference code gives and app/eval/metrics.ts gives on the same
 * strings, so a model is trained on the score it is evaluated with. The oracle is the metric conformance fixture
 * (app/eval/metrics.conformance.json: 2,800 project-made pairs scored by scripts/conformance/'s copy of LoCoMo's and
 * Mem0's code), every pair both ways, plus a few hand-picked pairs; one system python3 process scores them all
 * (the module alone: no torch, no venv; reward.py stays stdlib-only, see its note on `regex`'s `\w`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactMatch, normalizeAnswer, simpleTokens, tokenF1 } from '../app/eval/metrics';
import fixture from '../app/eval/metrics.conformance.json';

const REWARD_PY = path.resolve(import.meta.dirname, '../train/memory_r1_train/reward.py');

const PAIRS: [string, string][] = [
  ['7 May 2023', '7 May 2023'],
  ['The 7th of May, 2023.', '7 May 2023'],
  ['a dog and the cat', 'Dog, cat'],
  ['An apple!', 'apple'],
  ['Anderson', 'and'],
  ['  pottery, painting?  ', 'Pottery; painting'],
  ["Melanie's kids", 'melanies kids'],
  ['3', '3.0'],
  ['$1,000', '1000'],
  ['U.S.A.', 'usa'],
  ['camping!!! at the beach', 'Camping at the beach'],
  ['', 'anything'],
  ['the', 'a'],
  ['Café the naïve', 'café naïve'],
  ['éthe art', 'art'],
  ['the\u00e9 one', 'one'],
  ['Zoë and Chloé', 'zoë chloé'],
  ['ÉCOLE', 'école'],
  ['mañana, the señor', 'mañana señor'],
  ['a\u00a0b', 'a b'],
  ['word\u2003spaced\u3000out', 'word spaced out'],
  ['x\u0085y', 'x y'],
  ['line\nbreak\ttab', 'line break tab'],
  ['emoji 🎉 party', 'party'],
  ['「東京」', '東京'],
  ['İstanbul', 'istanbul'],
  ['straße', 'STRASSE'],
  // LoCoMo's `regex` word class, not the stdlib `re`'s: a combining mark and a circled letter are word characters
  // (the article glued to them stays), a vulgar fraction is not (the article goes). `re` scores all three the other way.
  ['\u0301an apple', '\u0301 apple'],
  ['Ⓐthe', 'ⓐ'],
  ['½the cake', '½ cake'],
];

interface PyScore {
  normalized: string;
  em: number;
  f1: number;
  tokens: string[];
}

function python(pairs: [string, string][]): PyScore[] {
  const r = spawnSync('python3', [REWARD_PY], { input: JSON.stringify(pairs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 reward.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface FixturePair {
  prediction: string;
  gold: string;
  f1: number;
  exactMatch: number;
}
const FIXTURE = fixture.pairs as FixturePair[];
/** Every word the reference normalize_answer gave on the fixture's texts (make_fixture.py keys its stems by them). */
const REFERENCE_WORDS = new Set(Object.keys(fixture.stems));
const TOLERANCE = 1e-9;

// One process for everything: the hand-picked pairs, then the fixture's pairs, then the same pairs reversed (so
// every gold is normalized and tokenized as a prediction too, and exact match is tried with the roles swapped).
const FORWARD: [string, string][] = FIXTURE.map((p) => [p.prediction, p.gold]);
const BACKWARD: [string, string][] = FIXTURE.map((p) => [p.gold, p.prediction]);
const results = python([...PAIRS, ...FORWARD, ...BACKWARD]);
const handPicked = results.slice(0, PAIRS.length);
const forward = results.slice(PAIRS.length, PAIRS.length + FORWARD.length);
const backward = results.slice(PAIRS.length + FORWARD.length);

/** The first few disagreements, readable, so a failure says which strings. */
function listed<T>(items: T[], show: (item: T) => string): string[] {
  return items
    .slice(0, 5)
    .map(show)
    .concat(items.length > 5 ? [`… and ${items.length - 5} more`] : []);
}

describe('the trainer reward in Python equals the reference metrics and app/eval/metrics.ts', () => {
  it('scored every pair, once each', () => {
    expect(results).toHaveLength(PAIRS.length + 2 * FIXTURE.length);
    expect(FIXTURE.length).toBeGreaterThanOrEqual(2000);
  });

  it("exact match and token F1 equal the fixture's reference values on every pair", () => {
    const em = FIXTURE.flatMap((p, i) => (forward[i]!.em === p.exactMatch ? [] : [{ p, ours: forward[i]!.em, ref: p.exactMatch }]));
    const f1 = FIXTURE.flatMap((p, i) => (Math.abs(forward[i]!.f1 - p.f1) <= TOLERANCE ? [] : [{ p, ours: forward[i]!.f1, ref: p.f1 }]));
    const show = (d: { p: FixturePair; ours: number; ref: number }) =>
      `${JSON.stringify(d.p.prediction)} vs ${JSON.stringify(d.p.gold)}: python ${d.ours}, reference ${d.ref}`;
    expect(listed(em, show), `${em.length} of ${FIXTURE.length} exact matches differ`).toEqual([]);
    expect(listed(f1, show), `${f1.length} of ${FIXTURE.length} F1 values differ`).toEqual([]);
  });

  it('every normalized word is one the reference normalize_answer produced on the same texts', () => {
    const texts = [...FIXTURE.map((p) => p.prediction), ...FIXTURE.map((p) => p.gold)];
    const normalized = [...forward, ...backward].map((r) => r.normalized);
    const strays = normalized.flatMap((n, i) =>
      n
        .split(' ')
        .filter((w) => w !== '' && !REFERENCE_WORDS.has(w))
        .map((w) => ({ text: texts[i]!, word: w })),
    );
    expect(listed(strays, (s) => `${JSON.stringify(s.word)} from ${JSON.stringify(s.text)}`)).toEqual([]);
  });

  it('normalization, tokens, exact match and F1 equal app/eval/metrics.ts on every pair, both ways', () => {
    const all: [string, string][] = [...PAIRS, ...FORWARD, ...BACKWARD];
    const differ = all.flatMap(([prediction, gold], i) => {
      const py = results[i]!;
      const ts = {
        normalized: normalizeAnswer(prediction),
        em: exactMatch(prediction, gold),
        f1: tokenF1(prediction, gold),
        tokens: simpleTokens(prediction),
      };
      const same =
        py.normalized === ts.normalized && py.em === ts.em && Math.abs(py.f1 - ts.f1) <= TOLERANCE && JSON.stringify(py.tokens) === JSON.stringify(ts.tokens);
      return same ? [] : [{ prediction, gold, py, ts }];
    });
    expect(
      listed(differ, (d) => `${JSON.stringify(d.prediction)} vs ${JSON.stringify(d.gold)}: python ${JSON.stringify(d.py)}, ts ${JSON.stringify(d.ts)}`),
      `${differ.length} of ${all.length} pairs differ`,
    ).toEqual([]);
  });

  it.each(PAIRS.map((p, i) => [i, ...p] as const))('hand-picked pair %i: %j vs %j', (i, prediction, gold) => {
    const py = handPicked[i]!;
    expect(py.normalized).toBe(normalizeAnswer(prediction));
    expect(py.tokens).toEqual(simpleTokens(prediction));
    expect(py.em).toBe(exactMatch(prediction, gold));
    expect(py.f1).toBeCloseTo(tokenF1(prediction, gold), 12);
  });

  it('the cases are not all trivial: some match, some do not, some differ between `re` and `regex` word classes', () => {
    expect(forward.some((r) => r.em === 1)).toBe(true);
    expect(forward.some((r) => r.f1 > 0 && r.f1 < 1)).toBe(true);
    expect(forward.some((r) => r.f1 === 0)).toBe(true);
    // Texts where the stdlib `re`'s word class and the `regex` module's disagree next to an article: a combining
    // mark before one ("\u0301an") and a vulgar fraction glued to one ("½the").
    expect(FIXTURE.some((p) => /\p{M}(a|an|the|and)(?![\p{L}\p{M}])/u.test(p.prediction))).toBe(true);
    expect(FIXTURE.some((p) => /½(a|an|the|and)(?![\p{L}\p{M}])/u.test(p.prediction))).toBe(true);
  });
});
