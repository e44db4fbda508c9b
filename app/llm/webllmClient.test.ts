/**
 * The web-llm client against web-llm's own worker protocol: its real WebWorkerMLCEngineHandler runs in this
 * process behind a Worker-shaped object, with a stand-in for the GPU engine inside (web-llm cannot generate without
 * WebGPU). What is tested is the client's side: a worker that dies mid-reply fails the call with `engine-lost`
 * instead of leaving it pending forever, and the next call starts a new engine.
 */
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { CATALOG, type WebLLMCatalogEntry } from './catalog';
import { LLMError } from './types';
import { createWebLLMClient } from './webllmClient';

const entry = CATALOG.find((e): e is WebLLMCatalogEntry => e.engine === 'webllm')!;
const source = { modelUrl: 'https://example.invalid/model', modelLibUrl: 'https://example.invalid/lib.wasm', local: false };

/** A chunk stream that sends one token and then nothing more: the GPU engine stopped mid-reply. */
async function* oneTokenThenSilence() {
  yield {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 0,
    model: entry.id,
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }],
  };
  await new Promise(() => undefined);
}

async function* wholeReply() {
  yield {
    id: 'c2',
    object: 'chat.completion.chunk',
    created: 0,
    model: entry.id,
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
  };
  yield {
    id: 'c2',
    object: 'chat.completion.chunk',
    created: 0,
    model: entry.id,
    choices: [],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  };
}

/** web-llm's real worker-side handler, in process, behind the slice of `Worker` the client uses. */
function inProcessWorker(reply: () => AsyncGenerator<unknown>) {
  const target = new EventTarget();
  const handler = new WebWorkerMLCEngineHandler();
  const engine = {
    reload: async () => undefined,
    chatCompletion: async () => reply(),
    interruptGenerate: () => undefined,
    unload: async () => undefined,
    setInitProgressCallback: () => undefined,
    setAppConfig: () => undefined,
    getMessage: async () => '',
  };
  (handler as unknown as { engine: unknown }).engine = engine;
  let alive = true;
  const worker = Object.assign(target, {
    onmessage: null as ((e: MessageEvent) => void) | null,
    postMessage(msg: unknown) {
      if (alive) queueMicrotask(() => handler.onmessage(msg as MessageEvent));
    },
    terminate() {
      alive = false;
    },
  });
  handler.postMessage = (msg: unknown) => {
    if (alive) worker.onmessage?.(new MessageEvent('message', { data: msg }));
  };
  /** What the browser does when the worker's script dies: an error event on the Worker, and no more replies. */
  const crash = () => {
    alive = false;
    target.dispatchEvent(Object.assign(new Event('error'), { message: 'RuntimeError: unreachable' }));
  };
  return { worker: worker as unknown as Worker, crash };
}

describe('web-llm client: a worker that dies mid-reply', () => {
  it('fails the pending call with engine-lost, and the next call runs on a new engine', async () => {
    const workers: ReturnType<typeof inProcessWorker>[] = [];
    const replies = [oneTokenThenSilence, wholeReply];
    const client = await createWebLLMClient({
      entry,
      source,
      createWorker: () => {
        const w = inProcessWorker(replies[Math.min(workers.length, 1)]!);
        workers.push(w);
        return w.worker;
      },
    });
    const tokens: string[] = [];
    const pending = client.complete([{ role: 'user', content: 'Say hello.' }], { maxTokens: 8, onToken: (t) => tokens.push(t) });
    await expect.poll(() => tokens).toEqual(['Hel']);
    workers[0]!.crash();
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({ kind: 'engine-lost', engine: 'webllm' });
    expect((error as Error).message).toMatch(/its worker failed: RuntimeError: unreachable/);

    const next = await client.complete([{ role: 'user', content: 'Say hi.' }], { maxTokens: 8 });
    expect(next.text).toBe('Hi');
    expect(workers).toHaveLength(2);
    await client.dispose();
  });
});
