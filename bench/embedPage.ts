// Loaded by bench/embed.html in headless Chromium: starts the app's own embed worker (transformers.js on WASM)
// and times the same texts embedded one by one, in unsorted batches and in length-sorted batches.
import { createEmbedWorkerClient, type EmbedWorkerClient } from '../app/embed/embedClient';

export interface EmbedModeRun {
  ms: number;
  /** Packed vectors in the caller's order, for the agreement check. */
  vectors: number[];
}

export interface EmbedBenchRun {
  modelId: string;
  dims: number;
  loadMs: number;
  threads: number;
  single: number[];
  unsorted: number[];
  sorted: number[];
  /** Lowest cosine between the same text's vectors across modes (batch composition moves q8 vectors slightly). */
  minAgreement: number;
}

let client: EmbedWorkerClient | null = null;

async function time(task: () => Promise<Float32Array>): Promise<{ ms: number; vectors: Float32Array }> {
  const t0 = performance.now();
  const vectors = await task();
  return { ms: performance.now() - t0, vectors };
}

function minCosine(a: Float32Array, b: Float32Array, dims: number): number {
  let min = 1;
  for (let row = 0; row * dims < a.length; row++) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += a[row * dims + d]! * b[row * dims + d]!;
    min = Math.min(min, dot);
  }
  return min;
}

async function runEmbedBench(localModelBaseUrl: string, modelId: string, texts: string[], batchSize: number, runs: number): Promise<EmbedBenchRun> {
  client ??= await createEmbedWorkerClient({ modelId, localModelBaseUrl });
  const c = client;
  // Warm-up: the first calls compile kernels and size buffers.
  await c.embed(texts.slice(0, batchSize), { batchSize });
  await c.embed(texts.slice(0, 4), { batchSize: 1 });
  const out: EmbedBenchRun = {
    modelId: c.modelId,
    dims: c.dims,
    loadMs: c.loadMs,
    threads: navigator.hardwareConcurrency,
    single: [],
    unsorted: [],
    sorted: [],
    minAgreement: 1,
  };
  type Mode = 'single' | 'unsorted' | 'sorted';
  const modes: Record<Mode, () => Promise<Float32Array>> = {
    // One by one: one model call per text (one request, batchSize 1, so only the model's cost is timed).
    single: () => c.embed(texts, { batchSize: 1 }),
    // Unsorted batches: the worker sorts inside each request, so caller-order chunks of batchSize sent as separate
    // requests give exactly the batches an unsorted embedder would run (a batch pads to its longest text either way).
    unsorted: async () => {
      const all = new Float32Array(texts.length * c.dims);
      for (let i = 0; i < texts.length; i += batchSize) all.set(await c.embed(texts.slice(i, i + batchSize), { batchSize }), i * c.dims);
      return all;
    },
    // Length-sorted batches: the worker's own path, one request.
    sorted: () => c.embed(texts, { batchSize }),
  };
  const order: Mode[] = ['single', 'unsorted', 'sorted'];
  for (let r = 0; r < runs; r++) {
    // Rotate the order each run so a slow start or drift does not always land on the same mode.
    const vectors = {} as Record<Mode, Float32Array>;
    for (let k = 0; k < order.length; k++) {
      const mode = order[(k + r) % order.length]!;
      const t = await time(modes[mode]);
      out[mode].push(t.ms);
      vectors[mode] = t.vectors;
    }
    out.minAgreement = Math.min(out.minAgreement, minCosine(vectors.single, vectors.sorted, c.dims), minCosine(vectors.unsorted, vectors.sorted, c.dims));
  }
  return out;
}

(globalThis as unknown as { runEmbedBench: typeof runEmbedBench }).runEmbedBench = runEmbedBench;
document.title = 'ready';
