/**
 * Page client ↔ worker host over a real MessageChannel (structured clone + transfer, as between a page and a
 * worker). Only the `Worker` object is replaced: workers/retrieval.worker.ts is the same host wired to `self`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../lib/seededRandom';
import { createRetrievalClient, type RetrievalWorkerLike } from './retrievalClient';
import { isRetrievalRequest, isRetrievalResponse, type RetrievalRequest, type RetrievalResponse, requestTransferables } from './retrievalProtocol';
import { createRetrievalWorkerHost } from './retrievalWorkerHost';
import { createVectorIndex } from './vectorIndex';

const DIMS = 384;

function randomVector(random: () => number): Float32Array {
  return Float32Array.from({ length: DIMS }, () => random() - 0.5);
}

function randomEntries(seed: number, count: number) {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({ id: `m${i}`, namespace: `ns${i % 3}`, vector: randomVector(random) }));
}

interface Channel {
  worker: RetrievalWorkerLike;
  /** What the host posted, in order. */
  responses: RetrievalResponse[];
  /** What the client posted, with the byte length of each transferred buffer right after posting (0: moved). */
  sent: { message: RetrievalRequest; transferredBytesAfterPost: number[] }[];
  /** Sends a raw message from the page side, as a buggy or hostile page could. */
  raw(message: unknown, transfer?: Transferable[]): void;
  /** How many of the host's replies have reached the page side (a reply is in flight until then). */
  delivered(): number;
  close(): void;
}

function channelWorker(): Channel {
  const { port1, port2 } = new MessageChannel();
  const responses: RetrievalResponse[] = [];
  const sent: Channel['sent'] = [];
  const host = createRetrievalWorkerHost({
    post: (msg) => {
      responses.push(msg);
      port2.postMessage(msg);
    },
  });
  port2.addEventListener('message', (event) => void host.handle(event.data));
  port2.start();
  let terminated = false;
  const worker: RetrievalWorkerLike = {
    postMessage: (message, options) => {
      const transfer = options?.transfer ?? [];
      port1.postMessage(message, transfer);
      sent.push({ message, transferredBytesAfterPost: transfer.map((b) => (b as ArrayBuffer).byteLength) });
    },
    addEventListener: (type, listener) => port1.addEventListener(type, listener),
    terminate: () => {
      if (terminated) return;
      terminated = true;
      port1.close();
      port2.close();
    },
  };
  let delivered = 0;
  port1.addEventListener('message', () => delivered++);
  port1.start();
  return {
    worker,
    responses,
    sent,
    raw: (message, transfer = []) => port1.postMessage(message, transfer),
    delivered: () => delivered,
    close: () => worker.terminate(),
  };
}

/** Resolves once `done()` holds, checked every millisecond. */
const until = (done: () => boolean) =>
  new Promise<void>((resolve) => {
    const poll = () => (done() ? resolve() : setTimeout(poll, 1));
    poll();
  });

const nextResponse = async (c: Channel, count: number): Promise<RetrievalResponse> => {
  await until(() => c.responses.length >= count);
  return c.responses[count - 1]!;
};

