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
import { promptLine } from './promptText';

export const PROMPT_VERSION = 'answer-v2';

/** The fixed marker between the cited ids and the answer. */
export const ANSWER_MARKER = '**Answer:**';

export type AnswerMode = 'benchmark' | 'chat';
export type AnswerFormat = 'json' | 'marker';

export const MAX_CITED_IDS = 5;
export const MAX_ANSWER_LENGTH: Record<AnswerMode, number> = { benchmark: 120, chat: 500 };

// Every token here is read again on an engine without a warm cache, so the fixed part says only what the worked
// example does not already show (bench:tokens counts it with the real tokenizer).
const INTRO = `Use only the memories below: cite the ids you use (at most ${MAX_CITED_IDS}), then answer.`;

const STYLE: Record<AnswerMode, string> = {
  // LoCoMo's answers are names, dates (written as the headings write them), numbers or short phrases.
  benchmark: 'Answer in a few words.',
  chat: 'Answer the user in a friendly sentence or two. If the memories do not say, say that you do not remember.',
};

const REPLY: Record<AnswerFormat, string> = {
  // One line of JSON as the example: without it a small model pads the reply with newlines and indents (the grammar
  // allows them) and runs into the token limit.
  json: 'Reply in one line of JSON, e.g. {"memory_ids":["3"],"answer":"..."}',
  marker: `Reply with the ids you use, then ${ANSWER_MARKER} and the answer.`,
};

const EXAMPLE: Record<AnswerMode, { question: string; answer: string }> = {
  benchmark: { question: 'When did Jon lose his job?', answer: '19 May 2023' },
  chat: { question: 'When did I lose my job?', answer: 'You lost your job on 19 May 2023.' },
};

export interface AnswerMemoryLine {
  /** The short id it is shown under. */
  id: string;
  /** As people write it ("7 May 2023"); '' when unknown (no heading). */
  date: string;
  text: string;
}

const EXAMPLE_MEMORIES: readonly AnswerMemoryLine[] = [
  { id: '0', date: '20 May 2023', text: 'Jon lost his job on 19 May 2023.' },
  { id: '1', date: '20 May 2023', text: 'Jon opens a dance studio.' },
];

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

const YEAR = / (\d{4})$/;

/**
 * The listing (memory text flattened to one line by promptLine, as in the manager's prompts): a date heading (`7 May 2023:`) before each run of memories with that date, written without the year
 * (`8 May:`) while the year stays the one last written; each memory as `<id> <text>`. A memory line starts with its id
 * and a space, a heading is a date ending in a colon, so neither reads as the other. Listed in the given order: the
 * Answer Agent orders for prompt-cache reuse, which (date order at first) keeps equal dates together.
 */
export function memoryListing(memories: readonly AnswerMemoryLine[]): string {
  if (memories.length === 0) return 'Memories: none';
  // No "Memories:" label: the system text says what follows, and the first date heading opens the list.
  const lines: string[] = [];
  let date: string | null = null;
  let year: string | null = null;
  for (const m of memories) {
    const d = promptLine(m.date);
    if (d !== date && d !== '') {
      const y = YEAR.exec(d)?.[1] ?? null;
      lines.push(`${y !== null && y === year ? d.slice(0, -5) : d}:`);
      year = y;
    }
    date = d;
    lines.push(`${promptLine(m.id)} ${promptLine(m.text)}`);
  }
  return lines.join('\n');
}

/**
 * `json`: instructions, then the listing and the question — no worked example: the schema's grammar already fixes
 * the reply's form (Memory-R1's own answer prompt shows none either), and the example's ~80 tokens were a twentieth
 * of the prompt. `marker`: with a worked example, since free text has no grammar to hold it to the form.
 */
export function buildAnswerMessages(input: AnswerPromptInput): ChatMessage[] {
  const { mode, format } = input;
  const system: ChatMessage = { role: 'system', content: `${INTRO}\n${STYLE[mode]}\n${REPLY[format]}` };
  const ask: ChatMessage = { role: 'user', content: `${memoryListing(input.memories)}\nQuestion: ${input.question}` };
  if (format === 'json') return [system, ask];
  return [
    system,
    { role: 'user', content: `${memoryListing(EXAMPLE_MEMORIES)}\nQuestion: ${EXAMPLE[mode].question}` },
    { role: 'assistant', content: exampleReply(mode, format) },
    ask,
  ];
}

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
