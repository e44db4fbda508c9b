/**
 * The evaluation's own memory bank: a database apart from the user's (the CLI: fake-indexeddb in memory; the
 * app: an IndexedDB database of its own), the exact vector index on this thread, and deterministic ids and clock.
 * Deterministic, because retrieval breaks score ties by memory id: with random ids two runs of the same
 * questions could show the model memories in a different order, and a resumed run would not equal an
 * uninterrupted one. The id counter and the clock are part of every checkpoint.
 */
import { MemoryDB } from '../memory/db';
import { MemoryBank, type RetrievalIndex } from '../memory/memoryBank';
import type { MemoryRecord } from '../memory/types';
import { createVectorIndex } from '../memory/vectorIndex';

/** A memory as a checkpoint stores it: the embedding as base64 of its float32 bytes. */
export interface SerializedMemory extends Omit<MemoryRecord, 'embedding'> {
  embedding: string;
}

export interface EvalBankState {
  /** The next id number. */
  nextId: number;
  /** The epoch ms every write is stamped with (the run's start). */
  clock: number;
}

export interface EvalBank {
  readonly bank: MemoryBank;
  readonly state: EvalBankState;
  /** The memories of namespace `prefix` and those under it (`prefix/…`), id order. */
  snapshot(prefix: string): Promise<SerializedMemory[]>;
  /** Removes what `prefix`'s namespaces hold and puts `memories` there instead. */
  restore(prefix: string, memories: readonly SerializedMemory[]): Promise<void>;
  close(): void;
  /** Closes and deletes the database (rollouts' bank copies). */
  destroy(): Promise<void>;
}

function toBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Float32Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function serializeMemory(m: MemoryRecord): SerializedMemory {
  return { ...m, embedding: toBase64(m.embedding) };
}

export function deserializeMemory(m: SerializedMemory): MemoryRecord {
  return { ...m, embedding: fromBase64(m.embedding) };
}

/** `prefix` itself and the namespaces under it (`prefix/…`), not `prefix2`. */
function inGroup(prefix: string): (row: { namespace: string }) => boolean {
  return (row) => row.namespace === prefix || row.namespace.startsWith(`${prefix}/`);
}

export interface OpenEvalBankOptions {
  /** Node: `{ indexedDB, IDBKeyRange }` from fake-indexeddb; the browser: omitted (the real IndexedDB). */
  indexedDB?: ConstructorParameters<typeof MemoryDB>[1];
  /** The database's name; cleared on open. */
  name: string;
  dims: number;
  state?: EvalBankState;
}

export async function openEvalBank(options: OpenEvalBankOptions): Promise<EvalBank> {
  const db = new MemoryDB(options.name, options.indexedDB);
  await db.open();
  await Promise.all([db.memories.clear(), db.memoryHistory.clear(), db.turns.clear(), db.settings.clear()]);
  const vectors = await createVectorIndex({ dims: options.dims });
  const index: RetrievalIndex = {
    bulkLoad: async (entries) => vectors.bulkLoad(entries),
    patch: async (changes) => vectors.patch(changes),
    search: async (query, opts) => vectors.search(query, opts),
  };
  const state: EvalBankState = { ...(options.state ?? { nextId: 1, clock: Date.now() }) };
  const bank = await MemoryBank.open({
    db,
    index,
    channelName: null,
    lexicalPersistDelayMs: null,
    applyOptions: {
      dims: options.dims,
      now: () => state.clock,
      // Zero-padded: ids sort in creation order.
      newId: () => `e${String(state.nextId++).padStart(9, '0')}`,
    },
  });

  return {
    bank,
    state,
    async snapshot(prefix) {
      const rows = await db.memories.where('namespace').startsWith(prefix).filter(inGroup(prefix)).toArray();
      return rows.sort((a, b) => (a.id < b.id ? -1 : 1)).map(serializeMemory);
    },
    async restore(prefix, memories) {
      await db.transaction('rw', db.memories, db.memoryHistory, async () => {
        await db.memories.where('namespace').startsWith(prefix).filter(inGroup(prefix)).delete();
        await db.memoryHistory.where('namespace').startsWith(prefix).filter(inGroup(prefix)).delete();
        await db.memories.bulkPut(memories.map(deserializeMemory));
      });
      await bank.changedWholesale();
    },
    close() {
      bank.close();
      db.close();
    },
    async destroy() {
      bank.close();
      await db.delete();
    },
  };
}
