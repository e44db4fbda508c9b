import { describe, expect, it } from 'vitest';
import { parseFacts } from './parseFacts';

describe('parseFacts', () => {
  it('returns the facts, trimmed, without repeats', () => {
    expect(parseFacts('{"facts":[" Caroline went to a support group. ","caroline went to a  support group.","Caroline wants to be a counselor."]}')).toEqual({
      ok: true,
      value: ['Caroline went to a support group.', 'Caroline wants to be a counselor.'],
    });
  });

  it('accepts no facts, and whitespace around the JSON', () => {
    expect(parseFacts('\n {"facts": []}\n\n')).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['', /empty/],
    ['{"facts":["Caroline went', /not valid JSON.*ends with/],
    ['Sure! Here are the facts:', /not valid JSON/],
    ['[]', /must be a JSON object/],
    ['"facts"', /must be a JSON object/],
    ['{}', /"facts" must be an array of strings, got nothing/],
    ['{"facts":"Caroline went to a support group."}', /"facts" must be an array/],
    ['{"facts":[1, null]}', /fact 0 must be a string, got number 1/],
    ['{"facts":["  "]}', /fact 0 is empty/],
    ['{"facts":[], "memory": []}', /unexpected field "memory"/],
    [`{"facts":["${'a'.repeat(201)}"]}`, /fact 0 is 201 characters; at most 200/],
    ['{"facts":["a","b","c","d","e"]}', /5 facts; at most 4/],
  ])('rejects %j with a reason', (text, reason) => {
    const result = parseFacts(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(reason);
  });

  it('never throws, whatever it is given', () => {
    for (const value of [undefined, null, 42, {}, 'null', '1e999', '{"facts":{"0":"x"}}'] as unknown[]) {
      expect(() => parseFacts(value as string)).not.toThrow();
      expect(parseFacts(value as string).ok).toBe(false);
    }
  });
});
