import Dexie, { type EntityTable } from 'dexie';
import type { HistoryRecord, MemoryRecord, Namespace, SettingRecord, TurnRecord } from './types';

export const DB_NAME = 'memory-r1';

/**
 * The memory bank's IndexedDB database. Version 1's primary keys are permanent; add indexes in later versions,
 * never change a key.
 */
export class MemoryDB extends Dexie {
  memories!: EntityTable<MemoryRecord, 'id'>;
  memoryHistory!: EntityTable<HistoryRecord, 'id'>;
  turns!: EntityTable<TurnRecord, 'id'>;
  settings!: EntityTable<SettingRecord, 'key'>;
  conversations!: EntityTable<ConversationRecord, 'id'>;
  opEvents!: EntityTable<OpEventRecord, 'id'>;
  evalRuns!: EntityTable<EvalRunRecord, 'id'>;

  constructor(name: string = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    // 'strict': a batch is reported committed only once it is on disk, so a power cut or OS crash cannot take back
    // a memory the UI already showed. bench:faults measured no cost worth trading that for (docs/architecture.md).
    super(name, { chromeTransactionDurability: 'strict', ...options });
    this.version(1).stores({
      // embedding is deliberately not indexed.
      memories: 'id, namespace, updatedAt, eventTime, *sourceTurnIds',
      memoryHistory: 'id, batchId, memoryId, namespace, turnId, at, op',
      turns: 'id, namespace, conversationId, at',
      settings: 'key',
    });
    // Chats as a list, the Memory Manager's events as a stream that outlives the page, Evaluation-page runs.
    this.version(2)
      .stores({
        conversations: 'id, namespace, updatedAt',
        opEvents: 'id, namespace, conversationId, turnId, at',
        evalRuns: 'id, startedAt',
      })
      .upgrade(async (tx) => {
        // Version 1 had one chat per namespace (conversationId `chat:<namespace>`, no list): each becomes a listed
        // conversation titled by its first message, so nothing said before the upgrade disappears from the chat.
        const turns: TurnRecord[] = await tx.table('turns').where('conversationId').startsWith('chat:').toArray();
        const chats = new Map<string, ConversationRecord>();
        for (const t of turns.sort((a, b) => a.at - b.at)) {
          const c = chats.get(t.conversationId);
          if (c) c.updatedAt = Math.max(c.updatedAt, t.at);
          else
            chats.set(t.conversationId, {
              id: t.conversationId,
              namespace: t.namespace,
              title: t.text.split('\n')[0]!.slice(0, 48) || 'Earlier chat',
              createdAt: t.at,
              updatedAt: t.at,
            });
        }
        await tx.table('conversations').bulkAdd([...chats.values()]);
      });
    // The Memory Manager's backlog, kept across reloads: turns waiting to be remembered, in the order queued. Only
    // turns carrying `memoryPendingSince` are in this index; earlier rows have none, so no upgrade is needed.
    this.version(3).stores({ turns: 'id, namespace, conversationId, at, memoryPendingSince' });
  }
}

/**
 * Every table that holds the user's data: export, import and wipe cover exactly these (a table added here is
 * exported and wiped without further edits). Namespaced tables' rows carry a `namespace`; the others are global.
 */
export const USER_DATA_TABLES = ['memories', 'memoryHistory', 'turns', 'conversations', 'opEvents', 'settings', 'evalRuns'] as const;
export const NAMESPACED_USER_DATA_TABLES = ['memories', 'memoryHistory', 'turns', 'conversations', 'opEvents'] as const;
export type UserDataTable = (typeof USER_DATA_TABLES)[number];

/** One chat: its turns are the `turns` rows with this `conversationId`. */
export interface ConversationRecord {
  id: string;
  namespace: Namespace;
  title: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last turn or rename: the list shows the most recent first. */
  updatedAt: number;
}

/**
 * One Memory Manager event as it happened (facts, an attempt rejected, an applied batch, a rejected batch, a
 * skipped turn), with the turn that caused it and the model and prompt version that produced it.
 */
export interface OpEventRecord {
  /** Time-ordered: sorting by id is the order the events happened in (several may share a millisecond). */
  id: string;
  namespace: Namespace;
  /** The chat the turn belongs to (a replay's LoCoMo conversation id, or null when the turn had none). */
  conversationId: string | null;
  turnId: string;
  /** Epoch ms. */
  at: number;
  model: string;
  promptVersion: string;
  /** The event's `type` ('facts', 'applied', 'rejected', 'attempt-rejected', 'skipped'). */
  type: string;
  /** The event itself, as plain JSON-safe data (app/agent/memoryManager.ts `MemoryManagerEvent`). */
  event: { type: string; turnId: string } & Record<string, unknown>;
}

/** One Evaluation-page run, kept so past runs can be listed and compared. */
export interface EvalRunRecord {
  id: string;
  /** Epoch ms. */
  startedAt: number;
  finishedAt: number | null;
  status: 'running' | 'done' | 'stopped' | 'failed';
  /** What was run (dataset, split, pipelines, limits, model). */
  config: unknown;
  /** Per-pipeline summaries. */
  summaries: unknown;
  /** Per-question results. */
  results: unknown;
}
