/**
 * Python's text classes as JavaScript regular-expression source, for code ported from Python: JS `\s`, `\w`,
 * `\d` and `\b` mean other things (JS `\s` holds U+FEFF and lacks \x1c–\x1f and \x85; JS `\w`, `\d`, `\b` are
 * ASCII), and the reference metrics' results depend on the difference (the conformance fixture has pairs for each).
 * Every pattern built from these needs the `u` flag.
 */

/** `str.isspace()` / `re`'s `\s` on str (Python 3.11): the characters `str.split()` and `str.strip()` cut at. */
export const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
export const PY_NON_SPACE = PY_SPACE.replace('[', '[^');
/** `re`'s `\w` on str: letters, numbers (Nd, Nl, No) and the underscore. */
export const PY_WORD = '[\\p{L}\\p{N}_]';
/** `re`'s `\d` on str: decimal digits of any script. */
export const PY_DIGIT = '\\p{Nd}';
/** `re`'s `\b`: between a `\w` and a non-`\w` (or an end). */
export const PY_WORD_BOUNDARY = `(?:(?<=${PY_WORD})(?!${PY_WORD})|(?<!${PY_WORD})(?=${PY_WORD}))`;

/**
 * The third-party `regex` module's `\w` (LoCoMo's normalize_answer uses `regex`, not `re`): Unicode's
 * Alphabetic, every Mark, decimal digits, connector punctuation and the joiners. Wider than `re`'s: "é" written
 * as e + U+0301 is one word to it.
 */
export const REGEX_MODULE_WORD = '[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}]';
export const REGEX_MODULE_WORD_BOUNDARY = `(?:(?<=${REGEX_MODULE_WORD})(?!${REGEX_MODULE_WORD})|(?<!${REGEX_MODULE_WORD})(?=${REGEX_MODULE_WORD}))`;

/** Python's `$` without MULTILINE: the end, or just before a final "\n". */
export const PY_END = '(?=\\n?$)';

const SPLIT = new RegExp(`${PY_SPACE}+`, 'u');
const STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'gu');
const RSTRIP = new RegExp(`${PY_SPACE}+$`, 'u');

/** `text.split()`: runs of Python whitespace separate; no empty strings. */
export function pySplit(text: string): string[] {
  return text.split(SPLIT).filter((s) => s !== '');
}

/** `text.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(STRIP, '');
}

/** `text.rstrip()`. */
export function pyRstrip(text: string): string {
  return text.replace(RSTRIP, '');
}
