/**
 * `LLMClient` over node-llama-cpp (llama.cpp's Node bindings): the engine for tests, benchmarks and scripts.
 * Node only — it loads a native addon; browser code must never import this module (the browser engines are
 * web-llm and wllama).
 *
 * - One `Llama` runtime per process (CPU only, the prebuilt binary from node-llama-cpp's optional npm
 *   dependency; `build: 'never'`, so a missing binary is an error, never a compile).
 * - One model, one context, and one context sequence per cache key (`CompletionOptions.cacheKey`, the agent
 *   passes its stage: facts / memory-update / answer; calls without a key share a default sequence), each reused
 *   across calls: node-llama-cpp keeps a sequence's evaluated tokens and only evaluates what follows the longest
 *   common prefix with the new prompt, so a shared system prompt is read once, and one role's prompt never
 *   evicts another's. The context holds `sequences` of them (default 4); a key beyond that takes over the least
 *   recently used key's sequence. Calls are serialized through one promise queue (the CPU is shared anyway).
 * - `cachePrompt: false` clears the call's sequence first, so the whole prompt is evaluated (benchmarks).
 * - The chat template is the model's own: the GGUF's Jinja `tokenizer.chat_template`, rendered by node-llama-cpp's
 *   JinjaTemplateChatWrapper. Not `'auto'`, which swaps in a built-in wrapper it judges equivalent: for SmolLM2
 *   that is ChatML, which prepends the BOS token (here `<|im_start|>`, a second one; the GGUF says add_bos_token
 *   false) and drops the template's default system prompt — i.e. a different prompt from the one wllama renders
 *   from the same file. A GGUF without a template falls back to node-llama-cpp's own resolution.
 * - Sampling: `temperature` (default 0 = greedy) and nothing else; node-llama-cpp's default repeat penalty is
 *   turned off so that temperature 0 is plain argmax and JSON (which repeats `"`, `:` and key names by nature) is
 *   not pushed off course.
 * - A prompt that does not fit the context is an error; `maxTokens` is capped at the room the prompt leaves, so
 *   node-llama-cpp never shifts the context (silently drops history) mid-call.
 * - Abort: an aborted `signal` (before the call, while it waits in the queue, or mid-generation) rejects with
 *   `LLMError(…, 'node-llama-cpp', 'abort')`; the partial text is discarded, `finishReason: 'abort'` is never
 *   returned by this engine. The client stays usable: the next call realigns the sequence with its own prompt.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ChatHistoryItem,
  type GbnfJsonSchema,
  getLlama,
  type Llama,
  LlamaChat,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp';
import { SerialQueue } from '../lib/serialQueue';
import { assertValidOptions, type ChatMessage, type CompletionOptions, type CompletionResult, type JsonSchema, type LLMClient, LLMError } from './types';

const ENGINE = 'node-llama-cpp' as const;
const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_SEQUENCES = 4;

export interface NodeLlamaCppClientOptions {
  /** Path of the .gguf file. */
  modelPath: string;
  /** Reported as `LLMClient.modelId`; defaults to the file name without `.gguf`. */
  modelId?: string;
  /** Tokens; defaults to 4096, or the model's training context if that is smaller. */
  contextSize?: number;
  /** CPU threads for evaluation; defaults to `os.availableParallelism()`. */
  threads?: number;
  /** Context sequences, i.e. prompt caches kept apart by cache key; default 4 (3 agent stages + the default). */
  sequences?: number;
}

export interface NodeLlamaCppClient extends LLMClient {
  readonly engine: 'node-llama-cpp';
  /** The context size actually allocated (prompt + completion must fit in it). */
  readonly contextSize: number;
  /** Tokens of these messages rendered with the model's chat template, as `complete` would send them. */
  countPromptTokens(messages: ChatMessage[]): number;
}

// One llama.cpp runtime per process: `Llama.dispose()` frees the native backend, which all instances share, so
// clients never dispose it (node-llama-cpp disposes it itself before the process exits).
let llamaPromise: Promise<Llama> | undefined;

function getSharedLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({
    gpu: false,
    build: 'never',
    // 0 = no cap, so each context's `threads` is what it really uses (the default caps at max(4, math cores)).
    maxThreads: 0,
  }).catch((err: unknown) => {
    llamaPromise = undefined; // let a later call try again
    throw err;
  });
  return llamaPromise;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function abortError(signal: AbortSignal | undefined, cause?: unknown): LLMError {
  const reason = signal?.reason;
  const detail = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new LLMError(`Generation aborted${detail}`, ENGINE, 'abort', { cause: cause ?? reason });
}

function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case 'system':
        return { type: 'system', text: m.content };
      case 'user':
        return { type: 'user', text: m.content };
      case 'assistant':
        return { type: 'model', response: [m.content] };
      default:
        throw new LLMError(`Unknown chat role ${JSON.stringify((m as { role: unknown }).role)}`, ENGINE, 'generate');
    }
  });
}

