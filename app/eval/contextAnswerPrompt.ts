/**
 * The answer prompt of the baselines (full context, naive RAG, mem0-style): the question after a list of dated
 * lines (turns or memories), answered in a few words. Unlike the Answer Agent's prompt it asks for no
 * distillation, which is what `ours` adds; the style line and the answer bound are the Answer Agent's benchmark
 * ones, so answers are comparable in form. Schema-constrained JSON: a 135M model rambles past free-text markers.
 */
import { MAX_ANSWER_LENGTH } from '../agent/prompts/answerPrompt';
import type { ChatMessage, JsonSchema } from '../llm/types';

export const CONTEXT_ANSWER_PROMPT_VERSION = 'context-answer-v1';

export interface ContextLine {
  /** As people write it ("7 May 2023"). */
  date: string;
  text: string;
}

const SYSTEM = `You answer a question about a conversation using only the lines listed with it. Each line has a date.
Answer in a few words: a name, a date such as "7 May 2023", a number or a short phrase. Use the dates to work out when things happened.
Reply with JSON only: {"answer":"..."}`;

export function contextAnswerSchema(): JsonSchema {
  return {
    type: 'object',
    properties: { answer: { type: 'string', minLength: 1, maxLength: MAX_ANSWER_LENGTH.benchmark } },
    required: ['answer'],
    additionalProperties: false,
  };
}

/** Room for the JSON around the longest answer (~3 characters a token). */
export const CONTEXT_ANSWER_MAX_TOKENS = 16 + Math.ceil(MAX_ANSWER_LENGTH.benchmark / 3);

export function buildContextAnswerMessages(heading: string, lines: readonly ContextLine[], question: string): ChatMessage[] {
  const body = lines.length === 0 ? '(none)' : lines.map((l) => `- ${l.date}: ${l.text}`).join('\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${heading}:\n${body}\nQuestion: ${question}` },
  ];
}

/** The answer field of a schema-constrained reply; a reply that is not such JSON is kept as it came, trimmed. */
export function parseContextAnswer(text: string): { answer: string; parsed: boolean } {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { answer?: unknown }).answer === 'string') {
      return { answer: (value as { answer: string }).answer.trim(), parsed: true };
    }
  } catch {
    // fall through: the raw reply is the prediction, marked unparsed
  }
  return { answer: text.trim(), parsed: false };
}
