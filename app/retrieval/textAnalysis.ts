/**
 * How the lexical index reads text: lowercase alphanumeric tokens (apostrophes dropped, so "Caroline's" →
 * "carolines" → stemmed "carolin", the same as "Caroline"), English stop words removed, Porter-stemmed. Documents
 * and queries go through the same steps.
 */
// wooorm's `stemmer`: a maintained implementation of Porter (1980); LoCoMo's F1 uses the same one (app/eval).
import { stemmer } from 'stemmer';

/**
 * A generic English stop list (the classic SMART/Lucene-style function words plus question words and common
 * auxiliaries); nothing in it is specific to any data set.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren't as at be because been before being below between
both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of
off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so
some such than that that's the their theirs them themselves then there there's these they they'd they'll they're
they've this those through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's
when when's where where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves also just will shall might must yes yeah oh hey hi ok okay really`
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/'/g, '')),
);

/** Splits on anything that is not a letter or digit; apostrophes inside words are dropped first. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(\p{L})['’](\p{L})/gu, '$1$2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** One token → its index term, or null for a stop word. */
export function processTerm(token: string, options: { stem?: boolean; stopWords?: boolean } = {}): string | null {
  const t = token.toLowerCase();
  if ((options.stopWords ?? true) && STOP_WORDS.has(t)) return null;
  return (options.stem ?? true) ? stemmer(t) : t;
}

/** The index terms of a text, in order (stop words removed). */
export function analyze(text: string): string[] {
  return tokenize(text).flatMap((t) => processTerm(t) ?? []);
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * Words for an ISO event time, so "May 2023" in a query matches a memory from then even when its text does not
 * say the date: "2023-05-08T13:56" → "8 may 2023". Empty for null or an unparsable value.
 */
export function dateWords(eventTime: string | null | undefined): string {
  const m = eventTime ? /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(eventTime) : null;
  if (!m) return '';
  const month = MONTHS[Number(m[2]) - 1];
  if (!month) return m[1]!;
  return `${m[3] ? `${Number(m[3])} ` : ''}${month} ${m[1]}`;
}
