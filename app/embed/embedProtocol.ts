/**
 * The one message protocol between the page (embedClient.ts) and the embedding worker (workers/embed.worker.ts),
 * defined once as valibot schemas; the message types and the guards both sides validate with come from them.
 *
 * Discriminated unions keyed by `type`; every request carries an `id` that its responses echo (progress events
 * belong to the `load` request that caused them). `embedded.vectors` travels as a transferred buffer, not a copy.
 */
import * as v from 'valibot';
import { count, errorReply, finiteNumber, float32Array, guard, requestId as id } from '../lib/protocolSchemas';
import type { EmbedProgress, WasmPaths } from './embedder';

const wasmPaths = v.union([v.string(), v.object({ mjs: v.optional(v.string()), wasm: v.optional(v.string()) })]);

const embedProgress = v.object({
  status: v.picklist(['initiate', 'download', 'progress', 'done', 'total', 'ready']),
  file: v.string(),
  loaded: finiteNumber,
  total: finiteNumber,
});

const embedRequestSchema = v.variant('type', [
  v.object({
    type: v.literal('load'),
    id,
    modelId: v.string(),
    /** Folder (URL or path) holding `<modelId>/…`, e.g. `/models/transformers/`; unset → Hugging Face hub. */
    localModelBaseUrl: v.optional(v.string()),
    /** Overrides the worker's own self-hosted ONNX Runtime WASM files. */
    wasmPaths: v.optional(wasmPaths),
  }),
  v.object({ type: v.literal('embed'), id, texts: v.array(v.string()), batchSize: v.optional(v.pipe(count, v.minValue(1))) }),
  v.object({ type: v.literal('dispose'), id }),
]);

const embedResponseSchema = v.variant('type', [
  v.object({ type: v.literal('progress'), id, ...embedProgress.entries }),
  v.object({ type: v.literal('loaded'), id, modelId: v.string(), dims: count, loadMs: finiteNumber }),
  v.pipe(
    v.object({
      type: v.literal('embedded'),
      id,
      /** Packed `count * dims` unit vectors in the order of the request's texts. */
      vectors: float32Array,
      count,
      dims: count,
      ms: finiteNumber,
    }),
    v.check((msg) => msg.vectors.length === msg.count * msg.dims, 'vectors must hold count × dims numbers'),
  ),
  v.object({ type: v.literal('disposed'), id }),
  errorReply,
]);

export type EmbedRequest = v.InferOutput<typeof embedRequestSchema>;
export type EmbedResponse = v.InferOutput<typeof embedResponseSchema>;

// The embedder's own types and the protocol's must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const progressMatches: Same<v.InferOutput<typeof embedProgress>, EmbedProgress> = true;
const wasmPathsMatch: Same<v.InferOutput<typeof wasmPaths>, WasmPaths> = true;
void progressMatches;
void wasmPathsMatch;

/** Validates a message arriving at the worker. */
export const isEmbedRequest = guard(embedRequestSchema);

/** Validates a message arriving at the page from the worker. */
export const isEmbedResponse = guard(embedResponseSchema);

/** The buffers to transfer (not copy) with a response: the vectors of an `embedded` response. */
export function transferablesOf(msg: EmbedResponse): Transferable[] {
  return msg.type === 'embedded' ? [msg.vectors.buffer as ArrayBuffer] : [];
}
