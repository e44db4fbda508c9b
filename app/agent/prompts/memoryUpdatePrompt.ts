/**
 * Prompt for the Memory Manager's decision: for each new fact, ADD / UPDATE / DELETE / NOOP against the most
 * similar stored memories, in Memory-R1's output format `{"memory":[{"id","text","event"}]}`. NOOP is Memory-R1's
 * and the bank's word for "no change" (mem0's prompt says NONE); the model, the bank and the op stream share it.
 *
 * Written against mem0's known failure modes, each stated in the rules and shown in the example:
 * - an addition to a stored memory ("adopted Buddy", then "adopted Scout") is one merged UPDATE, not DELETE+ADD;
 * - a changed preference is an UPDATE, not a DELETE;
 * - a fact already stored is NOOP, never a second ADD.
 * Memories are shown under short integer ids ("0", "1", …), never the bank's UUIDs: small models copy short
 * numbers reliably and cannot invent a plausible-looking UUID that happens to exist.
 *
 * Layout for prompt-cache reuse: system text and worked example are constants, byte-identical on every call; the
 * memories and facts come last. A retry appends the rejected reply and the reasons after all of it, so the whole
 * first prompt is a cached prefix of the second.
 *
 * `old_memory` (Memory-R1's copy of the text an UPDATE replaces) is not asked for: the bank has that text and
 * records it in the history row, and on the browser engine every generated token costs ~50 ms. The parser still
 * accepts it from models that add it.
 */
import type { ChatMessage, JsonSchema } from '../../llm/types';
import { promptLine } from './promptText';
import { appendRejectionFeedback } from './rejectionFeedback';

export const PROMPT_VERSION = 'memory-update-v2';

export const MAX_MEMORY_UPDATE_TEXT_LENGTH = 240;
export const MEMORY_EVENTS = ['ADD', 'UPDATE', 'DELETE', 'NOOP'] as const;
export type MemoryEvent = (typeof MEMORY_EVENTS)[number];

const SYSTEM = `You keep a memory bank up to date. You get the stored memories most like some new facts, each memory with a short number as its id, and the new facts.
Write one entry for each new fact, with one event:
- ADD: no memory is about this. Give it a new id: the next number after the last memory.
- UPDATE: a memory is about the same thing and the fact adds to it or changes it. Use that memory's id and write one text that keeps the old details and adds the new ones. A changed preference or plan is an UPDATE, not a DELETE.
- DELETE: the fact shows that a memory is no longer true. Use that memory's id.
- NOOP: a memory already says this. Use that memory's id and copy its text. Never ADD what is already stored.
Reply with JSON only: {"memory":[{"id":"...","text":"...","event":"..."}]}`;

const EXAMPLE_USER = `Memories:
0: Alex adopted a dog named Buddy.
1: Alex likes hiking.
2: Alex lives in Denver.
New facts:
- Alex adopted a second dog named Scout.
- Alex now prefers swimming to hiking.
- Alex lives in Denver.
- Alex started pottery classes.`;

const EXAMPLE_ASSISTANT = `{"memory":[{"id":"0","text":"Alex adopted two dogs, Buddy and Scout.","event":"UPDATE"},{"id":"1","text":"Alex used to like hiking but now prefers swimming.","event":"UPDATE"},{"id":"2","text":"Alex lives in Denver.","event":"NOOP"},{"id":"3","text":"Alex started pottery classes.","event":"ADD"}]}`;

export interface MemoryUpdateInput {
  /** The candidates, in the order shown; memory i is shown under the id String(i). */
  memories: readonly string[];
  facts: readonly string[];
}

/**
 * The output's shape for this call. Ids are enumerated: the shown ones plus one new id per fact (an ADD invents
 * one, as in Memory-R1; the manager ignores it). One entry per fact at most, each text bounded: llama.cpp's
 * grammar honours these bounds, which keeps a small model from looping.
 */
export function memoryUpdateSchema(memoryCount: number, factCount: number): JsonSchema {
  const ids = Array.from({ length: memoryCount + Math.max(1, factCount) }, (_, i) => String(i));
  return {
    type: 'object',
    properties: {
      memory: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { enum: ids },
            text: { type: 'string', minLength: 1, maxLength: MAX_MEMORY_UPDATE_TEXT_LENGTH },
            event: { enum: [...MEMORY_EVENTS] },
          },
          required: ['id', 'text', 'event'],
          additionalProperties: false,
        },
        minItems: 1,
        maxItems: Math.max(1, factCount),
      },
    },
    required: ['memory'],
    additionalProperties: false,
  };
}

export function buildMemoryUpdateMessages(input: MemoryUpdateInput): ChatMessage[] {
  const memories = input.memories.length > 0 ? input.memories.map((text, i) => `${i}: ${promptLine(text)}`).join('\n') : '(none)';
  const facts = input.facts.map((f) => `- ${promptLine(f)}`).join('\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: EXAMPLE_USER },
    { role: 'assistant', content: EXAMPLE_ASSISTANT },
    { role: 'user', content: `Memories:\n${memories}\nNew facts:\n${facts}` },
  ];
}

/** The first prompt, the rejected reply, and why it was rejected: the one retry the manager allows. */
export function buildMemoryUpdateRetryMessages(first: readonly ChatMessage[], rejectedOutput: string, errors: readonly string[]): ChatMessage[] {
  return appendRejectionFeedback(first, rejectedOutput, errors, 'Reply again with corrected JSON for the same new facts.');
}
