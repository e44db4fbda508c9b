/**
 * Token counts and timings from what llama.cpp's server (and wllama, which runs the same server code) reports: the
 * OpenAI `usage` block, and llama.cpp's own `timings`, which count cached and freshly read prompt tokens apart.
 * A stream may carry either, both or neither; what is missing is reported as zeros or left out.
 */
import type { CompletionTimings, CompletionUsage } from './types';

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

/** llama.cpp server's per-request timings (also sent by scripts/openai-server.ts). */
export interface LlamaCppTimings {
  prompt_n?: number;
  prompt_ms?: number;
  predicted_n?: number;
  predicted_ms?: number;
  cache_n?: number;
}

export function completionReport(
  usage: OpenAIUsage | null | undefined,
  timings: LlamaCppTimings | null | undefined,
  totalMs: number,
): { usage: CompletionUsage; timings: CompletionTimings } {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? timings?.cache_n;
  return {
    usage: {
      promptTokens: usage?.prompt_tokens ?? (timings?.prompt_n !== undefined ? timings.prompt_n + (timings.cache_n ?? 0) : 0),
      completionTokens: usage?.completion_tokens ?? timings?.predicted_n ?? 0,
      ...(typeof cached === 'number' ? { cachedTokens: cached } : {}),
    },
    timings: {
      totalMs,
      ...(typeof timings?.prompt_ms === 'number' ? { prefillMs: timings.prompt_ms } : {}),
      ...(typeof timings?.predicted_ms === 'number' ? { decodeMs: timings.predicted_ms } : {}),
    },
  };
}
