/**
 * The one message protocol between the page (retrievalClient.ts) and the retrieval worker
 * (workers/retrieval.worker.ts), which keeps the memory bank's embeddings in a VectorIndex; defined once as valibot
 * schemas, from which the message types and the guards both sides validate with come.
 *
 * Discriminated unions keyed by `type`; every request carries an `id` that its one response echoes. Requests are
 * handled in order, so a search sent after a patch sees the patch. Vectors travel as transferred buffers, not
 * copies: a bulk load's packed matrix, each upsert's vector, a search's query.
 */
import * as v from 'valibot';
import { count, errorReply, finiteNumber, float32Array, guard, requestId as id } from '../lib/protocolSchemas';
import type { KernelChoice, KernelName } from './simd/rowMatrix';

const strings = v.array(v.string());
const kernelChoice = v.picklist(['auto', 'wasm-simd', 'js']);
const kernelName = v.picklist(['wasm-simd', 'js']);

const packedVectors = v.pipe(
  v.object({
    ids: strings,
    namespaces: strings,
    /** `ids.length × dims` floats, row i for ids[i]. */
    vectors: float32Array,
  }),
  v.check((p) => p.namespaces.length === p.ids.length, 'needs one namespace per id'),
  // The index checks the exact dims; here only that the rows divide the buffer evenly.
  v.check((p) => (p.ids.length === 0 ? p.vectors.length === 0 : p.vectors.length % p.ids.length === 0), 'rows must divide the vectors evenly'),
);

const upsert = v.object({ id: v.string(), namespace: v.string(), vector: float32Array });
const hit = v.object({ id: v.string(), namespace: v.string(), score: finiteNumber });

const retrievalRequestSchema = v.variant('type', [
  /** Starts (or restarts, empty) the index. */
  v.object({ type: v.literal('load'), id, dims: v.pipe(count, v.minValue(1)), kernel: v.optional(kernelChoice) }),
  /** Replaces the whole content. */
  v.object({ type: v.literal('bulkLoad'), id, entries: packedVectors }),
  /** One applied batch: removes first, then upserts; all or nothing. */
  v.object({ type: v.literal('patch'), id, upserts: v.array(upsert), removes: strings }),
  v.object({ type: v.literal('search'), id, query: float32Array, k: count, namespaces: v.optional(strings) }),
  v.object({ type: v.literal('clear'), id }),
]);

const retrievalResponseSchema = v.variant('type', [
  v.object({ type: v.literal('ready'), id, dims: count, kernel: kernelName }),
  /** The index's size after a bulkLoad, patch or clear. */
  v.object({ type: v.literal('ok'), id, size: count }),
  /** `ms`: the search's time inside the worker. */
  v.object({ type: v.literal('results'), id, hits: v.array(hit), ms: finiteNumber }),
  errorReply,
]);

export type PackedVectorsMessage = v.InferOutput<typeof packedVectors>;
export type RetrievalHit = v.InferOutput<typeof hit>;
export type RetrievalRequest = v.InferOutput<typeof retrievalRequestSchema>;
export type RetrievalResponse = v.InferOutput<typeof retrievalResponseSchema>;

// The kernels' own names and the protocol's must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kernelChoicesMatch: Same<v.InferOutput<typeof kernelChoice>, KernelChoice> = true;
const kernelNamesMatch: Same<v.InferOutput<typeof kernelName>, KernelName> = true;
void kernelChoicesMatch;
void kernelNamesMatch;

/** Validates a message arriving at the worker. */
export const isRetrievalRequest = guard(retrievalRequestSchema);

/** Validates a message arriving at the page from the worker. */
export const isRetrievalResponse = guard(retrievalResponseSchema);

/**
 * The buffers to transfer (not copy) with a request. The sender gives them up, so it must own them whole: the
 * client packs or copies every vector into a fresh buffer first, which also stops a view of a large buffer from
 * dragging the whole buffer along.
 */
export function requestTransferables(msg: RetrievalRequest): Transferable[] {
  switch (msg.type) {
    case 'bulkLoad':
      return [msg.entries.vectors.buffer as ArrayBuffer];
    case 'patch':
      return msg.upserts.map((u) => u.vector.buffer as ArrayBuffer);
    case 'search':
      return [msg.query.buffer as ArrayBuffer];
    default:
      return [];
  }
}
