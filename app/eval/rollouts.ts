/**
 * Outcome-reward rollouts for GRPO, as Memory-R1 trains its two agents:
 * - Answer Agent: for a question and the memories retrieved for it, G answers sampled at temperature 1, each
 *   rewarded by exact match with the gold answer.
 * - Memory Manager: for a turn, its facts extracted once (greedy, so every sample has the same prompt), then G
 *   operation batches sampled at temperature 1; each batch is applied to its own *copy* of the bank, a frozen
 *   Answer Agent (greedy) answers every question whose evidence includes the turn from that copy, and the batch's
 *   reward is the mean exact match. A first reply the bank or parser refuses earns 0 (the manager's retry is a
 *   different prompt, so it is not part of the group).
 * The bank the rollouts start from is built turn by turn by the greedy Memory Manager, the same as `ours`.
 */
import { ANSWER_PROMPT_VERSION, createAnswerAgent, defaultAnswerMaxTokens, memoryDate } from '../agent/answerAgent';
import { chronologicalCompare } from '../agent/answerAgentListing';
import { createMemoryManager, type DialogueTurn, MEMORY_MANAGER_PROMPT_VERSION } from '../agent/memoryManager';
import { parseAnswer } from '../agent/parseAnswer';
import { answerSchema, buildAnswerMessages } from '../agent/prompts/answerPrompt';
import { buildMemoryUpdateMessages } from '../agent/prompts/memoryUpdatePrompt';
import { retrieveForQuestion } from '../agent/retrieveMemories';
import type { Embedder } from '../embed/embedder';
import type { LLMClient } from '../llm/types';
import type { EvalBank } from './evalBank';
import { type EvalQuestion, selectQuestions } from './evalQuestions';
import { type RewardKind, type RolloutGroup, type RolloutRow, rolloutRows } from './grpo';
import type { LocomoConversation, LocomoTurn } from './locomo';
import { exactMatch, tokenF1 } from './metrics';
import { managerTurnText } from './pipelines/oursPipeline';
import { lastSessionDate, speakerNamespace, speakerNamespaces } from './pipelines/speakerNamespaces';
import { splitOf } from './splits';

export const ROLLOUT_TEMPERATURE = 1.0;

function rewardOf(kind: RewardKind): (prediction: string, gold: string) => number {
  return kind === 'token-f1' ? tokenF1 : exactMatch;
}

export interface RolloutDeps {
  /** The policy being sampled. */
  llm: LLMClient;
  /** The frozen Answer Agent's model for the manager's reward; default `llm`. */
  answerLlm?: LLMClient;
  embedder: Pick<Embedder, 'embed'>;
  /** A fresh, empty bank for a copy (the CLI: fake-indexeddb; each copy is destroyed after use). */
  openCopy: (name: string) => Promise<EvalBank>;
}

export interface AnswerRolloutRequest {
  bank: EvalBank;
  conversation: LocomoConversation;
  namespacePrefix: string;
  question: EvalQuestion;
  turns: readonly LocomoTurn[];
  groupSize: number;
  perSpeakerK: number;
  temperature?: number;
  /** Default exact match (Memory-R1's). */
  reward?: RewardKind;
  signal?: AbortSignal;
}

function checkGroupSize(g: number): void {
  if (!Number.isInteger(g) || g < 2)
    throw new Error(`the group size must be a whole number of at least 2 (GRPO compares samples of one prompt), got ${String(g)}`);
}

