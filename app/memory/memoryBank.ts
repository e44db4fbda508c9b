import type { RetrieverRanks } from '../retrieval/fusion';
import { type HybridSearchOptions, type HybridSearchOutput, hybridSearch } from '../retrieval/hybridSearch';
import { type LexicalDoc, LexicalIndex, type LexicalIndexJSON } from '../retrieval/lexicalIndex';
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

/** A memory found by hybrid search, with its rank in each retriever (the UI shows why it was retrieved). */
export interface RankedMemoryHit {
  memory: MemoryRecord;
  /** The fused (RRF) score. */
  score: number;
  ranks: RetrieverRanks;
  /** True when time-aware retrieval moved it up. */
  timeMatch?: boolean;
  /** Its cosine similarity to the query vector, where the dense retriever returned it. */
  denseScore?: number;
}

export interface BankHybridSearchResult extends Omit<HybridSearchOutput, 'results'> {
  hits: RankedMemoryHit[];
}

/** The lexical index's changes for one batch: documents to (re)index, ids to drop. */
export interface LexicalChanges {
  upserts: LexicalDoc[];
  removes: string[];
}

type BankMessage = { type: 'patched'; changes: IndexChanges; lexical?: LexicalChanges } | { type: 'rebuild' };

/** The `settings` row the lexical index is persisted in. Bump the suffix with LEXICAL_INDEX_VERSION. */
export const LEXICAL_INDEX_SETTING_KEY = 'lexicalIndex.v1';

export interface PersistedLexicalIndex {
  /** The bank as the index saw it, to tell at a glance whether it is stale (`reconcile` makes it exact anyway). */
  memoryCount: number;
  lastHistoryId: string | null;
  savedAt: number;
  index: LexicalIndexJSON;
}

/** How the lexical index was brought up to date at the last rebuild. */
export interface LexicalLoadStats {
  from: 'persisted' | 'scratch' | 'memory';
  /** The persisted copy's counts matched the bank's. */
  fresh: boolean;
  kept: number;
  upserted: number;
  removed: number;
}

function lexicalDoc(m: Pick<MemoryRecord, 'id' | 'namespace' | 'text' | 'eventTime'>): LexicalDoc {
  return { id: m.id, namespace: m.namespace, text: m.text, eventTime: m.eventTime };
}

export interface MemoryBankOptions {
  db: MemoryDB;
  index: RetrievalIndex;
  /** navigator.storage in the browser; absent in Node. */
  storage?: Pick<StorageManager, 'persist' | 'persisted'>;
  /** Other tabs of the app write to the same database; they say so on this channel so every index stays in sync. */
  channelName?: string | null;
  applyOptions?: ApplyOptions;
  /**
   * After a change, the lexical index is saved to the settings table this many ms later (debounced); null: only
   * when `persistLexicalIndex()` is called. Default 2000.
   */
  lexicalPersistDelayMs?: number | null;
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
  /** The lexical index lives here, next to the page's bank (MiniSearch is plain TS; search is ~1 ms on 1k memories). */
  private lexicalIndex: LexicalIndex = LexicalIndex.create();
  private lexicalLoaded = false;
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /**
   * Counts changes to the bank seen by this page (applied here, or announced by another tab). A rebuild that saw
   * the count move while it read the bank runs again: it may have read rows from before a change whose patch it
   * then overwrote (a stale bulk load, a reconcile that removed a memory added meanwhile).
   */
  private changeVersion = 0;
  /** How the lexical index was brought up to date at the last rebuild (tests and diagnostics). */
  lastLexicalLoad: LexicalLoadStats | null = null;

