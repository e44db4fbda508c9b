/**
 * The scores LoCoMo results are reported in, each as its source defines it, so a figure here can be set next to
 * a paper's:
 * - `tokenF1`: Mem0's / A-Mem's F1 (sets of lowercased tokens, `. , ! ?` turned into spaces);
 * - `bleu1`: NLTK's `sentence_bleu` with weights (1, 0, 0, 0) and Chen–Cherry method1 smoothing on
 *   `word_tokenize(text.lower())`, as A-Mem and Memory-R1 compute it;
 * - `locomoF1`: LoCoMo's own evaluation.py (normalized, Porter-stemmed, multiset overlap; category 1 per
 *   comma-separated part, category 3 before the first ";");
 * - `exactMatch`: the outcome reward of Memory-R1's RL (normalized string equality).
 *
 * Tokenizer and stemmer come from maintained packages: talisman's Treebank tokenizer (the rules NLTK's
 * TreebankWordTokenizer implements) and wooorm's `stemmer` (Porter's original algorithm; NLTK's PorterStemmer
 * adds a few extensions, e.g. "dying" → "die", so a rare word may stem differently than in Python).
 */
import { stemmer } from 'stemmer';
import treebankTokenize from 'talisman/tokenizers/words/treebank';

/** Mem0 / A-Mem `simple_tokenize`: lowercase, `. , ! ?` → space, split on whitespace. */
export function simpleTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[.,!?]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** F1 over the two sides' token *sets*; 0 when either side has no tokens. */
export function tokenF1(prediction: string, gold: string): number {
  const pred = new Set(simpleTokens(prediction));
  const ref = new Set(simpleTokens(gold));
  if (pred.size === 0 || ref.size === 0) return 0;
  let common = 0;
  for (const t of pred) if (ref.has(t)) common += 1;
  if (common === 0) return 0;
  const precision = common / pred.size;
  const recall = common / ref.size;
  return (2 * precision * recall) / (precision + recall);
}

/** NLTK `word_tokenize` on one sentence: Treebank rules (punctuation split off, "don't" → "do n't"). */
export function treebankTokens(text: string): string[] {
  return treebankTokenize(text);
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Chen & Cherry (2014) method1: an order with no match counts `epsilon` matches instead of 0. NLTK's default 0.1. */
const METHOD1_EPSILON = 0.1;

/**
 * NLTK's `sentence_bleu(references=[reference], hypothesis, weights, smoothing_function=method1)` on tokens:
 * clipped n-gram precisions, brevity penalty exp(1 − r/c) when the hypothesis is shorter. As in NLTK, no unigram
 * match at all scores 0 whatever the smoothing, and an empty hypothesis scores 0.
 */
export function sentenceBleu(reference: readonly string[], hypothesis: readonly string[], weights: readonly number[]): number {
  const c = hypothesis.length;
  if (c === 0) return 0;
  const precisions: { numerator: number; denominator: number }[] = [];
  for (let n = 1; n <= weights.length; n++) {
    const hyp = ngrams(hypothesis, n);
    const ref = ngrams(reference, n);
    let numerator = 0;
    let denominator = 0;
    for (const [gram, count] of hyp) {
      numerator += Math.min(count, ref.get(gram) ?? 0);
      denominator += count;
    }
    precisions.push({ numerator, denominator: Math.max(1, denominator) });
  }
  if (precisions[0]!.numerator === 0) return 0;
  const r = reference.length;
  const brevity = c > r ? 1 : Math.exp(1 - r / c);
  let logSum = 0;
  weights.forEach((w, i) => {
    if (w === 0) return;
    const p = precisions[i]!;
    const value = p.numerator === 0 ? METHOD1_EPSILON / p.denominator : p.numerator / p.denominator;
    logSum += w * Math.log(value);
  });
  return brevity * Math.exp(logSum);
}

/** BLEU-1 as A-Mem / Memory-R1 report it: lowercased, Treebank-tokenized, unigram weights, method1 smoothing. */
export function bleu1(prediction: string, gold: string): number {
  return sentenceBleu(treebankTokens(gold.toLowerCase()), treebankTokens(prediction.toLowerCase()), [1, 0, 0, 0]);
}

/** Python's `string.punctuation`. */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** LoCoMo's `normalize_answer`: drop commas, lowercase, strip punctuation, remove a/an/the/and, squeeze spaces. */
export function normalizeAnswer(text: string): string {
  return text
    .replace(/,/g, '')
    .toLowerCase()
    .replace(PUNCTUATION, '')
    .replace(/\b(a|an|the|and)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

function stemmedTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ').map((w) => stemmer(w));
}

/** LoCoMo's `f1_score`: multiset overlap of stemmed tokens; 0 when nothing is shared (or either side is empty). */
export function locomoTokenF1(prediction: string, gold: string): number {
  const pred = stemmedTokens(prediction);
  const ref = stemmedTokens(gold);
  const counts = new Map<string, number>();
  for (const t of ref) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of pred) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      same += 1;
      counts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * LoCoMo's F1 for a question of `category`: category 1 (several answers) splits both sides on commas and averages,
 * over the gold parts, the best match among the predicted parts; category 3 scores against the gold text before the
 * first ";" (the rest is the authors' explanation); the others score the whole strings.
 */
export function locomoF1(prediction: string, gold: string, category: number): number {
  if (category === 1) {
    const predictions = prediction.split(',').map((p) => p.trim());
    const golds = gold.split(',').map((g) => g.trim());
    const best = golds.map((g) => Math.max(...predictions.map((p) => locomoTokenF1(p, g))));
    return best.reduce((a, b) => a + b, 0) / golds.length;
  }
  const target = category === 3 ? gold.split(';')[0]!.trim() : gold;
  return locomoTokenF1(prediction, target);
}

/** The RL reward: LoCoMo-normalized strings equal. A gold answer that normalizes to nothing rewards nothing. */
export function exactMatch(prediction: string, gold: string): number {
  const g = normalizeAnswer(gold);
  return g !== '' && normalizeAnswer(prediction) === g ? 1 : 0;
}

/** Every lexical score of one prediction (the judge's is separate: it needs a model). */
export interface LexicalScores {
  f1: number;
  bleu1: number;
  locomoF1: number;
  exactMatch: number;
}

export function lexicalScores(prediction: string, gold: string, category: number): LexicalScores {
  return { f1: tokenF1(prediction, gold), bleu1: bleu1(prediction, gold), locomoF1: locomoF1(prediction, gold, category), exactMatch: exactMatch(prediction, gold) };
}
