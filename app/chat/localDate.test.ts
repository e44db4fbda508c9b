import { afterEach, describe, expect, it } from 'vitest';
import { localIsoDate } from './localDate';

describe('localIsoDate', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('is the local calendar date west of UTC in the evening, when the UTC date is already tomorrow', () => {
    process.env.TZ = 'America/New_York'; // Node re-reads TZ when it is assigned
    const nineThirtyPmInNewYork = new Date(Date.UTC(2026, 2, 6, 2, 30)); // 6 March 02:30 UTC
    expect(nineThirtyPmInNewYork.toISOString().slice(0, 10)).toBe('2026-03-06');
    expect(localIsoDate(nineThirtyPmInNewYork)).toBe('2026-03-05');
  });

  it('is the local date east of UTC just after midnight, when the UTC date is still yesterday', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(localIsoDate(new Date(Date.UTC(2025, 11, 31, 15, 30)))).toBe('2026-01-01');
  });
});
