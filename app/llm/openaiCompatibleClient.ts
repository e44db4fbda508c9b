/**
 * `LLMClient` over any OpenAI-compatible chat-completions endpoint — vLLM, Ollama, llama.cpp's server, this
 * project's `scripts/openai-server.ts`, OpenAI itself — with plain `fetch`: how long evaluations and fine-tuned
 * checkpoints run at scale with the same agent code as the in-browser engines. Browser-safe (no Node imports).
 *
 * - Base URL: `http://host:8080`, `http://host:8080/` and `http://host:8080/v1` are the same server; a URL with a
 *   path other than `/` is used as given (`https://example.com/openai/v1`), minus trailing slashes and a pasted
 *   `/chat/completions`.
 * - Requests: `POST {base}/chat/completions` with `stream: true`, `stream_options: { include_usage: true }`,
 *   `max_tokens` always, `temperature` (default 0 = greedy, like the other engines) and, for `jsonSchema`,
 *   `response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } }`.
 * - Responses: an SSE stream (read with `readSSE` + `collectChatStream`), or — from a server that ignores
 *   `stream` — one JSON chat completion (then `onToken` gets the whole text once). Usage from the last chunk
 *   (`prompt_tokens`, `completion_tokens`, `prompt_tokens_details.cached_tokens`); llama.cpp's `timings`
 *   (`prompt_ms`, `predicted_ms`) become `prefillMs`/`decodeMs`. A server that sends no usage reports zeros.
 * - No queue: concurrent calls go out concurrently, since servers like vLLM batch them (that is the point).
 * - Errors are `OpenAICompatibleError` (an `LLMError`): HTTP errors carry the status, the URL and the server's own
 *   error message; a server that cannot be reached is named by URL; an aborted `signal` (before or during the
 *   call) gives kind `'abort'` and the client stays usable. The partial text of an aborted call is discarded;
 *   `finishReason: 'abort'` is never returned.
 */
import { type CollectedChatStream, collectChatStream } from './chatStream';
import { completionReport, type LlamaCppTimings, type OpenAIUsage } from './llamaCppUsage';
import { readSSE } from './sse';
import { assertValidOptions, type ChatMessage, type CompletionOptions, type CompletionResult, type EngineId, type LLMClient, LLMError } from './types';

export const OPENAI_COMPATIBLE_ENGINE: EngineId = 'openai-compatible';
const ENGINE = OPENAI_COMPATIBLE_ENGINE;

/** Longest server error text quoted in a message. */
const MAX_ERROR_TEXT = 500;

export interface OpenAICompatibleClientOptions {
  /** Server root or its `/v1` (see the module comment). */
  baseUrl: string;
  /** Sent as `model`; also the client's `modelId`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** Defaults to the global `fetch`, looked up at each call. */
  fetch?: typeof fetch;
  /** Extra request headers (e.g. for a proxy). */
  headers?: Record<string, string>;
}

export interface OpenAICompatibleClient extends LLMClient {
  /** The normalised base URL requests go to, e.g. `http://127.0.0.1:8080/v1`. */
  readonly baseUrl: string;
  /** The model ids the server lists at `GET {base}/models`. */
  listModels(signal?: AbortSignal): Promise<string[]>;
}

/** An `LLMError` from an OpenAI-compatible server, with the URL it came from and the HTTP status if one came. */
export class OpenAICompatibleError extends LLMError {
  constructor(
    message: string,
    kind: LLMError['kind'],
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, ENGINE, kind, options);
  }
}

/**
 * `http://host:8080`, `http://host:8080/`, `http://host:8080/v1/` → `http://host:8080/v1`; a URL with some other
 * path keeps it (trailing slashes and a pasted `/chat/completions` or `/models` removed). Throws on what is not an
 * http(s) URL.
 */
