/**
 * rag: naive retrieval over the raw turns. Every ingested turn is stored as it was said (speaker, words, image
 * caption) under its session date; a question retrieves the top-k turns with the same hybrid search the agents use,
 * and the model answers from them. No facts, no updates, no distillation.
 */

import { retrieveForQuestion, rowOf } from '../../agent/retrieveMemories';
import { formatDay, parseSessionDate, toIsoDate } from '../../lib/calendar';
import { normalizeMemoryText } from '../../memory/validateMemoryOps';
import { CONTEXT_ANSWER_PROMPT_VERSION } from '../contextAnswerPrompt';
import { turnText } from '../locomo';
import { answerFromLines } from './answerFromLines';
import { type EvalPipeline, emptyIngestStats } from './evalPipeline';
import { lastSessionDate } from './speakerNamespaces';

const RAG_PROPOSER = { model: 'none', promptVersion: 'rag-turns-v1' };

export const ragPipeline: EvalPipeline = {
  name: 'rag',
  description: `top-k raw turns by hybrid search (${CONTEXT_ANSWER_PROMPT_VERSION})`,

  async ingest(turns, ctx) {
    const stats = emptyIngestStats();
    stats.turns = turns.length;
    // A turn said twice word for word ("Thanks!") is stored once: the bank refuses a repeated text in one batch.
    const existing = new Set((await ctx.deps.bank.db.memories.where('namespace').equals(ctx.namespace).toArray()).map((m) => normalizeMemoryText(m.text)));
    const fresh = turns.filter((t) => {
      const key = normalizeMemoryText(turnText(t));
      if (existing.has(key)) return false;
      existing.add(key);
      return true;
    });
    if (fresh.length === 0) return stats;
    const vectors = await ctx.deps.embedder.embed(fresh.map(turnText));
    const dims = vectors.length / fresh.length;
    const result = await ctx.deps.bank.apply({
      namespace: ctx.namespace,
      ops: fresh.map((t, i) => ({
        op: 'ADD',
        text: turnText(t),
        embedding: rowOf(vectors, i, dims).slice(),
        eventTime: toIsoDate(parseSessionDate(t.sessionTime)),
        sourceTurnIds: [t.diaId],
      })),
      candidateIds: [],
      turnId: null,
      proposer: RAG_PROPOSER,
    });
    if (!result.ok) throw new Error(`storing the turns for rag failed: ${result.errors.map((e) => e.reason).join('; ')}`);
    stats.ops.ADD = fresh.length;
    return stats;
  },

  async answer(question, ctx) {
    const vector = await ctx.deps.embedder.embed([question]);
    const referenceDate = lastSessionDate(ctx.turns);
    const found = await retrieveForQuestion(ctx.deps.bank, question, vector, {
      k: ctx.settings.topK,
      namespaces: [ctx.namespace],
      timeAware: referenceDate ? { referenceDate } : false,
    });
    // Shown in the order they were said, so the model reads a conversation, not a ranking.
    const hits = [...found.hits].sort((a, b) => (a.memory.id < b.memory.id ? -1 : 1));
    const lines = hits.map((h) => ({ date: formatDay(parseSessionDate(h.memory.eventTime ?? '1970-01-01')), text: h.memory.text }));
    return answerFromLines(ctx, 'Parts of the conversation', lines, question);
  },
};
