/**
 * A small OpenAI-compatible HTTP server over the project's own node-llama-cpp client: serves any GGUF to the app
 * (its OpenAI-compatible engine), to evaluations and to tests, through the same path as vLLM, Ollama or
 * llama.cpp's server.
 *
 *   npm run serve:openai -- [--model <file.gguf>] [--port 8089]
 *
 * - `POST /v1/chat/completions`: `messages` (system/developer, user, assistant; text content), `max_tokens` or
 *   `max_completion_tokens` (default 1024), `temperature`, `stream` (SSE `data: {...}` chunks, then
 *   `data: [DONE]`), `stream_options.include_usage` (usage in a last chunk with no choices), `response_format`
 *   `json_schema` (grammar-constrained) or `json_object`. Like llama.cpp's server it adds `timings`
 *   (`prompt_n`, `prompt_ms`, `predicted_n`, `predicted_ms`, `cache_n`) and ignores the requested `model` name.
 *   What it cannot honour (`n` > 1, `tools`, `stop`, images…) is a 400 naming the parameter, not silently dropped.
 * - `GET /v1/models`, `GET /health`; the same routes without `/v1` too.
 *
 * Only the app can drive it, not any website the user happens to have open:
 * - a bearer token, random per start and printed, required on every route but `/health` (the app's server form
 *   takes it as the API key);
 * - browsers: only the origins given with `--allow-origin` (default: the app's dev and preview servers) get CORS
 *   and private-network preflight answers; a request from any other Origin is refused;
 * - the Host header must name this loopback server, so a DNS-rebound name cannot reach it;
 * - bodies over the limit get a 413 (sent before the connection closes), checked before anything is tokenized;
 *   JSON schemas nest at most MAX_SCHEMA_DEPTH deep (400 beyond);
 * - one generation at a time, at most `maxQueue` requests waiting or running (503 beyond); one whose client
 *   disconnects (while queued or generating) is dropped/aborted, and the next runs;
 * - the prompt cache is shared, so how much of a prompt was cached (`cache_n`, `cached_tokens`) is reported only
 *   to the client whose request ran just before: it would tell another caller about the previous prompt.
 * - binds 127.0.0.1 only.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import { type ChatMessage, type CompletionOptions, type CompletionResult, type LLMClient, LLMError } from '../app/llm/types';
import { TEST_CHAT_GGUF_PATH } from './test-models';

export const DEFAULT_PORT = 8089;
export const DEFAULT_MAX_TOKENS = 1024;
/** The app's largest prompt (60 memories of 2,000 characters, JSON-escaped) is far below this. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_QUEUE = 4;
/** Nesting of a response_format schema (objects and arrays); deeper ones are refused before grammar building. */
export const MAX_SCHEMA_DEPTH = 32;
/** `vite` and `vite preview` on their default ports, by both loopback names. */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:4173', 'http://127.0.0.1:4173'];

export interface OpenAIServerOptions {
  /** GGUF to serve; defaults to the test chat model. Ignored when `client` is given. */
  modelPath?: string;
  /** Serve this client instead of loading `modelPath` (it is not disposed by `close`). */
  client?: LLMClient;
  /** Defaults to 8089; 0 picks a free port. */
  port?: number;
  /** Reported as the model's id; defaults to the client's `modelId`. */
  modelId?: string;
  /** `max_tokens` when a request gives none. */
  defaultMaxTokens?: number;
  /** Answer with one JSON body even when a request asks to stream, as some servers do (for tests). */
  ignoreStream?: boolean;
  /** One line per request; silent when not given. */
  log?: (line: string) => void;
  /** Bearer token every route but /health requires; default a random one. null: none (tests on loopback only). */
  token?: string | null;
  /** Browser origins allowed to call it (CORS); default DEFAULT_ALLOWED_ORIGINS. */
  allowedOrigins?: readonly string[];
  /** Requests waiting or running at once; more get a 503. Default DEFAULT_MAX_QUEUE. */
  maxQueue?: number;
  /** Default DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export interface OpenAIServer {
  /** The OpenAI base URL, e.g. `http://127.0.0.1:8089/v1`. */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  modelId: string;
  client: LLMClient;
  /** The bearer token clients must send (null when started without one). */
  token: string | null;
  allowedOrigins: readonly string[];
  close(): Promise<void>;
}