describe('retrieval client ↔ worker host over a MessageChannel', () => {
  const channels: Channel[] = [];
  const open = () => {
    const c = channelWorker();
    channels.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of channels.splice(0)) c.close();
  });

  it('loads, bulk-loads, patches and searches with the same answers as the index itself', async () => {
    const c = open();
    const client = await createRetrievalClient({ createWorker: () => c.worker });
    expect([client.dims, client.kernel]).toEqual([DIMS, 'wasm-simd']);

    const entries = randomEntries(1, 500);
    const direct = await createVectorIndex({ dims: DIMS });
    expect(await client.bulkLoad(entries)).toBe(500);
    direct.bulkLoad(entries);

    const random = mulberry32(2);
    const changes = {
      upserts: [
        { id: 'm3', namespace: 'ns9', vector: randomVector(random) },
        { id: 'fresh', namespace: 'ns0', vector: randomVector(random) },
      ],
      removes: ['m4', 'm5', 'not-there'],
    };
    // Not awaited: requests are handled in order, so the search below already sees the patch.
    const patched = client.patch(changes);
    const query = randomVector(random);
    const hits = client.search(query, { k: 60 });
    const filtered = client.search(query, { k: 5, namespaces: ['ns9', 'ns0'] });
    expect(await patched).toBe(499);
    direct.patch(changes);
    expect(await hits).toEqual(direct.search(query, { k: 60 }));
    expect(await filtered).toEqual(direct.search(query, { k: 5, namespaces: ['ns9', 'ns0'] }));
    expect(client.lastSearchMs).toBeGreaterThanOrEqual(0);
    expect(await client.clear()).toBe(0);
    expect(await client.search(query, { k: 60 })).toEqual([]);
    client.dispose();
  });

  it('transfers its own copies of the vectors, leaving the caller’s intact', async () => {
    const c = open();
    const client = await createRetrievalClient({ createWorker: () => c.worker });
    // Vectors as views into one larger buffer, like the embedder's packed output.
    const backing = new Float32Array(4 * DIMS).map((_, i) => Math.sin(i));
    const view = (i: number) => backing.subarray(i * DIMS, (i + 1) * DIMS);
    await client.bulkLoad([0, 1, 2].map((i) => ({ id: `v${i}`, namespace: 'ns', vector: view(i) })));
    await client.patch({ upserts: [{ id: 'v3', namespace: 'ns', vector: view(3) }], removes: [] });
    const [best] = await client.search(view(3), { k: 1 });
    expect(best).toMatchObject({ id: 'v3', namespace: 'ns' });
    expect(best!.score).toBeCloseTo(1, 5);

    expect(backing.byteLength).toBe(4 * DIMS * 4);
    const byType = (type: string) => c.sent.find((s) => s.message.type === type)!;
    // Each transferred buffer is the client's own, exactly the payload's size, and gone from the page after posting.
    expect(byType('bulkLoad').transferredBytesAfterPost).toEqual([0]);
    expect(byType('patch').transferredBytesAfterPost).toEqual([0]);
    expect(byType('search').transferredBytesAfterPost).toEqual([0]);
    client.dispose();
  });

  it('accepts a packed bulk load whose buffer the sender transfers', async () => {
    const c = open();
    c.raw({ type: 'load', id: 1, dims: 4, kernel: 'js' } satisfies RetrievalRequest);
    expect(await nextResponse(c, 1)).toEqual({ type: 'ready', id: 1, dims: 4, kernel: 'js' });
    const vectors = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0]);
    const request: RetrievalRequest = { type: 'bulkLoad', id: 2, entries: { ids: ['a', 'b', 'c'], namespaces: ['x', 'x', 'y'], vectors } };
    c.raw(request, requestTransferables(request));
    expect(vectors.byteLength).toBe(0);
    expect(await nextResponse(c, 2)).toEqual({ type: 'ok', id: 2, size: 3 });
    const query = Float32Array.from([0, 0.1, 1, 0]);
    c.raw({ type: 'search', id: 3, query, k: 2 } satisfies RetrievalRequest);
    const results = await nextResponse(c, 3);
    expect(results.type === 'results' && results.hits.map((h) => [h.id, h.namespace])).toEqual([
      ['c', 'y'],
      ['b', 'x'],
    ]);
  });

  it('answers errors by request id and keeps serving', async () => {
    const c = open();
    c.raw({ type: 'search', id: 1, query: new Float32Array(DIMS), k: 5 });
    expect(await nextResponse(c, 1)).toEqual({
      type: 'error',
      id: 1,
      message: 'The retrieval index is not loaded: send a load request first',
    });
    c.raw({ type: 'search', id: 2, query: [1, 2, 3], k: 5 });
    expect(await nextResponse(c, 2)).toEqual({ type: 'error', id: 2, message: 'Malformed retrieval request (type search)' });
    c.raw('hello');
    expect(await nextResponse(c, 3)).toEqual({ type: 'error', id: null, message: 'Malformed retrieval request (type hello)' });
    // That reply names no request, so a client fails whatever it has pending when it arrives: let it arrive before
    // the client below sends anything on this channel.
    await until(() => c.delivered() >= 3);

    const client = await createRetrievalClient({ createWorker: () => c.worker });
    await client.bulkLoad(randomEntries(3, 20));
    await expect(client.patch({ upserts: [{ id: 'x', namespace: 'ns', vector: new Float32Array(3) }], removes: ['m0'] })).rejects.toThrow(
      'Retrieval worker: upsert 0 ("x") has 3 dims, expected 384',
    );
    await expect(client.search(new Float32Array(DIMS), { k: 5 })).rejects.toThrow('Retrieval worker: query is all zeros: its cosine similarity is undefined');
    await expect(client.bulkLoad([{ id: 'short', namespace: 'ns', vector: [1, 2] }])).rejects.toThrow('entry 0 ("short") has 2 dims, expected 384');
    // The failed patch changed nothing, and the index still answers.
    expect(await client.patch({ upserts: [], removes: [] })).toBe(20);
    expect(await client.search(randomVector(mulberry32(4)), { k: 3 })).toHaveLength(3);
    client.dispose();
  });
});

