/**
 * An LLMClient that replies with a fixed script of outputs, for flow tests of the agents (retry, rejection,
 * what reaches the bank). It records every request, so a test can check what the model was shown.
 * Not a stand-in for the model's behaviour: the integration tests run the real one.
 */
import type { ChatMessage, CompletionOptions, CompletionResult, LLMClient } from '../../llm/types';

export interface ScriptedReply {
  text: string;
  finishReason?: CompletionResult['finishReason'];
}

export interface ScriptedLlmClient extends LLMClient {
  readonly requests: { messages: ChatMessage[]; options: CompletionOptions }[];
  /** Replies not used yet. */
  readonly remaining: number;
}

export function createScriptedLlmClient(replies: readonly (string | ScriptedReply)[], modelId = 'scripted-test-model'): ScriptedLlmClient {
  const queue = replies.map((r) => (typeof r === 'string' ? { text: r } : r));
  const requests: { messages: ChatMessage[]; options: CompletionOptions }[] = [];
  return {
    engine: 'node-llama-cpp',
    modelId,
    requests,
    get remaining() {
      return queue.length;
    },
    async complete(messages, options) {
      requests.push({ messages: messages.map((m) => ({ ...m })), options });
      const reply = queue.shift();
      if (!reply) throw new Error(`the script has no reply left for request ${requests.length}`);
      options.onToken?.(reply.text);
      const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
      return {
        text: reply.text,
        usage: { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.max(1, Math.ceil(reply.text.length / 4)) },
        timings: { totalMs: 1 },
        finishReason: reply.finishReason ?? 'stop',
      };
    },
    async dispose() {},
  };
}
