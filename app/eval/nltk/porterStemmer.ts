/**
 * NLTK 3.9.1's `PorterStemmer()` in its default NLTK_EXTENSIONS mode (nltk/stem/porter.py, Apache-2.0, ported
 * rule for rule), the stemmer LoCoMo's F1 runs. Own port rather than a package: the npm stemmers implement
 * Porter's original algorithm or Martin's revision, which differ from NLTK's mode on words LoCoMo's answers use
 * (may → "may" here, "mai" there; one → "one"/"on"; dying → "die"/"dy"; hopefully → "hope"/"hopefulli"). The
 * conformance fixture checks every word of its pairs against NLTK's own stems.
 *
 * Words are handled as arrays of code points, as Python indexes strings.
 */

const IRREGULAR_FORMS: Record<string, string[]> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};
const POOL = new Map<string, string>(Object.entries(IRREGULAR_FORMS).flatMap(([key, forms]) => forms.map((f) => [f, key] as const)));

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

type Word = string[];
type Condition = ((stem: Word) => boolean) | null;
type Rule = [suffix: string, replacement: string, condition: Condition];

const chars = (s: string): Word => Array.from(s);
const str = (w: Word): string => w.join('');

function isConsonant(word: Word, i: number): boolean {
  if (VOWELS.has(word[i]!)) return false;
  if (word[i] === 'y') return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

function measure(stem: Word): number {
  let cv = '';
  for (let i = 0; i < stem.length; i++) cv += isConsonant(stem, i) ? 'c' : 'v';
  return cv.split('vc').length - 1;
}

const hasPositiveMeasure = (stem: Word) => measure(stem) > 0;

function containsVowel(stem: Word): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

function endsDoubleConsonant(word: Word): boolean {
  return word.length >= 2 && word[word.length - 1] === word[word.length - 2] && isConsonant(word, word.length - 1);
}

function endsCvc(word: Word): boolean {
  const n = word.length;
  return (
    (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1) && !['w', 'x', 'y'].includes(word[n - 1]!)) ||
    // NLTK_EXTENSIONS: a two-letter vowel–consonant word counts as cvc.
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

function endsWith(word: Word, suffix: string): boolean {
  return str(word).endsWith(suffix);
}

function withoutSuffix(word: Word, suffix: string): Word {
  return suffix === '' ? word : word.slice(0, word.length - chars(suffix).length);
}

function applyRuleList(word: Word, rules: readonly Rule[]): Word {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === '*d' && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? [...stem, ...chars(replacement)] : word;
    }
    if (endsWith(word, suffix)) {
      const stem = withoutSuffix(word, suffix);
      return condition === null || condition(stem) ? [...stem, ...chars(replacement)] : word;
    }
  }
  return word;
}

function step1a(word: Word): Word {
  if (endsWith(word, 'ies') && word.length === 4) return [...withoutSuffix(word, 'ies'), 'i', 'e'];
  return applyRuleList(word, [
    ['sses', 'ss', null],
    ['ies', 'i', null],
    ['ss', 'ss', null],
    ['s', '', null],
  ]);
}