export async function answerAgentRollout(deps: RolloutDeps, request: AnswerRolloutRequest): Promise<RolloutGroup> {
  checkGroupSize(request.groupSize);
  const temperature = request.temperature ?? ROLLOUT_TEMPERATURE;
  const rewardKind = request.reward ?? 'exact-match';
  const score = rewardOf(rewardKind);
  const { question } = request;
  const vector = await deps.embedder.embed([question.question]);
  const referenceDate = lastSessionDate(request.turns);
  const retrieval = await retrieveForQuestion(request.bank.bank, question.question, vector, {
    namespaces: speakerNamespaces(request.namespacePrefix, request.conversation),
    k: request.perSpeakerK * 2,
    perNamespaceK: request.perSpeakerK,
    ...(referenceDate ? { timeAware: { referenceDate } } : {}),
  });
  // The prompt exactly as the Answer Agent builds it.
  const shown = [...retrieval.hits]
    .sort((a, b) => chronologicalCompare(a.memory, b.memory))
    .map((h, i) => ({ id: String(i), date: memoryDate(h.memory), text: h.memory.text }));
  const ids = shown.map((m) => m.id);
  const prompt = buildAnswerMessages({ question: question.question, memories: shown, mode: 'benchmark', format: 'json' });
  const samples = [];
  for (let i = 0; i < request.groupSize; i++) {
    const result = await deps.llm.complete(prompt, {
      maxTokens: defaultAnswerMaxTokens('benchmark'),
      temperature,
      jsonSchema: answerSchema(ids, 'benchmark'),
      cacheKey: 'answer',
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const answer = parseAnswer(result.text, ids).answer;
    samples.push({ completion: result.text, reward: score(answer, question.gold), detail: answer });
  }
  return {
    groupId: `answer-agent/${question.sampleId}/${question.index}`,
    policy: 'answer-agent',
    prompt,
    groundTruth: question.gold,
    split: splitOf(question.sampleId),
    sampleId: question.sampleId,
    qaIndices: [question.index],
    turnId: null,
    model: deps.llm.modelId,
    promptVersion: ANSWER_PROMPT_VERSION,
    temperature,
    rewardKind,
    samples,
  };
}

export interface ManagerRolloutRequest {
  /** The bank as it stands before the turn; left unchanged. */
  bank: EvalBank;
  conversation: LocomoConversation;
  namespacePrefix: string;
  turn: LocomoTurn;
  /** The questions whose evidence includes the turn. */
  questions: readonly EvalQuestion[];
  /** The turns ingested so far, this one included (for "today" in time-aware retrieval). */
  turnsSoFar: readonly LocomoTurn[];
  groupSize: number;
  perSpeakerK: number;
  temperature?: number;
  /** Default exact match (Memory-R1's). */
  reward?: RewardKind;
  signal?: AbortSignal;
}

export type ManagerRolloutOutcome = { status: 'sampled'; group: RolloutGroup } | { status: 'skipped'; turnId: string; reason: string };

export async function memoryManagerRollout(deps: RolloutDeps, request: ManagerRolloutRequest): Promise<ManagerRolloutOutcome> {
  checkGroupSize(request.groupSize);
  if (request.questions.length === 0) throw new Error(`turn ${request.turn.diaId}: no question has it as evidence, so there is no reward`);
  const temperature = request.temperature ?? ROLLOUT_TEMPERATURE;
  const rewardKind = request.reward ?? 'exact-match';
  const score = rewardOf(rewardKind);
  const { turn, conversation } = request;
  const dialogueTurn: DialogueTurn = {
    speaker: turn.speaker,
    text: managerTurnText(turn),
    sessionTime: turn.sessionTime,
    turnId: turn.diaId,
    namespace: speakerNamespace(request.namespacePrefix, conversation, turn.speaker),
  };
  const opts = request.signal ? { signal: request.signal } : {};
  const greedy = createMemoryManager({ llm: deps.llm, embedder: deps.embedder, bank: request.bank.bank }, { temperature: 0 });
  const extraction = await greedy.extractFacts(dialogueTurn, opts);
  if (extraction.status === 'rejected') return { status: 'skipped', turnId: turn.diaId, reason: `fact extraction failed: ${extraction.errors.join('; ')}` };
  if (extraction.facts.length === 0) return { status: 'skipped', turnId: turn.diaId, reason: 'the turn has no facts' };

  const snapshot = await request.bank.snapshot(request.namespacePrefix);
  const referenceDate = lastSessionDate(request.turnsSoFar);
  let prompt: ReturnType<typeof buildMemoryUpdateMessages> | null = null;
  const samples = [];
  for (let g = 0; g < request.groupSize; g++) {
    const copy = await deps.openCopy(`rollout-${conversation.sampleId}-${turn.diaId}-${g}`);
    try {
      Object.assign(copy.state, request.bank.state);
      await copy.restore(request.namespacePrefix, snapshot);
      const sampler = createMemoryManager({ llm: deps.llm, embedder: deps.embedder, bank: copy.bank }, { temperature });
      const result = await sampler.updateMemories(extraction, opts);
      if (result.candidates.length === 0) {
        return {
          status: 'skipped',
          turnId: turn.diaId,
          reason: 'no similar memory yet: every fact is an ADD without a model call, so there is nothing to sample',
        };
      }
      const messages = buildMemoryUpdateMessages({ memories: result.candidates.map((c) => c.text), facts: result.facts });
      if (prompt && JSON.stringify(prompt) !== JSON.stringify(messages))
        throw new Error(`turn ${turn.diaId}: the bank copies showed different memories; the group would not share one prompt`);
      prompt ??= messages;
      const first = result.calls.find((c) => c.stage === 'memory-update' && c.attempt === 1);
      if (!first) throw new Error(`turn ${turn.diaId}: the Memory Manager made no memory-update call`);
      if (result.status !== 'applied' || result.attempts !== 1) {
        samples.push({ completion: first.output, reward: 0, detail: 'first reply refused' });
        continue;
      }
      const agent = createAnswerAgent({
        llm: deps.answerLlm ?? deps.llm,
        embedder: deps.embedder,
        bank: copy.bank,
        latencyBudgetS: 0,
        reuseAcrossQuestions: false,
      });
      const answers = [];
      for (const q of request.questions) {
        const a = await agent.answer({
          question: q.question,
          namespaces: speakerNamespaces(request.namespacePrefix, conversation),
          perNamespaceK: request.perSpeakerK,
          mode: 'benchmark',
          ...(referenceDate ? { referenceDate } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
        answers.push({ answer: a.answer, reward: score(a.answer, q.gold) });
      }
      const reward = answers.reduce((s, a) => s + a.reward, 0) / answers.length;
      samples.push({ completion: first.output, reward, detail: `${result.ops.map((o) => o.op).join(',')} → ${answers.map((a) => a.answer).join(' | ')}` });
    } finally {
      await copy.destroy();
    }
  }
  return {
    status: 'sampled',
    group: {
      groupId: `memory-manager/${conversation.sampleId}/${turn.diaId}`,
      policy: 'memory-manager',
      prompt: prompt!,
      groundTruth: request.questions.map((q) => q.gold).join(' | '),
      split: splitOf(conversation.sampleId),
      sampleId: conversation.sampleId,
      qaIndices: request.questions.map((q) => q.index),
      turnId: turn.diaId,
      model: deps.llm.modelId,
      promptVersion: MEMORY_MANAGER_PROMPT_VERSION,
      temperature,
      rewardKind,
      samples,
    },
  };
}

export type RolloutPolicyChoice = 'answer' | 'manager';

export interface CollectRolloutsOptions {
  conversations: readonly LocomoConversation[];
  policies: readonly RolloutPolicyChoice[];
  groupSize: number;
  maxTurns?: number | null;
  limit?: number | null;
  perSpeakerK?: number;
  /** Default exact match (Memory-R1's). */
  reward?: RewardKind;
  deps: RolloutDeps;
  /** The bank built by the greedy Memory Manager (cleared per conversation). */
  bank: EvalBank;
  onGroup?: (group: RolloutGroup) => void;
  onSkip?: (turnId: string, reason: string) => void;
  onProgress?: (done: number, total: number, what: string) => void;
  signal?: AbortSignal;
}

export interface CollectedRollouts {
  groups: RolloutGroup[];
  rows: RolloutRow[];
  skipped: { turnId: string; reason: string }[];
}

/**
 * Per conversation: the greedy Memory Manager ingests the turns one by one; before a turn that is evidence of a
 * selected question, a manager group is sampled; after the last turn, an answer group per selected question.
 */
export async function collectRollouts(options: CollectRolloutsOptions): Promise<CollectedRollouts> {
  checkGroupSize(options.groupSize);
  const perSpeakerK = options.perSpeakerK ?? 30;
  const { questions, turns: turnsOf } = selectQuestions(options.conversations, { maxTurns: options.maxTurns ?? null, limit: options.limit ?? null });
  const groups: RolloutGroup[] = [];
  const skipped: { turnId: string; reason: string }[] = [];
  const opts = options.signal ? { signal: options.signal } : {};
  const reward = options.reward ? { reward: options.reward } : {};
  const total =
    options.conversations.reduce((n, c) => n + (turnsOf.get(c.sampleId)?.length ?? 0), 0) + (options.policies.includes('answer') ? questions.length : 0);
  let done = 0;
  const add = (g: RolloutGroup) => {
    groups.push(g);
    options.onGroup?.(g);
  };
  for (const conversation of options.conversations) {
    const mine = questions.filter((q) => q.sampleId === conversation.sampleId);
    if (mine.length === 0) continue;
    const turns = turnsOf.get(conversation.sampleId) ?? [];
    const prefix = `rollouts/${conversation.sampleId}`;
    await options.bank.restore(prefix, []);
    const manager = createMemoryManager({ llm: options.deps.llm, embedder: options.deps.embedder, bank: options.bank.bank }, { temperature: 0 });
    for (const [i, turn] of turns.entries()) {
      options.signal?.throwIfAborted();
      const evidenceOf = mine.filter((q) => q.evidence.includes(turn.diaId));
      if (options.policies.includes('manager') && evidenceOf.length > 0) {
        const outcome = await memoryManagerRollout(options.deps, {
          bank: options.bank,
          conversation,
          namespacePrefix: prefix,
          turn,
          questions: evidenceOf,
          turnsSoFar: turns.slice(0, i + 1),
          groupSize: options.groupSize,
          perSpeakerK,
          ...reward,
          ...opts,
        });
        if (outcome.status === 'sampled') add(outcome.group);
        else {
          skipped.push({ turnId: `${conversation.sampleId}/${outcome.turnId}`, reason: outcome.reason });
          options.onSkip?.(`${conversation.sampleId}/${outcome.turnId}`, outcome.reason);
        }
      }
      await manager.processTurn(
        {
          speaker: turn.speaker,
          text: managerTurnText(turn),
          sessionTime: turn.sessionTime,
          turnId: turn.diaId,
          namespace: speakerNamespace(prefix, conversation, turn.speaker),
        },
        opts,
      );
      options.onProgress?.(++done, total, `${conversation.sampleId} ${turn.diaId}`);
    }
    if (options.policies.includes('answer')) {
      for (const question of mine) {
        options.signal?.throwIfAborted();
        add(
          await answerAgentRollout(options.deps, {
            bank: options.bank,
            conversation,
            namespacePrefix: prefix,
            question,
            turns,
            groupSize: options.groupSize,
            perSpeakerK,
            ...reward,
            ...opts,
          }),
        );
        options.onProgress?.(++done, total, `${conversation.sampleId} question ${question.index}`);
      }
    }
    await options.bank.restore(prefix, []);
  }
  let index = 0;
  const rows = groups.flatMap((g) => {
    const r = rolloutRows(g, index);
    index += r.length;
    return r;
  });
  return { groups, rows, skipped };
}
