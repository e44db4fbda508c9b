/**
 * The Answer Agent's retrieval, prompt and parsing on a real bank with scripted replies (hand-written: this tests
 * the flow, not the model; answerAgent.integration.test.ts runs the real one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { seedPrefillRate, writePrefillRate } from '../llm/prefillRate';
import type { MemoryBank } from '../memory/memoryBank';
import { MANUAL_PROPOSER } from '../memory/types';
import { createAnswerAgent, DEFAULT_MAX_LISTING_TOKENS, maxListingTokensFor, memoryDate } from './answerAgent';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { createScriptedLlmClient } from './testing/scriptedLlmClient';

let bank: MemoryBank;
let caroline: string[];
let melanie: string[];

beforeEach(async () => {
  bank = await openAgentTestBank();
  const seed = (ns: string, items: [string, string?][]) =>
    seedMemories(
      bank,
      ns,
      items.map(([text, eventTime]) => ({ text, embedding: hashingEmbedding(text), ...(eventTime ? { eventTime } : {}) })),
    );
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
    expect(result).toMatchObject({
      markerFound: true,
      replyForm: 'json',
      rendered: '0 **Answer:** 7 May 2023',
      model: 'scripted-test-model',
      promptVersion: 'answer-v2',
    });
    expect(result.considered).toEqual({ listed: 3, available: 3, why: '3 of 3 memories (the whole bank fits)' });
    expect(result.usage.calls).toBe(1);
    expect(result.usage.promptTokens).toBeGreaterThan(0);

    const { messages, options } = llm.requests[0]!;
    expect(messages.at(-1)!.content).toMatch(/^7 May 2023:\n0 Caroline went to an LGBTQ support group on 7 May 2023\.\n/);
    expect(messages.at(-1)!.content).toMatch(/\n25 May:\n1 Caroline is researching adoption agencies\.\n/);
    expect(messages.at(-1)!.content).toMatch(/\nQuestion: When did Caroline go to the LGBTQ support group\?$/);
    expect(JSON.stringify(messages)).not.toContain(caroline[0]);
    expect((options.jsonSchema as { properties: { memory_ids: { items: unknown } } }).properties.memory_ids.items).toEqual({ enum: ['0', '1', '2'] });
    expect(options.maxTokens).toBeGreaterThan(0);
  });

  it('takes perNamespaceK memories from each namespace (Memory-R1: 30 per speaker)', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":["1","3"],"answer":"camping"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, reuseAcrossQuestions: false });

    const result = await agent.answer({
      question: 'What are Melanie and Caroline planning?',
      namespaces: ['user:caroline', 'user:melanie'],
      perNamespaceK: 2,
      mode: 'benchmark',
    });

    const byNamespace = (ns: string) => result.candidates.filter((c) => c.memory.namespace === ns).length;
    expect(byNamespace('user:caroline')).toBe(2);
    expect(byNamespace('user:melanie')).toBe(2);
    // Listed oldest first (equal dates share a heading), whatever the retrieval rank.
    const dates = result.candidates.map((c) => c.memory.eventTime ?? new Date(c.memory.createdAt).toISOString());
    expect(dates).toEqual([...dates].sort());
    expect(result.considered).toEqual({ listed: 4, available: 4, why: '4 of 4 retrieved memories' });
    const ids = result.candidates.map((c) => c.memory.id);
    expect(result.usedMemoryIds).toEqual([ids[1], ids[3]]);
    for (const id of result.usedMemoryIds) expect([...caroline, ...melanie]).toContain(id);
  });

  it('caps at k over all namespaces by default and searches only the namespaces asked', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":[],"answer":"x"}', '{"memory_ids":[],"answer":"y"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, reuseAcrossQuestions: false });
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
    expect(llm.requests[0]!.messages.at(-1)!.content).toBe('Memories: none\nQuestion: Where do I live?');
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

describe('Answer Agent: listing for the prompt cache and the latency budget', () => {
  const json = '{"memory_ids":["0"],"answer":"x"}';
  /** The listing part of an answer prompt: everything before the question. */
  const listingOf = (content: string) => content.slice(0, content.lastIndexOf('\nQuestion: '));

  async function seedMany(ns: string, n: number): Promise<string[]> {
    const items = Array.from({ length: n }, (_, i) => {
      const text = `Dana note ${i}: ${['hiking', 'painting', 'cooking', 'chess'][i % 4]} on day ${i} of the trip.`;
      return { text, embedding: hashingEmbedding(text), eventTime: `2023-06-${String(1 + (i % 28)).padStart(2, '0')}` };
    });
    return seedMemories(bank, ns, items);
  }

  it('lists a bank that fits whole and in the same order, so the next question only adds itself', async () => {
    const llm = createScriptedLlmClient([json, json]);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });
    const first = await agent.answer({
      question: 'When did Caroline go to the support group?',
      namespaces: ['user:caroline', 'user:melanie'],
      mode: 'benchmark',
    });
    const second = await agent.answer({ question: 'What is Melanie planning?', namespaces: ['user:caroline', 'user:melanie'], mode: 'benchmark' });
    expect(first.candidates).toHaveLength(5);
    expect(second.candidates.map((c) => c.memory.id)).toEqual(first.candidates.map((c) => c.memory.id));
    const [a, b] = llm.requests.map((r) => r.messages);
    expect(JSON.stringify(a!.slice(0, -1))).toBe(JSON.stringify(b!.slice(0, -1)));
    expect(listingOf(b!.at(-1)!.content)).toBe(listingOf(a!.at(-1)!.content));
  });

  it('in a bank larger than the cap, keeps what it listed before first and appends what is newly retrieved', async () => {
    const dana = await seedMany('user:dana', 40);
    const llm = createScriptedLlmClient([json, json, json]);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, maxListingTokens: 400, latencyBudgetS: 0 });
    const ask = (question: string) => agent.answer({ question, namespaces: ['user:dana'], mode: 'benchmark', k: 8 });
    const first = await ask('When did Dana go hiking?');
    expect(first.candidates.every((c) => c.retrieved)).toBe(true);
    expect(first.considered).toMatchObject({ listed: 8, available: 8 });
    const second = await ask('When did Dana play chess?');
    const firstIds = first.candidates.map((c) => c.memory.id);
    // Every memory retrieved now is listed; the earlier listing comes first, unchanged, as far as the cap allows.
    const retrievedNow = second.candidates.filter((c) => c.retrieved);
    expect(retrievedNow).toHaveLength(8);
    expect(second.candidates.slice(0, firstIds.length).map((c) => c.memory.id)).toEqual(firstIds);
    const carried = second.candidates.filter((c) => !c.retrieved);
    expect(carried.length).toBeGreaterThan(0);
    for (const c of carried) expect(c.score).toBe(0);
    expect(second.considered.why).toMatch(/^8 of 8 retrieved memories, and \d+ listed for earlier questions/);
    expect(second.considered.listed).toBe(8 + carried.length);
    const [a, b] = llm.requests.map((r) => r.messages.at(-1)!.content);
    expect(listingOf(b!).startsWith(listingOf(a!))).toBe(true);
    for (const id of dana) expect(second.candidates.filter((c) => c.memory.id === id).length).toBeLessThanOrEqual(1);
  });

  it('sizes the listing to the context the engine gives the answer: a bank past the default cap is listed whole there', async () => {
    await seedMany('user:dana', 250);
    const ask = (llm: ReturnType<typeof createScriptedLlmClient>) =>
      createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, latencyBudgetS: 0 }).answer({
        question: 'When did Dana go hiking?',
        namespaces: ['user:dana'],
        mode: 'benchmark',
        k: 8,
      });
    // An engine that says nothing is taken to have a 4,096-token context: the bank does not fit, the 8 retrieved are listed.
    const small = await ask(createScriptedLlmClient([json]));
    expect(small.candidates).toHaveLength(8);
    // wllama's answer slot (8,192 shared with the manager's two prompts): the whole bank, so the next question only adds itself.
    const large = await ask(Object.assign(createScriptedLlmClient([json]), { promptContextTokens: 5120 }));
    expect(large.candidates).toHaveLength(250);
    expect(large.considered.why).toMatch(/the whole bank fits/);
    expect(maxListingTokensFor({})).toBe(DEFAULT_MAX_LISTING_TOKENS);
    expect(DEFAULT_MAX_LISTING_TOKENS).toBe(3000);
    expect(maxListingTokensFor({ promptContextTokens: 5120 })).toBe(4024);
    expect(maxListingTokensFor({ promptContextTokens: 900 })).toBe(256);
  });

  it('does not carry over a memory that was changed or deleted since, nor one of another namespace', async () => {
    await seedMany('user:dana', 40);
    const llm = createScriptedLlmClient([json, json, json]);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, maxListingTokens: 400, latencyBudgetS: 0 });
    const first = await agent.answer({ question: 'When did Dana go hiking?', namespaces: ['user:dana'], mode: 'benchmark', k: 8 });
    const gone = first.candidates[0]!.memory;
    const deleted = await bank.apply({
      namespace: 'user:dana',
      ops: [{ op: 'DELETE', id: gone.id }],
      candidateIds: [gone.id],
      turnId: null,
      proposer: MANUAL_PROPOSER,
    });
    expect(deleted.ok).toBe(true);
    const second = await agent.answer({ question: 'When did Dana play chess?', namespaces: ['user:dana'], mode: 'benchmark', k: 8 });
    expect(second.candidates.map((c) => c.memory.id)).not.toContain(gone.id);
    const other = await agent.answer({ question: 'When did Dana play chess?', namespaces: ['user:melanie'], mode: 'benchmark', k: 8 });
    expect(other.candidates.every((c) => c.memory.namespace === 'user:melanie')).toBe(true);
  });

  it('on a slow engine lists fewer, the best ranked, and says how many and why', async () => {
    await seedMany('user:dana', 40);
    const llm = createScriptedLlmClient([json, json]);
    // 10 s at 12 tok/s: ~120 tokens of memories, about 7 of these lines.
    const slow = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, prefillTokensPerSecond: () => 12, reuseAcrossQuestions: false });
    const cut = await slow.answer({ question: 'When did Dana go hiking?', namespaces: ['user:dana'], mode: 'benchmark', k: 30 });
    expect(cut.considered.available).toBe(30);
    expect(cut.considered.listed).toBeLessThan(30);
    expect(cut.considered.listed).toBeGreaterThanOrEqual(5);
    expect(cut.considered.why).toBe(`${cut.considered.listed} of 30 retrieved memories: the 10 s latency budget at ~12 tok/s prefill`);
    const off = createAnswerAgent({
      llm,
      embedder: createHashingEmbedder(),
      bank,
      prefillTokensPerSecond: () => 12,
      latencyBudgetS: 0,
      reuseAcrossQuestions: false,
    });
    const all = await off.answer({ question: 'When did Dana go hiking?', namespaces: ['user:dana'], mode: 'benchmark', k: 30 });
    expect(all.considered).toEqual({ listed: 30, available: 30, why: '30 of 30 retrieved memories' });
    // The budget kept the best: every listed memory scores at least as high as every one it left out.
    const kept = new Set(cut.candidates.map((c) => c.memory.id));
    const minKept = Math.min(...cut.candidates.map((c) => c.score));
    for (const c of all.candidates) if (!kept.has(c.memory.id)) expect(c.score).toBeLessThanOrEqual(minKept);
  });

  it('on the first answer after a load, budgets with the rate stored for the engine and says where it comes from', async () => {
    await seedMany('user:dana', 40);
    const llm = createScriptedLlmClient([json]);
    const setup = { modelId: llm.modelId, backend: 'cpu' as const, threads: 1 };
    const stored = new Map<string, string>();
    const storage = { getItem: (key: string) => stored.get(key) ?? null, setItem: (key: string, value: string) => void stored.set(key, value) };
    writePrefillRate(storage, setup, { tokensPerSecond: 12, promptTokens: 150, measuredOn: 'probe', measuredAt: Date.UTC(2026, 11, 6), stored: false });
    // No model call: the stored rate seeds the engine (the scripted engine measures nothing itself).
    expect(await seedPrefillRate(llm, { setup, storage })).toMatchObject({ tokensPerSecond: 12, stored: true });
    expect(llm.requests).toHaveLength(0);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank, reuseAcrossQuestions: false });
    const cut = await agent.answer({ question: 'When did Dana go hiking?', namespaces: ['user:dana'], mode: 'benchmark', k: 30 });
    expect(cut.considered.listed).toBeLessThan(30);
    expect(cut.considered.why).toBe(
      `${cut.considered.listed} of 30 retrieved memories: the 10 s latency budget at ~12 tok/s prefill (stored from a 150-token test prompt on 2026-12-06, on this model, backend and thread count)`,
    );
  });

  it('maps cited short ids back to the memories listed under them, whatever the order', async () => {
    const llm = createScriptedLlmClient(['{"memory_ids":["4","2"],"answer":"x"}']);
    const agent = createAnswerAgent({ llm, embedder: createHashingEmbedder(), bank });
    const result = await agent.answer({ question: 'Anything?', namespaces: ['user:caroline', 'user:melanie'], mode: 'benchmark' });
    const lines = llm.requests[0]!.messages.at(-1)!.content.split('\n');
    for (const [i, id] of ['4', '2'].entries()) {
      const text = lines.find((l) => l.startsWith(`${id} `))!.slice(id.length + 1);
      expect((await bank.db.memories.get(result.usedMemoryIds[i]!))!.text).toBe(text);
    }
  });
});
