/**
 * The LLM judge (the "J" of Mem0's and Memory-R1's tables), with a prompt in our own words that grades the way
 * those papers do: generously. An answer on the same topic as the gold answer is CORRECT even when longer or
 * worded differently; a date or period is CORRECT when it names the same time in any format ("May 7th" for
 * "7 May 2023"). The judge is any LLMClient, so it can be a larger model on another server than the model under
 * test. The reply is schema-constrained to `{"label": "CORRECT"|"WRONG"}`.
 */
import type { ChatMessage, JsonSchema, LLMClient } from '../llm/types';

export const JUDGE_PROMPT_VERSION = 'judge-v1';
export type JudgeLabel = 'CORRECT' | 'WRONG';

export const JUDGE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['CORRECT', 'WRONG'] } },
  required: ['label'],
  additionalProperties: false,
};

const SYSTEM = `You grade answers to questions about a conversation. You see the question, the gold answer and a generated answer.
Be generous: the generated answer is CORRECT when it means the same thing as the gold answer or is about the same topic, even if it is longer, shorter or worded differently.
For dates and periods: CORRECT when it names the same day, month, year or period in any format ("May 7th" or "7/5/2023" for "7 May 2023"); relative words alone ("last week") are WRONG.
Otherwise it is WRONG.
Reply with JSON only: {"label":"CORRECT"} or {"label":"WRONG"}`;

export function buildJudgeMessages(question: string, gold: string, prediction: string): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Question: ${question}\nGold answer: ${gold}\nGenerated answer: ${prediction}` },
  ];
}

/** The label, or null with the reason when the reply names neither (it is then left out of J, not counted WRONG). */
export function parseJudgeReply(text: string): { label: JudgeLabel | null; problem?: string } {
  try {
    const value = JSON.parse(text) as unknown;
    const label = typeof value === 'object' && value !== null ? (value as { label?: unknown }).label : undefined;
    if (label === 'CORRECT' || label === 'WRONG') return { label };
  } catch {
    // free text: look for the word below
  }
  const words = new Set(text.toUpperCase().match(/\b(CORRECT|WRONG)\b/g) ?? []);
  if (words.size === 1) return { label: [...words][0] as JudgeLabel };
  return { label: null, problem: `the judge's reply names no single label: ${JSON.stringify(text.slice(0, 200))}` };
}

export interface JudgeVerdict {
  label: JudgeLabel | null;
  /** 1 CORRECT, 0 WRONG, null unreadable. */
  score: number | null;
  promptTokens: number;
  completionTokens: number;
  problem?: string;
}

export interface Judge {
  readonly modelId: string;
  judge(question: string, gold: string, prediction: string, signal?: AbortSignal): Promise<JudgeVerdict>;
}

export function createLlmJudge(llm: LLMClient): Judge {
  return {
    modelId: llm.modelId,
    async judge(question, gold, prediction, signal) {
      // An empty prediction is WRONG without asking: there is nothing to grade.
      if (prediction.trim() === '') return { label: 'WRONG', score: 0, promptTokens: 0, completionTokens: 0 };
      const result = await llm.complete(buildJudgeMessages(question, gold, prediction), {
        maxTokens: 16,
        temperature: 0,
        jsonSchema: JUDGE_SCHEMA,
        cacheKey: 'judge',
        ...(signal ? { signal } : {}),
      });
      const parsed = parseJudgeReply(result.text);
      return {
        label: parsed.label,
        score: parsed.label === null ? null : parsed.label === 'CORRECT' ? 1 : 0,
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
        ...(parsed.problem ? { problem: parsed.problem } : {}),
      };
    },
  };
}
