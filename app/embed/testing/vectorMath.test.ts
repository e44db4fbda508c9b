import { describe, expect, it } from 'vitest';
import { cosineSimilarity, dot, norm, vectorAt } from './vectorMath';

describe('vector helpers', () => {
  it('computes dot, norm and cosine', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(norm([3, 4])).toBe(5);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([2, 0], [5, 0])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
  });

  it('reads rows of a packed matrix without copying', () => {
    const packed = new Float32Array([1, 0, 0, 1, 0.6, 0.8]);
    const row = vectorAt(packed, 2, 2);
    expect(Array.from(row)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(row.buffer).toBe(packed.buffer);
    expect(() => vectorAt(packed, 3, 2)).toThrow(RangeError);
  });
});
