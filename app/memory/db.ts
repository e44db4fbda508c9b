import Dexie, { type EntityTable } from 'dexie';
import type { HistoryRecord, MemoryRecord, SettingRecord, TurnRecord } from './types';

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
  }
}

export const MEMORY_TABLES = ['memories', 'memoryHistory', 'turns'] as const;