/** A request the server refuses, answered with an OpenAI-shaped error body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export interface ParsedChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number | undefined;
  jsonSchema: Record<string, unknown> | undefined;
  stream: boolean;
  includeUsage: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, param: string | null = null) => new HttpError(400, message, 'invalid_request_error', param);

function messageText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, j) => {
        if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
        const type = isObject(part) ? JSON.stringify(part.type) : typeof part;
        throw bad(`${where}.content[${j}]: only text parts are supported, got ${type}`, `${where}.content`);
      })
      .join('');
  }
  throw bad(`${where}.content must be a string or an array of text parts`, `${where}.content`);
}

/** Validates a chat-completions body into what `LLMClient.complete` takes; throws a 400 `HttpError` naming the problem. */
export function parseChatRequest(body: unknown, defaultMaxTokens = DEFAULT_MAX_TOKENS): ParsedChatRequest {
  if (!isObject(body)) throw bad('The request body must be a JSON object');
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) throw bad('`messages` must be a non-empty array', 'messages');
  const parsed: ChatMessage[] = messages.map((m: unknown, i) => {
    const where = `messages[${i}]`;
    if (!isObject(m)) throw bad(`${where} must be an object`, 'messages');
    const role = m.role === 'developer' ? 'system' : m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw bad(`${where}.role must be one of system, developer, user, assistant; got ${JSON.stringify(m.role)}`, `${where}.role`);
    }
    if (m.tool_calls !== undefined && m.tool_calls !== null) throw bad(`${where}: tool calls are not supported`, `${where}.tool_calls`);
    return { role, content: messageText(m.content, where) };
  });
  if (parsed[parsed.length - 1]!.role !== 'user') throw bad('The last message must have role "user"', 'messages');

  const maxTokensParam = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const rawMax = body[maxTokensParam];
  let maxTokens = defaultMaxTokens;
  if (rawMax !== undefined && rawMax !== null) {
    if (typeof rawMax !== 'number' || !Number.isInteger(rawMax) || rawMax <= 0) {
      throw bad(`\`${maxTokensParam}\` must be a positive integer, got ${JSON.stringify(rawMax)}`, maxTokensParam);
    }
    maxTokens = rawMax;
  }

  let temperature: number | undefined;
  if (body.temperature !== undefined && body.temperature !== null) {
    if (typeof body.temperature !== 'number' || !(body.temperature >= 0 && body.temperature <= 2)) {
      throw bad(`\`temperature\` must be a number from 0 to 2, got ${JSON.stringify(body.temperature)}`, 'temperature');
    }
    temperature = body.temperature;
  }

  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw bad('`stream` must be a boolean', 'stream');
  const stream = body.stream === true;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions)) throw bad('`stream_options` must be an object', 'stream_options');
  const includeUsage = stream && isObject(streamOptions) && streamOptions.include_usage === true;

  let jsonSchema: Record<string, unknown> | undefined;
  const format = body.response_format;
  if (format !== undefined && format !== null) {
    if (!isObject(format)) throw bad('`response_format` must be an object', 'response_format');
    if (format.type === 'json_schema') {
      const spec = format.json_schema;
      if (!isObject(spec) || !isObject(spec.schema)) {
        throw bad('`response_format.json_schema.schema` must be a JSON Schema object', 'response_format.json_schema.schema');
      }
      if (depthOf(spec.schema, MAX_SCHEMA_DEPTH + 1) > MAX_SCHEMA_DEPTH) {
        throw bad(`\`response_format.json_schema.schema\` nests deeper than ${MAX_SCHEMA_DEPTH} levels`, 'response_format.json_schema.schema');
      }
      jsonSchema = spec.schema;
    } else if (format.type === 'json_object') {
      jsonSchema = { type: 'object', additionalProperties: true };
    } else if (format.type !== 'text') {
      throw bad(`\`response_format.type\` must be text, json_object or json_schema; got ${JSON.stringify(format.type)}`, 'response_format.type');
    }
  }

  // What this server would otherwise silently get wrong.
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw bad('Only `n: 1` is supported', 'n');
  for (const param of ['tools', 'functions', 'stop'] as const) {
    const v = body[param];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) throw bad(`\`${param}\` is not supported by this server`, param);
  }
  if (body.logprobs === true) throw bad('`logprobs` is not supported by this server', 'logprobs');

  return { messages: parsed, maxTokens, temperature, jsonSchema, stream, includeUsage };
}

