/**
 * npm run bench:tokens [-- --data <locomo.json>]
 *
 * Prompt tokens per answered LoCoMo question: (a) full context — the whole conversation, as the full-context
 * baseline pipeline sends it (contextAnswerPrompt.ts, one dated line per turn) — against (b) ours — the Answer
 * Agent's prompt with the up to 60 memories retrieval puts in front of it (30 per speaker, as Memory-R1 does),
 * listed as the agent lists them for a first question (date order). Counts are the real model's tokenizer
 * (SmolLM2's, through node-llama-cpp, with its chat template), so the figures are deterministic.
 *
 * Then a replay of each conversation's questions in order, the listing planned as the Answer Agent plans it across
 * questions (answerAgentListing.ts: the earlier listing first, the newly retrieved after it, within the listing
 * cap): the share of each prompt's tokens that is a prefix of the previous prompt's (what llama.cpp's prompt cache
 * serves), and how far the agent's token estimate is from the tokenizer.
 *
 * The memory bank here is built from LoCoMo's `observation` facts (the facts its authors wrote per turn), not from
 * our Memory Manager: the only chat model on the CI machines (135M) cannot build a good bank, and these are the
 * honest stand-in for one. The Memory Manager's own per-turn prompts (fact extraction + memory update over those
 * facts, with up to 10 similar earlier memories) are counted on their own line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as transformers from '@huggingface/transformers';
import { getLlama } from 'node-llama-cpp';
import { DEFAULT_MAX_LISTING_TOKENS, memoryDate } from '../app/agent/answerAgent';
import { estimateListingTokens, type ListingItem, listingKey, planListing } from '../app/agent/answerAgentListing';
import { type AnswerMemoryLine, buildAnswerMessages } from '../app/agent/prompts/answerPrompt';
import { buildFactExtractionMessages } from '../app/agent/prompts/factExtractionPrompt';
import { buildMemoryUpdateMessages } from '../app/agent/prompts/memoryUpdatePrompt';
import { createEmbedder } from '../app/embed/embedder';
import { buildContextAnswerMessages } from '../app/eval/contextAnswerPrompt';
import { type LocomoConversation, parseLocomo, turnText } from '../app/eval/locomo';
import { formatDay, parseSessionDate } from '../app/lib/calendar';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import type { MemoryRecord } from '../app/memory/types';
import { createVectorIndex } from '../app/memory/vectorIndex';
import { assertTestModelsPresent, LOCAL_TRANSFORMERS_DIR, TEST_CHAT_GGUF_PATH } from '../scripts/test-models';

const { values } = parseArgs({
  options: { data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/datasets/locomo/locomo-dev.json') } },
});

const CATEGORY_NAMES: Record<number, string> = {
  1: 'code 1: multi-hop (Mem0/Memory-R1: single-hop)',
  2: 'code 2: temporal (temporal)',
  3: 'code 3: open-domain (Mem0/Memory-R1: multi-hop)',
  4: 'code 4: single-hop (Mem0/Memory-R1: open-domain)',
};
const PER_SPEAKER_K = 30;
const MANAGER_PER_FACT_K = 5;
const MANAGER_MAX_CANDIDATES = 10;

const day = (iso: string) => formatDay(parseSessionDate(iso));

interface Counts {
  full: number[];
  ours: number[];
}

async function main() {
  assertTestModelsPresent();
  const conversations = parseLocomo(JSON.parse(readFileSync(values.data!, 'utf8')));
  const llm: NodeLlamaCppClient = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
  const embedder = await createEmbedder(transformers, { modelId: 'Xenova/bge-small-en-v1.5', localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
  const count = (messages: Parameters<NodeLlamaCppClient['countPromptTokens']>[0]) => llm.countPromptTokens(messages);
  // Token sequences for the shared-prefix count (the chat template adds the same tokens around each message).
  const tokenizer = await (await getLlama({ gpu: false, build: 'never' })).loadModel({ modelPath: TEST_CHAT_GGUF_PATH, vocabOnly: true });
  const tokens = (messages: Parameters<NodeLlamaCppClient['countPromptTokens']>[0]) =>
    tokenizer.tokenize(messages.map((m) => `${m.role}\n${m.content}`).join('\n'));
  const replay = { prompt: 0, cached: 0, questions: 0, listed: 0, estimated: 0, real: 0 };

  const byCategory = new Map<number, Counts>();
  const managerPerTurn: number[] = [];
  for (const conv of conversations) {
    await benchConversation(conv, byCategory, managerPerTurn);
  }

  async function benchConversation(conv: LocomoConversation, into: Map<number, Counts>, manager: number[]) {
    const fullLines = conv.turns.map((t) => ({ date: day(t.sessionTime), text: turnText(t) }));
    const facts = conv.observations;
    const records: MemoryRecord[] = facts.map((o, i) => ({
      id: String(i).padStart(4, '0'),
      namespace: o.speaker,
      text: o.fact,
      embedding: new Float32Array(0),
      createdAt: 0,
      updatedAt: 0,
      sourceTurnIds: o.diaIds,
      eventTime: o.sessionTime,
    }));
    const vectors = await embedder.embed(facts.map((o) => o.fact));
    const dims = embedder.dims;
    const vectorOf = (i: number) => vectors.subarray(i * dims, (i + 1) * dims);

    // Answers: the whole bank of observations, searched per speaker.
    const bank = await createVectorIndex({ dims });
    bank.bulkLoad(facts.map((o, i) => ({ id: String(i), namespace: o.speaker, vector: vectorOf(i) })));
    const questions = conv.questions.filter((q) => q.category !== 5);
    const qVectors = await embedder.embed(questions.map((q) => q.question));
    let previous: MemoryRecord[] = [];
    let previousTokens: number[] = [];
    questions.forEach((q, qi) => {
      const qv = qVectors.subarray(qi * dims, (qi + 1) * dims);
      const hits = conv.speakers.flatMap((speaker) => bank.search(qv, { k: PER_SPEAKER_K, namespaces: [speaker] }));
      hits.sort((a, b) => b.score - a.score);
      const retrieved: ListingItem[] = hits.map((h) => ({ memory: records[Number(h.id)]!, score: h.score, ranks: { dense: 1 }, retrieved: true }));
      const lines = (items: readonly ListingItem[]): AnswerMemoryLine[] =>
        items.map((item, i) => ({ id: String(i), date: memoryDate(item.memory), text: item.memory.text }));
      const single = planListing({
        retrieved,
        previous: [],
        stillCurrent: new Set(),
        reuse: false,
        maxListingTokens: DEFAULT_MAX_LISTING_TOKENS,
        budgetTokens: null,
        minListed: 5,
        dateOf: memoryDate,
      });
      const c = into.get(q.category) ?? { full: [], ours: [] };
      c.full.push(count(buildContextAnswerMessages('Conversation', fullLines, q.question)));
      c.ours.push(count(buildAnswerMessages({ question: q.question, memories: lines(single.listed), mode: 'benchmark', format: 'json' })));
      into.set(q.category, c);

      const plan = planListing({
        retrieved,
        previous,
        stillCurrent: new Set(previous.map(listingKey)),
        reuse: true,
        maxListingTokens: DEFAULT_MAX_LISTING_TOKENS,
        budgetTokens: null,
        minListed: 5,
        dateOf: memoryDate,
      });
      const messages = buildAnswerMessages({ question: q.question, memories: lines(plan.listed), mode: 'benchmark', format: 'json' });
      const now = tokens(messages);
      let shared = 0;
      while (shared < now.length && shared < previousTokens.length && now[shared] === previousTokens[shared]) shared++;
      replay.prompt += now.length;
      replay.cached += shared;
      replay.questions += 1;
      replay.listed += plan.listed.length;
      replay.estimated += estimateListingTokens(plan.listed, memoryDate);
      replay.real += count(messages) - count(buildAnswerMessages({ question: q.question, memories: [], mode: 'benchmark', format: 'json' }));
      previous = plan.listed.map((item) => item.memory);
      previousTokens = now;
    });

    // The manager, turn by turn, against the bank as it stood before the turn.
    const seen = await createVectorIndex({ dims });
    const factsOfTurn = new Map<string, number[]>();
    facts.forEach((o, i) => {
      for (const id of o.diaIds) factsOfTurn.set(id, [...(factsOfTurn.get(id) ?? []), i]);
    });
    for (const turn of conv.turns) {
      let tokens = count(buildFactExtractionMessages({ speaker: turn.speaker, sessionDate: day(turn.sessionTime), text: turn.text }));
      const mine = factsOfTurn.get(turn.diaId) ?? [];
      if (mine.length > 0) {
        const candidates = new Map<string, number>();
        for (const i of mine)
          for (const h of seen.search(vectorOf(i), { k: MANAGER_PER_FACT_K, namespaces: [facts[i]!.speaker] }))
            candidates.set(h.id, Math.max(candidates.get(h.id) ?? -1, h.score));
        const shown = [...candidates]
          .sort((a, b) => b[1] - a[1])
          .slice(0, MANAGER_MAX_CANDIDATES)
          .map(([id]) => facts[Number(id)]!.fact);
        tokens += count(buildMemoryUpdateMessages({ memories: shown, facts: mine.map((i) => facts[i]!.fact) }));
        for (const i of mine) seen.upsert(String(i), facts[i]!.speaker, vectorOf(i));
      }
      manager.push(tokens);
    }
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `bench:tokens on ${path.basename(values.data!)}: ${conversations.length} conversation(s); tokenizer SmolLM2-135M-Instruct (chat template included)`,
  );
  console.log('bank: LoCoMo observation facts (stand-in for a good Memory Manager), bge-small-en-v1.5, 30 per speaker');
  console.log('category                                            questions   full   ours   ratio');
  const all: Counts = { full: [], ours: [] };
  for (const [cat, c] of [...byCategory].sort((a, b) => a[0] - b[0])) {
    all.full.push(...c.full);
    all.ours.push(...c.ours);
    console.log(
      `${(CATEGORY_NAMES[cat] ?? `code ${cat}`).padEnd(50)} ${String(c.full.length).padStart(9)} ${mean(c.full).toFixed(0).padStart(6)} ${mean(c.ours).toFixed(0).padStart(6)}  ${(mean(c.ours) / mean(c.full)).toFixed(3)}`,
    );
  }
  console.log(
    `${'overall'.padEnd(50)} ${String(all.full.length).padStart(9)} ${mean(all.full).toFixed(0).padStart(6)} ${mean(all.ours).toFixed(0).padStart(6)}  ${(mean(all.ours) / mean(all.full)).toFixed(3)}`,
  );
  console.log(`memory manager per turn: ${mean(managerPerTurn).toFixed(0)} prompt tokens (fact extraction + memory update), ${managerPerTurn.length} turns`);
  const full = mean(all.full);
  const ours = mean(all.ours);
  console.log(`tokens per question: full=${full.toFixed(0)} ours=${ours.toFixed(0)} ratio=${(ours / full).toFixed(4)}`);
  console.log(
    `replay across questions (listing cap ${DEFAULT_MAX_LISTING_TOKENS} estimated tokens): ${replay.questions} questions, ${(replay.listed / replay.questions).toFixed(1)} memories listed on average, ` +
      `listing tokens estimated/real=${(replay.estimated / replay.real).toFixed(2)}`,
  );
  console.log(
    `cache replay: prompt_tokens=${(replay.prompt / replay.questions).toFixed(0)} cached_tokens=${(replay.cached / replay.questions).toFixed(0)} cached_ratio=${(replay.cached / replay.prompt).toFixed(3)}`,
  );
  await llm.dispose();
  await tokenizer.dispose();
  await embedder.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
