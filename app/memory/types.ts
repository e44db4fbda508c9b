/**
 * The memory bank's records. Primary keys are chosen once (IndexedDB cannot change them later): memories and
 * history rows are keyed by string ids (UUIDs), so exported rows can be imported into another bank without
 * colliding with its auto-increment counters.
 */

/** mem0's user_id / agent_id / run_id: whose memory this is. `user:alice`, `agent:assistant`, `session:…`. */
export type Namespace = string;

export interface MemoryRecord {
  id: string;
  namespace: Namespace;
  text: string;
  /** Unit-norm embedding of `text`; not indexed (IndexedDB stores the typed array as is). */
  embedding: Float32Array;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** The turns this memory came from, e.g. LoCoMo `dia_id`s ("D1:3") or chat turn ids. */
  sourceTurnIds: string[];
  /**
   * When the fact happened or was said, as an ISO date (YYYY-MM-DD) or date-time: Memory-R1's bank is temporal
   * and answers need dates ("last Saturday" resolved against the session date). Null when unknown.
   */
  eventTime: string | null;
}

export type HistoryOp = 'ADD' | 'UPDATE' | 'DELETE' | 'NOOP';

/** Who proposed an operation: a model with a prompt version, or the user editing by hand. */
export interface Proposer {
  model: string;
  promptVersion: string;
}

export const MANUAL_PROPOSER: Proposer = { model: 'manual', promptVersion: 'manual' };

export interface HistoryRecord {
  id: string;
  /** All rows of one applied batch share it, in `seq` order. */
  batchId: string;
  /** Position within the batch. */
  seq: number;
  op: HistoryOp;
  /** The memory affected; null for a NOOP that named no memory. */
  memoryId: string | null;
  namespace: Namespace;
  before: string | null;
  after: string | null;
  /** The turn that caused it (null for manual edits without one). */
  turnId: string | null;
  at: number;
  model: string;
  promptVersion: string;
}

export interface TurnRecord {
  id: string;
  namespace: Namespace;
  /** A chat, or one LoCoMo conversation ("conv-26"). */
  conversationId: string;
  speaker: string;
  role: 'user' | 'assistant' | 'dialogue';
  text: string;
  /** Epoch ms when it was recorded. */
  at: number;
  /** The session date the turn belongs to (ISO), for resolving relative dates. */
  sessionTime: string | null;
  /** For an assistant's answer: the memories the Answer Agent said it used (the UI highlights them). */
  usedMemoryIds?: string[];
  /** For an assistant's answer: each used memory's text as the Answer Agent saw it (later edits do not change it). */
  sources?: SourceSnapshot[];
  /** For an assistant's answer: how many memories the prompt listed of those retrieved, and why. */
  considered?: { listed: number; available: number; why: string };
  /** For an assistant's answer: it was stopped by the user before it finished (the text is what had arrived). */
  stopped?: boolean;
  /**
   * A chat turn waiting to be remembered: when it was queued for the Memory Manager (epoch ms; the backlog's
   * order). Removed once its outcome is stored (or remembering it was stopped); a turn still carrying it when a
   * page closes is remembered by the next chat session (app/chat/chatSession.ts).
   */
  memoryPendingSince?: number;
}

/** A memory as one answer saw it. */
export interface SourceSnapshot {
  memoryId: string;
  text: string;
  /** The memory's updatedAt when it was read: a newer current version means it changed since. */
  updatedAt: number;
}

export interface SettingRecord {
  key: string;
  value: unknown;
}
