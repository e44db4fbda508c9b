// Shared by the memory bank's tests: a fresh fake-indexeddb bank per test, deterministic vectors, and a dump
// that makes "the bank is byte-identical" a plain equality.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { mulberry32 } from '../../lib/seededRandom';
import { MemoryDB } from '../db';

let counter = 0;

export function openTestBank(): MemoryDB {
  counter += 1;
  return new MemoryDB(`test-bank-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}`, { indexedDB, IDBKeyRange });
}

export function randomVector(seed: number, dims = 384): Float32Array {
  const rand = mulberry32(seed);
  const v = Float32Array.from({ length: dims }, () => rand() - 0.5);
  let norm = 0;
  for (const x of v) norm += x * x;
  return v.map((x) => x / Math.sqrt(norm));
}

/** Every row of every table, embeddings as bytes, sorted by key: equal dumps mean an identical bank. */
export async function dumpBank(db: MemoryDB): Promise<string> {
  const tables = await Promise.all(
    [db.memories, db.memoryHistory, db.turns, db.settings].map(async (table) => {
      const rows = await table.toArray();
      return rows
        .map((row) =>
          JSON.stringify(row, (_k, v: unknown) => (v instanceof Float32Array ? { f32: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) } : v)),
        )
        .sort();
    }),
  );
  return JSON.stringify(tables);
}
