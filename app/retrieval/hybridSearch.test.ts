import { describe, expect, it } from 'vitest';
import { DENSE_OFF_NO_MODEL, type DenseSearcher, hybridSearch } from './hybridSearch';
import { LexicalIndex } from './lexicalIndex';

const lexical = LexicalIndex.create([
  { id: 'a', namespace: 'n', text: 'went camping at the lake', eventTime: '2023-05-20' },
  { id: 'b', namespace: 'n', text: 'went camping in the mountains', eventTime: '2023-07-02' },
  { id: 'c', namespace: 'n', text: 'painted a sunrise', eventTime: '2023-07-03' },
]);

describe('hybridSearch', () => {
  it('runs lexical-only without a query vector and says so, instead of failing', async () => {
    const dense: DenseSearcher = {
      search: () => {
        throw new Error('must not be called');
      },
    };
    const out = await hybridSearch({ lexical, dense }, { text: 'camping', vector: null }, { k: 5 });
    expect(out.mode).toBe('lexical');
    expect(out.denseOff).toBe(DENSE_OFF_NO_MODEL);
    expect(out.results.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(out.results.every((r) => r.ranks.dense === undefined && r.ranks.lexical !== undefined)).toBe(true);
  });

  it('fuses both retrievers, keeping each rank', async () => {
    const dense: DenseSearcher = {
      search: async () => [
        { id: 'c', score: 0.9 },
        { id: 'b', score: 0.8 },
      ],
    };
    const out = await hybridSearch({ lexical, dense }, { text: 'mountains', vector: new Float32Array(3) }, { k: 5 });
    expect(out.mode).toBe('hybrid');
    expect(out.results[0]).toMatchObject({ id: 'b', ranks: { lexical: 1, dense: 2 } });
    expect(out.results.find((r) => r.id === 'c')?.ranks).toEqual({ dense: 1 });
    // Each hit the dense retriever returned keeps its similarity (a threshold reads it, not the fused score).
    expect(Object.fromEntries(out.results.map((r) => [r.id, r.denseScore]))).toEqual({ b: 0.8, c: 0.9 });
    const denseOnly = await hybridSearch({ lexical, dense }, { text: 'mountains', vector: new Float32Array(3) }, { k: 1, retrievers: ['dense'] });
    expect(denseOnly).toMatchObject({ mode: 'dense', results: [{ id: 'c', ranks: { dense: 1 }, denseScore: 0.9 }] });
  });

  it('with time-aware retrieval on, favours memories from the period the question names', async () => {
    const off = await hybridSearch({ lexical }, { text: 'Where did they go camping in July 2023?', vector: null }, { k: 5 });
    const on = await hybridSearch(
      { lexical },
      { text: 'Where did they go camping in July 2023?', vector: null },
      { k: 5, timeAware: { referenceDate: '2023-08-01' } },
    );
    expect(on.timeRange).toMatchObject({ start: '2023-07-01', end: '2023-07-31' });
    expect(on.results[0]).toMatchObject({ id: 'b', timeMatch: true });
    expect(off.results.map((r) => r.id)).toContain('a');
    const lastMay = await hybridSearch({ lexical }, { text: 'camping last May', vector: null }, { k: 5, timeAware: { referenceDate: '2023-08-01' } });
    expect(lastMay.results[0]?.id).toBe('a');
  });
});
