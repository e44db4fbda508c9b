/**
 * Prompt for the Answer Agent: Memory-R1's "distill, then answer" — the model first names the memories it will
 * use, then answers from those alone.
 *
 * Two output forms:
 * - `json` (the default): `{"memory_ids":[…],"answer":"…"}` under a JSON schema whose ids are the shown ids.
 *   Why a schema and not free text with the issue's `**Answer:**` marker: a 135M model asked for free text
 *   forgets the marker or rambles past it; under a grammar it cannot, the ids it cites can only be ids it was
 *   shown, and the answer's length is bounded. The agent renders the result as `<ids> **Answer:** <answer>`,
 *   so what users and logs see is the marker form either way.
 * - `marker`: free text, the ids then `**Answer:**` and the answer, for engines or models without grammars;
 *   parseAnswer.ts parses it (and says when the marker was missing).
 *
 * Layout for prompt-cache reuse: system text and worked example are constant per (mode, format), byte-identical
 * on every call; the memories and the question come last.
 */
import type { ChatMessage, JsonSchema } from '../../llm/types';

export const PROMPT_VERSION = 'answer-v1';

/** The fixed marker between the cited ids and the answer. */
export const ANSWER_MARKER = '**Answer:**';

export type AnswerMode = 'benchmark' | 'chat';
export type AnswerFormat = 'json' | 'marker';

export const MAX_CITED_IDS = 5;
export const MAX_ANSWER_LENGTH: Record<AnswerMode, number> = { benchmark: 120, chat: 500 };

const INTRO = `You answer a question using only the memories listed with it. Each memory has an id in brackets and a date.
First pick the memories that answer the question (at most ${MAX_CITED_IDS}), then answer from those alone.`;

const STYLE: Record<AnswerMode, string> = {
  benchmark: 'Answer in a few words: a name, a date such as "7 May 2023", a number or a short phrase. Use the dates to work out when things happened.',
  chat: 'Answer the user in a friendly sentence or two. If the memories do not say, say that you do not remember.',
};

const REPLY: Record<AnswerFormat, string> = {
  json: 'Reply with JSON only: {"memory_ids":["..."],"answer":"..."}',
  marker: `Reply with the ids of the memories you use, then ${ANSWER_MARKER} and the answer.`,
};

const EXAMPLE_MEMORIES = `Memories:
- [0] 20 January 2023: Jon lost his job at the bank on 19 January 2023.
- [1] 20 January 2023: Jon is opening his own dance studio.`;

const EXAMPLE: Record<AnswerMode, { question: string; answer: string }> = {
  benchmark: { question: 'When did Jon lose his job?', answer: '19 January 2023' },
  chat: { question: 'When did I lose my job?', answer: 'You lost your job at the bank on 19 January 2023.' },
};

export interface AnswerMemoryLine {
  /** The short id it is shown under. */
  id: string;
  /** As people write it ("7 May 2023"). */
  date: string;
  text: string;
}

export interface AnswerPromptInput {
  question: string;
  memories: readonly AnswerMemoryLine[];
  mode: AnswerMode;
  format: AnswerFormat;
}

/** How a reply looks in the marker form: `0, 3 **Answer:** …` (no ids: `none`). */
export function renderAnswerWithMarker(ids: readonly string[], answer: string): string {
  return `${ids.length > 0 ? ids.join(', ') : 'none'} ${ANSWER_MARKER} ${answer}`;
}

function exampleReply(mode: AnswerMode, format: AnswerFormat): string {
  const { answer } = EXAMPLE[mode];
  return format === 'json' ? JSON.stringify({ memory_ids: ['0'], answer }) : renderAnswerWithMarker(['0'], answer);
}

function memoryList(memories: readonly AnswerMemoryLine[]): string {
  if (memories.length === 0) return 'Memories:\n(none)';
  return `Memories:\n${memories.map((m) => `- [${m.id}] ${m.date}: ${m.text}`).join('\n')}`;
}

export function buildAnswerMessages(input: AnswerPromptInput): ChatMessage[] {
  const { mode, format } = input;
  return [
    { role: 'system', content: `${INTRO}\n${STYLE[mode]}\n${REPLY[format]}` },
    { role: 'user', content: `${EXAMPLE_MEMORIES}\nQuestion: ${EXAMPLE[mode].question}` },
    { role: 'assistant', content: exampleReply(mode, format) },
    { role: 'user', content: `${memoryList(input.memories)}\nQuestion: ${input.question}` },
  ];
}

/** The `json` form's schema for one call: ids limited to the shown ones, the answer bounded by mode. */
export function answerSchema(shownIds: readonly string[], mode: AnswerMode): JsonSchema {
  return {
    type: 'object',
    properties: {
      memory_ids:
        shownIds.length > 0
          ? { type: 'array', items: { enum: [...shownIds] }, maxItems: MAX_CITED_IDS }
          : { type: 'array', items: { type: 'string', maxLength: 0 }, maxItems: 0 },
      answer: { type: 'string', minLength: 1, maxLength: MAX_ANSWER_LENGTH[mode] },
    },
    required: ['memory_ids', 'answer'],
    additionalProperties: false,
  };
}