/** How deep objects and arrays nest in a parsed JSON value, counting no further than `limit`. */
function depthOf(value: unknown, limit: number): number {
  if (limit <= 0 || typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1));
    if (deepest >= limit - 1) break;
  }
  return 1 + deepest;
}

/** A body over the limit: a 413 that the client gets to read (the connection closes after it). */
class BodyTooLarge extends HttpError {
  constructor(limit: number) {
    super(413, `Request body over ${limit} bytes`);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it; the rest is drained after the 413 (see `refuseBody`), so the client reads the answer.
        req.off('data', onData);
        chunks.length = 0;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * After a 413 or 503 sent before the body was read: read and drop what the client is still sending, so it gets to
 * read the answer instead of a reset, and close the connection once the answer is out (at most a few seconds on).
 */
function refuseBody(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  res.on('finish', () => setTimeout(() => req.socket.destroy(), 2000).unref());
}

/** The loopback names a browser or client may use for this server; anything else in Host is DNS rebinding. */
function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

function setCors(req: http.IncomingMessage, res: http.ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader('access-control-allow-headers', 'authorization, content-type');
  res.setHeader('access-control-max-age', '600');
  // Chrome's Private Network Access: a page on a public origin may call this loopback server only if it says so.
  if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('access-control-allow-private-network', 'true');
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(err: HttpError) {
  return { error: { message: err.message, type: err.type, param: err.param, code: null } };
}

/** An LLMError from the model as the HTTP error a client should see. */
function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof LLMError) {
    if (err.kind === 'unsupported') return new HttpError(400, err.message, 'invalid_request_error', 'response_format');
    if (/does not fit/.test(err.message)) return new HttpError(400, err.message, 'invalid_request_error', 'messages');
    return new HttpError(500, err.message);
  }
  return new HttpError(500, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** `shareCache`: whether this client may learn how much of its prompt was cached (see the module comment). */
function usageOf(result: CompletionResult, shareCache: boolean) {
  const { promptTokens, completionTokens } = result.usage;
  const cachedTokens = shareCache ? result.usage.cachedTokens : undefined;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: cachedTokens } } : {}),
  };
}

