/**
 * `nltk.word_tokenize(text)` of NLTK 3.9.1: Punkt sentences (punkt.ts), then NLTKWordTokenizer on each
 * (nltk/tokenize/destructive.py, Apache-2.0; its rules ported in order, Python's `\s`, `\w`, `\d`, `\b` and `$`
 * kept). This is the tokenizer the BLEU-1 of Mem0, A-Mem and Memory-R1 runs; talisman's Treebank port (the
 * older TreebankWordTokenizer over the whole string) differs on curly quotes, backticks, ellipses and every
 * "word." before another sentence.
 */
import { sentTokenize } from './punkt';
import { PY_WORD_BOUNDARY as B, PY_END, PY_SPACE, PY_WORD, pySplit } from './pythonText';

type Rule = [RegExp, string];

const STARTING_QUOTES: Rule[] = [
  [/([«“‘„]|[`]+)/gu, ' $1 '],
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  [new RegExp(`(')(?!re|ve|ll|m|t|s|d|n)(${PY_WORD})${B}`, 'giu'), '$1 $2'],
];

const ENDING_QUOTES: Rule[] = [
  [/([»”’])/gu, ' $1 '],
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [new RegExp(`${PY_SPACE}+`, 'gu'), ' '],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];

const PUNCTUATION: Rule[] = [
  [new RegExp(`([^.])(\\.)([\\])}>"'»”’ ]*)${PY_SPACE}*${PY_END}`, 'gu'), '$1 $2 $3 '],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2'],
  [new RegExp(`([:,])${PY_END}`, 'gu'), ' $1 '],
  [/\.{2,}/gu, ' $& '],
  [/[;@#$%&]/gu, ' $& '],
  // The final period (the first rule above already took most).
  [new RegExp(`([^.])(\\.)([\\])}>"']*)${PY_SPACE}*${PY_END}`, 'gu'), '$1 $2$3 '],
  [/[?!]/gu, ' $& '],
  [/([^'])' /gu, "$1 ' "],
  [/[*]/gu, ' $& '],
];

const PARENS_BRACKETS: Rule = [/[\][(){}<>]/gu, ' $& '];
const DOUBLE_DASHES: Rule = [/--/gu, ' -- '];

/** MacIntyre's contractions, split in two. */
const CONTRACTIONS2: RegExp[] = [
  new RegExp(`${B}(can)(not)${B}`, 'giu'),
  new RegExp(`${B}(d)('ye)${B}`, 'giu'),
  new RegExp(`${B}(gim)(me)${B}`, 'giu'),
  new RegExp(`${B}(gon)(na)${B}`, 'giu'),
  new RegExp(`${B}(got)(ta)${B}`, 'giu'),
  new RegExp(`${B}(lem)(me)${B}`, 'giu'),
  new RegExp(`${B}(more)('n)${B}`, 'giu'),
  new RegExp(`${B}(wan)(na)(?=${PY_SPACE})`, 'giu'),
];
const CONTRACTIONS3: RegExp[] = [new RegExp(` ('t)(is)${B}`, 'giu'), new RegExp(` ('t)(was)${B}`, 'giu')];

const apply = (text: string, rules: readonly Rule[]) => rules.reduce((t, [re, sub]) => t.replace(re, sub), text);

/** `NLTKWordTokenizer().tokenize(sentence)`. */
export function nltkWordTokenizer(sentence: string): string[] {
  let text = apply(sentence, STARTING_QUOTES);
  text = apply(text, PUNCTUATION);
  text = apply(text, [PARENS_BRACKETS, DOUBLE_DASHES]);
  text = apply(` ${text} `, ENDING_QUOTES);
  for (const re of [...CONTRACTIONS2, ...CONTRACTIONS3]) text = text.replace(re, ' $1 $2 ');
  return pySplit(text);
}

/** `nltk.word_tokenize(text)`: English Punkt sentences, each through NLTKWordTokenizer. */
export function wordTokenize(text: string): string[] {
  return sentTokenize(text).flatMap(nltkWordTokenizer);
}
