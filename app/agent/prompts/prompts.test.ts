/**
 * The prompts' layout for llama.cpp's prompt cache (everything before the last message is byte-identical across
 * calls), their versions, and their worked examples against their own schemas.
 */
import { describe, expect, it } from 'vitest';
import { checkJsonAgainstSchema } from '../../llm/jsonSchemaCheck';
import type { ChatMessage } from '../../llm/types';
import { PROMPT_VERSION as ANSWER_VERSION, answerSchema, buildAnswerMessages, renderAnswerWithMarker } from './answerPrompt';
import { buildFactExtractionMessages, buildFactExtractionRetryMessages, FACT_EXTRACTION_SCHEMA, PROMPT_VERSION as FACT_VERSION } from './factExtractionPrompt';
import { buildMemoryUpdateMessages, buildMemoryUpdateRetryMessages, memoryUpdateSchema, PROMPT_VERSION as UPDATE_VERSION } from './memoryUpdatePrompt';

function stablePrefix(messages: ChatMessage[]): ChatMessage[] {
  return messages.slice(0, -1);
}

describe('prompts', () => {
  it('are versioned', () => {
    expect([FACT_VERSION, UPDATE_VERSION, ANSWER_VERSION]).toEqual(['fact-extraction-v1', 'memory-update-v2', 'answer-v2']);
  });

  it('put everything stable first: only the last message changes between calls', () => {
    const a = buildFactExtractionMessages({ speaker: 'Caroline', sessionDate: '8 May 2023', text: 'I went to a support group on 7 May 2023.' });
    const b = buildFactExtractionMessages({ speaker: 'Melanie', sessionDate: '25 May 2023', text: 'I ran a charity race.' });
    expect(JSON.stringify(stablePrefix(a))).toBe(JSON.stringify(stablePrefix(b)));
    expect(a.at(-1)!.content).toBe('Speaker: Caroline\nDate: 8 May 2023\nMessage: I went to a support group on 7 May 2023.');

    const u1 = buildMemoryUpdateMessages({ memories: ['Melanie adopted a dog named Buddy.'], facts: ['Melanie adopted a second dog named Scout.'] });
    const u2 = buildMemoryUpdateMessages({ memories: [], facts: ['x'] });
    expect(JSON.stringify(stablePrefix(u1))).toBe(JSON.stringify(stablePrefix(u2)));
    expect(u1.at(-1)!.content).toBe('Memories:\n0: Melanie adopted a dog named Buddy.\nNew facts:\n- Melanie adopted a second dog named Scout.');

    for (const mode of ['benchmark', 'chat'] as const) {
      for (const format of ['json', 'marker'] as const) {
        const q1 = buildAnswerMessages({ question: 'When?', memories: [{ id: '0', date: '7 May 2023', text: 'x' }], mode, format });
        const q2 = buildAnswerMessages({ question: 'Who?', memories: [], mode, format });
        expect(JSON.stringify(stablePrefix(q1))).toBe(JSON.stringify(stablePrefix(q2)));
      }
    }
    const q = buildAnswerMessages({
      question: 'When?',
      memories: [{ id: '0', date: '7 May 2023', text: 'Caroline went.' }],
      mode: 'benchmark',
      format: 'json',
    });
    expect(q.at(-1)!.content).toBe('7 May 2023:\n0 Caroline went.\nQuestion: When?');
  });

  it('append a retry after the whole first prompt, so the first prompt stays a cached prefix', () => {
    const first = buildMemoryUpdateMessages({ memories: ['a'], facts: ['b'] });
    const errors = Array.from({ length: 8 }, (_, i) => `problem ${i} ${'x'.repeat(i === 0 ? 300 : 0)}`);
    const retry = buildMemoryUpdateRetryMessages(first, '{"memory":[', errors);
    expect(retry.slice(0, first.length)).toEqual(first);
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: '{"memory":[' });
    const feedback = retry.at(-1)!.content;
    expect(feedback).toMatch(/^That reply was rejected:\n- problem 0 x+…\n- problem 1 \n/);
    expect(feedback).toContain('- and 2 more');
    expect(feedback.length).toBeLessThan(600);
    expect(buildFactExtractionRetryMessages(first, 'x', ['y']).at(-1)!.content).toMatch(/same message\.$/);
  });

  it('show worked examples that satisfy their own schemas', async () => {
    const facts = buildFactExtractionMessages({ speaker: 's', sessionDate: 'd', text: 't' });
    expect(await checkJsonAgainstSchema(facts[2]!.content, FACT_EXTRACTION_SCHEMA)).toMatchObject({ ok: true });
    const update = buildMemoryUpdateMessages({ memories: [], facts: [] });
    expect(await checkJsonAgainstSchema(update[2]!.content, memoryUpdateSchema(3, 4))).toMatchObject({ ok: true });
    // The merge the prompt teaches: one UPDATE of memory 0 with both dogs, never DELETE + ADD.
    expect(JSON.parse(update[2]!.content).memory[0]).toEqual({ id: '0', text: 'Alex adopted two dogs, Buddy and Scout.', event: 'UPDATE' });
    // The json form shows no example (its grammar fixes the form); the marker form does.
    expect(buildAnswerMessages({ question: 'q', memories: [], mode: 'benchmark', format: 'json' }).map((m) => m.role)).toEqual(['system', 'user']);
    const marker = buildAnswerMessages({ question: 'q', memories: [], mode: 'benchmark', format: 'marker' });
    expect(marker[2]!.content).toBe(renderAnswerWithMarker(['0'], '19 May 2023'));
  });

  it('bound the schemas: ids enumerated, entries and texts limited', async () => {
    const schema = memoryUpdateSchema(2, 3);
    const ok = '{"memory":[{"id":"4","text":"a","event":"ADD"},{"id":"1","text":"b","event":"NOOP"}]}';
    expect(await checkJsonAgainstSchema(ok, schema)).toMatchObject({ ok: true });
    expect((await checkJsonAgainstSchema('{"memory":[{"id":"5","text":"a","event":"ADD"}]}', schema)).ok).toBe(false);
    const four = JSON.stringify({ memory: Array.from({ length: 4 }, () => ({ id: '0', text: 'a', event: 'NOOP' })) });
    expect((await checkJsonAgainstSchema(four, schema)).ok).toBe(false);
    // One word for "no change" from the model to the bank: NOOP (mem0's NONE is not offered, so a grammar never emits it).
    expect((await checkJsonAgainstSchema('{"memory":[{"id":"1","text":"b","event":"NONE"}]}', schema)).ok).toBe(false);
    expect(JSON.stringify(buildMemoryUpdateMessages({ memories: ['m'], facts: ['f'] }))).not.toMatch(/\bNONE\b/);
    expect((await checkJsonAgainstSchema('{"memory_ids":["2"],"answer":"x"}', answerSchema(['0', '1'], 'chat'))).ok).toBe(false);
    expect(await checkJsonAgainstSchema('{"memory_ids":[],"answer":"x"}', answerSchema([], 'chat'))).toMatchObject({ ok: true });
  });
});
