/** The baselines' one model call: dated lines and the question in, a few words out (contextAnswerPrompt.ts). */
import type { ChatMessage } from '../../llm/types';
import { buildContextAnswerMessages, CONTEXT_ANSWER_MAX_TOKENS, type ContextLine, contextAnswerSchema, parseContextAnswer } from '../contextAnswerPrompt';
import type { PipelineAnswer, PipelineContext } from './evalPipeline';

export async function answerFromLines(
  ctx: PipelineContext,
  heading: string,
  lines: readonly ContextLine[],
  question: string,
  extraProblems: string[] = [],
  messages: ChatMessage[] = buildContextAnswerMessages(heading, lines, question),
): Promise<PipelineAnswer> {
  const result = await ctx.deps.llm.complete(messages, {
    maxTokens: CONTEXT_ANSWER_MAX_TOKENS,
    temperature: 0,
    jsonSchema: contextAnswerSchema(),
    cacheKey: 'answer',
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const parsed = parseContextAnswer(result.text);
  const problems = [...extraProblems];
  if (!parsed.parsed) problems.push('the reply was not the asked-for JSON; kept as it came');
  if (result.finishReason === 'length') problems.push(`the reply was cut off at the ${CONTEXT_ANSWER_MAX_TOKENS}-token limit`);
  return {
    prediction: parsed.answer,
    context: lines.map((l) => `${l.date}: ${l.text}`),
    shown: lines.length,
    tokens: { calls: 1, promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens },
    problems,
  };
}
