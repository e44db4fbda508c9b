import { describe, expect, it } from 'vitest';
import { bleu1, exactMatch, lexicalScores, locomoF1, normalizeAnswer, sentenceBleu, tokenF1, treebankTokens } from './metrics';

describe('tokenF1 (Mem0 / A-Mem)', () => {
  it('compares token sets after lowercasing and turning . , ! ? into spaces', () => {
    // pred {the, cat, sat}, gold {the, cat}: P = 2/3, R = 1, F1 = 0.8
    expect(tokenF1('The cat sat.', 'the cat')).toBeCloseTo(0.8, 10);
    // a set: the repeated word counts once
    expect(tokenF1('cat cat', 'cat')).toBe(1);
    expect(tokenF1('7 May 2023', '7 May, 2023')).toBe(1);
    expect(tokenF1('Paris!', 'paris')).toBe(1);
  });
  it('is 0 when either side has no tokens or nothing is shared', () => {
    expect(tokenF1('', 'x')).toBe(0);
    expect(tokenF1('x', '')).toBe(0);
    expect(tokenF1('...', 'x')).toBe(0);
    expect(tokenF1('dog', 'cat')).toBe(0);
  });
  it("splits on Python's whitespace: \\x85 and \\x1c separate, U+FEFF does not", () => {
    expect(tokenF1('cat\x85dog', 'cat dog')).toBe(1);
    expect(tokenF1('cat\x1cdog', 'cat dog')).toBe(1);
    expect(tokenF1('cat\ufeffdog', 'cat dog')).toBe(0);
  });
  it('handles numeric answers as text and does not split contractions', () => {
    expect(tokenF1('2022', '2022')).toBe(1);
    expect(tokenF1('3', '30')).toBe(0);
    // {i, don't, know} vs {i, do, n't, know}: P = 2/3, R = 1/2, F1 = 4/7
    expect(tokenF1("I don't know", "i do n't know")).toBeCloseTo(4 / 7, 10);
  });
});

describe('bleu1 (NLTK sentence_bleu, unigram, method1)', () => {
  it('tokenizes like NLTK word_tokenize: punctuation and contractions split off', () => {
    expect(treebankTokens("I don't know.")).toEqual(['I', 'do', "n't", 'know', '.']);
    expect(treebankTokens("She's in Paris, France")).toEqual(['She', "'s", 'in', 'Paris', ',', 'France']);
    expect(treebankTokens('I cannot go')).toEqual(['I', 'can', 'not', 'go']);
  });
  it('is the clipped unigram precision times the brevity penalty', () => {
    // 5 of 6 unigrams match (the ×2, cat, on, mat), same length: BP = 1
    expect(bleu1('the cat sat on the mat', 'the cat is on the mat')).toBeCloseTo(5 / 6, 10);
    // one token against two: P = 1, BP = exp(1 − 2/1)
    expect(bleu1('cat', 'the cat')).toBeCloseTo(Math.exp(-1), 10);
    // clipping: "the" matches once; longer than the reference, BP = 1
    expect(bleu1('the the the', 'the cat')).toBeCloseTo(1 / 3, 10);
    // the final period is a token of its own
    expect(bleu1('Paris.', 'Paris')).toBeCloseTo(1 / 2, 10);
    expect(bleu1("I don't know", "i do n't know")).toBe(1);
    expect(bleu1('7 May 2023', '7 May 2023')).toBe(1);
  });
  it('splits sentences first (Punkt), so "company." mid-text loses its period, and splits curly quotes', () => {
    expect(treebankTokens('she quit the company. then she left')).toEqual(['she', 'quit', 'the', 'company', '.', 'then', 'she', 'left']);
    expect(treebankTokens('“yes”')).toEqual(['“', 'yes', '”']);
    // BLEU-1 over 4 hypothesis tokens, all in the reference: P = 1, BP = 1
    expect(bleu1('the company. ok', 'The company. OK')).toBe(1);
  });
  it('is 0 for an empty side or no unigram match, whatever the smoothing', () => {
    expect(bleu1('', 'x')).toBe(0);
    expect(bleu1('x', '')).toBe(0);
    expect(bleu1('dog', 'cat')).toBe(0);
  });
  it('smooths a zero-match higher order with epsilon / count (method1)', () => {
    // bigrams: 0 of 1 match → 0.1 / 1; unigrams 2/2; BLEU-2 = sqrt(1 × 0.1)
    expect(sentenceBleu(['a', 'b'], ['b', 'a'], [0.5, 0.5])).toBeCloseTo(Math.sqrt(0.1), 10);
  });
});

