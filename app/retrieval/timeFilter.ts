/**
 * Time-aware retrieval: the date or period a question names ("in May 2023", "on 8 May 2023", "in 2022",
 * "last week", "yesterday", "two months ago", "last summer"), as an inclusive range of calendar days, resolved
 * against a reference date (the session or today). Relative phrases go through the calendar's
 * `resolveRelativeDates`, as turns do, so questions and memories use the same conventions; explicit dates and
 * periods in a question are parsed here.
 * `timeMatches` says whether a memory's event time falls in the range (with a little slack for day and week
 * ranges: people say "last Saturday" about a party that was on Friday night).
 */
import {
  addDays,
  type CalendarDate,
  daysInMonth,
  isValidDate,
  MONTH_NAMES,
  monthNumber,
  parseSessionDate,
  resolveRelativeDates,
  SEASONS,
  toIsoDate,
} from '../lib/calendar';

export type TimeGranularity = 'day' | 'week' | 'month' | 'season' | 'year';

export interface TimeRange {
  /** Inclusive, YYYY-MM-DD. */
  start: string;
  end: string;
  granularity: TimeGranularity;
  /** The phrase as the question wrote it (after relative dates were resolved). */
  phrase: string;
}

const MONTH_ALT = `(${MONTH_NAMES.join('|')}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\\.?`;

function iso(year: number, month: number, day: number): string {
  return toIsoDate({ year, month, day });
}

function validDay(year: number, month: number, day: number): boolean {
  return isValidDate({ year, month, day });
}

/** The first explicit date or period in `text`, most specific pattern first. */
function explicitRange(text: string): TimeRange | null {
  const candidates: { index: number; range: TimeRange }[] = [];
  const add = (re: RegExp, make: (m: RegExpExecArray) => Omit<TimeRange, 'phrase'> | null) => {
    const m = re.exec(text);
    if (!m) return;
    const r = make(m);
    if (r) candidates.push({ index: m.index, range: { ...r, phrase: m[0] } });
  };
  // 8 May 2023, 8 May, 2023, 8th of May 2023
  add(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_ALT},?\\s+(\\d{4})\\b`, 'i'), (m) => {
    const [y, mo, d] = [Number(m[3]), monthNumber(m[2]!), Number(m[1])];
    return validDay(y, mo, d) ? { start: iso(y, mo, d), end: iso(y, mo, d), granularity: 'day' } : null;
  });
  // May 8, 2023
  add(new RegExp(`\\b${MONTH_ALT}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i'), (m) => {
    const [y, mo, d] = [Number(m[3]), monthNumber(m[1]!), Number(m[2])];
    return validDay(y, mo, d) ? { start: iso(y, mo, d), end: iso(y, mo, d), granularity: 'day' } : null;
  });
  // 2023-05-08
  add(/\b(\d{4})-(\d{2})-(\d{2})\b/, (m) => {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return validDay(y, mo, d) ? { start: iso(y, mo, d), end: iso(y, mo, d), granularity: 'day' } : null;
  });
  if (candidates.length > 0) return candidates.sort((a, b) => a.index - b.index)[0]!.range;
  // May 2023, May of 2023
  add(new RegExp(`\\b${MONTH_ALT},?\\s+(?:of\\s+)?(\\d{4})\\b`, 'i'), (m) => {
    const [y, mo] = [Number(m[2]), monthNumber(m[1]!)];
    return mo ? { start: iso(y, mo, 1), end: iso(y, mo, daysInMonth(y, mo)), granularity: 'month' } : null;
  });
  // summer 2023, the summer of 2023
  add(/\b(spring|summer|fall|autumn)\s+(?:of\s+)?(\d{4})\b/i, (m) => {
    const { first, last } = SEASONS[m[1]!.toLowerCase()]!;
    const y = Number(m[2]);
    return { start: iso(y, first, 1), end: iso(y, last, daysInMonth(y, last)), granularity: 'season' };
  });
  if (candidates.length > 0) return candidates.sort((a, b) => a.index - b.index)[0]!.range;
  // in 2022, during 2022, of 2022 (a bare four-digit year after a preposition: not "2022 people")
  add(/\b(?:in|during|of|from|since|around|by)\s+((?:19|20)\d{2})\b/i, (m) => {
    const y = Number(m[1]);
    return { start: iso(y, 1, 1), end: iso(y, 12, 31), granularity: 'year' };
  });
  return candidates[0]?.range ?? null;
}

/**
 * The period a question names, relative phrases resolved against `reference` (ISO date or date-time), or null
 * when it names none.
 */
export function extractTimeRange(question: string, reference: string | CalendarDate | null): TimeRange | null {
  if (reference) {
    const ref = typeof reference === 'string' ? parseSessionDate(reference) : reference;
    // "today" is not among resolveRelativeDates' phrases; add it here.
    const today = /\btoday\b/i.exec(question);
    const resolved = resolveRelativeDates(question, ref);
    for (const r of resolved.resolutions) {
      if (r.granularity === 'day' && r.date) return { start: r.date, end: r.date, granularity: 'day', phrase: r.phrase };
      if (r.granularity === 'week' && r.date) {
        const d = parseSessionDate(r.date);
        return { start: toIsoDate(addDays(d, -3)), end: toIsoDate(addDays(d, 3)), granularity: 'week', phrase: r.phrase };
      }
      if (r.granularity === 'month' || r.granularity === 'season' || r.granularity === 'year') {
        const range = explicitRange(r.replacement);
        if (range) return { ...range, phrase: r.phrase };
      }
    }
    if (today) return { start: toIsoDate(ref), end: toIsoDate(ref), granularity: 'day', phrase: today[0] };
  }
  return explicitRange(question);
}

/** Days of slack around a range, by granularity. */
const SLACK_DAYS: Record<TimeGranularity, number> = { day: 1, week: 2, month: 0, season: 0, year: 0 };

/** Whether an ISO event time falls within the range (plus slack). Null or unparsable → false. */
export function timeMatches(eventTime: string | null | undefined, range: TimeRange): boolean {
  const m = eventTime ? /^(\d{4})-(\d{2})-(\d{2})/.exec(eventTime) : null;
  if (!m) return false;
  const slack = SLACK_DAYS[range.granularity];
  const start = slack ? toIsoDate(addDays(parseSessionDate(range.start), -slack)) : range.start;
  const end = slack ? toIsoDate(addDays(parseSessionDate(range.end), slack)) : range.end;
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  return day >= start && day <= end;
}
