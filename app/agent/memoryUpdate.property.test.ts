/**
 * Property-based tests of the Memory Manager's memory-update path (parse → remap → ops → the bank's validation,
 * one transaction), run through the manager itself with generated replies:
 * - every generated malformed reply (given on both attempts) is rejected with a reason of its kind, and the bank
 *   is byte-identical afterwards;
 * - every generated valid reply is applied, and its UPDATE / DELETE / NOOP land on exactly the real memories the
 *   short ids named.
 * The model's replies are generated (the arbitraries the fault harness also runs in the browser,
 * app/agent/testing/malformedModelOutputs.ts), the bank (fake-indexeddb + the exact vector index) is real.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { dumpBank } from '../memory/faults/bankSnapshot';
import type { MemoryBank } from '../memory/memoryBank';
import { createMemoryManager, type DialogueTurn, MEMORY_MANAGER_PROMPT_VERSION, type ShownMemory } from './memoryManager';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { FACTS_PER_TURN, json, malformedReplyArbitrary, SHOWN_SHORT_IDS, validEntries } from './testing/malformedModelOutputs';
import { createScriptedLlmClient } from './testing/scriptedLlmClient';

const NS = 'user:melanie';
const STORED = ['Melanie likes running.', 'Melanie has two kids.', 'Melanie owns a red car.'];
const FACTS_REPLY = JSON.stringify({ facts: ['Melanie likes painting with her kids.', 'Melanie sold her red car.'] });
const TURN: DialogueTurn = {
  speaker: 'Melanie',
  text: 'I paint with my kids now, and I sold my red car.',
  sessionTime: '2023-05-25',
  turnId: 'D2:3',
  namespace: NS,
};

async function openSeededBank(): Promise<{ bank: MemoryBank; ids: string[] }> {
  const bank = await openAgentTestBank();
  const ids = await seedMemories(
    bank,
    NS,
    STORED.map((text) => ({ text, embedding: hashingEmbedding(text) })),
  );
  return { bank, ids };
}

function runManager(bank: MemoryBank, replies: string[]) {
  const llm = createScriptedLlmClient(replies);
  return { llm, result: createMemoryManager({ llm, embedder: createHashingEmbedder(), bank }).processTurn(TURN) };
}

describe('memory-update replies (property-based)', () => {
  let bank: MemoryBank;
  let ids: string[];
  let shown: ShownMemory[];

  beforeAll(async () => {
    // The generators assume the manager was shown 3 memories and 2 facts.
    expect((JSON.parse(FACTS_REPLY) as { facts: string[] }).facts).toHaveLength(FACTS_PER_TURN);
    ({ bank, ids } = await openSeededBank());
    // What the manager shows for TURN's facts on this bank, so generated replies can aim at real short ids.
    const probe = runManager(bank, [FACTS_REPLY, '', '']);
    const result = await probe.result;
    expect(result.status).toBe('rejected');
    shown = result.candidates;
    expect(shown.map((c) => c.shortId)).toEqual(SHOWN_SHORT_IDS);
    expect([...shown.map((c) => c.memoryId)].sort()).toEqual([...ids].sort());
  });

  afterAll(() => {
    bank.close();
    bank.db.close();
  });

  it('rejects every malformed reply with a reason, leaving the bank byte-identical', async () => {
    const before = await dumpBank(bank.db);
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(malformedReplyArbitrary(shown.map((c) => c.text)), async ({ kind, output, reason }) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const { llm, result } = runManager(bank, [FACTS_REPLY, output, output]);
        const r = await result;
        expect(r.status).toBe('rejected');
        if (r.status !== 'rejected') return;
        expect(r.stage).toBe('memory-update');
        expect(r.rawOutputs).toEqual([output, output]);
        expect(r.attemptErrors).toHaveLength(2);
        for (const errors of r.attemptErrors) {
          expect(errors.length).toBeGreaterThan(0);
          expect(errors.join('\n')).toMatch(reason);
        }
        expect(llm.remaining).toBe(0);
        expect(await dumpBank(bank.db)).toBe(before);
      }),
      { numRuns: 1200 },
    );
    // Every kind was generated many times.
    expect(kinds.size).toBe(20);
    for (const [kind, n] of kinds) expect(n, kind).toBeGreaterThan(15);
  }, 120_000);

  it('applies every valid reply, its UPDATE / DELETE / NOOP on exactly the memories named', async () => {
    await fc.assert(
      fc.asyncProperty(validEntries, async (entries) => {
        const fresh = await openSeededBank();
        try {
          const { result } = runManager(fresh.bank, [FACTS_REPLY, json(entries)]);
          const r = await result;
          expect(r.status).toBe('applied');
          if (r.status !== 'applied') return;
          const byShort = new Map(r.candidates.map((c) => [c.shortId, c.memoryId]));
          expect(r.ops).toHaveLength(entries.length);
          r.ops.forEach((op, i) => {
            const entry = entries[i]!;
            expect(op.event).toBe(entry.event);
            if (entry.event === 'ADD') {
              expect(fresh.ids).not.toContain(op.memoryId);
            } else {
              expect(fresh.ids).toContain(op.memoryId);
              expect(op.memoryId).toBe(byShort.get(entry.id as string));
            }
          });
          for (const row of r.history)
            expect(row).toMatchObject({ model: 'scripted-test-model', promptVersion: MEMORY_MANAGER_PROMPT_VERSION, turnId: 'D2:3' });
        } finally {
          fresh.bank.close();
          fresh.bank.db.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
