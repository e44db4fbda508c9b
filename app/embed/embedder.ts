/**
 * The embedding core: loads a transformers.js feature-extraction pipeline and turns texts into packed unit vectors.
 *
 * Pure: no worker or DOM globals. The `@huggingface/transformers` module is injected, so the browser worker passes
 * its own (onnxruntime-web, WASM) and Node tests and benches pass theirs (onnxruntime-node).
 */
import type * as Transformers from '@huggingface/transformers';
import { SerialQueue } from '../lib/serialQueue';
import { type EmbeddingModelInfo, getEmbeddingModel } from './embeddingModels';

/** The parts of the `@huggingface/transformers` module the embedder uses. */
export type TransformersModule = Pick<typeof Transformers, 'pipeline' | 'env'>;

/** onnxruntime-web's `env.wasm.wasmPaths`: a URL prefix, or the exact `.mjs` factory and `.wasm` binary URLs. */
export type WasmPaths = string | { mjs?: string; wasm?: string };

/** A model-file loading event, reduced from transformers.js' `progress_callback` payloads. */
export interface EmbedProgress {
  /**
   * `initiate`: a file load is about to start; `download`: its download started; `progress`: bytes arrived;
   * `done`: the file is loaded; `total`: aggregate over all files (`file` is ''); `ready`: the pipeline is ready
   * (`file` is the model id).
   */
  status: 'initiate' | 'download' | 'progress' | 'done' | 'total' | 'ready';
  /** File path inside the model repo, e.g. `onnx/model_quantized.onnx`. */
  file: string;
  /** Bytes loaded so far (0 when unknown). */
  loaded: number;
  /** Total bytes (0 when unknown). */
  total: number;
}

export interface EmbedderOptions {
  /** A catalog id (see embeddingModels.ts). */
  modelId: string;
  /**
   * Folder (filesystem path in Node, URL or path in the browser) that holds `<modelId>/{config.json,
   * tokenizer.json, tokenizer_config.json, onnx/model_quantized.onnx}`. When set the model is loaded only from
   * there (`env.localModelPath`, `allowLocalModels = true`, `allowRemoteModels = false`); when not, from the
   * Hugging Face hub.
   */
  localModelBaseUrl?: string;
  /** Sets onnxruntime-web's `env.backends.onnx.wasm.wasmPaths` (browser only; ignored by onnxruntime-node). */
  wasmPaths?: WasmPaths;
  /** transformers.js device; leave unset for the environment default (`cpu` in Node, `wasm` in browsers). */
  device?: Transformers.DeviceType;
  onProgress?: (progress: EmbedProgress) => void;
}

export interface EmbedOptions {
  /** Texts per model call; default `defaultBatchSize(device)`. */
  batchSize?: number;
}

export interface Embedder {
  readonly modelId: string;
  readonly model: EmbeddingModelInfo;
  readonly dims: number;
  /**
   * Embeds `texts` into one packed Float32Array of `texts.length * dims` floats: row i is the unit vector of
   * texts[i]. Texts are batched by length internally; the result is always in the caller's order.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  /** Frees the ONNX session. Later embed calls reject. */
  dispose(): Promise<void>;
}

export const DEFAULT_EMBED_BATCH_SIZE = 32;

/**
 * onnxruntime-web's WASM backend wants small batches: on 2 cores, length-sorted batches of 32 LoCoMo turns ran
 * slower than one by one (0.67x), batches of 8 about twice as fast (bench:embed: 1.5-2.0x), while onnxruntime-node
 * is fastest at 32 (1.6-1.8x). Attention cost grows with the padded length squared, and the WASM kernels fall out
 * of cache sooner.
 */
export const WASM_EMBED_BATCH_SIZE = 8;

/** The batch size embed() uses when not told: small on the browser's WASM backend, larger on native runtimes. */
export function defaultBatchSize(device: EmbedderOptions['device']): number {
  return device === 'wasm' ? WASM_EMBED_BATCH_SIZE : DEFAULT_EMBED_BATCH_SIZE;
}

/**
 * The order to embed texts in: indices sorted by text length (stable), so each batch holds texts of similar length
 * and wastes little time on padding (`npm run bench:embed` prints its speed over caller order, `sorted_over_unsorted`).
 */
export function lengthSortedOrder(texts: readonly string[]): number[] {
  return texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
}

/**
 * Maps transformers.js `progress_callback` payloads to EmbedProgress. Stateful: remembers each file's size so a
 * `done` event can report it. Returns null for payloads it does not recognise.
 */
