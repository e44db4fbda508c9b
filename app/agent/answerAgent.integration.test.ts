/**
 * The Answer Agent on the REAL models: SmolLM2-135M-Instruct (GGUF, node-llama-cpp, CPU) and bge-small-en-v1.5
 * (q8 ONNX), over a fake-indexeddb bank with the exact vector index. Needs `npm run models:fetch`; fails (never
 * skips) when the files are missing. Questions from LoCoMo conv-26 (CC BY-NC 4.0), via the recorded fixtures.
 * Asserts structure (an answer, cited ids among the candidates, real token counts), not correctness.
 */
import * as transformers from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { createEmbedder, type Embedder } from '../embed/embedder';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../llm/nodeLlamaCppClient';
import type { MemoryBank } from '../memory/memoryBank';
import { createAnswerAgent } from './answerAgent';
import answerFixtures from './fixtures/answer.json';
import type { AnswerFixtureFile } from './fixtures/fixtureTypes';
import { rowOf } from './retrieveMemories';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';

const fixtures = answerFixtures as AnswerFixtureFile;

// The fixture's two speakers (each memory starts with its speaker's name).
const SPEAKERS = [...new Set(fixtures.cases[0]!.memories.map((m) => m.text.split(' ')[0]!))];
const NAMESPACES = SPEAKERS.map((s) => `user:${s.toLowerCase()}`);

describe('Answer Agent on the real models', () => {
  let llm: NodeLlamaCppClient;
  let embedder: Embedder;
  let bank: MemoryBank;
  let storedIds: string[];

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
    embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    bank = await openAgentTestBank(embedder.dims);
    // The fixtures' memories, split by speaker into two namespaces, with their dates as eventTime.
    const memories = fixtures.cases[0]!.memories;
    const vectors = await embedder.embed(memories.map((m) => m.text));
    storedIds = [];
    for (const speaker of SPEAKERS) {
      const mine = memories.flatMap((m, i) => (m.text.startsWith(speaker) ? [{ text: m.text, embedding: rowOf(vectors, i, embedder.dims).slice() }] : []));
      storedIds.push(...(await seedMemories(bank, `user:${speaker.toLowerCase()}`, mine)));
    }
  });

  afterAll(async () => {
    bank?.close();
    bank?.db.close();
    await llm?.dispose();
    await embedder?.dispose();
  });

  it('answers a benchmark question from the retrieved memories, citing only candidates', async () => {
    const agent = createAnswerAgent({ llm, embedder, bank });
    const result = await agent.answer({ question: fixtures.cases[0]!.question, namespaces: NAMESPACES, mode: 'benchmark' });

    console.info(`[answer agent, real model] ${JSON.stringify(fixtures.cases[0]!.question)} → ${result.rendered}`);
    expect(result.candidates).toHaveLength(storedIds.length);
    expect(typeof result.answer).toBe('string');
    expect(result.answer.length).toBeGreaterThan(0);
    const candidateIds = result.candidates.map((c) => c.memory.id);
    for (const id of result.usedMemoryIds) expect(candidateIds).toContain(id);
    expect(result).toMatchObject({ markerFound: true, replyForm: 'json', model: llm.modelId, promptVersion: 'answer-v2' });
    expect(result.rendered).toContain('**Answer:**');
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it('answers in chat mode with perNamespaceK per speaker, reusing the cached prompt prefix', async () => {
    const agent = createAnswerAgent({ llm, embedder, bank, reuseAcrossQuestions: false });
    const question = fixtures.cases[2]!.question;
    const first = await agent.answer({ question, namespaces: NAMESPACES, perNamespaceK: 2, mode: 'chat' });
    const second = await agent.answer({ question, namespaces: NAMESPACES, perNamespaceK: 2, mode: 'chat' });

    for (const result of [first, second]) {
      for (const ns of NAMESPACES) expect(result.candidates.filter((c) => c.memory.namespace === ns).length).toBeLessThanOrEqual(2);
      expect(result.answer.length).toBeGreaterThan(0);
      const candidateIds = result.candidates.map((c) => c.memory.id);
      for (const id of result.usedMemoryIds) expect(candidateIds).toContain(id);
    }
    // The same prompt again: llama.cpp evaluates only what follows the common prefix.
    expect(second.usage.cachedTokens).toBeGreaterThan(second.usage.promptTokens / 2);
  }, 300_000);

  it('a second, different question reads only itself: the whole small bank is listed the same way again', async () => {
    const agent = createAnswerAgent({ llm, embedder, bank });
    const first = await agent.answer({ question: fixtures.cases[0]!.question, namespaces: NAMESPACES, mode: 'benchmark' });
    const second = await agent.answer({ question: fixtures.cases[1]!.question, namespaces: NAMESPACES, mode: 'benchmark' });
    expect(second.candidates.map((c) => c.memory.id)).toEqual(first.candidates.map((c) => c.memory.id));
    expect(second.considered).toEqual({
      listed: storedIds.length,
      available: storedIds.length,
      why: `${storedIds.length} of ${storedIds.length} memories (the whole bank fits)`,
    });
    // Everything but the question (and the template's closing tokens) came from the cache.
    const questionTokens = Math.ceil(fixtures.cases[1]!.question.length / 2);
    expect(second.usage.cachedTokens).toBeGreaterThanOrEqual(second.usage.promptTokens - questionTokens - 8);
    // Two model calls on cores shared with other work.
  }, 300_000);
});
