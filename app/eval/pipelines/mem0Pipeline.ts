/**
 * mem0: Mem0's shape with an untrained, heuristic update step. The turn's facts come from the same extraction
 * prompt the Memory Manager uses; each fact is then compared with the most similar memory of its speaker by
 * cosine: near-identical (≥ 0.95) → NOOP, close (≥ 0.85) → UPDATE that memory to the newer fact (Mem0's "newer
 * information wins"), else ADD. No second model call decides. Answers come from the top-k memories, undistilled.
 */
import { createMemoryManager } from '../../agent/memoryManager';
import { PROMPT_VERSION as FACT_PROMPT_VERSION } from '../../agent/prompts/factExtractionPrompt';
import { retrieveForQuestion, rowOf } from '../../agent/retrieveMemories';
import { formatDay, parseSessionDate, toIsoDate } from '../../lib/calendar';
import type { MemoryOp } from '../../memory/memoryOps';
import { normalizeMemoryText } from '../../memory/validateMemoryOps';
import { CONTEXT_ANSWER_PROMPT_VERSION } from '../contextAnswerPrompt';
import { answerFromLines } from './answerFromLines';
import { type EvalPipeline, emptyIngestStats, type IngestStats } from './evalPipeline';
import { managerTurnText } from './oursPipeline';
import { lastSessionDate, speakerNamespace, speakerNamespaces } from './speakerNamespaces';

export const MEM0_NOOP_SIMILARITY = 0.95;
export const MEM0_UPDATE_SIMILARITY = 0.85;
const MEM0_PROPOSER = { model: 'heuristic', promptVersion: `${FACT_PROMPT_VERSION}+mem0-heuristic-v1` };

export interface Neighbour {
  id: string;
  text: string;
  score: number;
}

/** The heuristic: one op per fact from its nearest memory; a memory is the target of one op at most. */
export function mem0Decide(
  facts: readonly { text: string; nearest: Neighbour | null }[],
): { kind: 'ADD' | 'UPDATE' | 'NOOP'; factIndex: number; id?: string }[] {
  const targeted = new Set<string>();
  return facts.map((f, factIndex) => {
    const n = f.nearest;
    if (!n || targeted.has(n.id)) return { kind: 'ADD', factIndex };
    if (n.score >= MEM0_NOOP_SIMILARITY || normalizeMemoryText(n.text) === normalizeMemoryText(f.text)) {
      targeted.add(n.id);
      return { kind: 'NOOP', factIndex, id: n.id };
    }
    if (n.score >= MEM0_UPDATE_SIMILARITY) {
      targeted.add(n.id);
      return { kind: 'UPDATE', factIndex, id: n.id };
    }
    return { kind: 'ADD', factIndex };
  });
}

export const mem0Pipeline: EvalPipeline = {
  name: 'mem0',
  description: `fact extraction (${FACT_PROMPT_VERSION}) + cosine heuristic update (NOOP ≥ ${MEM0_NOOP_SIMILARITY}, UPDATE ≥ ${MEM0_UPDATE_SIMILARITY}), top-k memories (${CONTEXT_ANSWER_PROMPT_VERSION})`,

  async ingest(turns, ctx): Promise<IngestStats> {
    const manager = createMemoryManager({ llm: ctx.deps.llm, embedder: ctx.deps.embedder, bank: ctx.deps.bank });
    const stats = emptyIngestStats();
    for (const turn of turns) {
      stats.turns += 1;
      const namespace = speakerNamespace(ctx.namespace, ctx.conversation, turn.speaker);
      const extraction = await manager.extractFacts(
        { speaker: turn.speaker, text: managerTurnText(turn), sessionTime: turn.sessionTime, turnId: turn.diaId, namespace },
        ctx.signal ? { signal: ctx.signal } : {},
      );
      for (const call of extraction.calls) {
        stats.tokens = {
          calls: stats.tokens.calls + 1,
          promptTokens: stats.tokens.promptTokens + call.usage.promptTokens,
          completionTokens: stats.tokens.completionTokens + call.usage.completionTokens,
        };
      }
      if (extraction.status === 'rejected') {
        stats.rejectedTurns += 1;
        continue;
      }
      const facts = extraction.facts;
      if (facts.length === 0) continue;
      const vectors = await ctx.deps.embedder.embed(facts);
      const dims = vectors.length / facts.length;
      const nearest = await Promise.all(
        facts.map(async (fact, i) => {
          // mem0's rule reads the nearest memory's cosine similarity: dense retrieval alone, its own score.
          const { hits } = await ctx.deps.bank.hybridSearch(fact, rowOf(vectors, i, dims), { k: 1, namespaces: [namespace], retrievers: ['dense'] });
          const hit = hits[0];
          return hit?.denseScore !== undefined ? { id: hit.memory.id, text: hit.memory.text, score: hit.denseScore } : null;
        }),
      );
      const decisions = mem0Decide(facts.map((text, i) => ({ text, nearest: nearest[i]! })));
      const eventTime = toIsoDate(parseSessionDate(turn.sessionTime));
      const ops: MemoryOp[] = decisions.map((d) => {
        const embedding = rowOf(vectors, d.factIndex, dims).slice();
        if (d.kind === 'ADD') return { op: 'ADD', text: facts[d.factIndex]!, embedding, eventTime };
        if (d.kind === 'UPDATE') return { op: 'UPDATE', id: d.id!, text: facts[d.factIndex]!, embedding, eventTime };
        return { op: 'NOOP', id: d.id! };
      });
      const result = await ctx.deps.bank.apply({
        namespace,
        ops,
        candidateIds: nearest.flatMap((n) => (n ? [n.id] : [])),
        turnId: turn.diaId,
        proposer: MEM0_PROPOSER,
      });
      if (result.ok) for (const d of decisions) stats.ops[d.kind] += 1;
      else stats.rejectedTurns += 1;
    }
    return stats;
  },

  async answer(question, ctx) {
    const vector = await ctx.deps.embedder.embed([question]);
    const referenceDate = lastSessionDate(ctx.turns);
    const found = await retrieveForQuestion(ctx.deps.bank, question, vector, {
      k: ctx.settings.topK,
      namespaces: speakerNamespaces(ctx.namespace, ctx.conversation),
      timeAware: referenceDate ? { referenceDate } : false,
    });
    const lines = found.hits.map((h) => ({
      date: h.memory.eventTime ? formatDay(parseSessionDate(h.memory.eventTime)) : 'unknown date',
      text: h.memory.text,
    }));
    return answerFromLines(ctx, 'Memories', lines, question);
  },
};
