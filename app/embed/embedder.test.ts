import { describe, expect, it } from 'vitest';
import {
  createEmbedder,
  createProgressMapper,
  DEFAULT_EMBED_BATCH_SIZE,
  type EmbedProgress,
  lengthSortedOrder,
  type TransformersModule,
  WASM_EMBED_BATCH_SIZE,
} from './embedder';
import { DEFAULT_EMBEDDING_MODEL_ID, EMBEDDING_MODELS, getEmbeddingModel, isEmbeddingModelId, SMALL_EMBEDDING_MODEL_ID } from './embeddingModels';

const DIMS = 384;

interface PipelineCall {
  task: string;
  model: string;
  options: Record<string, unknown>;
}

/**
 * A stand-in for the transformers.js module, for testing the embedder's own logic (sorting, batching, scattering,
 * env set-up, errors) — never the model. Each output row encodes which input text produced it: row[0] is the
 * text's index in `identities`, row[1] its length.
 */
function fakeTransformers(identities: readonly string[], opts: { progressEvents?: unknown[]; loadError?: Error; badShape?: boolean } = {}) {
  const calls: PipelineCall[] = [];
  const batches: string[][] = [];
  const extractOptions: unknown[] = [];
  let disposed = 0;
  const env = {
    localModelPath: '/default/',
    allowLocalModels: false,
    allowRemoteModels: true,
    backends: { onnx: { wasm: {} as { wasmPaths?: unknown } } },
  };
  const module = {
    env,
    async pipeline(task: string, model: string, options: Record<string, unknown>) {
      calls.push({ task, model, options });
      for (const e of opts.progressEvents ?? []) (options.progress_callback as (e: unknown) => void)(e);
      if (opts.loadError) throw opts.loadError;
      const extractor = async (texts: string[], o: unknown) => {
        batches.push([...texts]);
        extractOptions.push(o);
        await new Promise((r) => setTimeout(r, 0));
        const cols = opts.badShape ? DIMS - 1 : DIMS;
        const data = new Float32Array(texts.length * cols);
        texts.forEach((t, row) => {
          const identity = identities.indexOf(t);
          if (identity < 0) throw new Error(`fake model got unknown text ${t}`);
          data[row * cols] = identity;
          data[row * cols + 1] = t.length;
        });
        return { dims: [texts.length, cols], data, type: 'float32' };
      };
      return Object.assign(extractor, {
        dispose: async () => {
          disposed++;
        },
      });
    },
  };
  return {
    transformers: module as unknown as TransformersModule,
    env,
    calls,
    batches,
    extractOptions,
    disposedCount: () => disposed,
  };
}