/** llama.cpp server's `timings`: `prompt_n` counts the prompt tokens actually read (the cached ones are `cache_n`). */
function timingsOf(result: CompletionResult, shareCache: boolean) {
  const cached = result.usage.cachedTokens ?? 0;
  return {
    ...(shareCache ? { cache_n: cached, prompt_n: result.usage.promptTokens - cached } : { prompt_n: result.usage.promptTokens }),
    predicted_n: result.usage.completionTokens,
    ...(result.timings.prefillMs !== undefined ? { prompt_ms: result.timings.prefillMs } : {}),
    ...(result.timings.decodeMs !== undefined ? { predicted_ms: result.timings.decodeMs } : {}),
  };
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const ownsClient = !options.client;
  const client = options.client ?? (await createNodeLlamaCppClient({ modelPath: options.modelPath ?? TEST_CHAT_GGUF_PATH }));
  const modelId = options.modelId ?? client.modelId;
  const defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const log = options.log ?? (() => undefined);
  const created = Math.floor(Date.now() / 1000);
  const token = options.token === undefined ? randomBytes(24).toString('base64url') : options.token;
  const allowedOrigins = options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS;
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let port = 0;
  /** Who the last generation ran for: the only client the prompt cache's state may be reported to. */
  let lastClient: string | null = null;
  let queued = 0;

  // One generation at a time.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const inFlight = new Set<AbortController>();

  async function chatCompletions(req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
    if (queued >= maxQueue) {
      res.setHeader('retry-after', '1');
      throw new HttpError(503, `The server is busy: ${queued} requests are waiting or running (at most ${maxQueue}); try again shortly`);
    }
    queued += 1;
    try {
      return await chatCompletion(req, res);
    } finally {
      queued -= 1;
    }
  }

  async function chatCompletion(req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
    let body: unknown;
    const text = await readBody(req, maxBodyBytes);
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw bad(`The request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const request = parseChatRequest(body, defaultMaxTokens);
    const stream = request.stream && !options.ignoreStream;

    // A client that goes away (closes the connection, aborts its fetch) aborts its generation or its place in line.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    inFlight.add(controller);

    const id = `chatcmpl-${randomUUID()}`;
    const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: modelId };
    let streaming = false;
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    // Headers go out with the first token, so an error before it (a bad schema) is still a plain HTTP error.
    const startStream = () => {
      if (streaming) return;
      streaming = true;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    };

    // Browsers send an Origin; other clients (scripts, SDKs) are told apart by their address.
    const clientKey = req.headers.origin ?? `addr:${req.socket.remoteAddress ?? ''}`;
    let shareCache = false;
    try {
      const result = await enqueue(async () => {
        if (controller.signal.aborted) return undefined;
        // Nothing cached yet, or only this client's own prompts: nothing to tell about anyone else.
        shareCache = lastClient === null || lastClient === clientKey;
        lastClient = clientKey;
        const completionOptions: CompletionOptions = {
          maxTokens: request.maxTokens,
          signal: controller.signal,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.jsonSchema ? { jsonSchema: request.jsonSchema } : {}),
          ...(stream
            ? {
                onToken: (delta: string) => {
                  startStream();
                  send({ ...base, choices: [{ index: 0, delta: { content: delta }, finish_reason: null }] });
                },
              }
            : {}),
        };
        return client.complete(request.messages, completionOptions);
      }).catch((err: unknown) => {
        if (controller.signal.aborted) return undefined;
        throw err;
      });
      if (!result) {
        res.destroy();
        return 'client gone';
      }
      const summary = `${result.usage.promptTokens}+${result.usage.completionTokens} tokens, ${result.finishReason}, ${Math.round(result.timings.totalMs)} ms`;
      if (!stream) {
        sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created: base.created,
          model: modelId,
          choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: result.finishReason, logprobs: null }],
          usage: usageOf(result, shareCache),
          timings: timingsOf(result, shareCache),
        });
        return `200 ${summary}`;
      }
      startStream();
      send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: result.finishReason }] });
      if (request.includeUsage) send({ ...base, choices: [], usage: usageOf(result, shareCache), timings: timingsOf(result, shareCache) });
      res.end('data: [DONE]\n\n');
      return `200 stream ${summary}`;
    } catch (err) {
      if (!streaming) throw err;
      // Headers are gone: report in the stream, as OpenAI and vLLM do.
      const error = toHttpError(err);
      send(errorBody(error));
      res.end();
      return `${error.status} (in stream) ${error.message}`;
    } finally {
      inFlight.delete(controller);
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
    if (!hostAllowed(req.headers.host, port))
      throw new HttpError(403, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server; use 127.0.0.1:${port}`, 'permission_error');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowedOrigins.includes(origin)) {
        throw new HttpError(403, `Origin ${origin} may not use this server; start it with --allow-origin ${origin} to allow it`, 'permission_error');
      }
      setCors(req, res, origin);
    }
    const method = req.method ?? 'GET';
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const route = pathname.replace(/\/+$/, '').replace(/^\/v1(?=\/)/, '') || '/';
    if (method === 'OPTIONS') {
      res.writeHead(204).end();
      return '204';
    }
    if (token !== null && route !== '/health' && !tokenMatches(req.headers.authorization, token)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'Missing or wrong bearer token: use the token serve:openai printed at start as the API key', 'authentication_error');
    }
    const allow = (methods: string) => {
      if (!methods.split(',').includes(method)) {
        res.setHeader('allow', methods);
        throw new HttpError(405, `${method} ${pathname} is not allowed; use ${methods}`);
      }
    };
    switch (route) {
      case '/chat/completions':
        allow('POST');
        return chatCompletions(req, res);
      case '/models':
        allow('GET,HEAD');
        sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', created, owned_by: 'memory-r1' }] });
        return '200';
      case '/health':
        allow('GET,HEAD');
        sendJson(res, 200, { status: 'ok' });
        return '200';
      default:
        throw new HttpError(404, `No route ${method} ${pathname}: this server has GET /v1/models and POST /v1/chat/completions`, 'not_found_error');
    }
  }

  const server = http.createServer((req, res) => {
    const started = performance.now();
    handle(req, res)
      .catch((err: unknown) => {
        const error = toHttpError(err);
        // Refused before the body was read: say so with the connection closing, and drain what is still coming.
        const unread = !req.complete;
        if (unread) res.setHeader('connection', 'close');
        if (!res.headersSent && !res.destroyed) sendJson(res, error.status, errorBody(error));
        else res.destroy();
        if (unread) refuseBody(req, res);
        return `${error.status} ${error.message}`;
      })
      .then((outcome) => log(`${req.method} ${req.url} → ${outcome} (${Math.round(performance.now() - started)} ms)`));
  });

  const host = '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (ownsClient) await client.dispose();
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    modelId,
    client,
    token,
    allowedOrigins,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of inFlight) c.abort(new Error('server closing'));
        server.closeAllConnections();
        await closed;
        await queue;
        if (ownsClient) await client.dispose();
      })();
      return closing;
    },
  };
}

