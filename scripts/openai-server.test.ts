/**
 * The OpenAI-compatible server on the real test model (SmolLM2-135M, CPU), spoken to over real HTTP with plain
 * `fetch` — the wire format other clients (OpenAI SDKs, eval harnesses, the browser app) rely on. The client
 * side (app/llm/openaiCompatibleClient.ts) is tested against this server in its own file.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import type { CompletionOptions, CompletionResult, LLMClient } from '../app/llm/types';
import { type OpenAIServer, parseChatRequest, startOpenAIServer } from './openai-server';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH } from './test-models';

/** What these tests read of the server's replies: OpenAI's chat-completion wire format, with llama.cpp's timings. */
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}
interface Timings {
  prompt_ms: number;
  predicted_ms: number;
  predicted_n: number;
  cache_n?: number;
}
interface Completion {
  id: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string | null }[];
  usage: Usage;
  timings: Timings;
}
interface CompletionChunk {
  id: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: Usage;
  timings?: Timings;
}
const completionOf = async (res: Response) => (await res.json()) as Completion;
const errorMessageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

const hi = [{ role: 'user', content: 'Say hi.' }];
const TOKEN = 'test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The served client, recording how each call ended, so tests can see what the server did with the model. */
function recording(inner: LLMClient) {
  const outcomes: Array<{ ok: true; result: CompletionResult } | { ok: false; kind: unknown }> = [];
  const client: LLMClient = {
    engine: inner.engine,
    modelId: inner.modelId,
    async complete(messages, options: CompletionOptions) {
      try {
        const result = await inner.complete(messages, options);
        outcomes.push({ ok: true, result });
        return result;
      } catch (err) {
        outcomes.push({ ok: false, kind: (err as { kind?: unknown }).kind });
        throw err;
      }
    },
    dispose: () => inner.dispose(),
  };
  return { client, outcomes };
}

function post(server: OpenAIServer, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
    headers: { 'content-type': 'application/json', ...AUTH, ...(init.headers as Record<string, string> | undefined) },
  });
}

/** The `data:` payloads of an SSE body, checking that every event is exactly `data: <payload>\n\n`. */
function ssePayloads(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      expect(event).toMatch(/^data: [^\n]+$/);
      return event.slice('data: '.length);
    });
}

