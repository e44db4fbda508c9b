/**
 * NLTK 3.9.1's Punkt sentence splitter as `nltk.sent_tokenize(text)` runs it: PunktSentenceTokenizer with
 * PunktLanguageVars and NLTK's trained English parameters (punktEnglish.json, the punkt_tab/english tables;
 * LICENSE-punkt.txt). Ported from nltk/tokenize/punkt.py (Apache-2.0): only the tokenizing half, not training;
 * the regular expressions are Python's, with Python's `\s`, `\w`, `\d` and `$` (pythonText.ts).
 * No maintained JS port matches 3.9.1: its ReDoS-fixed `_match_potential_end_contexts` and its boundary
 * realignment decide sentences the older ports split differently.
 */
import params from './punktEnglish.json';
import { PY_DIGIT, PY_END, PY_NON_SPACE, PY_SPACE, pyRstrip, pyStrip } from './pythonText';

const ABBREV_TYPES = new Set(params.abbrevTypes);
const COLLOCATIONS = new Set(params.collocations.map(([a, b]) => `${a}\u0000${b}`));
const SENT_STARTERS = new Set(params.sentStarters);
const ORTHO_CONTEXT = new Map(Object.entries(params.orthoContext as Record<string, number>));

const ORTHO_BEG_UC = 1 << 1;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UNK_UC = 1 << 3;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_LC = 1 << 5;
const ORTHO_UNK_LC = 1 << 6;
const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

const SENT_END_CHARS = ['.', '?', '!'];
/** PunktLanguageVars: characters that cannot appear within words (the sentence-end characters but ".") */
const NON_WORD = `(?:[)";}\\]*:@'({\\[?!])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${PY_SPACE}){2,}\\.)`;
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
const WORD_TOKENIZER = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${PY_NON_SPACE}+?(?=${PY_SPACE}|${PY_END}|${NON_WORD}|${MULTI_CHAR}|,(?=${PY_END}|${PY_SPACE}|${NON_WORD}|${MULTI_CHAR}))|${PY_NON_SPACE}`,
  'gu',
);
const PERIOD_CONTEXT = new RegExp(`[.?!](?=(?<afterTok>${NON_WORD}|${PY_SPACE}+(?<nextTok>${PY_NON_SPACE}+)))`, 'gdu');
const BOUNDARY_REALIGNMENT = new RegExp(`^["')\\]}]+?(?:${PY_SPACE}+|(?=--)|(?=\\n|$))`, 'u');

const RE_ELLIPSIS = new RegExp(`^\\.\\.+${PY_END}`, 'u');
const RE_NUMERIC = new RegExp(`^-?[.,]?${PY_DIGIT}[${PY_DIGIT},.\\-]*\\.?${PY_END}`, 'u');
/** `[^\W\d]`: a word character that is not a decimal digit. */
const ALPHA = '[\\p{L}\\p{Nl}\\p{No}_]';
const RE_INITIAL = new RegExp(`^${ALPHA}\\.${PY_END}`, 'u');
const RE_NON_PUNCT = new RegExp(ALPHA, 'u');
const UPPER = /^\p{Uppercase}/u;
const LOWER = /^\p{Lowercase}/u;
/** Python's `string.whitespace`, which `_get_last_whitespace_index` uses (ASCII only). */
const ASCII_WHITESPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);

class PunktToken {
  readonly type: string;
  readonly periodFinal: boolean;
  parastart = false;
  linestart = false;
  sentbreak = false;
  abbr = false;
  ellipsis = false;

  constructor(readonly tok: string) {
    this.type = tok.toLowerCase().replace(RE_NUMERIC, '##number##');
    this.periodFinal = tok.endsWith('.');
  }

  get typeNoPeriod(): string {
    return Array.from(this.type).length > 1 && this.type.endsWith('.') ? this.type.slice(0, -1) : this.type;
  }

  get typeNoSentperiod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }

  get firstUpper(): boolean {
    return UPPER.test(this.tok);
  }

  get firstLower(): boolean {
    return LOWER.test(this.tok);
  }

  get isEllipsis(): boolean {
    return RE_ELLIPSIS.test(this.tok);
  }

  get isInitial(): boolean {
    return RE_INITIAL.test(this.tok);
  }

  get isNonPunct(): boolean {
    return RE_NON_PUNCT.test(this.type);
  }
}

function tokenizeWords(plaintext: string): PunktToken[] {
  const tokens: PunktToken[] = [];
  let parastart = false;
  for (const line of plaintext.split('\n')) {
    if (pyStrip(line) === '') {
      parastart = true;
      continue;
    }
    const words = line.match(WORD_TOKENIZER) ?? [];
    if (words.length === 0) continue;
    words.forEach((w, i) => {
      const token = new PunktToken(w);
      if (i === 0) {
        token.parastart = parastart;
        token.linestart = true;
        parastart = false;
      }
      tokens.push(token);
    });
  }
  return tokens;
}

function firstPassAnnotation(token: PunktToken): void {
  const tok = token.tok;
  if (SENT_END_CHARS.includes(tok)) token.sentbreak = true;
  else if (token.isEllipsis) token.ellipsis = true;
  else if (token.periodFinal && !tok.endsWith('..')) {
    const stem = tok.slice(0, -1).toLowerCase();
    if (ABBREV_TYPES.has(stem) || ABBREV_TYPES.has(stem.split('-').at(-1)!)) token.abbr = true;
    else token.sentbreak = true;
  }
}

