/**
 * The one message protocol between the page (retrievalClient.ts) and the retrieval worker
 * (workers/retrieval.worker.ts), which keeps the memory bank's embeddings in a VectorIndex.
 *
 * Discriminated unions keyed by `type`; every request carries an `id` that its one response echoes. Requests are
 * handled in order, so a search sent after a patch sees the patch. Vectors travel as transferred buffers, not
 * copies: a bulk load's packed matrix, each upsert's vector, a search's query.
 */
import type { KernelChoice, KernelName } from './simd/rowMatrix';

export interface PackedVectorsMessage {
  ids: string[];
  namespaces: string[];
  /** `ids.length × dims` floats, row i for ids[i]. */
  vectors: Float32Array;
}

export interface UpsertMessage {
  id: string;
  namespace: string;
  vector: Float32Array;
}

export interface RetrievalHit {
  id: string;
  namespace: string;
  score: number;
}

export type RetrievalRequest =
  /** Starts (or restarts, empty) the index. */
  | { type: 'load'; id: number; dims: number; kernel?: KernelChoice }
  /** Replaces the whole content. */
  | { type: 'bulkLoad'; id: number; entries: PackedVectorsMessage }
  /** One applied batch: removes first, then upserts; all or nothing. */
  | { type: 'patch'; id: number; upserts: UpsertMessage[]; removes: string[] }
  | { type: 'search'; id: number; query: Float32Array; k: number; namespaces?: string[] }
  | { type: 'clear'; id: number };

export type RetrievalResponse =
  | { type: 'ready'; id: number; dims: number; kernel: KernelName }
  /** The index's size after a bulkLoad, patch or clear. */
  | { type: 'ok'; id: number; size: number }
  /** `ms`: the search's time inside the worker. */
  | { type: 'results'; id: number; hits: RetrievalHit[]; ms: number }
  /** `id` is null when the failing message carried no usable id (a malformed request). */
  | { type: 'error'; id: number | null; message: string };

export type RetrievalRequestType = RetrievalRequest['type'];
export type RetrievalResponseType = RetrievalResponse['type'];

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const KERNEL_CHOICES: ReadonlySet<unknown> = new Set<KernelChoice>(['auto', 'wasm-simd', 'js']);
const KERNELS: ReadonlySet<unknown> = new Set<KernelName>(['wasm-simd', 'js']);

function isPackedVectors(v: unknown): v is PackedVectorsMessage {
  return (
    isObject(v) &&
    isStrings(v.ids) &&
    isStrings(v.namespaces) &&
    v.namespaces.length === v.ids.length &&
    v.vectors instanceof Float32Array &&
    // The index checks the exact dims; here only that the rows divide the buffer evenly.
    (v.ids.length === 0 ? v.vectors.length === 0 : v.vectors.length % v.ids.length === 0)
  );
}

function isUpsert(v: unknown): v is UpsertMessage {
  return isObject(v) && typeof v.id === 'string' && typeof v.namespace === 'string' && v.vector instanceof Float32Array;
}

function isHit(v: unknown): v is RetrievalHit {
  return isObject(v) && typeof v.id === 'string' && typeof v.namespace === 'string' && isNumber(v.score);
}

/** Validates a message arriving at the worker. */
export function isRetrievalRequest(msg: unknown): msg is RetrievalRequest {
  if (!isObject(msg) || !isId(msg.id)) return false;
  switch (msg.type) {
    case 'load':
      return isCount(msg.dims) && msg.dims > 0 && (msg.kernel === undefined || KERNEL_CHOICES.has(msg.kernel));
    case 'bulkLoad':
      return isPackedVectors(msg.entries);
    case 'patch':
      return Array.isArray(msg.upserts) && msg.upserts.every(isUpsert) && isStrings(msg.removes);
    case 'search':
      return (
        msg.query instanceof Float32Array &&
        isCount(msg.k) &&
        (msg.namespaces === undefined || isStrings(msg.namespaces))
      );
    case 'clear':
      return true;
    default:
      return false;
  }
}

/** Validates a message arriving at the page from the worker. */
export function isRetrievalResponse(msg: unknown): msg is RetrievalResponse {
  if (!isObject(msg)) return false;
  switch (msg.type) {
    case 'ready':
      return isId(msg.id) && isCount(msg.dims) && KERNELS.has(msg.kernel);
    case 'ok':
      return isId(msg.id) && isCount(msg.size);
    case 'results':
      return isId(msg.id) && Array.isArray(msg.hits) && msg.hits.every(isHit) && isNumber(msg.ms);
    case 'error':
      return (msg.id === null || isId(msg.id)) && typeof msg.message === 'string';
    default:
      return false;
  }
}

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