describe('openai-server (real model, CPU, real HTTP)', () => {
  let model: LLMClient;
  let server: OpenAIServer;
  let outcomes: ReturnType<typeof recording>['outcomes'];

  beforeAll(async () => {
    assertTestModelsPresent();
    model = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
    const rec = recording(model);
    outcomes = rec.outcomes;
    server = await startOpenAIServer({ client: rec.client, port: 0, token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
    await model?.dispose();
  });

  it('binds 127.0.0.1 on the port asked for (0 = free) and lists its model', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(server.port).toBeGreaterThan(0);
    for (const path of ['/v1/models', '/models']) {
      const res = await fetch(`${server.origin}${path}`, { headers: AUTH });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ object: 'list', data: [{ id: model.modelId, object: 'model' }] });
    }
    expect(await (await fetch(`${server.origin}/health`)).json()).toEqual({ status: 'ok' });
  });

  it('answers CORS preflights, private-network ones included, and sets CORS headers on responses', async () => {
    const pre = await fetch(`${server.url}/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
        'access-control-request-private-network': 'true',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(pre.headers.get('access-control-allow-private-network')).toBe('true');
    const res = await fetch(`${server.url}/models`, { headers: { origin: 'http://localhost:5173', ...AUTH } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('streams SSE chunks: a role chunk, content deltas, the finish reason, usage when asked, then [DONE]', async () => {
    const res = await post(server, {
      model: 'whatever', // ignored, like llama.cpp's server
      messages: hi,
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const payloads = ssePayloads(await res.text());
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p) as CompletionChunk);
    for (const c of chunks) expect(c).toMatchObject({ object: 'chat.completion.chunk', model: model.modelId, id: chunks[0]!.id });
    expect(chunks[0]!.choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
    const deltas = chunks.slice(1, -2);
    expect(deltas.length).toBeGreaterThan(0);
    for (const c of deltas) expect(c.choices[0]).toMatchObject({ delta: { content: expect.any(String) }, finish_reason: null });
    expect(chunks.at(-2)!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'length' });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ completion_tokens: 6, prompt_tokens: expect.any(Number) });
    expect(usageChunk.usage!.total_tokens).toBe(usageChunk.usage!.prompt_tokens + 6);
    expect(usageChunk.timings).toMatchObject({ predicted_n: 6, prompt_ms: expect.any(Number), predicted_ms: expect.any(Number) });

    // Without include_usage: no usage chunk.
    const plain = ssePayloads(await (await post(server, { messages: hi, max_tokens: 2, stream: true })).text());
    expect(plain.at(-1)).toBe('[DONE]');
    expect(plain.slice(0, -1).every((p) => !('usage' in JSON.parse(p)))).toBe(true);
  });

  it('answers a non-streaming request with one chat.completion body', async () => {
    const res = await post(server, { messages: hi, max_completion_tokens: 4 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await completionOf(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: model.modelId,
      choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'length' }],
      usage: { completion_tokens: 4 },
    });
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
  });

  it('constrains output with response_format json_object', async () => {
    const res = await post(server, {
      messages: [{ role: 'user', content: 'Describe a cat as JSON.' }],
      max_tokens: 24,
      response_format: { type: 'json_object' },
    });
    const content = (await completionOf(res)).choices[0]!.message.content;
    expect(content.trimStart().startsWith('{')).toBe(true);
  });

  it('refuses bad requests with a 400 that names the problem, and unknown routes/methods with 404/405', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /not valid JSON/],
      [[1, 2], /JSON object/],
      [{ messages: [] }, /`messages` must be a non-empty array/],
      [{ messages: [{ role: 'tool', content: 'x' }] }, /role must be one of/],
      [
        {
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: 'y' },
          ],
        },
        /last message must have role "user"/,
      ],
      [{ messages: hi, max_tokens: 0 }, /`max_tokens` must be a positive integer/],
      [{ messages: hi, max_tokens: 1.5 }, /`max_tokens` must be a positive integer/],
      [{ messages: hi, temperature: 3 }, /`temperature` must be a number from 0 to 2/],
      [{ messages: hi, stream: 'yes' }, /`stream` must be a boolean/],
      [{ messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, /json_schema\.schema/],
      [{ messages: hi, response_format: { type: 'xml' } }, /response_format\.type/],
      [{ messages: hi, n: 2 }, /`n: 1`/],
      [{ messages: hi, stop: ['\n'] }, /`stop` is not supported/],
      [{ messages: hi, tools: [{ type: 'function' }] }, /`tools` is not supported/],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, /only text parts/],
    ];
    for (const [body, message] of cases) {
      const res = await post(server, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as { error: { message: string; type: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(message);
    }
    const missing = await fetch(`${server.origin}/v2/chat`, { method: 'POST', headers: AUTH });
    expect(missing.status).toBe(404);
    expect(await errorMessageOf(missing)).toContain('/v1/chat/completions');
    const wrongMethod = await fetch(`${server.url}/chat/completions`, { headers: AUTH });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('runs one request at a time; a client that disconnects mid-stream aborts its generation, and the next runs', async () => {
    // Two at once: both complete (queued, not interleaved on the one model).
    const [a, b] = await Promise.all([
      post(server, { messages: hi, max_tokens: 3 }),
      post(server, { messages: [{ role: 'user', content: 'Say bye.' }], max_tokens: 3 }),
    ]);
    for (const r of [a, b]) expect((await completionOf(r)).usage.completion_tokens).toBe(3);

    // A long generation whose client goes away after the first content chunk.
    const before = outcomes.length;
    const controller = new AbortController();
    const res = await post(
      server,
      { messages: [{ role: 'user', content: 'Tell me a very long story about a dragon.' }], max_tokens: 400, stream: true },
      { signal: controller.signal },
    );
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"') || seen.split('\n\n').length < 3) {
      const { value } = await reader.read();
      seen += new TextDecoder().decode(value);
    }
    controller.abort();
    await reader.closed.catch(() => undefined);

    // The next request is served, and the aborted one ended as an abort, far short of its 400 tokens.
    const next = await post(server, { messages: hi, max_tokens: 3 });
    expect((await completionOf(next)).usage.completion_tokens).toBe(3);
    expect(outcomes.slice(before)).toEqual([
      { ok: false, kind: 'abort' },
      { ok: true, result: expect.anything() },
    ]);
  });
});

/** A raw request, for what fetch will not send (another Host header). */
function rawGet(server: OpenAIServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('openai-server: only the app can drive it (real model, real HTTP)', () => {
  let model: LLMClient;
  let server: OpenAIServer;
  const APP = 'http://localhost:5173';
  const OTHER_APP = 'http://localhost:4173';

  beforeAll(async () => {
    assertTestModelsPresent();
    model = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
    server = await startOpenAIServer({ client: model, port: 0, token: TOKEN, maxQueue: 2, maxBodyBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await server?.close();
    await model?.dispose();
  });

  it('a web page on another origin gets no CORS answer and a 403, preflight or not', async () => {
    const evil = 'https://evil.example';
    const pre = await fetch(`${server.url}/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-private-network')).toBeNull();
    const res = await post(server, { messages: hi, max_tokens: 1 }, { headers: { origin: evil } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await errorMessageOf(res)).toMatch(/Origin https:\/\/evil\.example may not use this server/);
  });

  it('every route but /health needs the bearer token', async () => {
    expect((await fetch(`${server.url}/models`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/models`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    const noToken = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: hi }) });
    expect(noToken.status).toBe(401);
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/models`, { headers: AUTH })).status).toBe(200);
  });

  it('a Host header that is not this loopback server (DNS rebinding) is refused', async () => {
    expect((await rawGet(server, '/health', { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rawGet(server, '/v1/models', { host: `localhost:${server.port}`, ...AUTH })).status).toBe(200);
  });

  it('a body over the limit gets a 413 the client can read, declared or streamed, before any tokenizing', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(50 * 1024 * 1024) }] });
    const res = await post(server, big);
    expect(res.status).toBe(413);
    expect(await errorMessageOf(res)).toMatch(/over 65536 bytes/);
    // Streamed without a length: the limit is checked while reading.
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        c.close();
      },
    });
    const streamed = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: AUTH, body: chunks, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });

  it('a schema nested 5,000 deep is a 400, not a 500', async () => {
    // Written as text: JSON.stringify itself would overflow the stack of a test worker this deep.
    const schema = `${'{"items":'.repeat(5000)}{}${'}'.repeat(5000)}`;
    const body = `{"messages":${JSON.stringify(hi)},"max_tokens":1,"response_format":{"type":"json_schema","json_schema":{"name":"deep","schema":${schema}}}}`;
    const res = await post(server, body);
    expect(res.status).toBe(400);
    expect(await errorMessageOf(res)).toMatch(/nests deeper than 32 levels/);
  });

  it('the queue is bounded: beyond maxQueue waiting or running requests, a 503 with retry-after', async () => {
    const controller = new AbortController();
    const long = { messages: [{ role: 'user', content: 'Tell me a very long story about a dragon.' }], max_tokens: 300 };
    const first = post(server, long, { signal: controller.signal }).catch(() => null);
    const second = post(server, long, { signal: controller.signal }).catch(() => null);
    // Both are in (the third is only refused once the two are counted).
    await new Promise((r) => setTimeout(r, 300));
    const third = await post(server, { messages: hi, max_tokens: 1 });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    controller.abort();
    await Promise.all([first, second]);
  });

  it("how much of a prompt was cached is reported only to the client that ran just before, never another one's", async () => {
    const ask = (origin: string) => post(server, { messages: hi, max_tokens: 2 }, { headers: { origin } }).then(completionOf);
    await ask(APP);
    const same = await ask(APP);
    expect(same.timings.cache_n).toBeGreaterThan(0);
    const other = await ask(OTHER_APP);
    expect(other.timings).not.toHaveProperty('cache_n');
    expect(other.usage).not.toHaveProperty('prompt_tokens_details');
  });
});

describe('parseChatRequest', () => {
  it('maps an OpenAI body onto LLMClient options', () => {
    expect(
      parseChatRequest({
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'assistant', content: null },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hello ' },
              { type: 'text', text: 'there' },
            ],
          },
        ],
        max_tokens: 12,
        temperature: 0.5,
        stream: true,
        stream_options: { include_usage: true },
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
        stop: null,
        tools: [],
      }),
    ).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Hello there' },
      ],
      maxTokens: 12,
      temperature: 0.5,
      jsonSchema: { type: 'object' },
      stream: true,
      includeUsage: true,
    });
  });

  it('defaults max_tokens, streaming and usage', () => {
    expect(parseChatRequest({ messages: hi }, 77)).toEqual({
      messages: hi,
      maxTokens: 77,
      temperature: undefined,
      jsonSchema: undefined,
      stream: false,
      includeUsage: false,
    });
    // include_usage only means something when streaming.
    expect(parseChatRequest({ messages: hi, stream_options: { include_usage: true } }).includeUsage).toBe(false);
  });
});
