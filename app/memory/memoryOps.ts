import type { Namespace, Proposer } from './types';

/** One proposed change to the bank. ADD/UPDATE carry the embedding of their new text, computed beforehand:
 *  nothing that is not IndexedDB may be awaited inside the transaction that applies a batch. */
export type MemoryOp =
  | { op: 'ADD'; text: string; embedding: Float32Array; eventTime?: string | null; sourceTurnIds?: string[] }
  | { op: 'UPDATE'; id: string; text: string; embedding: Float32Array; eventTime?: string | null; sourceTurnIds?: string[] }
  | { op: 'DELETE'; id: string }
  | { op: 'NOOP'; id?: string | null };

export type MemoryOpKind = MemoryOp['op'];

export interface MemoryOpBatch {
  namespace: Namespace;
  /** Unvalidated: whatever a model's output was mapped to. `applyMemoryOps` checks every field. */
  ops: readonly unknown[];
  /** The ids of the memories the proposer was shown; UPDATE/DELETE/NOOP may name only these. */
  candidateIds: readonly string[];
  /** The turn that caused the batch, recorded in every history row. */
  turnId: string | null;
  proposer: Proposer;
}

export interface OpError {
  /** Position of the op in the batch; -1 for a problem with the batch as a whole. */
  index: number;
  reason: string;
}

/** What the retrieval index must do to mirror an applied batch. */
export interface IndexChanges {
  upserts: { id: string; namespace: Namespace; vector: Float32Array }[];
  removes: string[];
}

export const MAX_MEMORY_TEXT_LENGTH = 2000;
export const DEFAULT_EMBEDDING_DIMS = 384;
