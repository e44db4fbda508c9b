/**
 * A MemoryBank for the agents' Node tests: fake-indexeddb (a fresh database per call) and the real exact
 * retrieval index in this thread (app/memory/inThreadRetrievalIndex.ts, the page's fallback when its worker cannot start).
 */

import { createInThreadRetrievalIndex } from '../../memory/inThreadRetrievalIndex';
import { MemoryBank, type RetrievalIndex } from '../../memory/memoryBank';
import { DEFAULT_EMBEDDING_DIMS } from '../../memory/memoryOps';
import { openTestBank } from '../../memory/testing/bankFixtures';
import { MANUAL_PROPOSER, type Namespace } from '../../memory/types';

export async function createTestRetrievalIndex(dims = DEFAULT_EMBEDDING_DIMS): Promise<RetrievalIndex> {
  return createInThreadRetrievalIndex({ dims });
}

export async function openAgentTestBank(dims = DEFAULT_EMBEDDING_DIMS): Promise<MemoryBank> {
  // No delayed save of the lexical index: a timer writing that cache mid-test would break byte-identity checks.
  return MemoryBank.open({ db: openTestBank(), index: await createTestRetrievalIndex(dims), channelName: null, lexicalPersistDelayMs: null });
}

/** Stores memories by hand (one ADD batch, as the user editing the bank would), returning their ids in order. */
export async function seedMemories(
  bank: MemoryBank,
  namespace: Namespace,
  memories: readonly { text: string; embedding: Float32Array; eventTime?: string }[],
): Promise<string[]> {
  const result = await bank.apply({
    namespace,
    ops: memories.map((m) => ({ op: 'ADD', text: m.text, embedding: m.embedding, eventTime: m.eventTime ?? null })),
    candidateIds: [],
    turnId: null,
    proposer: MANUAL_PROPOSER,
  });
  if (!result.ok) throw new Error(`seeding the test bank failed: ${result.errors.map((e) => e.reason).join('; ')}`);
  return result.history.map((h) => h.memoryId!);
}
