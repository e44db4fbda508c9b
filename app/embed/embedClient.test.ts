/** The page-side client against a scripted stand-in worker: request ids, progress, errors, dispose. */
import { describe, expect, it } from 'vitest';
import { WorkerLostError, WorkerProtocolError, WorkerReplyError } from '../lib/workerRpc';
import { createEmbedWorkerClient, type EmbedWorkerLike } from './embedClient';
import type { EmbedProgress } from './embedder';
import type { EmbedRequest, EmbedResponse } from './embedProtocol';

class ScriptedWorker extends EventTarget implements EmbedWorkerLike {
  posted: EmbedRequest[] = [];
  terminated = false;
  /** Answers load requests automatically unless replaced. */
  onPost: (req: EmbedRequest) => void = (req) => {
    if (req.type === 'load') {
      this.replyLater({ type: 'progress', id: req.id, status: 'progress', file: 'onnx/model_quantized.onnx', loaded: 1, total: 2 });
      this.replyLater({ type: 'loaded', id: req.id, modelId: req.modelId, dims: 3, loadMs: 42 });
    }
  };

  postMessage(message: EmbedRequest): void {
    if (this.terminated) throw new Error('posting to a terminated worker');
    this.posted.push(structuredClone(message));
    this.onPost(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(msg: EmbedResponse | unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data: msg }));
  }
  replyLater(msg: EmbedResponse): void {
    setTimeout(() => this.reply(msg), 0);
  }
  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
  lastId(type: EmbedRequest['type']): number {
    const req = [...this.posted].reverse().find((r) => r.type === type);
    if (!req) throw new Error(`no ${type} request posted`);
    return req.id;
  }
}

async function connected(options: { onProgress?: (p: EmbedProgress) => void } = {}) {
  const worker = new ScriptedWorker();
  const client = await createEmbedWorkerClient({
    localModelBaseUrl: '/models/transformers/',
    createWorker: () => worker,
    ...options,
  });
  return { worker, client };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('createEmbedWorkerClient', () => {
  it('loads the default model through the worker, forwarding progress', async () => {
    const progress: EmbedProgress[] = [];
    const { worker, client } = await connected({ onProgress: (p) => progress.push(p) });
    expect(worker.posted).toEqual([{ type: 'load', id: 1, modelId: 'Xenova/bge-small-en-v1.5', localModelBaseUrl: '/models/transformers/' }]);
    expect(progress).toEqual([{ status: 'progress', file: 'onnx/model_quantized.onnx', loaded: 1, total: 2 }]);
    expect([client.modelId, client.dims, client.loadMs]).toEqual(['Xenova/bge-small-en-v1.5', 3, 42]);
  });

  it('matches concurrent responses to their requests by id', async () => {
    const { worker, client } = await connected();
    const first = client.embed(['a']);
    const second = client.embed(['b', 'c'], { batchSize: 2 });
    await tick();
    const [idA, idB] = worker.posted.filter((r) => r.type === 'embed').map((r) => r.id);
    expect(worker.posted.at(-1)).toEqual({ type: 'embed', id: idB, texts: ['b', 'c'], batchSize: 2 });
    worker.reply({ type: 'embedded', id: idB, vectors: new Float32Array([4, 5, 6, 7, 8, 9]), count: 2, dims: 3, ms: 1 });
    worker.reply({ type: 'embedded', id: idA, vectors: new Float32Array([1, 2, 3]), count: 1, dims: 3, ms: 1 });
    expect(Array.from(await first)).toEqual([1, 2, 3]);
    expect(Array.from(await second)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('rejects just the request an error response names', async () => {
    const { worker, client } = await connected();
    const failing = client.embed(['a']);
    const fine = client.embed(['b']);
    const [idA, idB] = worker.posted.filter((r) => r.type === 'embed').map((r) => r.id);
    worker.reply({ type: 'error', id: idA, message: 'session exploded' });
    worker.reply({ type: 'embedded', id: idB, vectors: new Float32Array(3), count: 1, dims: 3, ms: 1 });
    await expect(failing).rejects.toThrow('Embed worker: session exploded');
    await expect(failing).rejects.toBeInstanceOf(WorkerReplyError);
    await expect(fine).resolves.toHaveLength(3);
  });

  it("rejects everything pending on the worker's error event, and closes", async () => {
    const { worker, client } = await connected();
    const a = client.embed(['a']);
    const b = client.embed(['b']);
    worker.crash('Uncaught SyntaxError: bad chunk');
    await expect(a).rejects.toThrow(/Embed worker failed: Uncaught SyntaxError: bad chunk/);
    await expect(b).rejects.toThrow(/Embed worker failed/);
    await expect(b).rejects.toBeInstanceOf(WorkerLostError);
    expect(worker.terminated).toBe(true);
    await expect(client.embed(['c'])).rejects.toThrow(/Embed worker failed/);
    await expect(client.embed(['c'])).rejects.toBeInstanceOf(WorkerLostError);
  });

  it('rejects everything pending on an error without an id', async () => {
    const { worker, client } = await connected();
    const a = client.embed(['a']);
    worker.reply({ type: 'error', id: null, message: 'Malformed embed request' });
    await expect(a).rejects.toThrow('Embed worker error: Malformed embed request');
  });

  it('treats a malformed worker message as fatal', async () => {
    const { worker, client } = await connected();
    const a = client.embed(['a']);
    worker.reply({ type: 'embedded', id: worker.lastId('embed'), vectors: [1, 2, 3], count: 1, dims: 3, ms: 1 });
    await expect(a).rejects.toThrow(/malformed message/);
    await expect(a).rejects.toBeInstanceOf(WorkerProtocolError);
    expect(worker.terminated).toBe(true);
  });

  it('dispose terminates the worker and rejects pending and later requests', async () => {
    const { worker, client } = await connected();
    const pending = client.embed(['a']);
    client.dispose();
    expect(worker.terminated).toBe(true);
    await expect(pending).rejects.toThrow('Embed worker client was disposed');
    await expect(client.embed(['b'])).rejects.toThrow('Embed worker client was disposed');
    client.dispose(); // idempotent
  });

  it('fails creation when the load fails, terminating the worker', async () => {
    const worker = new ScriptedWorker();
    worker.onPost = (req) => worker.replyLater({ type: 'error', id: req.id, message: 'Unknown embedding model "x"' });
    await expect(createEmbedWorkerClient({ modelId: 'x', createWorker: () => worker })).rejects.toThrow('Embed worker: Unknown embedding model "x"');
    expect(worker.terminated).toBe(true);
  });

  it('answers an empty text list locally and checks response sizes', async () => {
    const { worker, client } = await connected();
    expect(await client.embed([])).toHaveLength(0);
    expect(worker.posted.filter((r) => r.type === 'embed')).toHaveLength(0);
    const wrong = client.embed(['a', 'b']);
    worker.reply({ type: 'embedded', id: worker.lastId('embed'), vectors: new Float32Array(3), count: 1, dims: 3, ms: 1 });
    await expect(wrong).rejects.toThrow(/1x3 vectors for 2 texts/);
  });
});