export function openAIApiBase(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch (err) {
    throw new OpenAICompatibleError(`Not a valid server URL: ${JSON.stringify(baseUrl)}`, 'load', baseUrl, undefined, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OpenAICompatibleError(`Server URL must be http or https, got ${JSON.stringify(baseUrl)}`, 'load', baseUrl);
  }
  let pathname = url.pathname
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '')
    .replace(/\/(chat\/completions|models)$/, '');
  if (pathname === '') pathname = '/v1';
  return `${url.origin}${pathname}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a failed `fetch` says: undici puts the useful part ("connect ECONNREFUSED …") in `cause`. */
function networkDetail(err: unknown): string {
  const parts = [errorMessage(err)];
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error && cause.message && !parts[0]!.includes(cause.message)) parts.push(cause.message);
  else if (cause && typeof cause === 'object' && 'code' in cause) parts.push(String((cause as { code: unknown }).code));
  return parts.join(': ');
}

function abortError(url: string, signal: AbortSignal | undefined, cause?: unknown): OpenAICompatibleError {
  const reason = signal?.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new OpenAICompatibleError(`Generation aborted${detail}`, 'abort', url, undefined, { cause: cause ?? reason });
}

function clip(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > MAX_ERROR_TEXT ? `${t.slice(0, MAX_ERROR_TEXT)}…` : t;
}

/**
 * The error message in a server's error body: `{error:{message}}` (OpenAI, vLLM, llama.cpp), `{error:"…"}`
 * (Ollama), `{message}`/`{detail}` (vLLM's and FastAPI's own), or the body text itself.
 */
export function serverErrorMessage(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    const pick = (v: unknown): string | undefined => {
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        return pick(o.error) ?? pick(o.message) ?? pick(o.detail) ?? (Array.isArray(o.detail) ? JSON.stringify(o.detail) : undefined);
      }
      return undefined;
    };
    const found = pick(json);
    if (found) return clip(found);
  } catch {
    // not JSON: the text itself
  }
  return clip(body);
}

/** An error object a server put inside a 200 response (a stream chunk or body), or undefined. */
function inBandError(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (o.error !== undefined && o.error !== null) return serverErrorMessage(JSON.stringify(o));
  if (o.object === 'error') return serverErrorMessage(JSON.stringify(o));
  return undefined;
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null } | null; finish_reason?: string | null } | null> | null;
  usage?: OpenAIUsage | null;
  timings?: LlamaCppTimings;
}
interface CompletionBody {
  choices?: Array<{ message?: { content?: string | null } | null; finish_reason?: string | null } | null> | null;
  usage?: OpenAIUsage | null;
  timings?: LlamaCppTimings;
}

function toResult(collected: CollectedChatStream<OpenAIUsage, LlamaCppTimings>, startedAt: number): CompletionResult {
  return {
    text: collected.text,
    ...completionReport(collected.usage, collected.timings, performance.now() - startedAt),
    finishReason: collected.finishReason === 'length' ? 'length' : 'stop',
  };
}

interface Endpoint {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

function requestHeaders(endpoint: Endpoint, extra: Record<string, string>): Record<string, string> {
  return {
    ...extra,
    ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
    ...endpoint.headers,
  };
}

/** `fetch` with this module's errors: network failure → named URL, abort → kind 'abort', !ok → status + message. */
async function send(endpoint: Endpoint, url: string, init: RequestInit, signal: AbortSignal | undefined, what: string): Promise<Response> {
  const doFetch = endpoint.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await doFetch(url, { ...init, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw abortError(url, signal, err);
    throw new OpenAICompatibleError(
      `Could not reach the OpenAI-compatible server at ${url} (${networkDetail(err)}). Is it running, and does it allow this origin (CORS)?`,
      'generate',
      url,
      undefined,
      { cause: err },
    );
  }
  if (!response.ok) {
    let body = '';
    try {
      body = await response.text();
    } catch (err) {
      if (signal?.aborted) throw abortError(url, signal, err);
    }
    const detail = body.trim() ? `: ${serverErrorMessage(body)}` : '';
    const statusText = response.statusText ? ` ${response.statusText}` : '';
    throw new OpenAICompatibleError(`${what} failed: HTTP ${response.status}${statusText} from ${url}${detail}`, 'generate', url, response.status);
  }
  return response;
}

/** The model ids a server lists at `GET {base}/models` (for a settings UI, before any client exists). */
export async function listOpenAICompatibleModels(endpoint: Endpoint, signal?: AbortSignal): Promise<string[]> {
  const url = `${openAIApiBase(endpoint.baseUrl)}/models`;
  const response = await send(endpoint, url, { method: 'GET', headers: requestHeaders(endpoint, { accept: 'application/json' }) }, signal, 'Listing models');
  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    if (signal?.aborted) throw abortError(url, signal, err);
    throw new OpenAICompatibleError(`Listing models: ${url} did not return JSON (${errorMessage(err)})`, 'generate', url, response.status, { cause: err });
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new OpenAICompatibleError(`Listing models: ${url} returned no \`data\` list`, 'generate', url, response.status);
  }
  return data.flatMap((m: unknown) => {
    const id = (m as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? [id] : [];
  });
}

