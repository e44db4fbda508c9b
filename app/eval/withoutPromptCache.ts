/**
 * An LLMClient that re-reads every prompt in full (`cachePrompt: false` on every call). llama.cpp's prompt cache
 * changes how a prompt is split into batches, and with it the float rounding of the logits, so a greedy reply can
 * differ by a token depending on what the engine served before. Runs that must be reproducible bit for bit (a
 * resumed run against an uninterrupted one, `npm run eval -- --no-prompt-cache`) pay the re-reading for that.
 */
import type { LLMClient } from '../llm/types';

export function withoutPromptCache(llm: LLMClient): LLMClient {
  return {
    engine: llm.engine,
    modelId: llm.modelId,
    complete: (messages, options) => llm.complete(messages, { ...options, cachePrompt: false }),
    dispose: () => llm.dispose(),
  };
}
