import { describe, expect, it } from 'vitest';
import { parseAnswer } from './parseAnswer';

const SHOWN = ['0', '1', '2', '3'];

describe('parseAnswer', () => {
  it('reads the schema form', () => {
    expect(parseAnswer('{"memory_ids":["2","0","2"],"answer":" 7 May 2023 "}', SHOWN)).toEqual({
      answer: '7 May 2023',
      ids: ['2', '0'],
      unknownIds: [],
      markerFound: true,
      form: 'json',
      problems: [],
    });
  });

  it('reads the marker form: ids before the marker, the answer after it', () => {
    expect(parseAnswer('Memories 1, 3\n**Answer:** She went camping in June 2023.', SHOWN)).toEqual({
      answer: 'She went camping in June 2023.',
      ids: ['1', '3'],
      unknownIds: [],
      markerFound: true,
      form: 'marker',
      problems: [],
    });
  });

  it('sets aside cited numbers that are not shown ids', () => {
    const parsed = parseAnswer('[2] [17] 2023 **Answer:** Buddy', SHOWN);
    expect(parsed.ids).toEqual(['2']);
    expect(parsed.unknownIds).toEqual(['17', '2023']);
  });

  it('without the marker, splits at a looser "Answer:" label and flags it', () => {
    expect(parseAnswer('ids: 0\nAnswer: Boston', SHOWN)).toMatchObject({ answer: 'Boston', ids: ['0'], markerFound: false, form: 'fallback' });
    expect(parseAnswer('1 **Answer**: Boston', SHOWN)).toMatchObject({ answer: 'Boston', ids: ['1'], markerFound: false, form: 'fallback' });
  });

  it('without any label, the whole reply is the answer and no memory counts as used', () => {
    const parsed = parseAnswer('  She lives in Boston, see memory 2.  ', SHOWN);
    expect(parsed).toMatchObject({ answer: 'She lives in Boston, see memory 2.', ids: [], markerFound: false, form: 'fallback' });
    expect(parsed.problems).toEqual(['the reply has no **Answer:** marker']);
  });

  it('reads what it can of a JSON reply cut off at the token limit', () => {
    const parsed = parseAnswer('{"memory_ids":["1","3"],"answer":"She went \\"camping\\" in Ju', SHOWN);
    expect(parsed).toMatchObject({ answer: 'She went "camping" in Ju', ids: ['1', '3'], markerFound: false, form: 'fallback' });
    expect(parsed.problems[0]).toMatch(/not valid JSON/);
  });

  it('flags empty answers', () => {
    expect(parseAnswer('{"memory_ids":[],"answer":""}', SHOWN).problems).toEqual(['the answer is empty']);
    expect(parseAnswer('0 **Answer:**', SHOWN).problems).toEqual(['the answer after the marker is empty']);
    expect(parseAnswer('', SHOWN)).toMatchObject({
      answer: '',
      ids: [],
      markerFound: false,
      problems: ['the reply has no **Answer:** marker', 'the reply is empty'],
    });
  });

  it('never throws', () => {
    for (const value of [undefined, null, 3, '{', '{"answer": 3}', '{"memory_ids": "0", "answer": "x"}', '**Answer:****Answer:**'] as unknown[]) {
      expect(() => parseAnswer(value as string, SHOWN)).not.toThrow();
    }
  });
});
