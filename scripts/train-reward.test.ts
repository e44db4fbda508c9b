/**
 * The trainer's reward (train/memory_r1_train/reward.py, pure Python: LoCoMo's normalize_answer, Mem0's
 * simple_tokenize set F1) gives the value app/eval/metrics.ts gives on the same strings, so a model is trained on
 * the score it is evaluated with. Runs the system python3 on the module alone: no torch, no venv.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactMatch, normalizeAnswer, simpleTokens, tokenF1 } from '../app/eval/metrics';

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
];

function python(pairs: [string, string][]): { normalized: string; em: number; f1: number; tokens: string[] }[] {
  const r = spawnSync('python3', [REWARD_PY], { input: JSON.stringify(pairs), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 reward.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('the trainer reward in Python equals app/eval/metrics.ts', () => {
  const results = python(PAIRS);

  it.each(PAIRS.map((p, i) => [i, ...p] as const))('pair %i: %j vs %j', (i, prediction, gold) => {
    const py = results[i]!;
    expect(py.normalized).toBe(normalizeAnswer(prediction));
    expect(py.tokens).toEqual(simpleTokens(prediction));
    expect(py.em).toBe(exactMatch(prediction, gold));
    expect(py.f1).toBeCloseTo(tokenF1(prediction, gold), 12);
  });

  it('the cases are not all trivial: some match, some do not', () => {
    expect(results.some((r) => r.em === 1)).toBe(true);
    expect(results.some((r) => r.f1 > 0 && r.f1 < 1)).toBe(true);
    expect(results.some((r) => r.f1 === 0)).toBe(true);
  });
});
