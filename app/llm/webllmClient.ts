import type { AppConfig, ChatCompletionMessageParam, InitProgressReport, WebWorkerMLCEngine } from '@mlc-ai/web-llm';
import { SerialQueue } from '../lib/serialQueue';
import type { ResolvedWebLLMSource, WebLLMCatalogEntry } from './catalog';
import { collectChatStream } from './chatStream';
import type { ChatMessage, CompletionOptions, CompletionResult, LLMClient } from './types';
import { assertValidOptions, LLMError } from './types';

export interface WebLLMProgress {
  /** 0..1 */
  progress: number;
  text: string;
}

export interface WebLLMClientOptions {
  entry: WebLLMCatalogEntry;
  source: ResolvedWebLLMSource;
  onProgress?: (p: WebLLMProgress) => void;
  /** Cancels loading: the worker is terminated, which is the only way to stop web-llm mid-download. */
  signal?: AbortSignal;
  /** For tests of the worker handshake: a worker other than the app's. */
  createWorker?: () => Worker;
}

/** web-llm passes model URLs to `new URL()` without a base: a local base such as /models/ must be made absolute. */
function absolute(url: string): string {
  return new URL(url, globalThis.location?.href).href;
}

export function webllmAppConfig(entry: WebLLMCatalogEntry, source: ResolvedWebLLMSource): AppConfig {
  return {
    model_list: [
      {
        model: absolute(source.modelUrl),
        model_id: entry.id,
        model_lib: absolute(source.modelLibUrl),
        vram_required_MB: entry.vramRequiredMB,
        low_resource_required: true,
        ...(entry.requires.shaderF16 ? { required_features: ['shader-f16'] } : {}),
        overrides: { context_window_size: entry.contextLength },
      },
    ],
  };
}

function createLLMWorker(): Worker {
  return new Worker(new URL('../../workers/llm.worker.ts', import.meta.url), { type: 'module', name: 'web-llm' });
}

/** web-llm's errors say what went wrong in its own terms; this adds what the user can do about it. */
export function explainWebLLMError(error: unknown, modelUrl?: string): LLMError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  // web-llm downloads through the Cache API, whose `add` reports a 404 or a network failure only as "Request failed".
  if (modelUrl && /Request failed|Failed to fetch|NetworkError|404/i.test(message)) {
    return new LLMError(
      `web-llm could not download the model files from ${modelUrl} (${message}). Check the connection, or the "Model files from" setting.`,
      'webllm',
      'load',
      { cause: error },
    );
  }
  if (/WebGPUNotAvailable|WebGPUNotFound/.test(name) || /WebGPU is not (supported|available)|navigator\.gpu/i.test(message)) {
    return new LLMError(
      `web-llm needs WebGPU, and this browser has none available (${message}). Use llama.cpp (wllama) instead, or a browser with WebGPU enabled.`,
      'webllm',
      'unsupported',
      { cause: error },
    );
  }
  if (/FeatureSupport|ShaderF16/.test(name) || /shader-f16/i.test(message)) {
    return new LLMError(`This model needs the shader-f16 WebGPU feature, which this GPU lacks (${message}). Pick a q4f32 build.`, 'webllm', 'unsupported', {
      cause: error,
    });
  }
  if (/DeviceLost/.test(name) || /device (was )?lost/i.test(message)) {
    return new LLMError(`The GPU device was lost (${message}). Reload the model to continue.`, 'webllm', 'device-lost', { cause: error });
  }
  return new LLMError(`web-llm failed: ${message}`, 'webllm', 'load', { cause: error });
}

export interface WebLLMClient extends LLMClient {
  readonly loadMs: number;
}

/** One worker with web-llm's engine in it; `lost` says why it stopped answering, once it has. */
interface Engine {
  engine: WebWorkerMLCEngine;
  worker: Worker;
  lost: string | null;
  /** Called with the reason when the worker dies: rejects the call in flight. */
  onLost: ((why: string) => void) | null;
  /** The client itself is ending the worker (dispose, a cancelled load): not a loss. */
  onPurpose: boolean;
}