/** Distinct texts of scrambled lengths 1..n ("x" repeated, with the index to keep them unique). */
function scrambledTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i}:${'x'.repeat((i * 37) % n)}`);
}

describe('embedding model catalog', () => {
  it('defaults to bge-small (CLS) and offers MiniLM (mean) as the smaller choice, both 384-d', () => {
    expect(DEFAULT_EMBEDDING_MODEL_ID).toBe('Xenova/bge-small-en-v1.5');
    expect(SMALL_EMBEDDING_MODEL_ID).toBe('Xenova/all-MiniLM-L6-v2');
    const bge = getEmbeddingModel(DEFAULT_EMBEDDING_MODEL_ID);
    const minilm = getEmbeddingModel(SMALL_EMBEDDING_MODEL_ID);
    expect([bge.pooling, bge.dims, bge.onnxBytes]).toEqual(['cls', 384, 34_014_426]);
    expect([minilm.pooling, minilm.dims, minilm.onnxBytes]).toEqual(['mean', 384, 22_972_370]);
    for (const m of EMBEDDING_MODELS) expect(m.approxDownloadBytes).toBeGreaterThan(m.onnxBytes);
    expect(minilm.approxDownloadBytes).toBeLessThan(bge.approxDownloadBytes);
  });

  it('rejects unknown ids clearly', () => {
    expect(isEmbeddingModelId('Xenova/bge-small-en-v1.5')).toBe(true);
    expect(isEmbeddingModelId('Xenova/nope')).toBe(false);
    expect(isEmbeddingModelId(42)).toBe(false);
    expect(() => getEmbeddingModel('Xenova/nope')).toThrow(/Unknown embedding model "Xenova\/nope".*Xenova\/bge-small-en-v1\.5, Xenova\/all-MiniLM-L6-v2/);
  });
});

describe('lengthSortedOrder', () => {
  it('orders indices by text length, stable for equal lengths', () => {
    expect(lengthSortedOrder(['ccc', 'a', 'bb', 'd', ''])).toEqual([4, 1, 3, 2, 0]);
    expect(lengthSortedOrder([])).toEqual([]);
  });
});

describe('createEmbedder', () => {
  it('batches by length and returns vectors in the caller order', async () => {
    const texts = scrambledTexts(75);
    const fake = fakeTransformers(texts);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    expect(embedder.dims).toBe(DIMS);

    const out = await embedder.embed(texts, { batchSize: 10 });

    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(texts.length * DIMS);
    texts.forEach((t, i) => {
      expect(out[i * DIMS], `row ${i} identity`).toBe(i);
      expect(out[i * DIMS + 1], `row ${i} length`).toBe(t.length);
    });
    // 75 texts in batches of 10: 8 calls, sizes 10..10,5, each sorted, the whole sequence sorted by length.
    expect(fake.batches.map((b) => b.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 5]);
    const lengths = fake.batches.flat().map((t) => t.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(new Set(fake.batches.flat())).toEqual(new Set(texts));
  });

  it('uses the default batch size, and keeps order for duplicate texts', async () => {
    const unique = scrambledTexts(40);
    const texts = [...unique, unique[3]!, unique[0]!, unique[3]!];
    const fake = fakeTransformers(unique);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    const out = await embedder.embed(texts);
    expect(fake.batches.map((b) => b.length)).toEqual([DEFAULT_EMBED_BATCH_SIZE, texts.length - 32]);
    texts.forEach((t, i) => expect(out[i * DIMS]).toBe(unique.indexOf(t)));
  });

  it('batches by 8 on the WASM backend (the browser worker), keeping the caller order', async () => {
    const texts = scrambledTexts(20);
    const fake = fakeTransformers(texts);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5', device: 'wasm' });
    const out = await embedder.embed(texts);
    expect(fake.batches.map((b) => b.length)).toEqual([WASM_EMBED_BATCH_SIZE, WASM_EMBED_BATCH_SIZE, 4]);
    texts.forEach((_, i) => expect(out[i * DIMS]).toBe(i));
  });

  it('loads q8 weights and pools per the catalog (bge: cls, MiniLM: mean), always normalizing', async () => {
    for (const [modelId, pooling] of [
      ['Xenova/bge-small-en-v1.5', 'cls'],
      ['Xenova/all-MiniLM-L6-v2', 'mean'],
    ] as const) {
      const fake = fakeTransformers(['a']);
      const embedder = await createEmbedder(fake.transformers, { modelId });
      await embedder.embed(['a']);
      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0]).toMatchObject({ task: 'feature-extraction', model: modelId, options: { dtype: 'q8' } });
      expect(fake.calls[0]!.options).not.toHaveProperty('device');
      expect(fake.extractOptions).toEqual([{ pooling, normalize: true }]);
    }
  });

  it('passes a device through when given', async () => {
    const fake = fakeTransformers(['a']);
    await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5', device: 'wasm' });
    expect(fake.calls[0]!.options.device).toBe('wasm');
  });

  it('returns an empty array for no texts without calling the model', async () => {
    const fake = fakeTransformers([]);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    const out = await embedder.embed([]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(0);
    expect(fake.batches).toEqual([]);
  });

  it('rejects an unknown model id before touching transformers.js', async () => {
    const fake = fakeTransformers([]);
    await expect(createEmbedder(fake.transformers, { modelId: 'someone/unknown-model' })).rejects.toThrow(/Unknown embedding model "someone\/unknown-model"/);
    expect(fake.calls).toEqual([]);
  });

  it('configures a local model folder (local only) or the hub', async () => {
    const fake = fakeTransformers([]);
    await createEmbedder(fake.transformers, {
      modelId: 'Xenova/bge-small-en-v1.5',
      localModelBaseUrl: '/models/transformers/',
      wasmPaths: { mjs: '/assets/ort.mjs', wasm: '/assets/ort.wasm' },
    });
    expect(fake.env).toMatchObject({
      localModelPath: '/models/transformers/',
      allowLocalModels: true,
      allowRemoteModels: false,
    });
    expect(fake.env.backends.onnx.wasm.wasmPaths).toEqual({ mjs: '/assets/ort.mjs', wasm: '/assets/ort.wasm' });

    await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    expect(fake.env).toMatchObject({ allowLocalModels: false, allowRemoteModels: true });

    await expect(createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5', localModelBaseUrl: '' })).rejects.toThrow(/must not be empty/);
  });

  it('wraps load failures with the model id and folder', async () => {
    const fake = fakeTransformers([], { loadError: new Error('Could not locate file: "x/onnx/model_quantized.onnx"') });
    await expect(createEmbedder(fake.transformers, { modelId: 'Xenova/all-MiniLM-L6-v2', localModelBaseUrl: '/m/' })).rejects.toThrow(
      'Failed to load embedding model Xenova/all-MiniLM-L6-v2 from /m/: Could not locate file: "x/onnx/model_quantized.onnx"',
    );
  });

  it('reports the loading progress transformers.js emits, mapped to {status, file, loaded, total}', async () => {
    const events = [
      { status: 'initiate', name: 'Xenova/bge-small-en-v1.5', file: 'onnx/model_quantized.onnx' },
      { status: 'download', name: 'Xenova/bge-small-en-v1.5', file: 'onnx/model_quantized.onnx' },
      {
        status: 'progress',
        name: 'Xenova/bge-small-en-v1.5',
        file: 'onnx/model_quantized.onnx',
        progress: 50,
        loaded: 17,
        total: 34,
      },
      { status: 'progress_total', name: 'Xenova/bge-small-en-v1.5', progress: 50, loaded: 17, total: 40, files: {} },
      { status: 'done', name: 'Xenova/bge-small-en-v1.5', file: 'onnx/model_quantized.onnx' },
      { status: 'something-new', file: 'x' },
      { status: 'ready', task: 'feature-extraction', model: 'Xenova/bge-small-en-v1.5' },
    ];
    const fake = fakeTransformers([], { progressEvents: events });
    const seen: EmbedProgress[] = [];
    await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5', onProgress: (p) => seen.push(p) });
    const file = 'onnx/model_quantized.onnx';
    expect(seen).toEqual([
      { status: 'initiate', file, loaded: 0, total: 0 },
      { status: 'download', file, loaded: 0, total: 0 },
      { status: 'progress', file, loaded: 17, total: 34 },
      { status: 'total', file: '', loaded: 17, total: 40 },
      { status: 'done', file, loaded: 34, total: 34 },
      { status: 'ready', file: 'Xenova/bge-small-en-v1.5', loaded: 0, total: 0 },
    ]);
  });

  it('validates embed arguments and the model output shape', async () => {
    const fake = fakeTransformers(['a']);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    await expect(embedder.embed(['a'], { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(embedder.embed(['a'], { batchSize: 1.5 })).rejects.toThrow(/positive integer/);
    await expect(embedder.embed(['a', 3 as unknown as string])).rejects.toThrow(/texts\[1\] is number/);

    const bad = fakeTransformers(['a'], { badShape: true });
    const badEmbedder = await createEmbedder(bad.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    await expect(badEmbedder.embed(['a'])).rejects.toThrow(/shape \[1, 383\], expected \[1, 384\]/);
  });

  it('runs concurrent embed calls one after another, each in its own order', async () => {
    const texts = scrambledTexts(20);
    const fake = fakeTransformers(texts);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    const a = texts.slice(0, 12);
    const b = texts.slice(8).reverse();
    const [outA, outB] = await Promise.all([embedder.embed(a, { batchSize: 5 }), embedder.embed(b, { batchSize: 5 })]);
    a.forEach((t, i) => expect(outA[i * DIMS]).toBe(texts.indexOf(t)));
    b.forEach((t, i) => expect(outB[i * DIMS]).toBe(texts.indexOf(t)));
    // Not interleaved: the first call's 3 batches all come before the second's.
    expect(new Set(fake.batches.slice(0, 3).flat())).toEqual(new Set(a));
  });

  it('dispose frees the pipeline once; later embeds reject', async () => {
    const fake = fakeTransformers(['a']);
    const embedder = await createEmbedder(fake.transformers, { modelId: 'Xenova/bge-small-en-v1.5' });
    await embedder.dispose();
    await embedder.dispose();
    expect(fake.disposedCount()).toBe(1);
    await expect(embedder.embed(['a'])).rejects.toThrow(/disposed/);
  });
});

describe('createProgressMapper', () => {
  it('ignores non-objects and unknown statuses, and sanitises numbers', () => {
    const map = createProgressMapper();
    expect(map(null)).toBeNull();
    expect(map('progress')).toBeNull();
    expect(map({ status: 'whatever' })).toBeNull();
    expect(map({ status: 'progress', file: 'f', loaded: Number.NaN, total: -1 })).toEqual({
      status: 'progress',
      file: 'f',
      loaded: 0,
      total: 0,
    });
    // A file never reported with a size is done with 0/0.
    expect(map({ status: 'done', file: 'g' })).toEqual({ status: 'done', file: 'g', loaded: 0, total: 0 });
  });
});