export function createProgressMapper(): (info: unknown) => EmbedProgress | null {
  const sizes = new Map<string, number>();
  return (info) => {
    if (typeof info !== 'object' || info === null) return null;
    const p = info as Record<string, unknown>;
    const file = typeof p.file === 'string' ? p.file : '';
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
    switch (p.status) {
      case 'initiate':
      case 'download':
        return { status: p.status, file, loaded: 0, total: sizes.get(file) ?? 0 };
      case 'progress': {
        const total = num(p.total);
        if (total > 0) sizes.set(file, total);
        return { status: 'progress', file, loaded: num(p.loaded), total };
      }
      case 'done': {
        const total = sizes.get(file) ?? 0;
        return { status: 'done', file, loaded: total, total };
      }
      case 'progress_total':
        return { status: 'total', file: '', loaded: num(p.loaded), total: num(p.total) };
      case 'ready':
        return { status: 'ready', file: typeof p.model === 'string' ? p.model : '', loaded: 0, total: 0 };
      default:
        return null;
    }
  };
}

function configureEnv(env: TransformersModule['env'], options: EmbedderOptions): void {
  if (options.localModelBaseUrl !== undefined) {
    if (options.localModelBaseUrl === '') throw new Error('localModelBaseUrl must not be empty');
    env.localModelPath = options.localModelBaseUrl;
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
  } else {
    // The env is module-global: undo a previous local configuration.
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
  }
  if (options.wasmPaths !== undefined) {
    const wasm = env.backends.onnx.wasm;
    if (!wasm) throw new Error('wasmPaths was given but this transformers.js build has no ONNX WASM backend');
    // Copy: transformers.js replaces `mjs` with a blob URL on the object it is given.
    wasm.wasmPaths = typeof options.wasmPaths === 'string' ? options.wasmPaths : { ...options.wasmPaths };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function createEmbedder(transformers: TransformersModule, options: EmbedderOptions): Promise<Embedder> {
  const model = getEmbeddingModel(options.modelId);
  const { dims, pooling } = model;
  configureEnv(transformers.env, options);

  const mapProgress = createProgressMapper();
  const onProgress = options.onProgress;
  const where = options.localModelBaseUrl !== undefined ? ` from ${options.localModelBaseUrl}` : '';
  let extractor: Awaited<ReturnType<typeof transformers.pipeline<'feature-extraction'>>>;
  try {
    extractor = await transformers.pipeline('feature-extraction', model.id, {
      dtype: 'q8',
      ...(options.device !== undefined ? { device: options.device } : {}),
      ...(onProgress
        ? {
            progress_callback: (info: Transformers.ProgressInfo) => {
              const mapped = mapProgress(info);
              if (mapped) onProgress(mapped);
            },
          }
        : {}),
    });
  } catch (error) {
    throw new Error(`Failed to load embedding model ${model.id}${where}: ${describe(error)}`, { cause: error });
  }

  let disposed = false;
  // One model call at a time: WASM sessions cannot run concurrently, and on CPU parallel calls only contend.
  const queue = new SerialQueue();

  async function embedBatch(batch: string[]): Promise<Float32Array> {
    const output = await extractor(batch, { pooling, normalize: true });
    const [rows, cols] = output.dims;
    if (output.dims.length !== 2 || rows !== batch.length || cols !== dims) {
      throw new Error(`${model.id} returned embeddings of shape [${output.dims.join(', ')}], expected [${batch.length}, ${dims}]`);
    }
    const data = output.data;
    if (data instanceof Float32Array) return data;
    if (data instanceof Float64Array) return Float32Array.from(data);
    throw new Error(`${model.id} returned ${output.type} embeddings, expected float32`);
  }

  async function embed(texts: readonly string[], embedOptions: EmbedOptions = {}): Promise<Float32Array> {
    if (disposed) throw new Error(`Embedder for ${model.id} has been disposed`);
    if (!Array.isArray(texts)) throw new TypeError('embed() expects an array of strings');
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new TypeError(`embed() texts[${i}] is ${typeof t}, expected a string`);
    });
    const batchSize = embedOptions.batchSize ?? defaultBatchSize(options.device);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    if (texts.length === 0) return new Float32Array(0);

    return queue.run(async () => {
      if (disposed) throw new Error(`Embedder for ${model.id} has been disposed`);
      const order = lengthSortedOrder(texts);
      const out = new Float32Array(texts.length * dims);
      for (let start = 0; start < order.length; start += batchSize) {
        const indices = order.slice(start, start + batchSize);
        const vectors = await embedBatch(indices.map((i) => texts[i]!));
        indices.forEach((original, row) => {
          out.set(vectors.subarray(row * dims, (row + 1) * dims), original * dims);
        });
      }
      return out;
    });
  }

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    await queue.run(() => extractor.dispose());
  }

  return { modelId: model.id, model, dims, embed, dispose };
}
