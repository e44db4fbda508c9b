/**
 * The Answer Agent's retrieval, prompt and parsing on a real bank with scripted replies (hand-written: this tests
 * the flow, not the model; answerAgent.integration.test.ts runs the real one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryBank } from '../memory/memoryBank';
import { createAnswerAgent, memoryDate } from './answerAgent';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { createScriptedLlmClient } from './testing/scriptedLlmClient';

let bank: MemoryBank;
let caroline: string[];
let melanie: string[];

beforeEach(async () => {
  bank = await openAgentTestBank();
  const seed = (ns: string, items: [string, string?][]) => seedMemories(bank, ns, items.map(([text, eventTime]) => ({ text, embedding: hashingEmbedding(text), ...(eventTime ? { eventTime } : {}) })));
  caroline = await seed('user:caroline', [
    ['Caroline went to an LGBTQ support group on 7 May 2023.', '2023-05-07'],
    ['Caroline is researching adoption agencies.', '2023-05-25'],
    ['Caroline wants to work in counseling.'],
  ]);
  melanie = await seed('user:melanie', [
    ['Melanie ran a charity race on 20 May 2023.', '2023-05-20'],
    ['Melanie is going camping in June 2023.', '2023-05-25'],
  ]);
});

afterEach(() => {
  bank.close();
  bank.db.close();
});

describe('Answer Agent', () => {
  it('lists the memories under short ids with dates, and maps the cited ids back to real ones', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":["0"],"answer":"7 May 2023"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });

    const result = await agent.answer({ question: 'When did Caroline go to the LGBTQ support group?', namespaces: ['user:caroline'], mode: 'benchmark' });

    expect(result.answer).toBe('7 May 2023');
    expect(result.candidates.map((c) => c.shortId)).toEqual(['0', '1', '2']);
    expect(result.candidates[0]!.memory.id).toBe(caroline[0]);
    expect(result.usedMemoryIds).toEqual([caroline[0]]);
    expect(result).toMatchObject({ markerFound: true, replyForm: 'json', rendered: '0 **Answer:** 7 May 2023', model: 'scripted-test-model', promptVersion: 'answer-v1' });
    expect(result.usage.calls).toBe(1);
    expect(result.usage.promptTokens).toBeGreaterThan(0);

    const { messages, options } = llm.requests[0]!;
    expect(messages.at(-1)!.content).toMatch(/^Memories:\n- \[0\] 7 May 2023: Caroline went to an LGBTQ support group on 7 May 2023\.\n/);
    expect(messages.at(-1)!.content).toMatch(/\n- \[\d\] 25 May 2023: Caroline is researching adoption agencies\.\n/);
    expect(messages.at(-1)!.content).toMatch(/\nQuestion: When did Caroline go to the LGBTQ support group\?$/);
    expect(JSON.stringify(messages)).not.toContain(caroline[0]);
    expect((options.jsonSchema as { properties: { memory_ids: { items: unknown } } }).properties.memory_ids.items).toEqual({ enum: ['0', '1', '2'] });
    expect(options.maxTokens).toBeGreaterThan(0);
  });

  it('takes perNamespaceK memories from each namespace (Memory-R1: 30 per speaker)', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":["1","3"],"answer":"camping"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });

    const result = await agent.answer({ question: 'What are Melanie and Caroline planning?', namespaces: ['user:caroline', 'user:melanie'], perNamespaceK: 2, mode: 'benchmark' });

    const byNamespace = (ns: string) => result.candidates.filter((c) => c.memory.namespace === ns).length;
    expect(byNamespace('user:caroline')).toBe(2);
    expect(byNamespace('user:melanie')).toBe(2);
    const scores = result.candidates.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const ids = result.candidates.map((c) => c.memory.id);
    expect(result.usedMemoryIds).toEqual([ids[1], ids[3]]);
    for (const id of result.usedMemoryIds) expect([...caroline, ...melanie]).toContain(id);
  });

  it('caps at k over all namespaces by default and searches only the namespaces asked', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":[],"answer":"x"}', '{"memory_ids":[],"answer":"y"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });
    const all = await agent.answer({ question: 'Anything?', namespaces: ['user:caroline', 'user:melanie'], mode: 'chat' });
    expect(all.candidates).toHaveLength(5);
    const one = await agent.answer({ question: 'Anything?', namespaces: ['user:melanie'], mode: 'chat', k: 1 });
    expect(one.candidates.map((c) => c.memory.namespace)).toEqual(['user:melanie']);
  });

  it('in the marker form, reads the ids before **Answer:**, and flags a missing marker', async () => {
    const llm = createScriptedLlmClient(['1, 7 **Answer:** Adoption agencies', 'Caroline researched adoption agencies.']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });

    const marked = await agent.answer({ question: 'What did Caroline research?', namespaces: ['user:caroline'], mode: 'benchmark', format: 'marker' });
    expect(llm.requests[0]!.options.jsonSchema).toBeUndefined();
    expect(marked).toMatchObject({ answer: 'Adoption agencies', markerFound: true, replyForm: 'marker', unknownIds: ['7'] });
    expect(marked.usedMemoryIds).toEqual([marked.candidates[1]!.memory.id]);

    const unmarked = await agent.answer({ question: 'What did Caroline research?', namespaces: ['user:caroline'], mode: 'benchmark', format: 'marker' });
    expect(unmarked).toMatchObject({ answer: 'Caroline researched adoption agencies.', usedMemoryIds: [], markerFound: false, replyForm: 'fallback' });
    expect(unmarked.problems).toContain('the reply has no **Answer:** marker');
  });

  it('answers with no memories at all, and says when the reply was cut off', async () => {
    const llm = createScriptedLlmClient([{ text: '{"memory_ids":[],"answer":"I do not rem', finishReason: 'length' }]);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });
    const result = await agent.answer({ question: 'Where do I live?', namespaces: ['user:nobody'], mode: 'chat' });
    expect(result.candidates).toEqual([]);
    expect(llm.requests[0]!.messages.at(-1)!.content).toBe('Memories:\n(none)\nQuestion: Where do I live?');
    expect(result).toMatchObject({ answer: 'I do not rem', markerFound: false, usedMemoryIds: [] });
    expect(result.problems.at(-1)).toMatch(/cut off at the \d+-token limit/);
  });

  it('refuses an empty question or no namespace', async () => {
    const agent = createAnswerAgent({ llm: createScriptedLlmClient([]), embedder: createHashingEmbedder(), bank });
    await expect(agent.answer({ question: ' ', namespaces: ['user:x'], mode: 'chat' })).rejects.toThrow(TypeError);
    await expect(agent.answer({ question: 'q', namespaces: [], mode: 'chat' })).rejects.toThrow(TypeError);
  });

  it('dates a memory by when it happened, else by when it was stored', () => {
    expect(memoryDate({ eventTime: '2023-05-07', createdAt: 0 })).toBe('7 May 2023');
    expect(memoryDate({ eventTime: '2023-05-07T10:00:00Z', createdAt: 0 })).toBe('7 May 2023');
    expect(memoryDate({ eventTime: null, createdAt: Date.UTC(2024, 1, 29, 12) })).toBe('29 February 2024');
  });
});
