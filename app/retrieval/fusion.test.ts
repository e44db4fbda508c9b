import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './fusion';

describe('reciprocalRankFusion', () => {
  it('sums w / (k + rank) over the retrievers that returned an id, and keeps each rank', () => {
    const fused = reciprocalRankFusion({ lexical: ['a', 'b', 'c'], dense: ['c', 'a', 'd'] }, { k: 60 });
    const byId = Object.fromEntries(fused.map((r) => [r.id, r]));
    expect(byId.a!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(byId.b!.score).toBeCloseTo(1 / 62, 12);
    expect(byId.c!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(byId.d!.score).toBeCloseTo(1 / 63, 12);
    expect(byId.a!.ranks).toEqual({ lexical: 1, dense: 2 });
    expect(byId.b!.ranks).toEqual({ lexical: 2 });
    expect(byId.d!.ranks).toEqual({ dense: 3 });
    expect(fused.map((r) => r.id)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('applies weights and k', () => {
    const fused = reciprocalRankFusion({ lexical: ['a'], dense: ['b'] }, { k: 0, weights: { lexical: 1, dense: 3 } });
    expect(fused).toEqual([
      { id: 'b', score: 3, ranks: { dense: 1 } },
      { id: 'a', score: 1, ranks: { lexical: 1 } },
    ]);
  });

  it('breaks score ties by best rank, then id; counts a duplicate once, at its first rank', () => {
    const fused = reciprocalRankFusion({ lexical: ['x', 'x', 'y'], dense: ['y', 'z'] });
    expect(fused.find((r) => r.id === 'y')!.ranks).toEqual({ lexical: 2, dense: 1 });
    const tie = reciprocalRankFusion({ lexical: ['b'], dense: ['a'] });
    expect(tie.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('fuses nothing into nothing and rejects a bad k', () => {
    expect(reciprocalRankFusion({})).toEqual([]);
    expect(() => reciprocalRankFusion({ lexical: ['a'] }, { k: -1 })).toThrow(RangeError);
  });
});