export async function createNodeLlamaCppClient(options: NodeLlamaCppClientOptions): Promise<NodeLlamaCppClient> {
  const modelPath = path.resolve(options.modelPath);
  const modelId = options.modelId ?? path.basename(modelPath).replace(/\.gguf$/i, '');

  // Check the file first: node-llama-cpp's own error for a missing file does not say what to do about it.
  try {
    const s = await stat(modelPath);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new LLMError(`Model file not found: ${modelPath} (${errorMessage(err)}). Run \`npm run models:fetch\` to download the test models.`, ENGINE, 'load', {
      cause: err,
    });
  }

  let llama: Llama;
  try {
    llama = await getSharedLlama();
  } catch (err) {
    throw new LLMError(`Could not load node-llama-cpp's prebuilt CPU binary (building from source is disabled): ${errorMessage(err)}`, ENGINE, 'load', {
      cause: err,
    });
  }

  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  try {
    model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const contextSize = options.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize || DEFAULT_CONTEXT_SIZE);
    const threads = options.threads ?? os.availableParallelism();
    const sequences = Math.max(1, Math.floor(options.sequences ?? DEFAULT_SEQUENCES));
    context = await model.createContext({ contextSize, threads, sequences });
    const hasTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string';
    const chatWrapper = resolveChatWrapper(model, { type: hasTemplate ? 'jinjaTemplate' : 'auto' });
    return new NodeLlamaCppClientImpl(modelId, llama, model, context, chatWrapper, sequences);
  } catch (err) {
    await context?.dispose().catch(() => undefined);
    await model?.dispose().catch(() => undefined);
    throw new LLMError(`Could not load model ${modelPath}: ${errorMessage(err)}`, ENGINE, 'load', { cause: err });
  }
}

/** One prompt cache: a context sequence and the chat session over it. */
interface CacheSlot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

class NodeLlamaCppClientImpl implements NodeLlamaCppClient {
  readonly engine = ENGINE;
  private readonly queue = new SerialQueue();
  /** Cache key → its sequence, in least-recently-used-first order (a Map keeps insertion order). */
  private readonly slots = new Map<string, CacheSlot>();
  private readonly chat: LlamaChat;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(
    readonly modelId: string,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    chatWrapper: LlamaChat['chatWrapper'],
    private readonly maxSequences: number,
  ) {
    // The default key's sequence exists from the start: countPromptTokens renders with its chat wrapper.
    const sequence = context.getSequence();
    this.chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
    this.slots.set('', { sequence, chat: this.chat });
  }

