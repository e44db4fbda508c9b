/** The record of each model call an agent makes, and their token totals. */
import type { CompletionResult, CompletionTimings, CompletionUsage } from '../llm/types';

export type AgentStage = 'facts' | 'memory-update' | 'answer';

export interface ModelCall {
  stage: AgentStage;
  /** 1 for the first try, 2 for the one retry. */
  attempt: number;
  /** The reply exactly as the engine returned it. */
  output: string;
  usage: CompletionUsage;
  timings: CompletionTimings;
  finishReason: CompletionResult['finishReason'];
  maxTokens: number;
}

export interface UsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the engine's cache, summed over the calls that report it. */
  cachedTokens: number;
}

export function totalUsage(calls: readonly ModelCall[]): UsageTotals {
  return calls.reduce<UsageTotals>(
    (sum, c) => ({
      calls: sum.calls + 1,
      promptTokens: sum.promptTokens + c.usage.promptTokens,
      completionTokens: sum.completionTokens + c.usage.completionTokens,
      cachedTokens: sum.cachedTokens + (c.usage.cachedTokens ?? 0),
    }),
    { calls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
  );
}
