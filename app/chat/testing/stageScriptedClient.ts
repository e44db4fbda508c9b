/**
 * An LLMClient for the chat session's flow tests: one engine (calls run one at a time, as wllama's and web-llm's
 * do), replies scripted per prompt family (`cacheKey`: 'facts', 'memory-update', 'answer'), and a reply may be
 * held until the test releases it or the call's signal aborts it, so "a question cuts off the manager's call"
 * can be staged exactly. Not a stand-in for the model: chatSession.integration.test.ts runs the real one.
 */
import { type ChatMessage, type CompletionOptions, type CompletionResult, type LLMClient, LLMError } from '../../llm/types';

/** A reply: its text; one held until released or aborted (after streaming `prefix`); or a thrown error. */
export type StageReply = string | { hold: Held; prefix?: string } | { fail: LLMError };

export interface Held {
  readonly started: Promise<void>;
  release(text: string): void;
}

export function held(): Held & { run(signal: AbortSignal | undefined): Promise<string> } {
  let started!: () => void;
  let release!: (text: string) => void;
  const startedPromise = new Promise<void>((r) => (started = r));
  const text = new Promise<string>((r) => (release = r));
  return {
    started: startedPromise,
    release,
    run(signal) {
      started();
      return new Promise<string>((resolve, reject) => {
        const onAbort = () => reject(new LLMError('Generation was cancelled', 'node-llama-cpp', 'abort'));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        void text.then(resolve);
      });
    },
  };
}

export interface StageScriptedClient extends LLMClient {
  /** Every call in the order it ran on the engine: its family and whether it was cut off. */
  readonly log: { stage: string; outcome: 'ok' | 'aborted' | 'failed'; messages: ChatMessage[] }[];
  readonly remaining: (stage: string) => number;
}

export function createStageScriptedClient(script: Record<string, StageReply[]>, modelId = 'scripted-test-model'): StageScriptedClient {
  const queues = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]));
  const log: StageScriptedClient['log'] = [];
  let engine: Promise<unknown> = Promise.resolve();

  async function run(messages: ChatMessage[], options: CompletionOptions): Promise<CompletionResult> {
    const stage = options.cacheKey ?? 'default';
    if (options.signal?.aborted) {
      log.push({ stage, outcome: 'aborted', messages });
      throw new LLMError('Generation was cancelled', 'node-llama-cpp', 'abort');
    }
    const reply = queues.get(stage)?.shift();
    if (reply === undefined) throw new Error(`the script has no '${stage}' reply left`);
    let text: string;
    try {
      if (typeof reply === 'string') text = reply;
      else if ('fail' in reply) throw reply.fail;
      else {
        if (reply.prefix) options.onToken?.(reply.prefix);
        text = await (reply.hold as ReturnType<typeof held>).run(options.signal);
      }
    } catch (error) {
      log.push({ stage, outcome: error instanceof LLMError && error.kind === 'abort' ? 'aborted' : 'failed', messages });
      throw error;
    }
    log.push({ stage, outcome: 'ok', messages });
    // Two pieces, so a view sees the answer grow.
    const half = Math.ceil(text.length / 2);
    options.onToken?.(text.slice(0, half));
    options.onToken?.(text.slice(half));
    return { text, usage: { promptTokens: 10, completionTokens: 5 }, timings: { totalMs: 1 }, finishReason: 'stop' };
  }

  return {
    engine: 'node-llama-cpp',
    modelId,
    log,
    remaining: (stage) => queues.get(stage)?.length ?? 0,
    complete(messages, options) {
      const result = engine.then(() => run(messages, options));
      engine = result.catch(() => {});
      return result;
    },
    async dispose() {},
  };
}
