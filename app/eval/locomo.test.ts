import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLocomo, parseLocomoDateTime, turnText } from './locomo';

const DEV = path.resolve(import.meta.dirname, '../../../shared/datasets/locomo/locomo-dev.json');

describe('parseLocomoDateTime', () => {
  it('reads the benchmark’s session stamps', () => {
    expect(parseLocomoDateTime('1:56 pm on 8 May, 2023')).toBe('2023-05-08T13:56');
    expect(parseLocomoDateTime('12:09 am on 13 September, 2023')).toBe('2023-09-13T00:09');
    expect(parseLocomoDateTime('12:30 pm on 1 June, 2023')).toBe('2023-06-01T12:30');
    expect(() => parseLocomoDateTime('yesterday')).toThrow(/not a LoCoMo session date-time/);
  });
});

describe('parseLocomo', () => {
  it('reads the shared dev file: two conversations, sessions in order, observations and QA', () => {
    const [c26, c30] = parseLocomo(JSON.parse(readFileSync(DEV, 'utf8')));
    expect([c26?.sampleId, c30?.sampleId]).toEqual(['conv-26', 'conv-30']);
    expect(c26!.speakers).toEqual(['Caroline', 'Melanie']);
    expect(c26!.turns[0]).toMatchObject({ diaId: 'D1:1', session: 1, sessionTime: '2023-05-08T13:56' });
    expect(c26!.questions.filter((q) => q.category !== 5)).toHaveLength(152);
    expect(c30!.questions.filter((q) => q.category !== 5)).toHaveLength(81);
    expect(c26!.observations.some((o) => o.diaIds.includes('D1:3'))).toBe(true);
    expect(c26!.questions.every((q) => q.category === 5 || typeof q.answer === 'string')).toBe(true);
    const sessions = c26!.turns.map((t) => t.session);
    expect(sessions).toEqual([...sessions].sort((a, b) => a - b));
    const image = c26!.turns.find((t) => t.imageCaption);
    expect(image && turnText(image)).toContain('[shares an image:');
  });

  it('rejects a file that is not LoCoMo with the place that is wrong', () => {
    expect(() => parseLocomo({})).toThrow('not a LoCoMo file: the file is not a list of conversations');
    expect(() => parseLocomo([{ sample_id: 'x', conversation: { speaker_a: 'A', speaker_b: 'B', session_1_date_time: 'noon', session_1: [] } }])).toThrow(
      /not a LoCoMo session date-time/,
    );
    expect(() => parseLocomo([{ sample_id: 'x', conversation: { session_1_date_time: '1:56 pm on 8 May, 2023', session_1: [{ text: 'hi' }] } }])).toThrow(
      'not a LoCoMo file: x.session_1 has a turn without dia_id, speaker or text',
    );
  });
});
