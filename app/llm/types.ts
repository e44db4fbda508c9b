/**
 * The one LLM interface the agent code sees. Every engine (web-llm on WebGPU, wllama in WASM, node-llama-cpp in
 * Node) implements it, so the Memory Manager and Answer Agent never know which engine runs them.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A JSON Schema object, as passed to the engines' grammar/structured-output support. */
export type JsonSchema = Record<string, unknown>;

export interface CompletionOptions {
  /** Always required: an unbounded generation on a small model can run for minutes. */
  maxTokens: number;
  temperature?: number;
  /** Constrain the output to this schema (grammar-guaranteed on every engine). */
  jsonSchema?: JsonSchema;
  signal?: AbortSignal;
  /** Called with each new piece of text as it is generated. */
  onToken?: (delta: string) => void;
  /**
   * Which prompt family the call belongs to (e.g. the agent stage: 'facts', 'memory-update', 'answer'), so an
   * engine with several KV sequences/slots keeps each family's stable prefix cached apart, and one role never
   * evicts another's. node-llama-cpp: one context sequence per key. wllama: llama.cpp picks the slot itself by
   * prompt similarity (it has no slot pinning), so the key is not needed there. Unset: one shared default.
   */
  cacheKey?: string;
  /**
   * Reuse the engine's prompt (KV) cache for a shared prefix; default true. false re-reads the whole prompt
   * (benchmarks measure the cache's effect with it).
   */
  cachePrompt?: boolean;
}

export interface CompletionUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the engine's prompt (KV) cache, where the engine reports it. */
  cachedTokens?: number;
}

export interface CompletionTimings {
  /** Wall time of the whole call, measured by the adapter. */
  totalMs: number;
  /** Time to read the prompt, where the engine reports it. */
  prefillMs?: number;
  /** Time spent generating, where the engine reports it. */
  decodeMs?: number;
}

export interface CompletionResult {
  text: string;
  usage: CompletionUsage;
  timings: CompletionTimings;
  finishReason: 'stop' | 'length' | 'abort';
}

export type EngineId = 'webllm' | 'wllama' | 'node-llama-cpp' | 'openai-compatible';

export interface LLMClient {
  readonly engine: EngineId;
  readonly modelId: string;
  /**
   * Prompt tokens read per second, as measured on this engine's recent calls (null until one was long enough to
   * time); the Answer Agent sizes its listing to a latency budget with it. Engines that do not measure omit it.
   */
  prefillTokensPerSecond?(): number | null;
  /**
   * Tokens one role's prompt and reply may fill on this engine while the other roles' prompts keep their cached
   * prefixes (wllama's slots share one KV cache). The Answer Agent sizes its listing to it; an engine that leaves it
   * out is taken to have a 4,096-token context.
   */
  readonly promptContextTokens?: number;
  complete(messages: ChatMessage[], options: CompletionOptions): Promise<CompletionResult>;
  dispose(): Promise<void>;
}

/** Thrown for every engine failure the user should see, with the engine named. */
export class LLMError extends Error {
  constructor(
    message: string,
    readonly engine: EngineId,
    /** 'engine-lost': the engine's worker died mid-call; the call failed instead of hanging, and may be retried. */
    readonly kind: 'load' | 'generate' | 'abort' | 'unsupported' | 'device-lost' | 'engine-lost',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LLMError';
  }
}

export function assertValidOptions(options: CompletionOptions, engine: EngineId): void {
  if (!Number.isInteger(options.maxTokens) || options.maxTokens <= 0) {
    throw new LLMError(`maxTokens must be a positive integer, got ${String(options.maxTokens)}`, engine, 'generate');
  }
}