/** True, false or "unknown": whether the token starts a sentence, from the cases its type was seen in. */
function orthoHeuristic(token: PunktToken): boolean | 'unknown' {
  if ([';', ':', ',', '.', '!', '?'].includes(token.tok)) return false;
  const context = ORTHO_CONTEXT.get(token.typeNoSentperiod) ?? 0;
  if (token.firstUpper && context & ORTHO_LC && !(context & ORTHO_MID_UC)) return true;
  if (token.firstLower && (context & ORTHO_UC || !(context & ORTHO_BEG_LC))) return false;
  return 'unknown';
}

function secondPassAnnotation(token1: PunktToken, token2: PunktToken | undefined): void {
  if (!token2 || !token1.periodFinal) return;
  const typ = token1.typeNoPeriod;
  const nextTyp = token2.typeNoSentperiod;
  const isInitial = token1.isInitial;
  if (COLLOCATIONS.has(`${typ}\u0000${nextTyp}`)) {
    token1.sentbreak = false;
    token1.abbr = true;
    return;
  }
  if ((token1.abbr || token1.ellipsis) && !isInitial) {
    if (orthoHeuristic(token2) === true) {
      token1.sentbreak = true;
      return;
    }
    if (token2.firstUpper && SENT_STARTERS.has(nextTyp)) {
      token1.sentbreak = true;
      return;
    }
  }
  if (isInitial || typ === '##number##') {
    const isSentStarter = orthoHeuristic(token2);
    if (isSentStarter === false) {
      token1.sentbreak = false;
      token1.abbr = true;
      return;
    }
    if (isSentStarter === 'unknown' && isInitial && token2.firstUpper && !((ORTHO_CONTEXT.get(nextTyp) ?? 0) & ORTHO_LC)) {
      token1.sentbreak = false;
      token1.abbr = true;
    }
  }
}

/** `text_contains_sentbreak`: a sentence break that is not on the last token. */
function textContainsSentbreak(text: string): boolean {
  const tokens = tokenizeWords(text);
  for (const t of tokens) firstPassAnnotation(t);
  let found = false;
  for (let i = 0; i < tokens.length; i++) {
    secondPassAnnotation(tokens[i]!, tokens[i + 1]);
    if (found) return true;
    if (tokens[i]!.sentbreak) found = true;
  }
  return false;
}

function lastWhitespaceIndex(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (ASCII_WHITESPACE.has(text[i]!)) return i;
  return 0;
}

interface EndContext {
  match: RegExpExecArray;
  context: string;
}

/** `_match_potential_end_contexts`: each candidate end with the word before it and the token after it. */
function matchPotentialEndContexts(text: string): EndContext[] {
  const out: EndContext[] = [];
  let previous: { start: number; stop: number } = { start: 0, stop: 0 };
  let previousMatch: RegExpExecArray | null = null;
  const contextOf = (m: RegExpExecArray, slice: { start: number; stop: number }) => text.slice(slice.start, slice.stop) + m[0] + (m.groups!.afterTok ?? '');
  for (const match of text.matchAll(PERIOD_CONTEXT)) {
    const beforeText = text.slice(previous.stop, match.index);
    let indexAfterLastSpace = lastWhitespaceIndex(beforeText);
    if (indexAfterLastSpace) indexAfterLastSpace += previous.stop + 1;
    else indexAfterLastSpace = previous.start;
    const prevWord = { start: indexAfterLastSpace, stop: match.index };
    if (previousMatch && previous.stop <= prevWord.start) out.push({ match: previousMatch, context: contextOf(previousMatch, previous) });
    previousMatch = match;
    previous = prevWord;
  }
  if (previousMatch) out.push({ match: previousMatch, context: contextOf(previousMatch, previous) });
  return out;
}

function slicesFromText(text: string): [number, number][] {
  const slices: [number, number][] = [];
  let lastBreak = 0;
  for (const { match, context } of matchPotentialEndContexts(text)) {
    if (textContainsSentbreak(context)) {
      const end = match.index + match[0].length;
      slices.push([lastBreak, end]);
      lastBreak = match.groups!.nextTok !== undefined ? match.indices!.groups!.nextTok![0] : end;
    }
  }
  slices.push([lastBreak, pyRstrip(text).length]);
  return slices;
}

function realignBoundaries(text: string, slices: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i++) {
    const sentence1: [number, number] = [slices[i]![0] + realign, slices[i]![1]];
    const sentence2 = slices[i + 1];
    const nonEmpty = text.slice(sentence1[0], sentence1[1]) !== '';
    if (!sentence2) {
      if (nonEmpty) out.push(sentence1);
      continue;
    }
    const m = BOUNDARY_REALIGNMENT.exec(text.slice(sentence2[0], sentence2[1]));
    if (m) {
      out.push([sentence1[0], sentence2[0] + pyRstrip(m[0]).length]);
      realign = m[0].length;
    } else {
      realign = 0;
      if (nonEmpty) out.push(sentence1);
    }
  }
  return out;
}

/** `nltk.sent_tokenize(text)` (English). */
export function sentTokenize(text: string): string[] {
  return realignBoundaries(text, slicesFromText(text)).map(([s, e]) => text.slice(s, e));
}
