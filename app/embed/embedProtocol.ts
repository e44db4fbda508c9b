/**
 * The one message protocol between the page (embedClient.ts) and the embedding worker (workers/embed.worker.ts).
 *
 * Discriminated unions keyed by `type`; every request carries an `id` that its responses echo (progress events
 * belong to the `load` request that caused them). `embedded.vectors` travels as a transferred buffer, not a copy.
 */
import type { EmbedProgress, WasmPaths } from './embedder';

export type EmbedRequest =
  | {
      type: 'load';
      id: number;
      modelId: string;
      /** Folder (URL or path) holding `<modelId>/…`, e.g. `/models/transformers/`; unset → Hugging Face hub. */
      localModelBaseUrl?: string;
      /** Overrides the worker's own self-hosted ONNX Runtime WASM files. */
      wasmPaths?: WasmPaths;
    }
  | { type: 'embed'; id: number; texts: string[]; batchSize?: number }
  | { type: 'dispose'; id: number };

export type EmbedResponse =
  | ({ type: 'progress'; id: number } & EmbedProgress)
  | { type: 'loaded'; id: number; modelId: string; dims: number; loadMs: number }
  | {
      type: 'embedded';
      id: number;
      /** Packed `count * dims` unit vectors in the order of the request's texts. */
      vectors: Float32Array;
      count: number;
      dims: number;
      ms: number;
    }
  | { type: 'disposed'; id: number }
  /** `id` is null when the failing message carried no usable id (a malformed request). */
  | { type: 'error'; id: number | null; message: string };

export type EmbedRequestType = EmbedRequest['type'];
export type EmbedResponseType = EmbedResponse['type'];

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

function isWasmPaths(v: unknown): v is WasmPaths {
  if (typeof v === 'string') return true;
  return isObject(v) && isOptionalString(v.mjs) && isOptionalString(v.wasm);
}

const PROGRESS_STATUSES: ReadonlySet<unknown> = new Set<EmbedProgress['status']>([
  'initiate',
  'download',
  'progress',
  'done',
  'total',
  'ready',
]);

/** Validates a message arriving at the worker. */
export function isEmbedRequest(msg: unknown): msg is EmbedRequest {
  if (!isObject(msg) || !isId(msg.id)) return false;
  switch (msg.type) {
    case 'load':
      return (
        typeof msg.modelId === 'string' &&
        isOptionalString(msg.localModelBaseUrl) &&
        (msg.wasmPaths === undefined || isWasmPaths(msg.wasmPaths))
      );
    case 'embed':
      return (
        Array.isArray(msg.texts) &&
        msg.texts.every((t) => typeof t === 'string') &&
        (msg.batchSize === undefined || (isCount(msg.batchSize) && msg.batchSize > 0))
      );
    case 'dispose':
      return true;
    default:
      return false;
  }
}

/** Validates a message arriving at the page from the worker. */
export function isEmbedResponse(msg: unknown): msg is EmbedResponse {
  if (!isObject(msg)) return false;
  switch (msg.type) {
    case 'progress':
      return (
        isId(msg.id) &&
        PROGRESS_STATUSES.has(msg.status) &&
        typeof msg.file === 'string' &&
        isNumber(msg.loaded) &&
        isNumber(msg.total)
      );
    case 'loaded':
      return isId(msg.id) && typeof msg.modelId === 'string' && isCount(msg.dims) && isNumber(msg.loadMs);
    case 'embedded':
      return (
        isId(msg.id) &&
        msg.vectors instanceof Float32Array &&
        isCount(msg.count) &&
        isCount(msg.dims) &&
        msg.vectors.length === msg.count * msg.dims &&
        isNumber(msg.ms)
      );
    case 'disposed':
      return isId(msg.id);
    case 'error':
      return (msg.id === null || isId(msg.id)) && typeof msg.message === 'string';
    default:
      return false;
  }
}

/** The buffers to transfer (not copy) with a response: the vectors of an `embedded` response. */
export function transferablesOf(msg: EmbedResponse): Transferable[] {
  return msg.type === 'embedded' ? [msg.vectors.buffer as ArrayBuffer] : [];
}

