/**
 * Integration tests of the node-llama-cpp client on the real test model (SmolLM2-135M-Instruct Q4_1, CPU).
 * No mocks: a missing model fails the run (assertTestModelsPresent) instead of skipping it.
 * One client for the whole file; generations are kept to a few dozen tokens (~45 tok/s on 2 cores).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from './nodeLlamaCppClient';
import { expectSchemaValidOpsReply, expectStreamedDeltasJoinToText } from './testing/clientContract';
import { type ChatMessage, LLMError } from './types';

// A system prompt long enough (~200 tokens) that reusing it is plainly visible in cachedTokens.
const LONG_SYSTEM_PROMPT = [
  'You are a helpful assistant with a long-term memory about the user.',
  'Known facts: the user lives in Paris, works as a nurse, has a dog called Rex, likes jazz and hiking,',
  'was born in 1990, speaks French and English, is learning Japanese, drinks tea rather than coffee,',
  'has a sister called Anna who lives in Lyon, and plans a trip to Kyoto next spring.',
  'Answer in one short sentence. Never invent facts that are not listed above.',
  'If the question cannot be answered from the facts, say that you do not know.',
  'Be polite, be brief, and do not repeat the question back to the user.',
].join(' ');

describe('createNodeLlamaCppClient (real model, CPU)', () => {
  let client: NodeLlamaCppClient;

  beforeAll(async () => {
    assertTestModelsPresent();
    client = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
  });

  afterAll(async () => {
    await client?.dispose();
  });

  it('loads the model with its id and a context', () => {
    expect(client.engine).toBe('node-llama-cpp');
    expect(client.modelId).toBe(path.basename(TEST_CHAT_GGUF_PATH, '.gguf'));
    expect(client.contextSize).toBeGreaterThanOrEqual(2048);
  });

  it('returns JSON that follows the Memory-R1 operation schema, with real token counts', async () => {
    await expectSchemaValidOpsReply(client);
  });

  it('honours maxTokens: stops with finishReason "length"', async () => {
    const maxTokens = 4;
    const result = await client.complete([{ role: 'user', content: 'Write a long essay about the history of Europe.' }], {
      maxTokens,
    });
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(maxTokens);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('streams deltas through onToken that concatenate to the returned text', async () => {
    await expectStreamedDeltasJoinToText(client);
  });

  it('rejects an aborted call with LLMError kind "abort" and keeps working', async () => {
    // Aborted before the call: rejected without generating.
    const pre = new AbortController();
    pre.abort();
    await expect(client.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 8, signal: pre.signal })).rejects.toMatchObject({
      name: 'LLMError',
      engine: 'node-llama-cpp',
      kind: 'abort',
    });

    // Aborted mid-generation, on the first streamed token.
    const mid = new AbortController();
    let tokensSeen = 0;
    const aborted = client.complete([{ role: 'user', content: 'Tell me a long story about a dragon.' }], {
      maxTokens: 64,
      signal: mid.signal,
      onToken: () => {
        tokensSeen++;
        mid.abort();
      },
    });
    const error: unknown = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMError);
    expect((error as LLMError).kind).toBe('abort');
    expect(tokensSeen).toBeGreaterThan(0);

    const next = await client.complete([{ role: 'user', content: 'Say hello.' }], { maxTokens: 8 });
    expect(next.text.length).toBeGreaterThan(0);
    expect(next.usage.completionTokens).toBeGreaterThan(0);
  });

  it('serializes concurrent calls on its one sequence', async () => {
    const ask = (q: string) => client.complete([{ role: 'user', content: q }], { maxTokens: 6 });
    const [a, b] = await Promise.all([ask('What is 2 + 2?'), ask('What colour is the sky?')]);
    for (const r of [a, b]) {
      expect(r.text.length).toBeGreaterThan(0);
      expect(r.usage.completionTokens).toBeLessThanOrEqual(6);
    }
  });

  it('rejects a queued call at once when its signal aborts, without disturbing the running one', async () => {
    const running = client.complete([{ role: 'user', content: 'Count from one to ten.' }], { maxTokens: 12 });
    const controller = new AbortController();
    const queued = client.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 8, signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ name: 'LLMError', kind: 'abort' });
    const result = await running;
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it('reuses the KV state of a shared system prompt: the second call reports cachedTokens', async () => {
    const ask = (question: string) =>
      client.complete(
        [
          { role: 'system', content: LONG_SYSTEM_PROMPT },
          { role: 'user', content: question },
        ] satisfies ChatMessage[],
        { maxTokens: 12 },
      );
    const first = await ask('Where does my sister live?');
    const second = await ask('What is the name of my dog?');
    // Everything up to the user turn is shared; only the question and the turn markers after it are new.
    expect(first.usage.promptTokens).toBeGreaterThan(150);
    expect(second.usage.cachedTokens).toBeGreaterThan(0);
    expect(second.usage.cachedTokens).toBeGreaterThanOrEqual(first.usage.promptTokens - 30);
    expect(second.usage.cachedTokens).toBeLessThan(second.usage.promptTokens);
  });

  it('keeps each cache key’s prefix in its own sequence: interleaved roles do not evict each other', async () => {
    const OTHER_SYSTEM_PROMPT = `Extract facts as JSON. ${LONG_SYSTEM_PROMPT.split(' ').reverse().join(' ')}`;
    const ask = (system: string, cacheKey: string, question: string) =>
      client.complete(
        [
          { role: 'system', content: system },
          { role: 'user', content: question },
        ] satisfies ChatMessage[],
        { maxTokens: 4, cacheKey },
      );
    await ask(LONG_SYSTEM_PROMPT, 'answer', 'Where does my sister live?');
    await ask(OTHER_SYSTEM_PROMPT, 'facts', 'I bought a bike.');
    // Each role's second call comes after the other role's call, yet finds its own prefix still cached.
    const answer = await ask(LONG_SYSTEM_PROMPT, 'answer', 'What is the name of my dog?');
    const facts = await ask(OTHER_SYSTEM_PROMPT, 'facts', 'I sold my car.');
    expect(answer.usage.cachedTokens).toBeGreaterThanOrEqual(answer.usage.promptTokens - 30);
    expect(facts.usage.cachedTokens).toBeGreaterThanOrEqual(facts.usage.promptTokens - 30);
    // The same interleaving on one key re-reads each prompt: the other role's tokens replaced it.
    await ask(LONG_SYSTEM_PROMPT, 'shared', 'Where does my sister live?');
    await ask(OTHER_SYSTEM_PROMPT, 'shared', 'I bought a bike.');
    const shared = await ask(LONG_SYSTEM_PROMPT, 'shared', 'What is the name of my dog?');
    expect(shared.usage.cachedTokens ?? 0).toBeLessThan(30);
  });

  it('cachePrompt: false evaluates the whole prompt again', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: LONG_SYSTEM_PROMPT },
      { role: 'user', content: 'Where does my sister live?' },
    ];
    await client.complete(messages, { maxTokens: 4, cacheKey: 'nocache' });
    const uncached = await client.complete(messages, { maxTokens: 4, cacheKey: 'nocache', cachePrompt: false });
    expect(uncached.usage.promptTokens).toBeGreaterThan(150);
    expect(uncached.usage.cachedTokens).toBe(0);
  });

  it('fails to load a missing model with LLMError kind "load" naming the path', async () => {
    const missing = path.join(path.dirname(TEST_CHAT_GGUF_PATH), 'no-such-model.gguf');
    const error: unknown = await createNodeLlamaCppClient({ modelPath: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({ engine: 'node-llama-cpp', kind: 'load' });
    expect((error as LLMError).message).toContain(missing);
    expect((error as LLMError).message).toContain('npm run models:fetch');
  });
});
