/**
 * The long, answer-style prompt the engine benches time prefill on: the app's answer prompt listing the first 60
 * observation facts of LoCoMo's first conversation (~1,300 tokens), where prefill dominates the time to the first token.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildAnswerMessages } from '../app/agent/prompts/answerPrompt';
import { parseLocomo } from '../app/eval/locomo';
import { formatDay, parseSessionDate } from '../app/lib/calendar';
import type { ChatMessage } from '../app/llm/types';

export function longAnswerPrompt(): ChatMessage[] {
  const data = path.resolve(import.meta.dirname, '../../shared/datasets/locomo/locomo-dev.json');
  const conv = parseLocomo(JSON.parse(readFileSync(data, 'utf8')))[0]!;
  const memories = conv.observations.slice(0, 60).map((o, i) => ({ id: String(i), date: formatDay(parseSessionDate(o.sessionTime)), text: o.fact }));
  return buildAnswerMessages({ question: conv.questions[0]!.question, memories, mode: 'benchmark', format: 'json' });
}