  /** The sequence for a cache key: its own, a new one while the context has room, else the LRU key's. */
  private slotFor(key: string): CacheSlot {
    let slot = this.slots.get(key);
    if (slot) {
      this.slots.delete(key); // re-insert: most recently used last
    } else if (this.slots.size < this.maxSequences) {
      const sequence = this.context.getSequence();
      slot = { sequence, chat: new LlamaChat({ contextSequence: sequence, chatWrapper: this.chat.chatWrapper }) };
    } else {
      const [lruKey, lruSlot] = this.slots.entries().next().value as [string, CacheSlot];
      this.slots.delete(lruKey);
      slot = lruSlot;
    }
    this.slots.set(key, slot);
    return slot;
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  complete(messages: ChatMessage[], options: CompletionOptions): Promise<CompletionResult> {
    // `totalMs` counts from here, so a call that waited behind another in the queue includes that wait.
    const startedAt = performance.now();
    let history: ChatHistoryItem[];
    try {
      assertValidOptions(options, ENGINE);
      if (this.disposed) throw new LLMError(`Client for ${this.modelId} is disposed`, ENGINE, 'generate');
      if (messages.length === 0) throw new LLMError('No messages to complete', ENGINE, 'generate');
      if (messages[messages.length - 1]?.role !== 'user') {
        throw new LLMError('The last message must be the user prompt to answer', ENGINE, 'generate');
      }
      if (options.signal?.aborted) throw abortError(options.signal);
      history = toChatHistory(messages); // taken now: the caller may reuse its array while the call is queued
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = options.signal;

    // Serialize: the one sequence runs one generation at a time.
    const run = this.queue.run(() => this.generate(history, options, startedAt));
    if (signal == null) return run;

    // An abort while the call is still waiting in the queue rejects at once; `generate` then sees the aborted
    // signal when its turn comes and returns without touching the model.
    return new Promise<CompletionResult>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  countPromptTokens(messages: ChatMessage[]): number {
    return this.renderPrompt(toChatHistory(messages)).length;
  }

  /** The prompt exactly as LlamaChat will send it: the model's template, closed by an empty model turn. */
  private renderPrompt(history: ChatHistoryItem[]) {
    return this.chat.chatWrapper
      .generateContextState({ chatHistory: [...history, { type: 'model', response: [] }] })
      .contextText.tokenize(this.model.tokenizer);
  }

  private async generate(history: ChatHistoryItem[], options: CompletionOptions, startedAt: number): Promise<CompletionResult> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal);
    if (this.disposed) throw new LLMError(`Client for ${this.modelId} is disposed`, ENGINE, 'generate');

    try {
      const grammar = options.jsonSchema ? await this.grammarFor(options.jsonSchema) : undefined;
      const { sequence, chat } = this.slotFor(options.cacheKey ?? '');
      // No prompt cache for this call: forget what the sequence holds, so the whole prompt is evaluated.
      if (options.cachePrompt === false && sequence.nextTokenIndex > 0) await sequence.clearHistory();

      // Its token count, and how much of it the sequence already holds.
      const promptTokens = this.renderPrompt(history);
      const contextSize = this.context.contextSize;
      if (promptTokens.length + 1 >= contextSize) {
        throw new LLMError(`Prompt of ${promptTokens.length} tokens does not fit the ${contextSize}-token context of ${this.modelId}`, ENGINE, 'generate');
      }
      // Never let node-llama-cpp shift the context (drop history) mid-call: cap the completion at the room left.
      const maxTokens = Math.min(options.maxTokens, contextSize - promptTokens.length - 1);
      const cachedTokens = this.reusablePrefixLength(sequence, promptTokens);

      const meterBefore = sequence.tokenMeter.getState();
      let firstTokenAt: number | undefined;
      const onToken = options.onToken;
      const generationStart = performance.now();
      const response = await chat.generateResponse(history, {
        maxTokens,
        temperature: options.temperature ?? 0,
        repeatPenalty: false,
        ...(grammar ? { grammar } : {}),
        ...(signal ? { signal } : {}),
        onToken: () => {
          firstTokenAt ??= performance.now();
        },
        onTextChunk: (text: string) => {
          firstTokenAt ??= performance.now();
          if (onToken && text.length > 0) onToken(text);
        },
      });
      const end = performance.now();
      const used = sequence.tokenMeter.diff(meterBefore);

      const stopReason = response.metadata.stopReason;
      if (stopReason === 'abort') throw abortError(signal);
      return {
        text: response.response,
        usage: {
          promptTokens: promptTokens.length,
          // The meter counts every token evaluated with logits: the prompt's last token plus each generated token
          // fed back = the number of sampled tokens (the end-of-generation token included when one was sampled).
          completionTokens: used.usedOutputTokens,
          ...(cachedTokens !== undefined ? { cachedTokens } : {}),
        },
        timings: {
          totalMs: end - startedAt,
          // Time to the first generated token that reached the stream: prompt evaluation plus one sampling step.
          ...(firstTokenAt !== undefined ? { prefillMs: firstTokenAt - generationStart, decodeMs: end - firstTokenAt } : {}),
        },
        finishReason: stopReason === 'maxTokens' ? 'length' : 'stop',
      };
    } catch (err) {
      if (err instanceof LLMError) throw err;
      if (signal?.aborted) throw abortError(signal, err);
      if (this.disposed) throw new LLMError(`Client for ${this.modelId} was disposed during generation`, ENGINE, 'generate', { cause: err });
      throw new LLMError(`Generation failed: ${errorMessage(err)}`, ENGINE, 'generate', { cause: err });
    }
  }

  /**
   * How many leading prompt tokens the sequence already holds and will not evaluate again. LlamaChat keeps the
   * common prefix of the sequence state and the prompt, except that the prompt's last token is always evaluated
   * (its logits start the generation), so the comparison stops one token short of the end.
   */
  private reusablePrefixLength(sequence: LlamaContextSequence, promptTokens: Token[]): number | undefined {
    // Models whose state cannot be cut at any token (recurrent, sliding-window attention) reuse a prefix only
    // through checkpoints; the count is not knowable up front there, so it is not reported.
    if (sequence.needsCheckpoints) return undefined;
    if (sequence.nextTokenIndex === 0) return 0;
    const { firstDifferentIndex } = sequence.compareContextTokens(promptTokens.slice(0, -1));
    return Math.max(0, firstDifferentIndex);
  }

  private grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // node-llama-cpp types the schema so precisely (to infer the parsed type) that a runtime `Record` cannot be
      // passed as is; it validates the schema itself and throws on what its grammar converter does not support.
      const createGrammar = this.llama.createGrammarForJsonSchema.bind(this.llama) as unknown as (schema: GbnfJsonSchema) => Promise<LlamaGrammar>;
      grammar = createGrammar(schema as GbnfJsonSchema).catch((err: unknown) => {
        this.grammars.delete(key);
        throw new LLMError(`JSON schema not supported by node-llama-cpp's grammar: ${errorMessage(err)}`, ENGINE, 'unsupported', { cause: err });
      });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.disposed = true;
      await this.queue.run(async () => {}); // let a running generation finish (it cannot be interrupted safely without its signal)
      for (const slot of this.slots.values()) slot.chat.dispose({ disposeSequence: true });
      this.slots.clear();
      await this.context.dispose();
      await this.model.dispose();
      this.grammars.clear();
    })();
    return this.disposing;
  }
}