const USAGE = `Usage: npm run serve:openai -- [--model <file.gguf>] [--port <port>] [--allow-origin <origin>]… [--token <token>]

Serves a GGUF model at http://127.0.0.1:<port>/v1 (OpenAI-compatible: POST /v1/chat/completions, GET /v1/models).
  --model         the .gguf file (default: the test model, ${TEST_CHAT_GGUF_PATH})
  --port          default ${DEFAULT_PORT}; 0 picks a free one
  --allow-origin  a web page origin that may call it, e.g. http://localhost:5173; repeat for more
                  (default: ${DEFAULT_ALLOWED_ORIGINS.join(', ')})
  --token         the bearer token clients must send (default: a random one, printed at start)`;

async function main(): Promise<void> {
  let values: { model?: string; port?: string; help?: boolean; 'allow-origin'?: string[]; token?: string };
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: 'string' },
        port: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const allowedOrigins = values['allow-origin'] ?? DEFAULT_ALLOWED_ORIGINS;
  for (const origin of allowedOrigins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin) {
      console.error(`--allow-origin must be an origin such as http://localhost:5173 (scheme, host, port; no path), got ${JSON.stringify(origin)}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
  }
  if (values.token !== undefined && values.token.length < 8) {
    console.error(`--token must be at least 8 characters\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const modelPath = path.resolve(values.model ?? TEST_CHAT_GGUF_PATH);
  let server: OpenAIServer;
  try {
    server = await startOpenAIServer({ modelPath, port, log: (line) => console.log(line), allowedOrigins, ...(values.token ? { token: values.token } : {}) });
  } catch (err) {
    console.error(`serve:openai failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    return;
  }
  console.log(`Serving ${server.modelId} (${modelPath}) at ${server.url} — OpenAI-compatible; Ctrl+C to stop`);
  console.log(`Token: ${server.token} — the app's server form takes it as the API key (Authorization: Bearer …)`);
  console.log(`Web pages allowed to call it: ${server.allowedOrigins.join(', ')}`);
  const stop = () => {
    console.log('Stopping…');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run only as a script: tests import this module.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
