/**
 * GRPO rollouts on the REAL models (SmolLM2-135M GGUF through node-llama-cpp, bge-small), with a small group:
 * the Answer Agent's G answers at temperature 1 for conv-30's first questions, and the Memory Manager's G sampled
 * batches for a turn, each applied to its own copy of the bank. Asserts the JSONL rows' schema, the group-relative
 * advantages and that the bank the rollouts start from is left as it was — not the quality of the samples.
 */
import * as transformers from '@huggingface/transformers';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, BGE_SMALL_MODEL_ID, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { rowOf } from '../agent/retrieveMemories';
import { createEmbedder, type Embedder } from '../embed/embedder';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../llm/nodeLlamaCppClient';
import { MANUAL_PROPOSER } from '../memory/types';
import { type EvalBank, openEvalBank } from './evalBank';
import { selectQuestions } from './evalQuestions';
import { readLocomoFixture } from './fixtures/locomoFixture';
import { groupAdvantages, type RewardKind, type RolloutRow, toJsonl } from './grpo';
import { tokenF1 } from './metrics';
import { speakerNamespace } from './pipelines/speakerNamespaces';
import { collectRollouts, memoryManagerRollout, type RolloutDeps } from './rollouts';
import { selectSplit } from './splits';

const conversations = selectSplit(readLocomoFixture(), 'val');
const conv30 = conversations[0]!;

function expectRowSchema(row: RolloutRow) {
  expect(Array.isArray(row.prompt) && row.prompt.every((m) => ['system', 'user', 'assistant'].includes(m.role) && typeof m.content === 'string')).toBe(true);
  expect(row.completion).toEqual([{ role: 'assistant', content: expect.any(String) as string }]);
  expect(row.reward).toBeGreaterThanOrEqual(0);
  expect(row.reward).toBeLessThanOrEqual(1);
  expect(Number.isFinite(row.advantage)).toBe(true);
  expect(row).toMatchObject({
    data_source: 'locomo',
    reward_model: { style: 'rule' },
    extra_info: { split: 'val', reward_kind: 'exact-match', temperature: 1 },
  });
  expect(typeof row.group_id).toBe('string');
  expect(row.label).toBe(row.advantage > 0);
}

describe('GRPO rollouts on the real models', () => {
  let llm: NodeLlamaCppClient;
  let embedder: Embedder;
  let deps: RolloutDeps;
  const banks: EvalBank[] = [];
  let n = 0;
  const openBank = async (name = 'bank') => {
    n += 1;
    const bank = await openEvalBank({ name: `rollouts-test-${process.pid}-${name}-${n}`, dims: embedder.dims, indexedDB: { indexedDB, IDBKeyRange } });
    banks.push(bank);
    return bank;
  };

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH, threads: 1 });
    embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    deps = { llm, embedder, openCopy: (name) => openBank(name) };
  });

  afterAll(async () => {
    for (const b of banks) b.close();
    await llm?.dispose();
    await embedder?.dispose();
  });

  /** One Answer Agent group (G = 2) for conv-30's first question, over the bank the first 2 turns built. */
  const sampleFirstQuestion = async (reward?: RewardKind) =>
    collectRollouts({
      conversations,
      policies: ['answer'],
      groupSize: 2,
      maxTurns: 2,
      limit: 1,
      perSpeakerK: 5,
      ...(reward ? { reward } : {}),
      deps,
      bank: await openBank(),
    });

  it('samples G answers per question, rewards them by exact match and writes trainer-ready JSONL rows', { timeout: 240_000 }, async () => {
    const collected = await sampleFirstQuestion();
    expect(collected.groups).toHaveLength(1);
    const group = collected.groups[0]!;
    expect(group).toMatchObject({ groupId: 'answer-agent/conv-30/0', policy: 'answer-agent', groundTruth: '19 January, 2023', qaIndices: [0], temperature: 1 });
    expect(group.samples).toHaveLength(2);
    expect(collected.rows).toHaveLength(2);
    collected.rows.forEach(expectRowSchema);
    expect(collected.rows.map((r) => r.advantage)).toEqual(groupAdvantages(group.samples.map((s) => s.reward)));
    // The prompt is the Answer Agent's, with the memories the greedy Memory Manager stored from the first 2 turns.
    expect(collected.rows[0]!.prompt.at(-1)!.content).toContain('Question: When did Omar lose his job at the shipping company?');
    const lines = toJsonl(collected.rows).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as RolloutRow).extra_info.index)).toEqual([0, 1]);
  });

  it('rewards with token F1 when asked, and says so in every row', { timeout: 240_000 }, async () => {
    const collected = await sampleFirstQuestion('token-f1');
    const group = collected.groups[0]!;
    expect(group.rewardKind).toBe('token-f1');
    for (const s of group.samples) expect(s.reward).toBe(tokenF1(s.detail!, group.groundTruth));
    expect(collected.rows.map((r) => r.extra_info.reward_kind)).toEqual(['token-f1', 'token-f1']);
  });

  it('samples G operation batches for a turn on copies of the bank, leaving the bank as it was', { timeout: 240_000 }, async () => {
    const bank = await openBank();
    const prefix = 'rollouts/conv-30';
    // Omar's bank before D1:4, by hand: what D1:2 told (so the turn's facts have a similar memory to decide about).
    const texts = ['Omar lost his job at the shipping company on 19 January 2023.', 'Omar is going to open his own bike repair shop.'];
    const vectors = await embedder.embed(texts);
    const seeded = await bank.bank.apply({
      namespace: speakerNamespace(prefix, conv30, 'Omar'),
      ops: texts.map((text, i) => ({ op: 'ADD', text, embedding: rowOf(vectors, i, embedder.dims).slice(), eventTime: '2023-01-20' })),
      candidateIds: [],
      turnId: 'D1:2',
      proposer: MANUAL_PROPOSER,
    });
    expect(seeded.ok).toBe(true);
    const before = await bank.snapshot(prefix);
    const turns = conv30.turns.slice(0, 4);
    const question = selectQuestions(conversations, { maxTurns: 4 }).questions.find((q) => q.index === 4)!;

    const outcome = await memoryManagerRollout(deps, {
      bank,
      conversation: conv30,
      namespacePrefix: prefix,
      turn: turns[3]!,
      questions: [question],
      turnsSoFar: turns,
      groupSize: 2,
      perSpeakerK: 5,
    });
    expect(await bank.snapshot(prefix)).toEqual(before);
    // The bank holds memories like the turn's facts, so there is a memory-update prompt to sample.
    expect(outcome.status).toBe('sampled');
    if (outcome.status !== 'sampled') return;
    const { group } = outcome;
    expect(group).toMatchObject({ groupId: 'memory-manager/conv-30/D1:4', policy: 'memory-manager', turnId: 'D1:4', qaIndices: [4] });
    expect(group.samples).toHaveLength(2);
    expect(group.prompt.at(-1)!.content).toContain('Omar lost his job at the shipping company on 19 January 2023.');
    for (const s of group.samples) expect(s.completion.length).toBeGreaterThan(0);
  });
});
