/**
 * ours: the Memory-R1 pipeline as the app runs it. The Memory Manager builds a bank per speaker turn by turn
 * (facts, then ADD/UPDATE/DELETE/NOOP against similar memories); the Answer Agent retrieves 30 memories per
 * speaker, distills the few that answer, and answers from those.
 */
import { ANSWER_PROMPT_VERSION, createAnswerAgent } from '../../agent/answerAgent';
import { createMemoryManager, MEMORY_MANAGER_PROMPT_VERSION } from '../../agent/memoryManager';
import type { LocomoTurn } from '../locomo';
import { type EvalPipeline, emptyIngestStats, type IngestStats, type PipelineAnswer, type PipelineContext, tokensOf } from './evalPipeline';
import { lastSessionDate, speakerNamespace, speakerNamespaces } from './speakerNamespaces';

/** What the Memory Manager reads of a turn: its words, and the caption of a shared image. */
export function managerTurnText(turn: LocomoTurn): string {
  return turn.imageCaption ? `${turn.text} [shares an image: ${turn.imageCaption}]` : turn.text;
}

export const oursPipeline: EvalPipeline = {
  name: 'ours',
  description: `Memory Manager (${MEMORY_MANAGER_PROMPT_VERSION}) + Answer Agent with distillation (${ANSWER_PROMPT_VERSION}), per-speaker banks`,

  async ingest(turns, ctx): Promise<IngestStats> {
    const manager = createMemoryManager({ llm: ctx.deps.llm, embedder: ctx.deps.embedder, bank: ctx.deps.bank });
    const stats = emptyIngestStats();
    for (const turn of turns) {
      const result = await manager.processTurn(
        {
          speaker: turn.speaker,
          text: managerTurnText(turn),
          sessionTime: turn.sessionTime,
          turnId: turn.diaId,
          namespace: speakerNamespace(ctx.namespace, ctx.conversation, turn.speaker),
        },
        ctx.signal ? { signal: ctx.signal } : {},
      );
      stats.turns += 1;
      stats.tokens = {
        calls: stats.tokens.calls + result.usage.calls,
        promptTokens: stats.tokens.promptTokens + result.usage.promptTokens,
        completionTokens: stats.tokens.completionTokens + result.usage.completionTokens,
      };
      if (result.status === 'applied') for (const op of result.ops) stats.ops[op.op] += 1;
      if (result.status === 'rejected') stats.rejectedTurns += 1;
    }
    return stats;
  },

  async answer(question, ctx: PipelineContext): Promise<PipelineAnswer> {
    // Memory-R1's k as it is: exactly the retrieved memories, no latency budget, nothing carried between questions.
    const agent = createAnswerAgent({ llm: ctx.deps.llm, embedder: ctx.deps.embedder, bank: ctx.deps.bank, latencyBudgetS: 0, reuseAcrossQuestions: false });
    const referenceDate = lastSessionDate(ctx.turns);
    const result = await agent.answer({
      question,
      namespaces: speakerNamespaces(ctx.namespace, ctx.conversation),
      perNamespaceK: ctx.settings.perSpeakerK,
      mode: 'benchmark',
      ...(referenceDate ? { referenceDate } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const used = new Set(result.usedMemoryIds);
    return {
      prediction: result.answer,
      context: result.candidates.filter((c) => used.has(c.memory.id)).map((c) => `${c.date}: ${c.memory.text}`),
      shown: result.candidates.length,
      tokens: tokensOf(result.usage),
      problems: result.problems,
    };
  },
};
