import { describe, expect, it } from 'vitest';
import { readLocomoFixture } from './fixtures/locomoFixture';
import { parseLocomo, parseLocomoDateTime, turnText } from './locomo';

describe('parseLocomoDateTime', () => {
  it('reads the benchmark’s session stamps', () => {
    expect(parseLocomoDateTime('1:56 pm on 8 May, 2023')).toBe('2023-05-08T13:56');
    expect(parseLocomoDateTime('12:09 am on 13 September, 2023')).toBe('2023-09-13T00:09');
    expect(parseLocomoDateTime('12:30 pm on 1 June, 2023')).toBe('2023-06-01T12:30');
    expect(() => parseLocomoDateTime('yesterday')).toThrow(/not a LoCoMo session date-time/);
  });
});

describe('parseLocomo', () => {
  it("reads the project's LoCoMo-format file: two conversations, sessions in order, observations and QA", () => {
    const [a, b] = readLocomoFixture();
    expect([a?.sampleId, b?.sampleId]).toEqual(['conv-26', 'conv-30']);
    expect(a!.speakers).toEqual(['Maya', 'Theo']);
    expect(a!.turns[0]).toMatchObject({ diaId: 'D1:1', speaker: 'Maya', session: 1, sessionTime: '2023-05-08T13:56' });
    expect(a!.turns.at(-1)).toMatchObject({ diaId: 'D2:8', session: 2, sessionTime: '2023-05-25T13:14' });
    // session_3 has a date-time but no turns: skipped, as in the benchmark's own files.
    expect(new Set(a!.turns.map((t) => t.session))).toEqual(new Set([1, 2]));
    const sessions = a!.turns.map((t) => t.session);
    expect(sessions).toEqual([...sessions].sort((x, y) => x - y));
    // Every category 1–5; category 5 has no answer, the rest a string (the numeric 2022 becomes "2022").
    expect(new Set(a!.questions.map((q) => q.category))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(a!.questions.filter((q) => q.category !== 5)).toHaveLength(8);
    expect(b!.questions.filter((q) => q.category !== 5)).toHaveLength(9);
    expect(a!.questions.filter((q) => q.category === 5).every((q) => q.answer === null)).toBe(true);
    expect(a!.questions.every((q) => q.category === 5 || typeof q.answer === 'string')).toBe(true);
    expect(a!.questions[1]).toMatchObject({ question: 'When did Theo paint the harbor?', answer: '2022', evidence: ['D1:6'], category: 2 });
    // Observations: per speaker and session, one dia_id or a list of them.
    expect(a!.observations.find((o) => o.diaIds.includes('D1:3'))).toMatchObject({ speaker: 'Maya', session: 1, sessionTime: '2023-05-08T13:56' });
    expect(a!.observations.find((o) => o.diaIds.length === 2)!.diaIds).toEqual(['D2:1', 'D2:3']);
    // The image turn: its caption goes into the text retrieval and prompts see.
    const image = a!.turns.find((t) => t.imageCaption);
    expect(image?.diaId).toBe('D1:5');
    expect(image && turnText(image)).toBe(
      'Maya: A small bowl, a bit lopsided but mine. Here it is! [shares an image: a photo of a small blue ceramic bowl on a wooden table]',
    );
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
