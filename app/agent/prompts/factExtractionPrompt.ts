/**
 * Prompt for the Memory Manager's first step: the facts worth remembering in one dialogue turn.
 *
 * Layout for prompt-cache reuse (llama.cpp keeps the longest common prefix of consecutive prompts): the system
 * text and the worked example are constants, byte-identical on every call; only the last user message (speaker,
 * date, message) changes. Short on purpose: the browser engine reads prompts at ~20 tokens/s.
 */
import type { ChatMessage, JsonSchema } from '../../llm/types';
import { promptLine } from './promptText';
import { appendRejectionFeedback } from './rejectionFeedback';

export const PROMPT_VERSION = 'fact-extraction-v1';

export const MAX_FACTS = 4;
export const MAX_FACT_LENGTH = 200;

const SYSTEM = `You read one message from a conversation and list the facts in it that are worth remembering about the people in it.
- Write each fact as one short sentence in the third person that starts with the person's name, never "I" or "you".
- Keep names, places, numbers and dates exactly as written.
- Leave out greetings, thanks, questions and small talk.
- At most ${MAX_FACTS} facts; none is fine: {"facts":[]}.
Reply with JSON only: {"facts":["...","..."]}`;

const EXAMPLE_USER = `Speaker: Jon
Date: 20 January 2023
Message: Hey! I lost my job at the bank on 19 January 2023, so I'm opening my own dance studio. How are you?`;

const EXAMPLE_ASSISTANT = `{"facts":["Jon lost his job at the bank on 19 January 2023.","Jon is opening his own dance studio."]}`;

/** The output's shape; the bounds make llama.cpp's grammar stop a small model from looping. */
export const FACT_EXTRACTION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    facts: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: MAX_FACT_LENGTH },
      maxItems: MAX_FACTS,
    },
  },
  required: ['facts'],
  additionalProperties: false,
};

export interface FactExtractionInput {
  speaker: string;
  /** The session date as people write it ("8 May 2023"). */
  sessionDate: string;
  /** The message, with relative dates already resolved where the code could. */
  text: string;
}

/** The stable prefix (system text + worked example) then the turn. */
export function buildFactExtractionMessages(input: FactExtractionInput): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: EXAMPLE_USER },
    { role: 'assistant', content: EXAMPLE_ASSISTANT },
    { role: 'user', content: `Speaker: ${promptLine(input.speaker)}\nDate: ${promptLine(input.sessionDate)}\nMessage: ${promptLine(input.text)}` },
  ];
}

/** The first prompt, the rejected reply, and why it was rejected: the one retry the manager allows. */
export function buildFactExtractionRetryMessages(first: readonly ChatMessage[], rejectedOutput: string, errors: readonly string[]): ChatMessage[] {
  return appendRejectionFeedback(first, rejectedOutput, errors, 'Reply again with corrected JSON for the same message.');
}
