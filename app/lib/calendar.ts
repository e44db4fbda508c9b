/**
 * The one calendar module, for dates in turns and in questions: calendar arithmetic and names, and relative dates
 * ("yesterday", "last Saturday", "two weeks ago", "next month") rewritten as calendar dates,
 * deterministically, against the date of the session a turn belongs to. Memory-R1's bank is temporal: a memory
 * that says "went to the support group yesterday" is useless a month later, one that says "on 7 May 2023" is not.
 * The Memory Manager runs this on the turn before fact extraction (so the model copies dates instead of guessing
 * them) and again on each extracted fact (in case the model wrote a relative phrase anyway).
 *
 * Conventions (English, Gregorian calendar, weeks start on Monday; pure calendar arithmetic, no time zones —
 * the session's own date is taken as written):
 * - "last <weekday>" / "this past <weekday>": the most recent such day strictly before the session date;
 *   "next <weekday>" / "this coming <weekday>" / "coming <weekday>": the first such day strictly after it.
 *   "this <weekday>" and a bare "on Saturday" are left alone: without the tense they can point either way.
 * - "last/this/next week" → "the week before/of/after <date>"; "N weeks ago" → "around <date − 7N>".
 * - "last weekend": the Saturday of the most recent weekend that is over (a Sunday session's is the one before);
 *   "this weekend": the weekend the session is in or the coming one; "next weekend": the coming one.
 * - "last/this/next month|year" → the month or year; "N months/years ago" likewise.
 * - "last/this/next spring|summer|fall|autumn" → that season of a year (northern hemisphere: spring March–May,
 *   summer June–August, fall September–November). Winter straddles two years and is left alone.
 * - Vague amounts ("a few days ago", "several weeks ago") → "a few days before <session date>", without a date.
 * - "in two days" is left alone: it is as often a duration ("ran it in two days") as a date.
 * The phrase is replaced together with the preposition it needs ("on 7 May 2023", "in June 2023"); after a
 * preposition already there ("since yesterday") only the date is written ("since 7 May 2023").
 */

export interface CalendarDate {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
}

export type DateGranularity = 'day' | 'week' | 'month' | 'season' | 'year' | 'approximate';

export interface DateResolution {
  /** The phrase as it was in the text. */
  phrase: string;
  /** What replaced it. */
  replacement: string;
  /** The day it names, as YYYY-MM-DD: the day itself for `day`, a representative day for `week`; null otherwise. */
  date: string | null;
  granularity: DateGranularity;
  /** Where the phrase was in the original text. */
  index: number;
}

export interface ResolvedText {
  text: string;
  resolutions: DateResolution[];
}

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
/** Northern-hemisphere seasons by their first and last month; winter straddles two years and is not here. */
export const SEASONS: Record<string, { name: string; first: number; last: number }> = {
  spring: { name: 'spring', first: 3, last: 5 },
  summer: { name: 'summer', first: 6, last: 8 },
  fall: { name: 'fall', first: 9, last: 11 },
  autumn: { name: 'autumn', first: 9, last: 11 },
};
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  'a couple of': 2,
  'couple of': 2,
  'a couple': 2,
};
const VAGUE_AMOUNTS = new Set(['a few', 'few', 'several', 'some']);
/** A word right before the phrase that already says how it attaches: then only the date is written. */
const PREPOSITIONS = new Set([
  'on',
  'in',
  'at',
  'since',
  'until',
  'till',
  'by',
  'from',
  'before',
  'after',
  'for',
  'of',
  'to',
  'during',
  'around',
  'about',
  'than',
]);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidDate(d: CalendarDate): boolean {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysInMonth(d.year, d.month);
}

/**
 * The calendar date of a session: `YYYY-MM-DD` or an ISO date-time (`YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]`), whose
 * date part is taken as written. Throws a RangeError for anything else: this is the caller's input, not a model's.
 */
