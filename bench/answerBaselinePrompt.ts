/**
 * The Answer Agent's prompt as it was before the compact listing (answer-v1, json form, benchmark mode), kept
 * verbatim so bench:answer measures today's prompt against the old one in the same run.
 */
import type { ChatMessage } from '../app/llm/types';

export const BASELINE_PROMPT_VERSION = 'answer-v1';

const SYSTEM = `You answer a question using only the memories listed with it. Each memory has an id in brackets and a date.
First pick the memories that answer the question (at most 5), then answer from those alone.
Answer in a few words: a name, a date such as "7 May 2023", a number or a short phrase. Use the dates to work out when things happened.
Reply with JSON only: {"memory_ids":["..."],"answer":"..."}`;

const EXAMPLE_MEMORIES = `Memories:
- [0] 20 January 2023: Jon lost his job at the bank on 19 January 2023.
- [1] 20 January 2023: Jon is opening his own dance studio.`;

export function buildBaselineAnswerMessages(question: string, memories: readonly { id: string; date: string; text: string }[]): ChatMessage[] {
  const list = memories.length === 0 ? 'Memories:\n(none)' : `Memories:\n${memories.map((m) => `- [${m.id}] ${m.date}: ${m.text}`).join('\n')}`;
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${EXAMPLE_MEMORIES}\nQuestion: When did Jon lose his job?` },
    { role: 'assistant', content: JSON.stringify({ memory_ids: ['0'], answer: '19 January 2023' }) },
    { role: 'user', content: `${list}\nQuestion: ${question}` },
  ];
}