  private constructor(options: MemoryBankOptions) {
    this.db = options.db;
    this.index = options.index;
    this.options = options;
    const name = options.channelName === undefined ? `${options.db.name}:changes` : options.channelName;
    this.channel = name && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<BankMessage>) => {
      if (this.closed) return;
      const data = event.data;
      this.changeVersion += 1;
      if (data.type === 'patched') {
        // An index that cannot take the patch (its worker gone) is rebuilt; one that cannot be rebuilt either
        // belongs to a bank being closed, and the next open builds its own.
        Promise.resolve(this.index.patch(data.changes)).catch(() => this.rebuildInBackground());
        if (data.lexical) this.applyLexical(data.lexical);
        else this.rebuildInBackground();
      } else this.rebuildInBackground();
    });
  }

  /**
   * Opens the bank and builds its indexes. If that fails, the bank is closed again: a half-open bank would keep
   * listening to the other tabs and patch an index nobody holds (React's StrictMode mounts, disposes and mounts
   * again, which left one such bank patching a disposed retrieval client).
   */
  static async open(options: MemoryBankOptions): Promise<MemoryBank> {
    const bank = new MemoryBank(options);
    try {
      await bank.rebuildIndex();
    } catch (error) {
      bank.close();
      throw error;
    }
    return bank;
  }

  private rebuildInBackground(): void {
    if (!this.closed) void this.rebuildIndex().catch(() => undefined);
  }

  /**
   * Reads every memory's embedding into the index (on open, after an import), and brings the lexical index in
   * line: on open from its persisted copy when there is one (only memories whose text changed since are
   * re-indexed), otherwise by reconciling the one in memory.
   */
  async rebuildIndex(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const version = this.changeVersion;
      const size = await this.rebuildOnce();
      // Changes keep coming (a busy other tab): after a few rounds the patches themselves keep the index current.
      if (version === this.changeVersion || attempt >= 5 || this.closed) return size;
    }
  }

  private async rebuildOnce(): Promise<number> {
    const entries: IndexEntry[] = [];
    const docs: LexicalDoc[] = [];
    await this.db.memories.each((m) => {
      entries.push({ id: m.id, namespace: m.namespace, vector: m.embedding });
      docs.push(lexicalDoc(m));
    });
    await this.index.bulkLoad(entries);
    let from: LexicalLoadStats['from'] = 'memory';
    let fresh = false;
    if (!this.lexicalLoaded) {
      this.lexicalLoaded = true;
      const persisted = await this.readPersistedLexical();
      if (persisted) {
        from = 'persisted';
        this.lexicalIndex = persisted.index;
        fresh = persisted.memoryCount === docs.length && persisted.lastHistoryId === (await this.lastHistoryId());
      } else from = 'scratch';
    }
    const stats = this.lexical.reconcile(docs);
    this.lastLexicalLoad = { from, fresh, ...stats };
    if (from !== 'persisted' || stats.upserted + stats.removed > 0) this.schedulePersist();
    return entries.length;
  }

  /** The lexical index (replaced wholesale when a persisted copy is loaded: read it through this getter). */
  get lexical(): LexicalIndex {
    return this.lexicalIndex;
  }

  private async readPersistedLexical(): Promise<{ index: LexicalIndex; memoryCount: number; lastHistoryId: string | null } | null> {
    try {
      const row = await this.db.settings.get(LEXICAL_INDEX_SETTING_KEY);
      const value = row?.value as PersistedLexicalIndex | undefined;
      if (!value?.index) return null;
      return { index: LexicalIndex.loadJSON(value.index), memoryCount: value.memoryCount, lastHistoryId: value.lastHistoryId };
    } catch {
      // Another version's index, or a damaged row: index from scratch.
      return null;
    }
  }

  private async lastHistoryId(): Promise<string | null> {
    return (await this.db.memoryHistory.orderBy('at').last())?.id ?? null;
  }

  /** Saves the lexical index to the settings table now (also done, debounced, after every change). */
  async persistLexicalIndex(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    const value: PersistedLexicalIndex = {
      memoryCount: this.lexical.size,
      lastHistoryId: await this.lastHistoryId(),
      savedAt: Date.now(),
      index: this.lexical.toJSON(),
    };
    await this.db.settings.put({ key: LEXICAL_INDEX_SETTING_KEY, value });
  }

  private schedulePersist(): void {
    const delay = this.options.lexicalPersistDelayMs === undefined ? 2000 : this.options.lexicalPersistDelayMs;
    if (delay === null || this.closed) return;
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      // Best effort: a failed save only means the next open re-indexes more.
      if (!this.closed) void this.persistLexicalIndex().catch(() => undefined);
    }, delay);
  }

  private applyLexical(changes: LexicalChanges): void {
    this.lexical.apply(changes);
    this.schedulePersist();
  }

  /** The lexical index's changes for an applied batch, from its history rows (one per op, in op order). */
  private lexicalChanges(
    batch: MemoryOpBatch,
    history: readonly { seq: number; op: string; memoryId: string | null; namespace: string; after: string | null }[],
  ): LexicalChanges {
    const changes: LexicalChanges = { upserts: [], removes: [] };
    for (const h of history) {
      if (!h.memoryId) continue;
      if (h.op === 'DELETE') changes.removes.push(h.memoryId);
      else if ((h.op === 'ADD' || h.op === 'UPDATE') && h.after !== null) {
        // The batch was validated before it was applied, so op `seq` is a well-formed ADD/UPDATE.
        const op = batch.ops[h.seq] as { eventTime?: string | null } | undefined;
        const eventTime = op?.eventTime !== undefined ? op.eventTime : h.op === 'UPDATE' ? (this.lexical.stored(h.memoryId)?.eventTime ?? null) : null;
        changes.upserts.push({ id: h.memoryId, namespace: h.namespace, text: h.after, eventTime });
      }
    }
    return changes;
  }

  async apply(batch: MemoryOpBatch): Promise<ApplyResult> {
    const result = await applyMemoryOps(this.db, batch, this.options.applyOptions);
    if (!result.ok) return result;
    this.changeVersion += 1;
    await this.index.patch(result.changes);
    const lexical = this.lexicalChanges(batch, result.history);
    this.applyLexical(lexical);
    this.channel?.postMessage({ type: 'patched', changes: result.changes, lexical } satisfies BankMessage);
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

  /**
   * The bank's one search: lexical + dense fused by reciprocal rank fusion; each hit keeps its rank in each
   * retriever and its dense similarity. With no query vector (embedding model not loaded) it runs lexical-only and
   * says why in `denseOff`; `retrievers: ['dense']` is nearest-neighbour search alone (the mem0 baseline, ablations).
   */
  async hybridSearch(queryText: string, queryVector: Float32Array | null, options: HybridSearchOptions): Promise<BankHybridSearchResult> {
    const { results, ...rest } = await hybridSearch({ lexical: this.lexical, dense: this.index }, { text: queryText, vector: queryVector }, options);
    const records = await this.db.memories.bulkGet(results.map((r) => r.id));
    // A memory deleted in another tab between the search and the read is simply left out.
    const hits = results.flatMap((r, i) => {
      const memory = records[i];
      return memory
        ? [
            {
              memory,
              score: r.score,
              ranks: r.ranks,
              ...(r.timeMatch ? { timeMatch: true } : {}),
              ...(r.denseScore !== undefined ? { denseScore: r.denseScore } : {}),
            },
          ]
        : [];
    });
    return { ...rest, hits };
  }

  close(): void {
    this.closed = true;
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    this.channel?.close();
  }
}
