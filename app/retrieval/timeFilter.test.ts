import { describe, expect, it } from 'vitest';
import { extractTimeRange, timeMatches } from './timeFilter';

// A Monday.
const SESSION = '2023-05-08T13:56';

describe('extractTimeRange', () => {
  it.each([
    ['What did Caroline do in May 2023?', '2023-05-01', '2023-05-31', 'month'],
    ['What happened on 7 May 2023?', '2023-05-07', '2023-05-07', 'day'],
    ['What happened on May 7, 2023?', '2023-05-07', '2023-05-07', 'day'],
    ['Where did she travel in 2022?', '2022-01-01', '2022-12-31', 'year'],
    ['What did Melanie paint last week?', '2023-04-28', '2023-05-04', 'week'],
    ['What did he buy yesterday?', '2023-05-07', '2023-05-07', 'day'],
    ['What did he buy today?', '2023-05-08', '2023-05-08', 'day'],
    ['What did they do last month?', '2023-04-01', '2023-04-30', 'month'],
    ['Where did they go last year?', '2022-01-01', '2022-12-31', 'year'],
    ['What did she do last summer?', '2022-06-01', '2022-08-31', 'season'],
    ['What did Jon do last Saturday?', '2023-05-06', '2023-05-06', 'day'],
  ] as const)('%s', (question, start, end, granularity) => {
    expect(extractTimeRange(question, SESSION)).toMatchObject({ start, end, granularity });
  });

  it('finds explicit dates without a reference date, and nothing where no date is named', () => {
    expect(extractTimeRange('in June 2021 she moved', null)).toMatchObject({ start: '2021-06-01', end: '2021-06-30' });
    expect(extractTimeRange('When did Caroline go to the support group?', SESSION)).toBeNull();
    expect(extractTimeRange('She has 2022 stamps', null)).toBeNull();
    // An impossible day still names its month.
    expect(extractTimeRange('on 31 February 2023', null)).toMatchObject({ start: '2023-02-01', end: '2023-02-28', granularity: 'month' });
  });
});

describe('timeMatches', () => {
  const may = extractTimeRange('in May 2023', null)!;
  it('matches event times inside the range, with slack only for days and weeks', () => {
    expect(timeMatches('2023-05-31T23:00', may)).toBe(true);
    expect(timeMatches('2023-06-01', may)).toBe(false);
    expect(timeMatches(null, may)).toBe(false);
    const day = extractTimeRange('yesterday', SESSION)!;
    expect(timeMatches('2023-05-08', day)).toBe(true);
    expect(timeMatches('2023-05-10', day)).toBe(false);
  });
});
