/**
 * The one retry the Memory Manager allows after an invalid reply: the first prompt, the rejected reply, and why
 * it was rejected. Appended after everything, so the whole first prompt is a cached prefix of the retry.
 * Part of the fact-extraction and memory-update prompts: a change here changes both PROMPT_VERSIONs.
 */
import type { ChatMessage } from '../../llm/types';

/** At most this many reasons go back to the model: a retry prompt must stay short. */
const MAX_REASONS_SHOWN = 6;
const MAX_REASON_LENGTH = 200;

export function appendRejectionFeedback(first: readonly ChatMessage[], rejectedOutput: string, errors: readonly string[], instruction: string): ChatMessage[] {
  const shown = errors.slice(0, MAX_REASONS_SHOWN).map((e) => `- ${e.length > MAX_REASON_LENGTH ? `${e.slice(0, MAX_REASON_LENGTH)}…` : e}`);
  if (errors.length > MAX_REASONS_SHOWN) shown.push(`- and ${errors.length - MAX_REASONS_SHOWN} more`);
  return [...first, { role: 'assistant', content: rejectedOutput }, { role: 'user', content: `That reply was rejected:\n${shown.join('\n')}\n${instruction}` }];
}
