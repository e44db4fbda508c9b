import type { ApplyOptions, ApplyResult } from './applyMemoryOps';
import { applyMemoryOps } from './applyMemoryOps';
import type { MemoryDB } from './db';
import type { IndexChanges, MemoryOpBatch } from './memoryOps';
import { requestPersistenceOnce } from './persistence';
import type { MemoryRecord, Namespace } from './types';

export interface IndexEntry {
  id: string;
  namespace: Namespace;
  vector: Float32Array;
}

export interface IndexHit {
  id: string;
  namespace: Namespace;
  score: number;
}

/** What the bank needs from a retrieval index: the worker client in the browser, the index itself in Node. */
export interface RetrievalIndex {
  bulkLoad(entries: IndexEntry[]): unknown;
  patch(changes: IndexChanges): unknown;
  search(query: Float32Array, options: { k: number; namespaces?: Namespace[] }): IndexHit[] | Promise<IndexHit[]>;
}

export interface MemoryHit {
  memory: MemoryRecord;
  score: number;
}

type BankMessage = { type: 'patched'; changes: IndexChanges } | { type: 'rebuild' };

export interface MemoryBankOptions {
  db: MemoryDB;
  index: RetrievalIndex;
  /** navigator.storage in the browser; absent in Node. */
  storage?: Pick<StorageManager, 'persist' | 'persisted'>;
  /** Other tabs of the app write to the same database; they say so on this channel so every index stays in sync. */
  channelName?: string | null;
  applyOptions?: ApplyOptions;
}

/**
 * The memory bank as the app uses it: IndexedDB is the truth, the retrieval index a copy rebuilt on open and
 * patched after each applied batch (here and, through a BroadcastChannel, in every other tab).
 */
export class MemoryBank {
  readonly db: MemoryDB;
  private readonly index: RetrievalIndex;
  private readonly options: MemoryBankOptions;
  private readonly channel: BroadcastChannel | null;

  private constructor(options: MemoryBankOptions) {
    this.db = options.db;
    this.index = options.index;
    this.options = options;
    const name = options.channelName === undefined ? `${options.db.name}:changes` : options.channelName;
    this.channel = name && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<BankMessage>) => {
      void (event.data.type === 'patched' ? Promise.resolve(this.index.patch(event.data.changes)) : this.rebuildIndex());
    });
  }

  static async open(options: MemoryBankOptions): Promise<MemoryBank> {
    const bank = new MemoryBank(options);
    await bank.rebuildIndex();
    return bank;
  }

  /** Reads every memory's embedding into the index (on open, after an import). */
  async rebuildIndex(): Promise<number> {
    const entries: IndexEntry[] = [];
    await this.db.memories.each((m) => {
      entries.push({ id: m.id, namespace: m.namespace, vector: m.embedding });
    });
    await this.index.bulkLoad(entries);
    return entries.length;
  }

  async apply(batch: MemoryOpBatch): Promise<ApplyResult> {
    const result = await applyMemoryOps(this.db, batch, this.options.applyOptions);
    if (!result.ok) return result;
    await this.index.patch(result.changes);
    this.channel?.postMessage({ type: 'patched', changes: result.changes } satisfies BankMessage);
    if (result.history.some((h) => h.op === 'ADD')) {
      // The first stored memory is the moment to ask the browser to keep this origin's data.
      await requestPersistenceOnce(this.db, this.options.storage).catch(() => 'unsupported');
    }
    return result;
  }

  /** Tells this tab's index and the other tabs' that the bank changed wholesale (an import, a wipe). */
  async changedWholesale(): Promise<void> {
    await this.rebuildIndex();
    this.channel?.postMessage({ type: 'rebuild' } satisfies BankMessage);
  }

  async search(query: Float32Array, options: { k: number; namespaces?: Namespace[] }): Promise<MemoryHit[]> {
    const hits = await this.index.search(query, options);
    const records = await this.db.memories.bulkGet(hits.map((h) => h.id));
    // A memory deleted in another tab between the search and the read is simply left out.
    return hits.flatMap((hit, i) => {
      const memory = records[i];
      return memory ? [{ memory, score: hit.score }] : [];
    });
  }

  close(): void {
    this.channel?.close();
  }
}
