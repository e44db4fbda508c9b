// Shared by the memory bank's tests: a fresh fake-indexeddb bank per test and deterministic vectors (the dump that
// makes "the bank is byte-identical" a plain equality is `dumpBank` in ../faults/bankSnapshot).
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
