/**
 * Page client ↔ worker host over a real MessageChannel (structured clone + transfer, as between a page and a
 * worker), with the REAL bge model through `@huggingface/transformers` in Node. Only the `Worker` object itself
 * is replaced: workers/embed.worker.ts is the same host wired to `self` with browser-only WASM settings.
 */
import * as transformers from '@huggingface/transformers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, LOCAL_TRANSFORMERS_DIR } from '../../scripts/test-models';
import { createEmbedWorkerClient, type EmbedWorkerLike } from './embedClient';
import type { EmbedProgress } from './embedder';
import type { EmbedResponse } from './embedProtocol';
import { createEmbedWorkerHost } from './embedWorkerHost';
import { dot, vectorAt } from './testing/vectorMath';

interface Channel {
  worker: EmbedWorkerLike;
  posted: EmbedResponse[];
  /** Byte length of each embedded response's buffer on the host side right after posting (0 = transferred). */
  sentBufferBytesAfterPost: number[];
  close(): void;
}

function channelWorker(): Channel {
  const { port1, port2 } = new MessageChannel();
  const posted: EmbedResponse[] = [];
  const sentBufferBytesAfterPost: number[] = [];
  const host = createEmbedWorkerHost({
    transformers,
    post: (msg, transfer) => {
      posted.push(msg);
      port2.postMessage(msg, transfer);
      if (msg.type === 'embedded') sentBufferBytesAfterPost.push(msg.vectors.buffer.byteLength);
    },
  });
  port2.addEventListener('message', (event) => void host.handle(event.data));
  port2.start();
  let terminated = false;
  const worker: EmbedWorkerLike = {
    postMessage: (message, options) => port1.postMessage(message, options?.transfer ?? []),
    addEventListener: (type, listener) => port1.addEventListener(type, listener),
    terminate: () => {
      if (terminated) return;
      terminated = true;
      port1.close();
      port2.close();
    },
  };
  port1.start();
  return { worker, posted, sentBufferBytesAfterPost, close: () => worker.terminate() };
}

const TEXTS = [
  'Melanie painted a sunrise over the lake last summer.',
  'I adopted a dog named Buddy',
  'Stocks',
  'The stock market fell today',
  'My pet dog is called Buddy',
];

describe('embed client ↔ worker host over a MessageChannel, real bge model', () => {
  const channels: Channel[] = [];
  const open = () => {
    const c = channelWorker();
    channels.push(c);
    return c;
  };

  beforeAll(() => {
    assertTestModelsPresent();
  });
  afterEach(() => {
    for (const c of channels.splice(0)) c.close();
  });

  it('loads with progress, embeds in caller order, and transfers the vectors', async () => {
    const channel = open();
    const progress: EmbedProgress[] = [];
    const client = await createEmbedWorkerClient({
      modelId: 'Xenova/bge-small-en-v1.5',
      localModelBaseUrl: LOCAL_TRANSFORMERS_DIR,
      createWorker: () => channel.worker,
      onProgress: (p) => progress.push(p),
    });
    expect(client.dims).toBe(384);
    expect(client.loadMs).toBeGreaterThan(0);
    expect(progress.some((p) => p.status === 'done' && p.file === 'onnx/model_quantized.onnx')).toBe(true);
    expect(progress.at(-1)?.status).toBe('ready');

    const [all, reversed] = await Promise.all([client.embed(TEXTS), client.embed([...TEXTS].reverse())]);
    expect(all.length).toBe(TEXTS.length * 384);
    // The same texts in reverse order come back reversed: row i of `all` is row (n-1-i) of `reversed`.
    for (let i = 0; i < TEXTS.length; i++) {
      expect(dot(vectorAt(all, i, 384), vectorAt(reversed, TEXTS.length - 1 - i, 384))).toBeGreaterThan(0.999);
    }
    const dog = vectorAt(all, 1, 384);
    expect(dot(dog, vectorAt(all, 4, 384))).toBeGreaterThan(dot(dog, vectorAt(all, 3, 384)));

    // Transferred, not copied: the host's buffers were detached by postMessage.
    expect(channel.sentBufferBytesAfterPost).toEqual([0, 0]);
    client.dispose();
  });

  it('reports a bad model id and a missing local folder as load errors', async () => {
    await expect(createEmbedWorkerClient({ modelId: 'Xenova/not-a-model', createWorker: () => open().worker })).rejects.toThrow(
      /Embed worker: Unknown embedding model "Xenova\/not-a-model"/,
    );

    await expect(
      createEmbedWorkerClient({
        modelId: 'Xenova/all-MiniLM-L6-v2',
        localModelBaseUrl: '/nonexistent/models/transformers',
        createWorker: () => open().worker,
      }),
    ).rejects.toThrow(/Embed worker: Failed to load embedding model Xenova\/all-MiniLM-L6-v2 from \/nonexistent/);
  });

  it('reuses a loaded model, answers dispose, and reports protocol errors', async () => {
    const channel = open();
    const client = await createEmbedWorkerClient({
      modelId: 'Xenova/all-MiniLM-L6-v2',
      localModelBaseUrl: LOCAL_TRANSFORMERS_DIR,
      createWorker: () => channel.worker,
    });
    expect(client.modelId).toBe('Xenova/all-MiniLM-L6-v2');
    const out = await client.embed(['hello there', 'general kenobi']);
    expect(out.length).toBe(2 * 384);
    // Speak the protocol directly for the parts the client does not expose.
    const replies: EmbedResponse[] = [];
    const host = createEmbedWorkerHost({ transformers, post: (msg) => replies.push(msg) });
    await host.handle({ type: 'embed', id: 1, texts: ['x'] });
    await host.handle({ type: 'load', id: 2, modelId: 'Xenova/all-MiniLM-L6-v2', localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    await host.handle({ type: 'load', id: 3, modelId: 'Xenova/all-MiniLM-L6-v2', localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    await host.handle({ type: 'dispose', id: 4 });
    await host.handle({ type: 'embed', id: 5, texts: ['x'] });
    await host.handle({ type: 'bogus' });
    const summary = replies.filter((r) => r.type !== 'progress').map((r) => [r.type, r.id]);
    expect(summary).toEqual([
      ['error', 1],
      ['loaded', 2],
      ['loaded', 3],
      ['disposed', 4],
      ['error', 5],
      ['error', null],
    ]);
    expect(replies.find((r) => r.id === 1)).toMatchObject({ message: /No embedding model is loaded/ });
    expect(replies.find((r) => r.type === 'loaded' && r.id === 3)).toMatchObject({ loadMs: 0 }); // reused
    client.dispose();
  });
});
