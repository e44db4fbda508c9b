/**
 * The chat session on the REAL models: SmolLM2-135M-Instruct (GGUF, node-llama-cpp, CPU, one serial engine like
 * the browser's) and bge-small-en-v1.5 (q8 ONNX), over a fake-indexeddb bank. Needs `npm run models:fetch`;
 * fails (never skips) when the files are missing. Asserts the schedule and the records, not the model's wisdom.
 */
import * as transformers from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { rowOf } from '../agent/retrieveMemories';
import { openAgentTestBank, seedMemories } from '../agent/testing/agentTestBank';
import { createEmbedder, type Embedder } from '../embed/embedder';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../llm/nodeLlamaCppClient';
import { type LLMClient, LLMError } from '../llm/types';
import type { MemoryBank } from '../memory/memoryBank';
import { ChatSession } from './chatSession';

const NS = 'user:me';
const TERMINAL = new Set(['applied', 'rejected', 'skipped']);

/** The real client, with a log of each call's family and how it ended, and a hook when a call starts. */
function observed(llm: LLMClient, onStart: (stage: string) => void) {
  const log: string[] = [];
  const client: LLMClient = {
    engine: llm.engine,
    modelId: llm.modelId,
    dispose: () => llm.dispose(),
    async complete(messages, options) {
      const stage = options.cacheKey ?? 'default';
      onStart(stage);
      try {
        const result = await llm.complete(messages, options);
        log.push(`${stage}:ok`);
        return result;
      } catch (error) {
        log.push(`${stage}:${error instanceof LLMError ? error.kind : 'error'}`);
        throw error;
      }
    },
  };
  return { client, log };
}

describe('Chat session on the real models', () => {
  let llm: NodeLlamaCppClient;
  let embedder: Embedder;
  let bank: MemoryBank;

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
    embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    bank = await openAgentTestBank(embedder.dims);
    // A memory to compare with, so remembering takes both model steps.
    const seeded = ['The user lives in Paris and works as a nurse.'];
    const vectors = await embedder.embed(seeded);
    await seedMemories(
      bank,
      NS,
      seeded.map((text, i) => ({ text, embedding: rowOf(vectors, i, embedder.dims).slice() })),
    );
  }, 120_000);

  afterAll(async () => {
    bank?.close();
    bank?.db.close();
    await llm?.dispose();
    await embedder?.dispose();
  });

  it('answers a question sent while the manager works on the previous turn before that turn is remembered, then remembers it', async () => {
    let managerStarted!: () => void;
    const managerBusy = new Promise<void>((resolve) => (managerStarted = resolve));
    const { client, log } = observed(llm, (stage) => stage !== 'answer' && managerStarted());
    const session = new ChatSession({ bank });
    session.setModels({ llm: client, embedder });
    try {
      const chat = await session.createConversation(NS);
      await session.send(chat.id, 'I moved to Lyon last week and I now work as a teacher.');
      const [first] = await bank.db.turns.where('conversationId').equals(chat.id).sortBy('at');
      await managerBusy;

      await session.send(chat.id, 'Where do I live?');
      const turns = await bank.db.turns.where('conversationId').equals(chat.id).sortBy('at');
      expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(turns[3]!.text.length).toBeGreaterThan(0);
      // Answered before the first turn's remembering ended: no decision for it is stored yet.
      const beforeDecisions = await bank.db.opEvents.where('turnId').equals(first!.id).toArray();
      expect(beforeDecisions.filter((e) => TERMINAL.has(e.type))).toEqual([]);
      // The manager's call was cut off for the answer, and asked again after it.
      expect(log.slice(0, 3)).toEqual(['answer:ok', expect.stringMatching(/^(facts|memory-update):abort$/), 'answer:ok']);

      await session.settled();
      for (const turn of [turns[0]!, turns[2]!]) {
        const events = await bank.db.opEvents.where('turnId').equals(turn.id).toArray();
        expect(events.filter((e) => TERMINAL.has(e.type))).toHaveLength(1);
        expect(events.every((e) => e.model === llm.modelId && e.conversationId === chat.id)).toBe(true);
      }
      // Every memory cites a turn that exists (or none: the seed).
      for (const m of await bank.db.memories.toArray()) {
        for (const id of m.sourceTurnIds) expect(turns.map((t) => t.id)).toContain(id);
      }
      console.info(`[chat session, real model] calls ${log.join(' ')}`);
    } finally {
      session.dispose();
    }
  }, 300_000);
});
