/**
 * The Memory Manager on the REAL models: SmolLM2-135M-Instruct (GGUF, node-llama-cpp, CPU) and bge-small-en-v1.5
 * (q8 ONNX, transformers.js), over a fake-indexeddb bank with the exact vector index. Needs `npm run
 * models:fetch`; fails (never skips) when the files are missing. The turn is LoCoMo conv-26 D2:1 (CC BY-NC 4.0),
 * taken from the recorded fixtures.
 *
 * A 135M model follows the schema but not the task, so this asserts structure and the bank's consistency —
 * an applied batch or a visible rejection — never the wisdom of the operations.
 */
import * as transformers from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { createEmbedder, type Embedder } from '../embed/embedder';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../llm/nodeLlamaCppClient';
import { dumpBank } from '../memory/faults/bankSnapshot';
import type { MemoryBank } from '../memory/memoryBank';
import factFixtures from './fixtures/fact-extraction.json';
import type { FactFixtureFile } from './fixtures/fixtureTypes';
import { createMemoryManager, MEMORY_MANAGER_PROMPT_VERSION, type MemoryManagerEvent } from './memoryManager';
import { rowOf } from './retrieveMemories';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';

const NS = 'user:melanie';
const SEEDED = ['Melanie likes running.', 'Melanie has kids and a busy job.'];

describe('Memory Manager on the real models', () => {
  let llm: NodeLlamaCppClient;
  let embedder: Embedder;
  let bank: MemoryBank;
  let seededIds: string[];

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
    embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    bank = await openAgentTestBank(embedder.dims);
    const vectors = await embedder.embed(SEEDED);
    seededIds = await seedMemories(
      bank,
      NS,
      SEEDED.map((text, i) => ({ text, embedding: rowOf(vectors, i, embedder.dims).slice() })),
    );
  });

  afterAll(async () => {
    bank?.close();
    bank?.db.close();
    await llm?.dispose();
    await embedder?.dispose();
  });

  it('turns a real dialogue turn into an applied batch or a visible rejection, keeping the bank consistent', async () => {
    const turn = (factFixtures as FactFixtureFile).cases.find((c) => c.turn.turnId === 'D2:1')!.turn;
    const before = await dumpBank(bank.db);
    const countBefore = await bank.db.memories.count();
    const events: MemoryManagerEvent[] = [];
    const manager = createMemoryManager({ llm, embedder, bank }, { onEvent: (e) => events.push(e) });

    const result = await manager.processTurn({ ...turn, namespace: NS });

    // What the 135M model did, for the record (not asserted).
    console.info(
      `[memory manager, real model] ${result.status}; facts ${JSON.stringify(result.facts)}; ` +
        (result.status === 'applied'
          ? `ops ${JSON.stringify(result.ops.map((o) => [o.event, o.after]))}`
          : result.status === 'rejected'
            ? `errors ${JSON.stringify(result.errors)}`
            : '') +
        `; ${result.usage.promptTokens} prompt / ${result.usage.completionTokens} completion tokens in ${result.calls.length} calls`,
    );
    expect(['applied', 'rejected']).toContain(result.status);
    expect(result.dateResolutions).toContainEqual(expect.objectContaining({ phrase: 'last Saturday', date: '2023-05-20' }));
    expect(result.calls[0]!.stage).toBe('facts');
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.calls).toBe(result.calls.length);
    for (const call of result.calls) expect(call.finishReason).toBe('stop');
    expect(events.at(-1)!.type).toBe(result.status);

    if (result.status === 'rejected') {
      // Visible: every reason and raw reply; the bank untouched.
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.rawOutputs).toHaveLength(2);
      expect(await dumpBank(bank.db)).toBe(before);
      return;
    }

    if (result.status !== 'applied') return;
    // Applied: the facts were compared with the seeded memories (same namespace), shown under short ids.
    expect(result.candidates.map((c) => c.shortId)).toEqual(result.candidates.map((_, i) => String(i)));
    for (const c of result.candidates) expect(seededIds).toContain(c.memoryId);
    const history = await bank.db.memoryHistory.where('batchId').equals(result.batchId).toArray();
    expect(history).toHaveLength(result.ops.length);
    for (const row of history) {
      expect(row).toMatchObject({ model: llm.modelId, promptVersion: MEMORY_MANAGER_PROMPT_VERSION, turnId: turn.turnId, namespace: NS });
    }
    const adds = result.ops.filter((o) => o.op === 'ADD').length;
    const deletes = result.ops.filter((o) => o.op === 'DELETE').length;
    expect(await bank.db.memories.count()).toBe(countBefore + adds - deletes);
    for (const op of result.ops) {
      const stored = op.memoryId ? await bank.db.memories.get(op.memoryId) : undefined;
      if (op.op === 'DELETE') expect(stored).toBeUndefined();
      if (op.op === 'ADD' || op.op === 'UPDATE') {
        expect(stored?.text).toBe(op.after);
        // The index holds the stored vector: the memory finds itself first.
        const [hit] = (await bank.hybridSearch(stored!.text, stored!.embedding, { k: 1, namespaces: [NS], retrievers: ['dense'] })).hits;
        expect(hit?.memory.id).toBe(stored!.id);
      }
    }
  });
});
