/**
 * evidence: the Answer Agent alone, over a few LoCoMo observations per question — the authors' observations whose
 * `dia_id`s are the question's evidence (at most half the list) plus distractor observations of the same
 * conversation, shuffled, under short ids, in the Answer Agent's own prompt (buildAnswerMessages) and schema.
 *
 * Why this exists: it isolates the answer policy, which is what GRPO trains (npm run train). The observations stand
 * in for a memory bank because a 135M Memory Manager cannot build a useful one, and retrieval at small k misses the
 * evidence for many questions — a reward of 0 for every sample of a group teaches nothing. Training (`conv-26`) and
 * scoring (`conv-30`) build their prompts with the same function, so the base and the trained model are compared
 * on prompts shaped exactly like the ones trained on. Not a memory system: it is told where the evidence is.
 */
import { defaultAnswerMaxTokens } from '../../agent/answerAgent';
import { parseAnswer } from '../../agent/parseAnswer';
import { PROMPT_VERSION as ANSWER_PROMPT_VERSION, type AnswerMemoryLine, answerSchema, buildAnswerMessages } from '../../agent/prompts/answerPrompt';
import { formatDay, parseSessionDate } from '../../lib/calendar';
import { mulberry32 } from '../../lib/seededRandom';
import type { ChatMessage, JsonSchema } from '../../llm/types';
import { evidenceIds } from '../evalQuestions';
import type { LocomoConversation, LocomoObservation } from '../locomo';
import type { EvalPipeline } from './evalPipeline';

/** Memories per prompt; the pipeline's `topK` setting overrides it in the eval CLI. */
export const EVIDENCE_MEMORIES = 8;

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function observationLine(o: LocomoObservation): Omit<AnswerMemoryLine, 'id'> {
  return { date: formatDay(parseSessionDate(o.sessionTime)), text: o.fact };
}

export interface EvidencePrompt {
  messages: ChatMessage[];
  schema: JsonSchema;
  shownIds: string[];
  maxTokens: number;
  /** How many of the listed memories are evidence observations. */
  evidenceShown: number;
}

/** The Answer Agent's prompt for `question` over its evidence observations and distractors (deterministic). */
export function evidencePrompt(conversation: LocomoConversation, question: string, evidence: readonly string[], memories = EVIDENCE_MEMORIES): EvidencePrompt {
  const ids = new Set(evidenceIds(evidence));
  // mulberry32 seeded by the question, so its prompt is the same in training and in every eval run.
  const random = mulberry32(hashString(`${conversation.sampleId}\u0000${question}`));
  const isEvidence = (o: LocomoObservation) => o.diaIds.some((d) => ids.has(d));
  const gold = conversation.observations.filter(isEvidence).slice(0, Math.max(1, Math.floor(memories / 2)));
  const distractors = shuffled(
    conversation.observations.filter((o) => !isEvidence(o)),
    random,
  ).slice(0, memories - gold.length);
  const lines = shuffled([...gold, ...distractors], random).map((o, i) => ({ id: String(i), ...observationLine(o) }));
  const shownIds = lines.map((l) => l.id);
  return {
    messages: buildAnswerMessages({ question, memories: lines, mode: 'benchmark', format: 'json' }),
    schema: answerSchema(shownIds, 'benchmark'),
    shownIds,
    maxTokens: defaultAnswerMaxTokens('benchmark'),
    evidenceShown: gold.length,
  };
}

export const evidencePipeline: EvalPipeline = {
  name: 'evidence',
  description: `Answer Agent (${ANSWER_PROMPT_VERSION}) over the question's evidence observations plus distractors (${EVIDENCE_MEMORIES} memories; the training prompts of npm run train)`,

  async answer(question, ctx) {
    const qa = ctx.conversation.questions.find((q) => q.question === question);
    const prompt = evidencePrompt(ctx.conversation, question, qa?.evidence ?? []);
    const result = await ctx.deps.llm.complete(prompt.messages, {
      maxTokens: prompt.maxTokens,
      temperature: 0,
      jsonSchema: prompt.schema,
      cacheKey: 'answer',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const parsed = parseAnswer(result.text, prompt.shownIds);
    const problems = [...parsed.problems];
    if (!qa) problems.push('the question is not in the conversation: no evidence observations listed');
    if (result.finishReason === 'length') problems.push(`the reply was cut off at the ${prompt.maxTokens}-token limit`);
    return {
      prediction: parsed.answer,
      context: prompt.messages
        .at(-1)!
        .content.split('\n')
        .filter((l) => l.startsWith('- [')),
      shown: prompt.shownIds.length,
      tokens: { calls: 1, promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens },
      problems,
    };
  },
};
