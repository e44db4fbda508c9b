/**
 * The scores LoCoMo results are reported in, each as its source defines it, so a figure here can be set next to
 * a paper's:
 * - `tokenF1`: Mem0's / A-Mem's F1 (sets of lowercased tokens, `. , ! ?` turned into spaces);
 * - `bleu1`: NLTK's `sentence_bleu` with weights (1, 0, 0, 0) and Chen–Cherry method1 smoothing on
 *   `word_tokenize(text.lower())`, as A-Mem and Memory-R1 compute it;
 * - `locomoF1`: LoCoMo's own evaluation.py (normalized, Porter-stemmed, multiset overlap; category 1 per
 *   comma-separated part, category 3 before the first ";", category 5 its "not mentioned" rule);
 * - `exactMatch`: the outcome reward of Memory-R1's RL (normalized string equality).
 *
 * They equal the reference code (Mem0 evaluation/metrics/utils.py, LoCoMo task_eval/evaluation.py, nltk 3.9.1)
 * on every pair of the conformance fixture (metrics.conformance.test.ts, scripts/conformance/). What that takes
 * lives in ./nltk: NLTK 3.9.1's word_tokenize (Punkt with the English tables, then NLTKWordTokenizer) and
 * PorterStemmer (NLTK_EXTENSIONS mode), and Python's whitespace and word classes, which JS's `\s`, `\w`, `\b` are not.
 */
import { porterStem } from './nltk/porterStemmer';
import { pySplit, pyStrip, REGEX_MODULE_WORD_BOUNDARY } from './nltk/pythonText';
import { wordTokenize } from './nltk/wordTokenize';

/** Mem0 / A-Mem `simple_tokenize`: lowercase, `. , ! ?` → space, split on whitespace. */
export function simpleTokens(text: string): string[] {
  return pySplit(text.toLowerCase().replace(/[.,!?]/g, ' '));
}

/** F1 over the two sides' token *sets*; 0 when either side has no tokens (Mem0's `calculate_metrics`). */
export function tokenF1(prediction: string, gold: string): number {
  const pred = new Set(simpleTokens(pyStrip(prediction)));
  const ref = new Set(simpleTokens(pyStrip(gold)));
  if (pred.size === 0 || ref.size === 0) return 0;
  let common = 0;
  for (const t of pred) if (ref.has(t)) common += 1;
  if (common === 0) return 0;
  const precision = common / pred.size;
  const recall = common / ref.size;
  return (2 * precision * recall) / (precision + recall);
}

/** NLTK 3.9.1 `word_tokenize`: Punkt sentences, then NLTKWordTokenizer's rules ("don't" → "do n't"). */
export function treebankTokens(text: string): string[] {
  return wordTokenize(text);
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

/**
 * BLEU-1 as Mem0 / A-Mem / Memory-R1 report it (`calculate_metrics`): both sides stripped, lowercased,
 * word_tokenize'd, unigram weights, method1 smoothing; 0 when either side is empty.
 */
export function bleu1(prediction: string, gold: string): number {
  if (prediction === '' || gold === '') return 0;
  return sentenceBleu(treebankTokens(pyStrip(gold).toLowerCase()), treebankTokens(pyStrip(prediction).toLowerCase()), [1, 0, 0, 0]);
}

/** Python's `string.punctuation`. */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** LoCoMo removes articles with the `regex` module, whose `\b` is Unicode-aware: "maría" keeps its "a". */
const ARTICLES = new RegExp(`${REGEX_MODULE_WORD_BOUNDARY}(a|an|the|and)${REGEX_MODULE_WORD_BOUNDARY}`, 'gu');

/** LoCoMo's `normalize_answer`: drop commas, lowercase, strip punctuation, remove a/an/the/and, squeeze spaces. */
export function normalizeAnswer(text: string): string {
  return pySplit(text.replace(/,/g, '').toLowerCase().replace(PUNCTUATION, '').replace(ARTICLES, ' ')).join(' ');
}

function stemmedTokens(text: string): string[] {
  return pySplit(normalizeAnswer(text)).map(porterStem);
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
 * LoCoMo's F1 for a question of `category` (`eval_question_answering`): category 1 (several answers) splits both
 * sides on commas and averages, over the gold parts, the best match among the predicted parts; category 3 scores
 * against the gold text before the first ";" (the rest is the authors' explanation); 2 and 4 score the whole
 * strings; 5 (adversarial) is 1 when the prediction says "no information available" or "not mentioned", else 0.
 */
export function locomoF1(prediction: string, gold: string, category: number): number {
  if (category === 5) {
    const said = prediction.toLowerCase();
    return said.includes('no information available') || said.includes('not mentioned') ? 1 : 0;
  }
  const target = category === 3 ? pyStrip(gold.split(';')[0]!) : gold;
  if (category === 1) {
    const predictions = prediction.split(',').map(pyStrip);
    const golds = target.split(',').map(pyStrip);
    const best = golds.map((g) => Math.max(...predictions.map((p) => locomoTokenF1(p, g))));
    return best.reduce((a, b) => a + b, 0) / golds.length;
  }
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
  return {
    f1: tokenF1(prediction, gold),
    bleu1: bleu1(prediction, gold),
    locomoF1: locomoF1(prediction, gold, category),
    exactMatch: exactMatch(prediction, gold),
  };
}