export function createOpenAICompatibleClient(options: OpenAICompatibleClientOptions): OpenAICompatibleClient {
  const baseUrl = openAIApiBase(options.baseUrl);
  if (!options.model.trim()) throw new OpenAICompatibleError('A model name is required', 'load', baseUrl);
  const endpoint: Endpoint = { ...options, baseUrl };
  const completionsUrl = `${baseUrl}/chat/completions`;
  // dispose() aborts whatever is in flight.
  const inFlight = new Set<AbortController>();
  let disposed = false;

  async function complete(messages: ChatMessage[], opts: CompletionOptions): Promise<CompletionResult> {
    const startedAt = performance.now();
    assertValidOptions(opts, ENGINE);
    if (disposed) throw new OpenAICompatibleError(`Client for ${options.model} is disposed`, 'generate', completionsUrl);
    if (messages.length === 0) throw new OpenAICompatibleError('No messages to complete', 'generate', completionsUrl);
    const { signal: callerSignal } = opts;
    if (callerSignal?.aborted) throw abortError(completionsUrl, callerSignal);

    const body = {
      model: options.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      max_tokens: opts.maxTokens,
      temperature: opts.temperature ?? 0,
      stream: true,
      stream_options: { include_usage: true },
      ...(opts.jsonSchema ? { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: opts.jsonSchema, strict: true } } } : {}),
    };

    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    inFlight.add(controller);
    // Errors below are judged aborted by the caller's signal; a dispose() abort reads as a disposed client.
    const aborted = (err: unknown) =>
      callerSignal?.aborted
        ? abortError(completionsUrl, callerSignal, err)
        : new OpenAICompatibleError(`Client for ${options.model} was disposed during generation`, 'abort', completionsUrl, undefined, { cause: err });
    try {
      let response: Response;
      try {
        response = await send(
          endpoint,
          completionsUrl,
          {
            method: 'POST',
            headers: requestHeaders(endpoint, { 'content-type': 'application/json', accept: 'text/event-stream, application/json' }),
            body: JSON.stringify(body),
          },
          controller.signal,
          'Chat completion',
        );
      } catch (err) {
        if (controller.signal.aborted) throw aborted(err);
        throw err;
      }
      let collected: CollectedChatStream<OpenAIUsage, LlamaCppTimings>;
      try {
        collected = await readCompletion(response, completionsUrl, opts.onToken);
      } catch (err) {
        if (controller.signal.aborted) throw aborted(err);
        if (err instanceof LLMError) throw err;
        throw new OpenAICompatibleError(
          `Reading the response from ${completionsUrl} failed: ${networkDetail(err)}`,
          'generate',
          completionsUrl,
          response.status,
          { cause: err },
        );
      }
      if (controller.signal.aborted) throw aborted(undefined);
      return toResult(collected, startedAt);
    } finally {
      callerSignal?.removeEventListener('abort', onCallerAbort);
      inFlight.delete(controller);
    }
  }

  return {
    engine: ENGINE,
    modelId: options.model,
    baseUrl,
    complete,
    listModels: (signal) => listOpenAICompatibleModels(endpoint, signal),
    async dispose() {
      disposed = true;
      for (const c of inFlight) c.abort();
      inFlight.clear();
    },
  };
}

/** Reads a 200 response: an SSE stream, or one JSON completion from a server that does not stream. */
async function readCompletion(
  response: Response,
  url: string,
  onToken: ((delta: string) => void) | undefined,
): Promise<CollectedChatStream<OpenAIUsage, LlamaCppTimings>> {
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('text/event-stream')) {
    if (!response.body) throw new OpenAICompatibleError(`Empty event stream from ${url}`, 'generate', url, response.status);
    return collectChatStream(chunksOf(response.body, url, response.status), onToken);
  }
  const text = await response.text();
  const trimmed = text.trimStart();
  // A stream without its content type (some proxies drop it): parse it as one anyway.
  if (/^(data|:|event|id)[:\s]/.test(trimmed)) {
    return collectChatStream(chunksOf(new Response(text).body!, url, response.status), onToken);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OpenAICompatibleError(
      `Expected an event stream or JSON from ${url}, got ${contentType || 'no content type'}: ${clip(text) || '(empty body)'}`,
      'generate',
      url,
      response.status,
    );
  }
  const error = inBandError(json);
  if (error) throw new OpenAICompatibleError(`Chat completion failed at ${url}: ${error}`, 'generate', url, response.status);
  const completion = json as CompletionBody;
  const choice = completion.choices?.[0];
  if (!choice) throw new OpenAICompatibleError(`No choices in the completion from ${url}: ${clip(text)}`, 'generate', url, response.status);
  const content = choice.message?.content ?? '';
  if (content) onToken?.(content);
  return {
    text: content,
    finishReason: choice.finish_reason ?? null,
    usage: completion.usage ?? undefined,
    timings: completion.timings,
  };
}

/** The stream's chunks, shaped for `collectChatStream`; an error chunk or event throws. */
async function* chunksOf(body: ReadableStream<Uint8Array>, url: string, status: number) {
  for await (const message of readSSE(body)) {
    if (message.data === '[DONE]') return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(message.data);
    } catch {
      throw new OpenAICompatibleError(`Malformed stream chunk from ${url}: ${clip(message.data)}`, 'generate', url, status);
    }
    const error = message.event === 'error' ? serverErrorMessage(message.data) : inBandError(chunk);
    if (error) throw new OpenAICompatibleError(`Chat completion failed mid-stream at ${url}: ${error}`, 'generate', url, status);
    const c = (chunk ?? {}) as StreamChunk;
    yield {
      choices: (c.choices ?? []).map((choice) => ({
        delta: { content: choice?.delta?.content ?? null },
        finish_reason: choice?.finish_reason ?? null,
      })),
      usage: c.usage ?? null,
      ...(c.timings ? { timings: c.timings } : {}),
    };
  }
}
