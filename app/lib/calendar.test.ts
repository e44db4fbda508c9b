import { describe, expect, it } from 'vitest';
import { addDays, findExplicitDate, formatDay, parseSessionDate, resolveRelativeDates, weekday } from './calendar';

// 25 May 2023 was a Thursday, 8 May 2023 a Monday, 28 May 2023 a Sunday.
const THURSDAY = '2023-05-25';

function resolved(text: string, session = THURSDAY): string {
  return resolveRelativeDates(text, session).text;
}

describe('parseSessionDate', () => {
  it('reads ISO dates and date-times, taking the date as written', () => {
    expect(parseSessionDate('2023-05-08')).toEqual({ year: 2023, month: 5, day: 8 });
    expect(parseSessionDate('2023-05-08T13:56')).toEqual({ year: 2023, month: 5, day: 8 });
    expect(parseSessionDate('2023-05-08T23:56:00Z')).toEqual({ year: 2023, month: 5, day: 8 });
    expect(parseSessionDate('2023-05-08T00:30:00.000+02:00')).toEqual({ year: 2023, month: 5, day: 8 });
  });

  it.each(['1:56 pm on 8 May, 2023', '2023-02-30', '2023-13-01', '', '2023-05-08T25:00', 'yesterday'])('rejects %j', (text) => {
    expect(() => parseSessionDate(text)).toThrow(RangeError);
  });

  it('knows the weekdays', () => {
    expect(weekday(parseSessionDate(THURSDAY))).toBe(4);
    expect(weekday(parseSessionDate('2023-05-28'))).toBe(0);
    expect(formatDay(addDays(parseSessionDate('2024-03-01'), -1))).toBe('29 February 2024');
  });
});

describe('resolveRelativeDates', () => {
  it.each([
    ['I ran a charity race last Saturday.', 'I ran a charity race on 20 May 2023.'],
    ['I went there yesterday.', 'I went there on 24 May 2023.'],
    ['Yesterday I went there.', 'On 24 May 2023 I went there.'],
    ['I have been sick since yesterday.', 'I have been sick since 24 May 2023.'],
    ['We leave tomorrow.', 'We leave on 26 May 2023.'],
    ['It was the day before yesterday.', 'It was on 23 May 2023.'],
    ['We meet the day after tomorrow.', 'We meet on 27 May 2023.'],
    ['I called her last night.', 'I called her on the night of 24 May 2023.'],
    ['I ran yesterday morning.', 'I ran on the morning of 24 May 2023.'],
    ['I painted this morning.', 'I painted on the morning of 25 May 2023.'],
    ['She got here two days ago.', 'She got here on 23 May 2023.'],
    ['She got here a couple of days ago.', 'She got here on 23 May 2023.'],
    ['She got here 3 days ago.', 'She got here on 22 May 2023.'],
    ['She got here a week ago.', 'She got here around 18 May 2023.'],
    ['I started last week.', 'I started in the week before 25 May 2023.'],
    ['I am busy this week.', 'I am busy in the week of 25 May 2023.'],
    ['We go camping next month.', 'We go camping in June 2023.'],
    ['I moved last month.', 'I moved in April 2023.'],
    ['I graduated last year.', 'I graduated in 2022.'],
    ['I met him ten years ago.', 'I met him in 2013.'],
    ['I quit three months ago.', 'I quit in February 2023.'],
    ['I saw it last Friday.', 'I saw it on 19 May 2023.'],
    ['I saw it last Thursday.', 'I saw it on 18 May 2023.'],
    ['See you next Friday!', 'See you on 26 May 2023!'],
    ['See you this coming Monday.', 'See you on 29 May 2023.'],
    ['We went hiking last weekend.', 'We went hiking on the weekend of 20 May 2023.'],
    ['We go hiking this weekend.', 'We go hiking on the weekend of 27 May 2023.'],
    ['We go hiking next weekend.', 'We go hiking on the weekend of 27 May 2023.'],
    ['We are going to the beach this summer.', 'We are going to the beach in the summer of 2023.'],
    ['We went to the beach last summer.', 'We went to the beach in the summer of 2022.'],
    ['I did it a few weeks ago.', 'I did it a few weeks before 25 May 2023.'],
    ['Last Saturday, I ran.', 'On 20 May 2023, I ran.'],
  ])('%j → %j', (text, expected) => {
    expect(resolved(text)).toBe(expected);
  });

  it('resolves against the session date across month and year ends', () => {
    expect(resolved('I went to a support group yesterday.', '2023-05-08T13:56')).toBe('I went to a support group on 7 May 2023.');
    expect(resolved('We leave tomorrow.', '2023-12-31')).toBe('We leave on 1 January 2024.');
    expect(resolved('We go next month.', '2023-12-10')).toBe('We go in January 2024.');
    expect(resolved('I moved last month.', '2023-01-15')).toBe('I moved in December 2022.');
    expect(resolved('It was yesterday.', '2024-03-01')).toBe('It was on 29 February 2024.');
    // On a Sunday, "last weekend" is the one before the weekend the session is in.
    expect(resolved('We went hiking last weekend.', '2023-05-28')).toBe('We went hiking on the weekend of 20 May 2023.');
    expect(resolved('We went to the beach last summer.', '2023-09-10')).toBe('We went to the beach in the summer of 2023.');
  });

  it('reports each resolution with its date and granularity', () => {
    const { resolutions } = resolveRelativeDates('Last Saturday I ran, and next month we go camping.', THURSDAY);
    expect(resolutions).toEqual([
      { phrase: 'Last Saturday', replacement: 'On 20 May 2023', date: '2023-05-20', granularity: 'day', index: 0 },
      { phrase: 'next month', replacement: 'in June 2023', date: null, granularity: 'month', index: 25 },
    ]);
  });

  it.each([
    'Over the last week I read a lot.',
    "Last year's trip was fun.",
    'We met on Saturday.',
    'I will do it this Friday.',
    'I finished it in two days.',
    'Recently I started painting.',
    'I adopted a dog named Buddy.',
    '',
  ])('leaves %j alone', (text) => {
    expect(resolveRelativeDates(text, THURSDAY)).toEqual({ text, resolutions: [] });
  });

  it('is idempotent', () => {
    const texts = ['I ran last Saturday and yesterday, and we go camping next month.', 'Two weeks ago, last night, this weekend.'];
    for (const text of texts) {
      const once = resolved(text);
      expect(resolved(once)).toBe(once);
    }
  });
});

describe('findExplicitDate', () => {
  it.each([
    ['Caroline went to a support group on 7 May 2023.', '2023-05-07'],
    ['Melanie ran a race on May 20, 2023.', '2023-05-20'],
    ['Stored 2023-06-01 by hand.', '2023-06-01'],
    ['From 2 January 2022 to 3 March 2023.', '2022-01-02'],
    ['Nothing dated here.', null],
    ['In June 2023 they go camping.', null],
    ['On 31 February 2023, nothing.', null],
  ])('%j → %s', (text, expected) => {
    expect(findExplicitDate(text)).toBe(expected);
  });
});
