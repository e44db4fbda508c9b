/**
 * full: no memory at all: as many of the ingested turns as fit the model's context, latest kept (the earliest are
 * dropped first and the answer says how many), with the question after them.
 */
import { formatDay, parseSessionDate } from '../../lib/calendar';
import type { ChatMessage } from '../../llm/types';
import { buildContextAnswerMessages, CONTEXT_ANSWER_MAX_TOKENS, CONTEXT_ANSWER_PROMPT_VERSION, type ContextLine } from '../contextAnswerPrompt';
import { turnText } from '../locomo';
import { answerFromLines } from './answerFromLines';
import type { EvalPipeline } from './evalPipeline';

const HEADING = 'Conversation';

/** Without the engine's tokenizer: ~3 characters a token, which overestimates English and so stays inside. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length + 8, 0) / 3);
}

/** The longest tail of `lines` whose prompt fits `budget` tokens (binary search: the count grows with the tail). */
export function fittingTail(lines: readonly ContextLine[], fits: (tail: readonly ContextLine[]) => boolean): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(lines.slice(lines.length - mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export const fullContextPipeline: EvalPipeline = {
  name: 'full',
  description: `all ingested turns that fit the context, latest first kept (${CONTEXT_ANSWER_PROMPT_VERSION})`,

  async answer(question, ctx) {
    const lines: ContextLine[] = ctx.turns.map((t) => ({ date: formatDay(parseSessionDate(t.sessionTime)), text: turnText(t) }));
    const count = ctx.deps.countPromptTokens ?? estimatePromptTokens;
    // Room for the reply and a few tokens of slack for the engine's own wrapping.
    const budget = ctx.settings.contextTokens - CONTEXT_ANSWER_MAX_TOKENS - 8;
    const kept = fittingTail(lines, (tail) => count(buildContextAnswerMessages(HEADING, tail, question)) <= budget);
    const dropped = lines.length - kept;
    const problems = dropped > 0 ? [`${dropped} earliest turns left out to fit the ${ctx.settings.contextTokens}-token context`] : [];
    return answerFromLines(ctx, HEADING, lines.slice(dropped), question, problems);
  },
};