function step1b(word: Word): Word {
  if (endsWith(word, 'ied')) return [...withoutSuffix(word, 'ied'), ...(word.length === 4 ? ['i', 'e'] : ['i'])];
  if (endsWith(word, 'eed')) {
    const stem = withoutSuffix(word, 'eed');
    return measure(stem) > 0 ? [...stem, 'e', 'e'] : word;
  }
  let intermediate: Word | null = null;
  for (const suffix of ['ed', 'ing']) {
    if (endsWith(word, suffix)) {
      const candidate = withoutSuffix(word, suffix);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === null) return word;
  const last = intermediate[intermediate.length - 1] ?? '';
  return applyRuleList(intermediate, [
    ['at', 'ate', null],
    ['bl', 'ble', null],
    ['iz', 'ize', null],
    ['*d', last, () => !['l', 's', 'z'].includes(last)],
    ['', 'e', (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

function step1c(word: Word): Word {
  return applyRuleList(word, [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(word: Word): Word {
  if (endsWith(word, 'alli') && hasPositiveMeasure(withoutSuffix(word, 'alli'))) return step2([...withoutSuffix(word, 'alli'), 'a', 'l']);
  return applyRuleList(word, [
    ['ational', 'ate', hasPositiveMeasure],
    ['tional', 'tion', hasPositiveMeasure],
    ['enci', 'ence', hasPositiveMeasure],
    ['anci', 'ance', hasPositiveMeasure],
    ['izer', 'ize', hasPositiveMeasure],
    ['bli', 'ble', hasPositiveMeasure],
    ['alli', 'al', hasPositiveMeasure],
    ['entli', 'ent', hasPositiveMeasure],
    ['eli', 'e', hasPositiveMeasure],
    ['ousli', 'ous', hasPositiveMeasure],
    ['ization', 'ize', hasPositiveMeasure],
    ['ation', 'ate', hasPositiveMeasure],
    ['ator', 'ate', hasPositiveMeasure],
    ['alism', 'al', hasPositiveMeasure],
    ['iveness', 'ive', hasPositiveMeasure],
    ['fulness', 'ful', hasPositiveMeasure],
    ['ousness', 'ous', hasPositiveMeasure],
    ['aliti', 'al', hasPositiveMeasure],
    ['iviti', 'ive', hasPositiveMeasure],
    ['biliti', 'ble', hasPositiveMeasure],
    ['fulli', 'ful', hasPositiveMeasure],
    // NLTK tests the word less "ogi", not the stem less "logi".
    ['logi', 'log', () => hasPositiveMeasure(word.slice(0, -3))],
  ]);
}

function step3(word: Word): Word {
  return applyRuleList(word, [
    ['icate', 'ic', hasPositiveMeasure],
    ['ative', '', hasPositiveMeasure],
    ['alize', 'al', hasPositiveMeasure],
    ['iciti', 'ic', hasPositiveMeasure],
    ['ical', 'ic', hasPositiveMeasure],
    ['ful', '', hasPositiveMeasure],
    ['ness', '', hasPositiveMeasure],
  ]);
}

function step4(word: Word): Word {
  const gt1 = (stem: Word) => measure(stem) > 1;
  return applyRuleList(word, [
    ['al', '', gt1],
    ['ance', '', gt1],
    ['ence', '', gt1],
    ['er', '', gt1],
    ['ic', '', gt1],
    ['able', '', gt1],
    ['ible', '', gt1],
    ['ant', '', gt1],
    ['ement', '', gt1],
    ['ment', '', gt1],
    ['ent', '', gt1],
    ['ion', '', (stem) => measure(stem) > 1 && ['s', 't'].includes(stem[stem.length - 1] ?? '')],
    ['ou', '', gt1],
    ['ism', '', gt1],
    ['ate', '', gt1],
    ['iti', '', gt1],
    ['ous', '', gt1],
    ['ive', '', gt1],
    ['ize', '', gt1],
  ]);
}

function step5a(word: Word): Word {
  if (endsWith(word, 'e')) {
    const stem = withoutSuffix(word, 'e');
    if (measure(stem) > 1) return stem;
    if (measure(stem) === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: Word): Word {
  return applyRuleList(word, [['ll', 'l', () => measure(word.slice(0, -1)) > 1]]);
}

/** `PorterStemmer().stem(word)`: lowercased, then the irregular forms, words of ≤ 2 letters as they are, steps 1–5. */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  if (POOL.has(word)) return POOL.get(lower) ?? lower;
  if (chars(word).length <= 2) return lower;
  let w = chars(lower);
  for (const step of [step1a, step1b, step1c, step2, step3, step4, step5a, step5b]) w = step(w);
  return str(w);
}
