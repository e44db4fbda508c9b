/** Vector helpers for tests of the embedder's packed unit vectors (the app scores vectors in app/memory/simd). */

export type Vector = ArrayLike<number>;

function assertSameLength(a: Vector, b: Vector): void {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
}

/** Dot product; equals the cosine similarity when both vectors are unit length (as the embedder's are). */
export function dot(a: Vector, b: Vector): number {
  assertSameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Euclidean (L2) norm. */
export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity of any two vectors; 0 when either is all zeros. */
export function cosineSimilarity(a: Vector, b: Vector): number {
  assertSameLength(a, b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Row `index` of a packed `count * dims` matrix, as a view (no copy). */
export function vectorAt(packed: Float32Array, index: number, dims: number): Float32Array {
  const count = dims > 0 ? packed.length / dims : 0;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`vector index ${index} out of range 0..${count - 1}`);
  }
  return packed.subarray(index * dims, (index + 1) * dims);
}