describe('locomoF1 (LoCoMo evaluation.py)', () => {
  it('normalizes: commas dropped, lowercase, punctuation, articles and "and" removed', () => {
    expect(normalizeAnswer('The dog, and a Cat!')).toBe('dog cat');
    expect(locomoF1('7 May 2023', '7 May, 2023', 2)).toBe(1);
    expect(locomoF1('The dog and a cat', 'dog cat', 4)).toBe(1);
  });
  it('stems with Porter and counts a multiset', () => {
    expect(locomoF1('running dogs', 'run dog', 4)).toBe(1);
    // pred [dog, dog] vs [dog]: 1 shared, P = 1/2, R = 1, F1 = 2/3
    expect(locomoF1('dog dog', 'dog', 4)).toBeCloseTo(2 / 3, 10);
  });
  it('category 1 splits both sides on commas and averages the best match per gold part', () => {
    // hiking → 1, swimming → 0, painting → 1
    expect(locomoF1('painting, hiking', 'hiking, swimming, painting', 1)).toBeCloseTo(2 / 3, 10);
    expect(locomoF1('painting, hiking', 'hiking, swimming, painting', 4)).toBeCloseTo(0.8, 10);
  });
  it('category 3 scores against the gold text before the first ";"', () => {
    expect(locomoF1('likely yes', 'Likely yes; because she likes it', 3)).toBe(1);
    // the whole gold: stems [like, ye, becaus, she, like, it]; 2 shared, P = 1, R = 1/3, F1 = 0.5
    expect(locomoF1('likely yes', 'Likely yes; because she likes it', 4)).toBeCloseTo(0.5, 10);
  });
  it("stems as NLTK's PorterStemmer() and removes articles at Unicode word boundaries", () => {
    // NLTK_EXTENSIONS: may → may (original Porter: mai), dying → die
    expect(locomoF1('may', 'may', 4)).toBe(1);
    expect(locomoF1('dying', 'die', 4)).toBe(1);
    // "María": the a after í is not a word of its own
    expect(normalizeAnswer('María and Ana')).toBe('maría ana');
  });
  it('category 5 follows LoCoMo: 1 when the answer says the information is not there', () => {
    expect(locomoF1('That is not mentioned.', 'anything', 5)).toBe(1);
    expect(locomoF1('No information available', 'x', 5)).toBe(1);
    expect(locomoF1('x', 'x', 5)).toBe(0);
  });
  it('is 0 for empty or article-only sides, and reads numbers as text', () => {
    expect(locomoF1('', 'x', 2)).toBe(0);
    expect(locomoF1('the', 'the', 4)).toBe(0);
    expect(locomoF1('3', '3', 2)).toBe(1);
    expect(locomoF1('3 times', '3', 4)).toBeCloseTo(2 / 3, 10);
  });
});

describe('exactMatch (the reward)', () => {
  it('is 1 only for equal normalized strings', () => {
    expect(exactMatch('The Eiffel Tower.', 'eiffel tower')).toBe(1);
    expect(exactMatch('Eiffel', 'Eiffel Tower')).toBe(0);
    expect(exactMatch('2022', '2022')).toBe(1);
    expect(exactMatch('', '')).toBe(0);
    expect(exactMatch('the', 'The')).toBe(0);
  });
  it('lexicalScores bundles all four', () => {
    expect(lexicalScores('Paris', 'Paris', 4)).toEqual({ f1: 1, bleu1: 1, locomoF1: 1, exactMatch: 1 });
  });
});
