import type { Wllama } from '@wllama/wllama';
// Self-hosted: a `?url` import only emits the file as an asset of our own origin; wllama's JS stays lazy below.
import wllamaWasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
import { SerialQueue } from '../lib/serialQueue';
import type { CollectedChatStream } from './chatStream';
import { collectChatStream } from './chatStream';
import type { ChatMessage, CompletionOptions, CompletionResult, LLMClient } from './types';
import { assertValidOptions, LLMError } from './types';

export interface LoadProgress {
  loaded: number;
  total: number;
}

export interface WllamaClientOptions {
  modelId: string;
  url: string;
  /** Threads for llama.cpp; wllama's own default is half the cores (1 on a 2-core machine). */
  threads: number;
  /** 0 keeps every layer on the CPU: needed on software WebGPU adapters, where offloading is slower. */
  gpuLayers?: number;
  /** Tokens of the one KV cache all slots share (default 8192: the answer prompt's slot holds up to ~3,000). */
  contextSize?: number;
  /** llama.cpp's logical and physical batch sizes for prompt reading; wllama's defaults when unset (bench:engines). */
  batchSize?: number;
  ubatchSize?: number;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export interface WllamaClient extends LLMClient {
  readonly threads: number;
  readonly multithreaded: boolean;
  readonly loadMs: number;
  /** Engines recreated after the one before was lost (its worker terminated or failed, its WebAssembly crashed). */
  readonly restarts: number;
}

/** llama.cpp server slots: one per prompt family (facts, memory update, answer) plus one spare. */
export const WLLAMA_SLOTS = 4;

/**
 * The slots share one unified KV cache of this many tokens: the answer slot's prompt (its listing kept for reuse
 * across questions) and the manager's two prompts must fit in it together.
 */
export const DEFAULT_WLLAMA_CONTEXT = 8192;

/**
 * What the Memory Manager's two prompt families keep in that cache, with their replies and room to spare (its
 * recorded fixtures: ~260 prompt tokens + 256 for the facts, ~450 + 400 for the update). The answer slot may fill
 * the rest.
 */
const MANAGER_CONTEXT_RESERVE = 3072;

/** Prompts read fresh in fewer tokens than this time too noisily to give a prefill rate. */
const MIN_TIMED_PROMPT_TOKENS = 64;

async function importWllama(): Promise<typeof import('@wllama/wllama')> {
  return import('@wllama/wllama');
}

function toLLMError(error: unknown, kind: 'load' | 'generate', what: string): LLMError {
  if (error instanceof LLMError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError' || name === 'WllamaAbortError') {
    return new LLMError(`${what} was cancelled`, 'wllama', 'abort', { cause: error });
  }
  return new LLMError(`${what} failed: ${message}`, 'wllama', kind, { cause: error });
}

/**
 * wllama's version whose private internals the client reaches (`proxy`, its `worker` and `abort`): wllama offers no
 * public hook for a worker that dies, so package.json pins this exact version and wllamaClient.test.ts fails on any
 * other until the internals are checked again.
 */
export const WLLAMA_VERSION_CHECKED = '3.13.0';

/** The part of wllama's worker proxy the client watches (wllama keeps it private; its type is ProxyToWorker). */
interface WllamaWorkerProxy {
  worker?: Worker;
  abort(text: string, stack: string): void;
}

/** One loaded wllama instance and what became of its worker. */
interface Engine {
  wllama: Wllama;
  loadMs: number;
  /** Why the engine is gone, once it is. */
  lost: string | null;
  /** Called before the client itself ends the worker (dispose, replacing a lost engine). */
  exitOnPurpose(): void;
}

/** wllama's own words when its WebAssembly aborted (out of memory, a trap): the engine cannot be used again. */
function isEngineCrash(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\(ABORT\)|wllama has crashed/.test(message);
}

async function loadEngine(options: WllamaClientOptions, onLost: (engine: Engine) => void): Promise<Engine> {
  const { Wllama } = await importWllama();
  const started = performance.now();
  const wllama: Wllama = new Wllama(
    { default: wllamaWasmUrl },
    {
      // Load from wllama's cache (OPFS) when the network is gone: the app must work offline once models are cached.
      allowOffline: true,
      suppressNativeLog: true,
      logger: { debug: () => {}, log: () => {}, warn: console.warn, error: console.error },
    },
  );
  // wllama's default fetches compat worker/wasm files from a CDN; we make no request to other origins.
  wllama.setCompat(null);
  try {
    await wllama.loadModelFromUrl(options.url, {
      n_threads: options.threads,
      n_ctx: options.contextSize ?? DEFAULT_WLLAMA_CONTEXT,
      ...(options.batchSize !== undefined ? { n_batch: options.batchSize } : {}),
      ...(options.ubatchSize !== undefined ? { n_ubatch: options.ubatchSize } : {}),
      // Prompt-prefix reuse across roles: llama.cpp's server context gives each request the idle slot whose cached
      // prompt is most similar to it (wllama 3 reads no `id_slot`, so slots cannot be pinned by key). With a slot
      // per prompt family (fact extraction, memory update, answer, + one spare) and one unified KV cache, each
      // family's stable prefix stays in its own slot instead of being overwritten by the other role's prompt.
      n_parallel: WLLAMA_SLOTS,
      kv_unified: true,
      ...(options.gpuLayers !== undefined ? { n_gpu_layers: options.gpuLayers } : {}),
      progressCallback: ({ loaded, total }: LoadProgress) => options.onProgress?.({ loaded, total }),
      ...(options.signal ? { signal: options.signal } : {}),
      useCache: true,
    });
  } catch (error) {
    await wllama.exit().catch(() => {});
    const hint = /404|not found|fetch/i.test(String(error)) ? ` (could not fetch ${options.url})` : '';
    throw toLLMError(error, 'load', `Loading ${options.modelId} with wllama${hint}`);
  }
  let onPurpose = false;
  const engine: Engine = { wllama, loadMs: performance.now() - started, lost: null, exitOnPurpose: () => (onPurpose = true) };
  // A worker that is terminated or fails never answers wllama's pending calls, which would then hang forever:
  // watch it, and on loss reject what is pending (wllama's own abort path) so the call fails with a reason.
  const proxy = (wllama as unknown as { proxy?: WllamaWorkerProxy | null }).proxy;
  const worker = proxy?.worker;
  if (proxy && worker) {
    const lose = (why: string) => {
      if (engine.lost || onPurpose) return;
      engine.lost = why;
      proxy.abort(`the engine was lost: ${why}`, '');
      onLost(engine);
    };
    const terminate = worker.terminate.bind(worker);
    worker.terminate = () => {
      terminate();
      lose('its worker was terminated');
    };
    worker.addEventListener('error', (event) => lose(`its worker failed${event.message ? `: ${event.message}` : ''}`));
  }
  return engine;
}

export async function createWllamaClient(options: WllamaClientOptions): Promise<WllamaClient> {
  let restarts = 0;
  /** A lost engine is replaced at once (from wllama's cache), so the next call, typically the retry, finds it ready. */
  const replace = (lost: Engine) => {
    restarts++;
    lost.exitOnPurpose();
    void lost.wllama.exit().catch(() => {});
    const { onProgress: _progress, signal: _signal, ...reload } = options;
    current = loadEngine(reload, replace);
    current.catch(() => {});
  };
  const first = await loadEngine(options, replace);
  // The context llama.cpp was given, as it reports it.
  const contextSize = first.wllama.getLoadedContextInfo().n_ctx;
  let current: Promise<Engine> = Promise.resolve(first);

  // wllama runs one llama.cpp server context; queue calls so an abort or error in one never tangles another.
  const queue = new SerialQueue();
  /** Prompt tokens/s of the latest call that read enough of its prompt fresh (the Answer Agent's latency budget). */
  let prefillRate: number | null = null;

  async function run(messages: ChatMessage[], opts: CompletionOptions): Promise<CompletionResult> {
    assertValidOptions(opts, 'wllama');
    if (opts.signal?.aborted) throw new LLMError('Generation was cancelled', 'wllama', 'abort');
    const engine = await current;
    const t0 = performance.now();
    const params = {
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      max_tokens: opts.maxTokens,
      temperature: opts.temperature ?? 0,
      // Keep llama.cpp's prompt cache on: calls that share a prompt prefix skip re-reading it (off only when a
      // benchmark asks). `opts.cacheKey` needs no mapping: llama.cpp routes a prompt to its most similar slot.
      cache_prompt: opts.cachePrompt ?? true,
      ...(opts.jsonSchema ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'output', schema: opts.jsonSchema, strict: true } } } : {}),
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    };
    type Usage = { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } };
    type Timings = { prompt_ms: number; predicted_ms: number; cache_n: number; prompt_n: number; predicted_n: number };
    let collected: CollectedChatStream<Usage, Timings>;
    try {
      if (engine.lost) throw new Error(engine.lost);
      collected = await collectChatStream<Usage, Timings>(await engine.wllama.createChatCompletion({ ...params, stream: true }), opts.onToken);
    } catch (error) {
      if (!engine.lost && isEngineCrash(error)) replace(Object.assign(engine, { lost: 'its WebAssembly crashed' }));
      if (engine.lost) {
        throw new LLMError(
          `The chat model's engine stopped during this reply (${engine.lost}). It is being restarted; nothing from this reply was kept, so you can retry.`,
          'wllama',
          'engine-lost',
          { cause: error },
        );
      }
      throw toLLMError(error, 'generate', 'Generation');
    }
    const { text, usage, timings } = collected;
    if (opts.signal?.aborted) throw new LLMError('Generation was cancelled', 'wllama', 'abort');
    const cached = usage?.prompt_tokens_details?.cached_tokens ?? timings?.cache_n;
    if (timings && timings.prompt_n >= MIN_TIMED_PROMPT_TOKENS && timings.prompt_ms > 0) prefillRate = timings.prompt_n / (timings.prompt_ms / 1000);
    return {
      text,
      usage: {
        // llama.cpp's timings count cached and freshly read prompt tokens apart; usage may be absent in a stream.
        promptTokens: usage?.prompt_tokens ?? (timings ? timings.prompt_n + timings.cache_n : 0),
        completionTokens: usage?.completion_tokens ?? timings?.predicted_n ?? 0,
        ...(cached !== undefined ? { cachedTokens: cached } : {}),
      },
      timings: {
        totalMs: performance.now() - t0,
        ...(timings ? { prefillMs: timings.prompt_ms, decodeMs: timings.predicted_ms } : {}),
      },
      finishReason: collected.finishReason === 'length' ? 'length' : 'stop',
    };
  }

  return {
    engine: 'wllama',
    modelId: options.modelId,
    threads: first.wllama.getNumThreads(),
    multithreaded: first.wllama.isMultithread(),
    loadMs: first.loadMs,
    get restarts() {
      return restarts;
    },
    prefillTokensPerSecond: () => prefillRate,
    promptContextTokens: Math.max(contextSize - MANAGER_CONTEXT_RESERVE, Math.floor(contextSize / 2)),
    complete(messages, opts) {
      return queue.run(() => run(messages, opts));
    },
    async dispose() {
      const engine = await current.catch(() => null);
      if (!engine) return;
      engine.exitOnPurpose();
      await engine.wllama.exit();
    },
  };
}

/** Removes every GGUF file wllama has cached in this origin's storage. */
export async function clearWllamaCache(): Promise<void> {
  const { CacheManager } = await importWllama();
  await new CacheManager().clear();
}