async function startEngine(options: WebLLMClientOptions): Promise<Engine> {
  const { WebWorkerMLCEngine } = await import('@mlc-ai/web-llm');
  const worker = (options.createWorker ?? createLLMWorker)();
  const engine: WebWorkerMLCEngine = new WebWorkerMLCEngine(worker, {
    appConfig: webllmAppConfig(options.entry, options.source),
    initProgressCallback: (report: InitProgressReport) => options.onProgress?.({ progress: report.progress, text: report.text }),
  });
  const state: Engine = { engine, worker, lost: null, onLost: null, onPurpose: false };
  // A worker that fails or is terminated never answers web-llm's pending requests, which would then wait forever:
  // watch it, as wllamaClient does, and fail what is pending with the reason.
  const lose = (why: string) => {
    if (state.lost || state.onPurpose) return;
    state.lost = why;
    state.onLost?.(why);
  };
  const terminate = worker.terminate.bind(worker);
  worker.terminate = () => {
    terminate();
    lose('its worker was terminated');
  };
  worker.addEventListener('error', (event) => lose(`its worker failed${event.message ? `: ${event.message}` : ''}`));
  worker.addEventListener('messageerror', () => lose('its worker sent a message that could not be read'));

  const workerFailed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => reject(new Error(`the web-llm worker failed: ${event.message || 'script error'}`)));
    options.signal?.addEventListener('abort', () => reject(new DOMException('Loading cancelled', 'AbortError')), { once: true });
  });
  try {
    await Promise.race([engine.reload(options.entry.id), workerFailed]);
  } catch (error) {
    state.onPurpose = true;
    worker.terminate();
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw new LLMError(`Loading ${options.entry.id} was cancelled`, 'webllm', 'abort', { cause: error });
    }
    throw explainWebLLMError(error, absolute(options.source.modelUrl));
  }
  return state;
}

export async function createWebLLMClient(options: WebLLMClientOptions): Promise<WebLLMClient> {
  const started = performance.now();
  let current = await startEngine(options);
  const loadMs = performance.now() - started;
  const queue = new SerialQueue();

  async function run(messages: ChatMessage[], opts: CompletionOptions): Promise<CompletionResult> {
    assertValidOptions(opts, 'webllm');
    // The engine before was lost: start another (its files come from the browser's cache) before this call.
    if (current.lost) current = await startEngine({ ...options, signal: undefined });
    const state = current;
    const { engine } = state;
    const t0 = performance.now();
    const onAbort = () => engine.interruptGenerate();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const lost = new Promise<never>((_, reject) => {
      state.onLost = (why) =>
        reject(
          new LLMError(
            `The chat model's engine stopped during this reply (${why}). It will be restarted on the next call; nothing from this reply was kept, so you can retry.`,
            'webllm',
            'engine-lost',
          ),
        );
    });
    try {
      const reply = (async () => {
        const stream = await engine.chat.completions.create({
          messages: messages.map((m) => ({ role: m.role, content: m.content }) as ChatCompletionMessageParam),
          max_tokens: opts.maxTokens,
          temperature: opts.temperature ?? 0,
          stream: true,
          stream_options: { include_usage: true },
          // xgrammar-constrained decoding: web-llm takes the schema as a string.
          ...(opts.jsonSchema ? { response_format: { type: 'json_object' as const, schema: JSON.stringify(opts.jsonSchema) } } : {}),
        });
        type Usage = { prompt_tokens: number; completion_tokens: number; extra?: { time_to_first_token_s?: number } };
        return collectChatStream<Usage, never>(stream, opts.onToken);
      })();
      // A reply that settles after a loss is of no interest any more.
      reply.catch(() => undefined);
      const { text, finishReason: finish, usage } = await Promise.race([reply, lost]);
      if (finish === 'abort' || opts.signal?.aborted) throw new LLMError('Generation was cancelled', 'webllm', 'abort');
      const ttft = usage?.extra?.time_to_first_token_s;
      const totalMs = performance.now() - t0;
      return {
        text,
        usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 },
        timings: { totalMs, ...(ttft !== undefined ? { prefillMs: ttft * 1000, decodeMs: Math.max(0, totalMs - ttft * 1000) } : {}) },
        finishReason: finish === 'length' ? 'length' : 'stop',
      };
    } catch (error) {
      if (error instanceof LLMError) throw error;
      const explained = explainWebLLMError(error);
      throw explained.kind === 'load' ? new LLMError(explained.message, 'webllm', 'generate', { cause: error }) : explained;
    } finally {
      state.onLost = null;
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    engine: 'webllm',
    modelId: options.entry.id,
    loadMs,
    complete(messages, opts) {
      return queue.run(() => run(messages, opts));
    },
    async dispose() {
      current.onPurpose = true;
      // A lost worker would never answer the unload.
      if (!current.lost) await current.engine.unload().catch(() => {});
      current.worker.terminate();
    },
  };
}

export async function clearWebLLMCache(entry: WebLLMCatalogEntry, source: ResolvedWebLLMSource): Promise<void> {
  const { deleteModelAllInfoInCache } = await import('@mlc-ai/web-llm');
  await deleteModelAllInfoInCache(entry.id, webllmAppConfig(entry, source));
}

export async function isWebLLMModelCached(entry: WebLLMCatalogEntry, source: ResolvedWebLLMSource): Promise<boolean> {
  const { hasModelInCache } = await import('@mlc-ai/web-llm');
  return hasModelInCache(entry.id, webllmAppConfig(entry, source));
}