export function parseSessionDate(sessionTime: string): CalendarDate {
  const m = typeof sessionTime === 'string' ? ISO_DATE.exec(sessionTime.trim()) : null;
  const date = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
  if (!date || !isValidDate(date) || (m?.[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59))) {
    throw new RangeError(`session time must be an ISO date (YYYY-MM-DD) or date-time, got ${JSON.stringify(sessionTime)}`);
  }
  return date;
}

/** 1–12 for a month's name or its abbreviation ("May", "sept", "Dec."); 0 for anything else. */
export function monthNumber(name: string): number {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.length < 3) return 0;
  return MONTH_NAMES.findIndex((m) => m.toLowerCase().startsWith(n)) + 1;
}

function fromUtc(ms: number): CalendarDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function toUtc(d: CalendarDate): number {
  return Date.UTC(d.year, d.month - 1, d.day);
}

export function addDays(d: CalendarDate, days: number): CalendarDate {
  return fromUtc(toUtc(d) + days * 86_400_000);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(d: CalendarDate): number {
  return new Date(toUtc(d)).getUTCDay();
}

function addMonths(d: CalendarDate, months: number): { year: number; month: number } {
  const index = d.year * 12 + (d.month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** "7 May 2023": the form LoCoMo's answers use. */
export function formatDay(d: CalendarDate): string {
  return `${d.day} ${MONTH_NAMES[d.month - 1]} ${d.year}`;
}

export function formatMonth(year: number, month: number): string {
  return `${MONTH_NAMES[month - 1]} ${year}`;
}

export function toIsoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

interface Resolved {
  /** With its preposition ("on 7 May 2023"), and bare ("7 May 2023"). */
  full: string;
  bare: string;
  date: CalendarDate | null;
  granularity: DateGranularity;
}

function onDay(d: CalendarDate, partOfDay?: string): Resolved {
  if (partOfDay) {
    const part = partOfDay.toLowerCase();
    return { full: `on the ${part} of ${formatDay(d)}`, bare: `the ${part} of ${formatDay(d)}`, date: d, granularity: 'day' };
  }
  return { full: `on ${formatDay(d)}`, bare: formatDay(d), date: d, granularity: 'day' };
}

function inMonth(year: number, month: number): Resolved {
  const text = formatMonth(year, month);
  return { full: `in ${text}`, bare: text, date: null, granularity: 'month' };
}

function inYear(year: number): Resolved {
  return { full: `in ${year}`, bare: String(year), date: null, granularity: 'year' };
}

function amount(word: string): number | 'vague' | null {
  const w = word.toLowerCase().replace(/\s+/g, ' ');
  if (/^\d{1,3}$/.test(w)) return Number(w);
  if (VAGUE_AMOUNTS.has(w)) return 'vague';
  return NUMBER_WORDS[w] ?? null;
}

interface Rule {
  pattern: RegExp;
  resolve: (m: RegExpExecArray, session: CalendarDate) => Resolved | null;
}

const WEEKDAY_ALT = WEEKDAYS.join('|');
const AMOUNT_ALT = '\\d{1,3}|a couple of|couple of|a couple|a few|few|several|some|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve';
// "over the last week" means the past seven days, not the week before: a preceding "the" keeps the phrase as is.
const NOT_AFTER_THE = '(?<!\\bthe\\s)';
// "last year's trip": a possessive would read badly after the rewrite; left alone.
const NOT_POSSESSIVE = "(?!['’]s\\b)";

function rule(source: string, resolve: Rule['resolve']): Rule {
  return { pattern: new RegExp(`\\b${source}\\b${NOT_POSSESSIVE}`, 'gi'), resolve };
}

const RULES: Rule[] = [
  rule('the day before yesterday', (_m, s) => onDay(addDays(s, -2))),
  rule('the day after tomorrow', (_m, s) => onDay(addDays(s, 2))),
  rule('(yesterday|today|tomorrow)(?:\\s+(morning|afternoon|evening|night))?', (m, s) => {
    const offset = { yesterday: -1, today: 0, tomorrow: 1 }[m[1]!.toLowerCase() as 'yesterday' | 'today' | 'tomorrow'];
    return onDay(addDays(s, offset), m[2]);
  }),
  rule('tonight', (_m, s) => onDay(s, 'evening')),
  rule('last night', (_m, s) => onDay(addDays(s, -1), 'night')),
  rule(`${NOT_AFTER_THE}this\\s+(morning|afternoon|evening)`, (m, s) => onDay(s, m[1])),
  rule(`${NOT_AFTER_THE}(last|this\\s+past|past|next|this\\s+coming|coming)\\s+(${WEEKDAY_ALT})`, (m, s) => {
    const target = WEEKDAYS.indexOf(m[2]!.toLowerCase() as (typeof WEEKDAYS)[number]);
    const today = weekday(s);
    const backwards = /last|past/i.test(m[1]!);
    const offset = backwards ? -(((today - target + 6) % 7) + 1) : ((target - today + 6) % 7) + 1;
    return onDay(addDays(s, offset));
  }),
  rule(`${NOT_AFTER_THE}(last|this\\s+past|past|this|next|this\\s+coming|coming)\\s+weekend`, (m, s) => {
    const which = m[1]!.toLowerCase().replace(/\s+/g, ' ');
    const today = weekday(s);
    let saturday: CalendarDate;
    if (which === 'last' || which === 'past' || which === 'this past') {
      // The most recent Saturday strictly before today, unless today is the Sunday of that very weekend.
      const back = ((today - 6 + 6) % 7) + 1;
      saturday = addDays(s, today === 0 ? -8 : -back);
    } else if (which === 'this' && (today === 6 || today === 0)) {
      saturday = addDays(s, today === 6 ? 0 : -1);
    } else {
      saturday = addDays(s, ((6 - today + 6) % 7) + 1);
    }
    const text = `the weekend of ${formatDay(saturday)}`;
    return { full: `on ${text}`, bare: text, date: saturday, granularity: 'week' };
  }),
  rule(`${NOT_AFTER_THE}(last|this|next)\\s+(week|month|year)`, (m, s) => {
    const which = m[1]!.toLowerCase();
    const unit = m[2]!.toLowerCase();
    const step = which === 'last' ? -1 : which === 'next' ? 1 : 0;
    if (unit === 'week') {
      const text = `the week ${which === 'last' ? 'before' : which === 'next' ? 'after' : 'of'} ${formatDay(s)}`;
      return { full: `in ${text}`, bare: text, date: addDays(s, 7 * step), granularity: 'week' };
    }
    if (unit === 'month') {
      const { year, month } = addMonths(s, step);
      return inMonth(year, month);
    }
    return inYear(s.year + step);
  }),
  rule(`${NOT_AFTER_THE}(last|this|next)\\s+(spring|summer|fall|autumn)`, (m, s) => {
    const season = SEASONS[m[2]!.toLowerCase()]!;
    const which = m[1]!.toLowerCase();
    let year = s.year;
    if (which === 'last' && s.month <= season.last) year -= 1;
    if (which === 'next' && s.month >= season.first) year += 1;
    const text = `the ${season.name} of ${year}`;
    return { full: `in ${text}`, bare: text, date: null, granularity: 'season' };
  }),
  rule(`(${AMOUNT_ALT})\\s+(day|week|month|year)s?\\s+(ago|from\\s+now)`, (m, s) => {
    const n = amount(m[1]!);
    if (n === null) return null;
    const unit = m[2]!.toLowerCase();
    const sign = m[3]!.toLowerCase() === 'ago' ? -1 : 1;
    if (n === 'vague') {
      const text = `${m[1]!.toLowerCase()} ${unit}s ${sign < 0 ? 'before' : 'after'} ${formatDay(s)}`;
      return { full: text, bare: text, date: null, granularity: 'approximate' };
    }
    if (unit === 'day') return onDay(addDays(s, sign * n));
    if (unit === 'week') {
      const d = addDays(s, sign * 7 * n);
      return { full: `around ${formatDay(d)}`, bare: `around ${formatDay(d)}`, date: d, granularity: 'week' };
    }
    if (unit === 'month') {
      const { year, month } = addMonths(s, sign * n);
      return inMonth(year, month);
    }
    return inYear(s.year + sign * n);
  }),
];

function precedingWord(text: string, index: number): string {
  const m = /([A-Za-z]+)\s+$/.exec(text.slice(Math.max(0, index - 20), index));
  return m ? m[1]!.toLowerCase() : '';
}

function matchCase(replacement: string, phrase: string): string {
  const first = phrase[0] ?? '';
  return first !== first.toLowerCase() ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
}

/**
 * Rewrites every relative date phrase in `text` as the date it names, seen from `sessionTime` (see the module
 * comment for the conventions). Text without such phrases comes back unchanged; the function is idempotent.
 */
export function resolveRelativeDates(text: string, sessionTime: string | CalendarDate): ResolvedText {
  const session = typeof sessionTime === 'string' ? parseSessionDate(sessionTime) : sessionTime;
  const found: { index: number; end: number; m: RegExpExecArray; rule: Rule }[] = [];
  for (const r of RULES) {
    r.pattern.lastIndex = 0;
    for (let m = r.pattern.exec(text); m !== null; m = r.pattern.exec(text)) {
      found.push({ index: m.index, end: m.index + m[0].length, m, rule: r });
    }
  }
  // Leftmost first; at the same place the longest phrase ("yesterday morning" over "yesterday").
  found.sort((a, b) => a.index - b.index || b.end - a.end);

  const resolutions: DateResolution[] = [];
  let out = '';
  let cursor = 0;
  for (const f of found) {
    if (f.index < cursor) continue;
    const resolved = f.rule.resolve(f.m, session);
    if (!resolved) continue;
    const phrase = f.m[0];
    const usePreposition = !PREPOSITIONS.has(precedingWord(text, f.index));
    const replacement = matchCase(usePreposition ? resolved.full : resolved.bare, phrase);
    out += text.slice(cursor, f.index) + replacement;
    cursor = f.end;
    resolutions.push({
      phrase,
      replacement,
      date: resolved.date ? toIsoDate(resolved.date) : null,
      granularity: resolved.granularity,
      index: f.index,
    });
  }
  out += text.slice(cursor);
  return { text: out, resolutions };
}

const MONTH_ALT = MONTH_NAMES.join('|');
const EXPLICIT_DATES = [
  { pattern: new RegExp(`\\b(\\d{1,2})\\s+(${MONTH_ALT}),?\\s+(\\d{4})\\b`, 'i'), day: 1, month: 2, year: 3 },
  { pattern: new RegExp(`\\b(${MONTH_ALT})\\s+(\\d{1,2}),?\\s+(\\d{4})\\b`, 'i'), day: 2, month: 1, year: 3 },
  { pattern: /\b(\d{4})-(\d{2})-(\d{2})\b/, day: 3, month: 2, year: 1 },
];

/**
 * The first full calendar date written in `text` ("7 May 2023", "May 7, 2023" or "2023-05-07") as YYYY-MM-DD,
 * or null. The Memory Manager uses it for a memory's eventTime: after resolveRelativeDates, a fact about a
 * dated event carries its date in its text.
 */
export function findExplicitDate(text: string): string | null {
  let best: { index: number; iso: string } | null = null;
  for (const { pattern, day, month, year } of EXPLICIT_DATES) {
    const m = pattern.exec(text);
    if (!m) continue;
    const monthText = m[month]!;
    const monthNumber = /^\d+$/.test(monthText) ? Number(monthText) : MONTH_NAMES.findIndex((name) => name.toLowerCase() === monthText.toLowerCase()) + 1;
    const date = { year: Number(m[year]), month: monthNumber, day: Number(m[day]) };
    if (!isValidDate(date)) continue;
    if (!best || m.index < best.index) best = { index: m.index, iso: toIsoDate(date) };
  }
  return best?.iso ?? null;
}