describe('retrieval client against a failing worker', () => {
  class SilentWorker extends EventTarget implements RetrievalWorkerLike {
    posted: RetrievalRequest[] = [];
    terminated = false;
    postMessage(message: RetrievalRequest): void {
      this.posted.push(message);
      if (message.type === 'load') {
        setTimeout(() => this.reply({ type: 'ready', id: message.id, dims: message.dims, kernel: 'js' }), 0);
      }
    }
    terminate(): void {
      this.terminated = true;
    }
    reply(data: unknown): void {
      this.dispatchEvent(new MessageEvent('message', { data }));
    }
    crash(message: string): void {
      this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
    }
  }

  it('rejects pending and later requests when the worker crashes', async () => {
    const worker = new SilentWorker();
    const client = await createRetrievalClient({ createWorker: () => worker });
    const pending = client.search(new Float32Array(DIMS).fill(1), { k: 5 });
    worker.crash('boom');
    await expect(pending).rejects.toThrow('Retrieval worker failed: boom');
    await expect(client.clear()).rejects.toThrow('Retrieval worker failed: boom');
    expect(worker.terminated).toBe(true);
  });

  it('rejects everything on dispose, on a malformed response, and a failed load', async () => {
    const worker = new SilentWorker();
    const client = await createRetrievalClient({ createWorker: () => worker });
    const pending = client.clear();
    client.dispose();
    await expect(pending).rejects.toThrow('Retrieval client was disposed');

    const other = new SilentWorker();
    const second = await createRetrievalClient({ createWorker: () => other });
    const waiting = second.clear();
    other.reply({ type: 'results', id: 2, hits: 'nope', ms: 1 });
    await expect(waiting).rejects.toThrow('Retrieval worker sent a malformed message');

    const failing = new SilentWorker();
    failing.postMessage = (message) => {
      setTimeout(() => failing.reply({ type: 'error', id: message.id, message: 'This engine has no WebAssembly SIMD' }), 0);
    };
    await expect(createRetrievalClient({ createWorker: () => failing, kernel: 'wasm-simd' })).rejects.toThrow(
      'Retrieval worker: This engine has no WebAssembly SIMD',
    );
    expect(failing.terminated).toBe(true);
  });
});

describe('retrieval protocol guards', () => {
  it('accept well-formed messages and reject the rest', () => {
    const vectors = new Float32Array(6);
    expect(isRetrievalRequest({ type: 'load', id: 1, dims: 384 })).toBe(true);
    expect(isRetrievalRequest({ type: 'load', id: 1, dims: 0 })).toBe(false);
    expect(isRetrievalRequest({ type: 'load', id: 1, dims: 384, kernel: 'gpu' })).toBe(false);
    expect(isRetrievalRequest({ type: 'bulkLoad', id: 1, entries: { ids: ['a', 'b'], namespaces: ['n', 'n'], vectors } })).toBe(true);
    expect(isRetrievalRequest({ type: 'bulkLoad', id: 1, entries: { ids: ['a'], namespaces: [], vectors } })).toBe(false);
    expect(isRetrievalRequest({ type: 'bulkLoad', id: 1, entries: { ids: [], namespaces: [], vectors } })).toBe(false);
    expect(isRetrievalRequest({ type: 'patch', id: 1, upserts: [{ id: 'a', namespace: 'n', vector: vectors }], removes: [] })).toBe(true);
    expect(isRetrievalRequest({ type: 'patch', id: 1, upserts: [{ id: 'a', namespace: 'n', vector: [1] }], removes: [] })).toBe(false);
    expect(isRetrievalRequest({ type: 'search', id: 1, query: vectors, k: 60, namespaces: ['a'] })).toBe(true);
    expect(isRetrievalRequest({ type: 'search', id: 1, query: vectors, k: -1 })).toBe(false);
    expect(isRetrievalRequest({ type: 'clear', id: 1.5 })).toBe(false);
    expect(isRetrievalResponse({ type: 'results', id: 1, hits: [{ id: 'a', namespace: 'n', score: 0.5 }], ms: 1 })).toBe(true);
    expect(isRetrievalResponse({ type: 'results', id: 1, hits: [{ id: 'a', score: 0.5 }], ms: 1 })).toBe(false);
    expect(isRetrievalResponse({ type: 'ready', id: 1, dims: 384, kernel: 'js' })).toBe(true);
    expect(isRetrievalResponse({ type: 'ok', id: 1, size: -1 })).toBe(false);
    expect(isRetrievalResponse({ type: 'error', id: null, message: 'x' })).toBe(true);
  });
});
