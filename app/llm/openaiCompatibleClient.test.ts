/**
 * The OpenAI-compatible client over real HTTP: against scripts/openai-server.ts serving the real test model
 * (SmolLM2-135M-Instruct Q4_1, CPU) — no mocks of the model; a missing model fails the run — and against a tiny
 * canned-response HTTP server for what the real one never does (other servers' error shapes, mid-stream errors,
 * a server that never answers). Generations are kept to a few dozen tokens (~45 tok/s on 2 cores).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIServer, startOpenAIServer } from '../../scripts/openai-server';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import {
  createOpenAICompatibleClient,
  listOpenAICompatibleModels,
  type OpenAICompatibleClient,
  OpenAICompatibleError,
  openAIApiBase,
  serverErrorMessage,
} from './openaiCompatibleClient';
import { expectSchemaValidOpsReply, expectStreamedDeltasJoinToText } from './testing/clientContract';
import { LLMError } from './types';

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<OpenAICompatibleError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAICompatibleError);
  expect(error).toBeInstanceOf(LLMError);
  return error as OpenAICompatibleError;
}

describe('openAIApiBase (a server URL as the API base)', () => {
  it('treats a server root, with or without a slash, and its /v1 alike', () => {
    for (const url of ['http://host:8080', 'http://host:8080/', 'http://host:8080/v1', 'http://host:8080/v1/', ' http://host:8080//v1// ']) {
      expect(openAIApiBase(url), url).toBe('http://host:8080/v1');
    }
  });

  it('keeps any other path, minus a pasted endpoint', () => {
    expect(openAIApiBase('https://example.com/openai/v1')).toBe('https://example.com/openai/v1');
    expect(openAIApiBase('https://example.com/v1beta/openai/')).toBe('https://example.com/v1beta/openai');
    expect(openAIApiBase('http://host:8080/v1/chat/completions')).toBe('http://host:8080/v1');
    expect(openAIApiBase('http://host:8080/v1/models')).toBe('http://host:8080/v1');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => openAIApiBase('localhost:8080')).toThrow(/http or https/);
    expect(() => openAIApiBase('not a url')).toThrow(/Not a valid server URL/);
    expect(() => createOpenAICompatibleClient({ baseUrl: 'ftp://host', model: 'm' })).toThrow(LLMError);
    expect(() => createOpenAICompatibleClient({ baseUrl: 'http://host', model: ' ' })).toThrow(/model name is required/);
  });
});

describe('serverErrorMessage', () => {
  it("finds the message in OpenAI's, Ollama's and FastAPI's error bodies, or quotes the text", () => {
    expect(serverErrorMessage('{"error":{"message":"bad schema","type":"invalid_request_error"}}')).toBe('bad schema');
    expect(serverErrorMessage('{"error":"model \\"x\\" not found"}')).toBe('model "x" not found');
    expect(serverErrorMessage('{"object":"error","message":"too long","code":400}')).toBe('too long');
    expect(serverErrorMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(serverErrorMessage('  Bad Gateway\n')).toBe('Bad Gateway');
    expect(serverErrorMessage('x'.repeat(600))).toHaveLength(501);
  });
});

describe('createOpenAICompatibleClient against openai-server (real model, CPU, real HTTP)', () => {
  let server: OpenAIServer;
  let client: OpenAICompatibleClient;

  beforeAll(async () => {
    assertTestModelsPresent();
    server = await startOpenAIServer({ modelPath: TEST_CHAT_GGUF_PATH, port: 0, token: null });
    client = createOpenAICompatibleClient({ baseUrl: server.url, model: server.modelId });
  });

  afterAll(async () => {
    await client?.dispose();
    await server?.close();
  });

  it("has its engine id and model, and lists the server's models from any form of the base URL", async () => {
    expect(client.engine).toBe('openai-compatible');
    expect(client.modelId).toBe(server.modelId);
    expect(client.baseUrl).toBe(server.url);
    expect(await client.listModels()).toEqual([server.modelId]);
    for (const baseUrl of [server.origin, `${server.origin}/`, `${server.url}/`]) {
      expect(await listOpenAICompatibleModels({ baseUrl }), baseUrl).toEqual([server.modelId]);
    }
  });

  it('returns JSON that follows the Memory-R1 operation schema, with real usage and timings', async () => {
    const result = await expectSchemaValidOpsReply(client);
    expect(result.usage.cachedTokens).toBeGreaterThanOrEqual(0);
  });

  it('honours maxTokens: stops with finishReason "length"', async () => {
    const result = await client.complete([{ role: 'user', content: 'Write a long essay about the history of Europe.' }], {
      maxTokens: 4,
    });
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(4);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('streams deltas through onToken that concatenate to the returned text', async () => {
    await expectStreamedDeltasJoinToText(client);
  });

  it('rejects an aborted call with LLMError kind "abort" and keeps working', async () => {
    const pre = new AbortController();
    pre.abort();
    const before = await rejection(client.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 8, signal: pre.signal }));
    expect(before).toMatchObject({ name: 'LLMError', engine: 'openai-compatible', kind: 'abort' });

    // Aborted mid-generation, on the first streamed token.
    const mid = new AbortController();
    let tokensSeen = 0;
    const error = await rejection(
      client.complete([{ role: 'user', content: 'Tell me a long story about a dragon.' }], {
        maxTokens: 400,
        signal: mid.signal,
        onToken: () => {
          tokensSeen++;
          mid.abort();
        },
      }),
    );
    expect(error.kind).toBe('abort');
    expect(tokensSeen).toBeGreaterThan(0);

    // The server stopped that generation when the connection closed: the next call does not wait in the server's
    // queue for the other ~399 tokens (9 s or more). Its time outside its own prefill and decode is that wait.
    const next = await client.complete([{ role: 'user', content: 'Say hello.' }], { maxTokens: 8 });
    expect(next.text.length).toBeGreaterThan(0);
    expect(next.usage.completionTokens).toBeGreaterThan(0);
    const waited = next.timings.totalMs - (next.timings.prefillMs ?? 0) - (next.timings.decodeMs ?? 0);
    expect(waited).toBeLessThan(2_000);
  });

  it('sends concurrent calls at once; the server queues them', async () => {
    const ask = (q: string) => client.complete([{ role: 'user', content: q }], { maxTokens: 5 });
    const [a, b] = await Promise.all([ask('What is 2 + 2?'), ask('What colour is the sky?')]);
    for (const r of [a, b]) expect(r.usage.completionTokens).toBeGreaterThan(0);
  });

  it('works with a server that ignores `stream` and answers with one JSON body', async () => {
    const plain = await startOpenAIServer({ client: server.client, port: 0, ignoreStream: true, token: null });
    try {
      const c = createOpenAICompatibleClient({ baseUrl: plain.origin, model: plain.modelId });
      const deltas: string[] = [];
      const result = await c.complete([{ role: 'user', content: 'Name three colours.' }], {
        maxTokens: 6,
        onToken: (d) => deltas.push(d),
      });
      expect(result.finishReason).toBe('length');
      expect(result.text.length).toBeGreaterThan(0);
      expect(deltas).toEqual([result.text]);
      expect(result.usage.promptTokens).toBeGreaterThan(0);
      expect(result.usage.completionTokens).toBe(6);
      expect(result.timings.decodeMs).toBeGreaterThan(0);
    } finally {
      await plain.close();
    }
  });

  it("reports an HTTP error with its status, the URL and the server's message", async () => {
    const wrong = createOpenAICompatibleClient({ baseUrl: `${server.origin}/nope`, model: server.modelId });
    const error = await rejection(wrong.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 4 }));
    expect(error).toMatchObject({ kind: 'generate', status: 404, url: `${server.origin}/nope/chat/completions` });
    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain(`${server.origin}/nope/chat/completions`);
    expect(error.message).toContain('No route POST /nope/chat/completions');

    const bad = await rejection(client.complete([{ role: 'assistant', content: 'Hi' }], { maxTokens: 4 }));
    expect(bad).toMatchObject({ kind: 'generate', status: 400 });
    expect(bad.message).toContain('The last message must have role "user"');

    expect((await rejection(wrong.listModels())).message).toMatch(/HTTP 404 .*\/nope\/models/);
  });

  it('reports an unreachable server clearly, naming the URL', async () => {
    const port = await freePort();
    const offline = createOpenAICompatibleClient({ baseUrl: `http://127.0.0.1:${port}`, model: 'm' });
    const error = await rejection(offline.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 4 }));
    expect(error.kind).toBe('generate');
    expect(error.status).toBeUndefined();
    expect(error.message).toContain(`Could not reach the OpenAI-compatible server at http://127.0.0.1:${port}/v1/chat/completions`);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses invalid options before any request', async () => {
    await expect(client.complete([{ role: 'user', content: 'Hi' }], { maxTokens: 0 })).rejects.toThrow(/maxTokens must be a positive integer/);
    await expect(client.complete([], { maxTokens: 4 })).rejects.toThrow(/No messages/);
  });
});

/** A one-route HTTP server whose answer each test sets, recording the requests it gets. */
describe('createOpenAICompatibleClient against canned responses (real HTTP)', () => {
  type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
  let handler: Handler;
  let server: http.Server;
  let base: string;
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    requests.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sse = (res: http.ServerResponse, raw: string, contentType: string | null = 'text/event-stream') => {
    res.writeHead(200, contentType ? { 'content-type': contentType } : {});
    res.end(raw);
  };
  const chunk = (content: string | null, finish: string | null = null) =>
    JSON.stringify({ choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] });

  it('sends the OpenAI request: auth and extra headers, model, max_tokens, temperature 0, usage in stream, json_schema', async () => {
    handler = (_req, _body, res) => sse(res, `data: ${chunk('{}', 'stop')}\n\ndata: [DONE]\n\n`);
    const c = createOpenAICompatibleClient({ baseUrl: base, model: 'my-model', apiKey: 'sk-test', headers: { 'x-extra': '1' } });
    const schema = { type: 'object' };
    await c.complete(
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      { maxTokens: 7, jsonSchema: schema },
    );
    await c.complete([{ role: 'user', content: 'U' }], { maxTokens: 3, temperature: 0.7 });
    const [first, second] = requests;
    expect(first).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
    expect(first!.headers).toMatchObject({ authorization: 'Bearer sk-test', 'x-extra': '1', 'content-type': 'application/json' });
    expect(JSON.parse(first!.body)).toEqual({
      model: 'my-model',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      max_tokens: 7,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } },
    });
    expect(JSON.parse(second!.body)).toMatchObject({ max_tokens: 3, temperature: 0.7 });
    expect(JSON.parse(second!.body)).not.toHaveProperty('response_format');
    // No key, no Authorization header.
    await createOpenAICompatibleClient({ baseUrl: base, model: 'm' }).complete([{ role: 'user', content: 'U' }], { maxTokens: 1 });
    expect(requests[2]!.headers.authorization).toBeUndefined();
  });

  it('reads a CRLF stream with keep-alive comments, OpenAI usage with cached tokens and llama.cpp timings', async () => {
    handler = (_req, _body, res) =>
      sse(
        res,
        [
          ': ping',
          '',
          `data: ${chunk('Hel')}`,
          '',
          `data: ${chunk('lo')}`,
          '',
          `data: ${chunk(null, 'length')}`,
          '',
          `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 8 } }, timings: { prompt_ms: 1.5, predicted_ms: 4.25 } })}`,
          '',
          'data: [DONE]',
          '',
          '',
        ].join('\r\n'),
        'text/event-stream; charset=utf-8',
      );
    const c = createOpenAICompatibleClient({ baseUrl: base, model: 'm' });
    const deltas: string[] = [];
    const r = await c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2, onToken: (d) => deltas.push(d) });
    expect(deltas).toEqual(['Hel', 'lo']);
    expect(r).toMatchObject({
      text: 'Hello',
      finishReason: 'length',
      usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 8 },
      timings: { prefillMs: 1.5, decodeMs: 4.25 },
    });
  });

  it('reads a stream sent without its content type, and a server that sends no usage as zeros', async () => {
    handler = (_req, _body, res) => sse(res, `data: ${chunk('ok', 'stop')}\n\n`, null);
    const r = await createOpenAICompatibleClient({ baseUrl: base, model: 'm' }).complete([{ role: 'user', content: 'U' }], { maxTokens: 2 });
    expect(r).toMatchObject({ text: 'ok', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0 } });
    expect(r.usage.cachedTokens).toBeUndefined();
  });

  it("quotes other servers' error bodies: Ollama's string error, a plain-text 502", async () => {
    const c = createOpenAICompatibleClient({ baseUrl: base, model: 'llama9' });
    handler = (_req, _body, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"model \\"llama9\\" not found, try pulling it first"}');
    };
    const notFound = await rejection(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 }));
    expect(notFound).toMatchObject({ status: 404, kind: 'generate' });
    expect(notFound.message).toBe(
      `Chat completion failed: HTTP 404 Not Found from ${base}/v1/chat/completions: model "llama9" not found, try pulling it first`,
    );
    handler = (_req, _body, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('\n  upstream connect error  \n');
    };
    expect((await rejection(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 }))).message).toMatch(
      /HTTP 502 Bad Gateway from .*: upstream connect error$/,
    );
  });

  it('turns an error sent inside the stream (vLLM/OpenAI `data: {error}`, llama.cpp `error:`) into an LLMError', async () => {
    const c = createOpenAICompatibleClient({ baseUrl: base, model: 'm' });
    handler = (_req, _body, res) => sse(res, `data: ${chunk('par')}\n\ndata: {"error":{"message":"out of memory","code":500}}\n\n`);
    const seen: string[] = [];
    const vllm = await rejection(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2, onToken: (d) => seen.push(d) }));
    expect(vllm.message).toContain('out of memory');
    expect(seen).toEqual(['par']);
    handler = (_req, _body, res) => sse(res, `data: ${chunk('par')}\n\nerror: {"code":500,"message":"slot unavailable","type":"server_error"}\n\n`);
    expect((await rejection(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 }))).message).toContain('slot unavailable');
    handler = (_req, _body, res) => sse(res, 'data: {"choices":[{"delta":{"content":"x"\n\n');
    expect((await rejection(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 }))).message).toContain('Malformed stream chunk');
  });

  it('says what came back when a 200 is neither a stream nor a completion', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>My dev server</title>');
    };
    const error = await rejection(createOpenAICompatibleClient({ baseUrl: base, model: 'm' }).complete([{ role: 'user', content: 'U' }], { maxTokens: 2 }));
    expect(error.message).toContain(`Expected an event stream or JSON from ${base}/v1/chat/completions, got text/html: <!doctype html>`);
  });

  it('aborts a request still waiting for headers, and dispose() aborts what is in flight', async () => {
    handler = () => undefined; // never answers
    const c = createOpenAICompatibleClient({ baseUrl: base, model: 'm' });
    const controller = new AbortController();
    const waiting = c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(waiting)).kind).toBe('abort');

    const inFlight = c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await c.dispose();
    const error = await rejection(inFlight);
    expect(error.kind).toBe('abort');
    expect(error.message).toContain('disposed');
    await expect(c.complete([{ role: 'user', content: 'U' }], { maxTokens: 2 })).rejects.toThrow(/disposed/);
  });
});
