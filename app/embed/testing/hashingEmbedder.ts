/**
 * A deterministic bag-of-words embedder for unit tests and the fault harness (the real bge model is in the integration
 * tests): each lower-cased word is hashed to one of `dims` slots with a ±1 sign, and the vector is normalized.
 * Texts sharing words get a positive cosine, so retrieval in unit tests behaves like retrieval, in microseconds.
 */

import { DEFAULT_EMBEDDING_DIMS } from '../../memory/memoryOps';
import type { Embedder } from '../embedder';

function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashingEmbedding(text: string, dims = DEFAULT_EMBEDDING_DIMS): Float32Array {
  const v = new Float32Array(dims);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    const h = fnv1a(w);
    v[h % dims]! += h & 0x80000000 ? -1 : 1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0)
    v[0] = 1; // no words: a fixed unit vector, never all zeros
  else for (let i = 0; i < dims; i++) v[i]! /= Math.sqrt(norm);
  return v;
}

export function createHashingEmbedder(dims = DEFAULT_EMBEDDING_DIMS): Pick<Embedder, 'embed' | 'dims'> & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    dims,
    calls,
    async embed(texts) {
      calls.push([...texts]);
      const out = new Float32Array(texts.length * dims);
      texts.forEach((t, i) => out.set(hashingEmbedding(t, dims), i * dims));
      return out;
    },
  };
}
