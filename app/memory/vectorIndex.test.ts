/**
 * VectorIndex against a naive baseline (float64 cosine of every entry, full sort) on seeded random data, for each
 * kernel: the SIMD path with its int8 prefilter forced on small data, the SIMD path as configured by default, and
 * the JS fallback.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../lib/seededRandom';
import { createVectorIndex, RETRIEVAL_MAX_K, type VectorHit, type VectorIndexOptions } from './vectorIndex';

const DIMS = 384;

/** Gaussian components (Box–Muller): a uniformly random direction, deliberately not unit length. */
function randomVectors(seed: number, dims = DIMS) {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return {
    random,
    vector(scale = 3): Float32Array {
      return Float32Array.from({ length: dims }, () => gaussian() * scale);
    },
  };
}

interface Entry {
  id: string;
  namespace: string;
  vector: Float32Array;
}

/** The baseline: every cosine in float64, one full sort (score desc, then id), a slice. */
function naiveSearch(entries: Iterable<Entry>, query: Float32Array, k: number, namespaces?: string[]): VectorHit[] {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  const scored: VectorHit[] = [];
  for (const e of entries) {
    if (namespaces && !namespaces.includes(e.namespace)) continue;
    let dot = 0;
    for (let i = 0; i < query.length; i++) dot += e.vector[i]! * query[i]!;
    scored.push({ id: e.id, namespace: e.namespace, score: dot / (norm(e.vector) * qn) });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, k);
}

function expectSameHits(actual: VectorHit[], expected: VectorHit[]): void {
  expect(actual.map((h) => [h.id, h.namespace])).toEqual(expected.map((h) => [h.id, h.namespace]));
  actual.forEach((h, i) => expect(Math.abs(h.score - expected[i]!.score)).toBeLessThan(1e-5));
}

function randomEntries(seed: number, count: number, namespaces = 4): Entry[] {
  const r = randomVectors(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `m${String(i).padStart(5, '0')}`,
    namespace: `ns${i % namespaces}`,
    vector: r.vector(),
  }));
}

const CONFIGS: [string, Omit<VectorIndexOptions, 'dims'>][] = [
  ['wasm-simd, int8 prefilter forced', { kernel: 'wasm-simd', prefilterMinRows: 0 }],
  ['wasm-simd, default', { kernel: 'wasm-simd' }],
  ['js fallback', { kernel: 'js' }],
];

describe.each(CONFIGS)('VectorIndex (%s)', (_name, config) => {
  const make = (dims = DIMS) => createVectorIndex({ dims, ...config });

  it('returns the exact top-k of random data, with and without namespace filters', async () => {
    const entries = randomEntries(1, 3000);
    const index = await make();
    expect(index.bulkLoad(entries)).toBe(3000);
    const queries = randomVectors(2);
    for (let q = 0; q < 30; q++) {
      const query = queries.vector();
      const k = [1, 7, RETRIEVAL_MAX_K][q % 3]!;
      expectSameHits(index.search(query, { k }), naiveSearch(entries, query, k));
      const namespaces = q % 2 === 0 ? ['ns0'] : ['ns1', 'ns3'];
      expectSameHits(index.search(query, { k, namespaces }), naiveSearch(entries, query, k, namespaces));
    }
  });

  it('filtering by namespace ranks a namespace exactly as an index holding only it would', async () => {
    const entries = randomEntries(3, 2500, 3);
    const all = await make();
    all.bulkLoad(entries);
    const alone = await make();
    alone.bulkLoad(entries.filter((e) => e.namespace === 'ns2'));
    const queries = randomVectors(4);
    for (let q = 0; q < 10; q++) {
      const query = queries.vector();
      expect(all.search(query, { k: 60, namespaces: ['ns2'] })).toEqual(alone.search(query, { k: 60 }));
    }
  });

  it('stays exact through upserts, updates, namespace moves and removes', async () => {
    const model = new Map(randomEntries(5, 1500).map((e) => [e.id, e]));
    const index = await make();
    index.bulkLoad([...model.values()]);
    const r = randomVectors(6);
    const ids = [...model.keys()];
    for (let round = 0; round < 4; round++) {
      const removes = ids.filter((id, i) => model.has(id) && (i + round) % 7 === 0).slice(0, 100);
      const upserts: Entry[] = [];
      for (let i = 0; i < 120; i++) {
        // Some updates of live ids (half of them to another namespace), some brand new ids, some re-adds.
        const id = i % 3 === 0 ? `new-${round}-${i}` : ids[Math.floor(r.random() * ids.length)]!;
        upserts.push({ id, namespace: `ns${Math.floor(r.random() * 5)}`, vector: r.vector() });
      }
      for (const id of removes) model.delete(id);
      for (const u of upserts) model.set(u.id, u);
      expect(index.patch({ upserts, removes })).toBe(model.size);
      for (let q = 0; q < 8; q++) {
        const query = r.vector();
        expectSameHits(index.search(query, { k: 60 }), naiveSearch(model.values(), query, 60));
        expectSameHits(index.search(query, { k: 25, namespaces: ['ns4', 'ns0'] }), naiveSearch(model.values(), query, 25, ['ns4', 'ns0']));
      }
    }
    expect(index.size).toBe(model.size);
    for (const id of ids) expect(index.has(id)).toBe(model.has(id));
  });

  it('grows by doubling one upsert at a time and stays exact with dims that need padding', async () => {
    const dims = 50;
    const r = randomVectors(7, dims);
    const index = await make(dims);
    const entries: Entry[] = [];
    for (let i = 0; i < 1100; i++) {
      const e = { id: `g${i}`, namespace: `ns${i % 2}`, vector: r.vector() };
      entries.push(e);
      index.upsert(e.id, e.namespace, e.vector);
      if (i % 97 === 0 && i > 0) {
        // Remove the oldest entry now and then: swap-remove moves the last row into its slot.
        const gone = entries.shift()!;
        expect(index.remove(gone.id)).toBe(true);
      }
    }
    expect(index.size).toBe(entries.length);
    for (let q = 0; q < 10; q++) {
      const query = r.vector();
      expectSameHits(index.search(query, { k: 60 }), naiveSearch(entries, query, 60));
    }
  });

  it('returns everything, ranked, when k exceeds the rows; nothing for k = 0, an empty index or no namespace', async () => {
    const entries = randomEntries(8, 40);
    const index = await make();
    const query = randomVectors(9).vector();
    expect(index.search(query, { k: 60 })).toEqual([]);
    index.bulkLoad(entries);
    expectSameHits(index.search(query, { k: 500 }), naiveSearch(entries, query, 500));
    expect(index.search(query, { k: 500 })).toHaveLength(40);
    expect(index.search(query, { k: 0 })).toEqual([]);
    expect(index.search(query, { k: 5, namespaces: [] })).toEqual([]);
    expect(index.search(query, { k: 5, namespaces: ['nobody'] })).toEqual([]);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.has(entries[0]!.id)).toBe(false);
    expect(index.search(query, { k: 5 })).toEqual([]);
  });

  it('treats a repeated upsert as an update, in place', async () => {
    const r = randomVectors(10);
    const index = await make();
    const target = r.vector();
    index.upsert('a', 'ns0', r.vector());
    index.upsert('b', 'ns0', r.vector());
    index.upsert('a', 'ns1', target);
    expect(index.size).toBe(2);
    const [best] = index.search(target, { k: 1 });
    expect(best).toMatchObject({ id: 'a', namespace: 'ns1' });
    expect(best!.score).toBeCloseTo(1, 5);
    expect(index.search(target, { k: 5, namespaces: ['ns0'] }).map((h) => h.id)).toEqual(['b']);
  });

  it('normalizes vectors itself: scale does not change a score', async () => {
    const r = randomVectors(11);
    const v = r.vector();
    const index = await make();
    index.upsert(
      'x',
      'ns',
      v.map((x) => x * 1000),
    );
    const [hit] = index.search(
      v.map((x) => x / 7),
      { k: 1 },
    );
    expect(hit!.score).toBeCloseTo(1, 5);
  });

  it('breaks equal scores by id, so results are deterministic', async () => {
    const r = randomVectors(12);
    const same = r.vector();
    const index = await make();
    for (const id of ['d', 'b', 'e', 'a', 'c']) index.upsert(id, 'ns', same);
    for (let i = 0; i < 50; i++) index.upsert(`other${i}`, 'ns', r.vector());
    expect(index.search(same, { k: 3 }).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(index.search(same, { k: 5 }).map((h) => h.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('rejects wrong dims, non-finite values, zero vectors and bad k with clear errors, changing nothing', async () => {
    const r = randomVectors(13);
    const index = await make();
    index.bulkLoad(randomEntries(14, 10));
    const nan = r.vector();
    nan[7] = Number.NaN;
    const inf = r.vector();
    inf[3] = Number.POSITIVE_INFINITY;
    expect(() => index.upsert('x', 'ns', new Float32Array(3))).toThrow('vector of "x" has 3 dims, expected 384');
    expect(() => index.upsert('x', 'ns', nan)).toThrow('vector of "x" has a non-finite value (NaN) at 7');
    expect(() => index.upsert('x', 'ns', inf)).toThrow('non-finite value (Infinity) at 3');
    expect(() => index.upsert('x', 'ns', new Float32Array(DIMS))).toThrow('is all zeros');
    expect(() => index.search(new Float32Array(10), { k: 5 })).toThrow('query has 10 dims, expected 384');
    expect(() => index.search(nan, { k: 5 })).toThrow('query has a non-finite value (NaN) at 7');
    expect(() => index.search(r.vector(), { k: -1 })).toThrow('k must be a non-negative integer, got -1');
    expect(() => index.search(r.vector(), { k: 2.5 })).toThrow('k must be a non-negative integer');
    // All or nothing: a bad entry anywhere leaves the index as it was.
    const good = { id: 'fine', namespace: 'ns', vector: r.vector() };
    expect(() => index.bulkLoad([good, { id: 'bad', namespace: 'ns', vector: new Float32Array(5) }])).toThrow('entry 1 ("bad") has 5 dims, expected 384');
    expect(() => index.patch({ upserts: [good, { id: 'bad', namespace: 'ns', vector: nan }], removes: ['m00000'] })).toThrow(
      'upsert 1 ("bad") has a non-finite value',
    );
    expect(() => index.bulkLoad({ ids: ['a', 'b'], namespaces: ['ns', 'ns'], vectors: new Float32Array(DIMS) })).toThrow(
      '2 ids of 384 dims need 768 floats, got 384',
    );
    expect(index.size).toBe(10);
    expect(index.has('fine')).toBe(false);
    expect(index.has('m00000')).toBe(true);
    expect(index.remove('not-there')).toBe(false);
  });

  it('loads a packed buffer like the same entries one by one', async () => {
    const entries = randomEntries(15, 300);
    const vectors = new Float32Array(entries.length * DIMS);
    entries.forEach((e, i) => vectors.set(e.vector, i * DIMS));
    const packed = await make();
    packed.bulkLoad({ ids: entries.map((e) => e.id), namespaces: entries.map((e) => e.namespace), vectors });
    const listed = await make();
    listed.bulkLoad(entries);
    const query = randomVectors(16).vector();
    expect(packed.search(query, { k: 60 })).toEqual(listed.search(query, { k: 60 }));
  });
});

describe('the int8 prefilter', () => {
  /**
   * Clustered data is the hard case for a prefilter: near-duplicate memories with scores packed closely around
   * the k-th. Its answer must be bit-identical to the full float scan's, ties (exact duplicates) included.
   */
  it('returns exactly what the full float scan returns, on clustered data with duplicates', async () => {
    const r = randomVectors(17);
    const centers = Array.from({ length: 40 }, () => r.vector());
    const entries: Entry[] = [];
    for (let i = 0; i < 6000; i++) {
      const center = centers[i % centers.length]!;
      const noise = r.vector(0.15);
      const vector = i % 10 === 0 ? (entries[i - 10]?.vector ?? center) : center.map((x, j) => x + noise[j]!);
      entries.push({ id: `c${i}`, namespace: `ns${i % 3}`, vector });
    }
    const prefiltered = await createVectorIndex({ dims: DIMS, kernel: 'wasm-simd', prefilterMinRows: 0 });
    const fullScan = await createVectorIndex({ dims: DIMS, kernel: 'wasm-simd', prefilterMinRows: Infinity });
    prefiltered.bulkLoad(entries);
    fullScan.bulkLoad(entries);
    for (let q = 0; q < 40; q++) {
      const center = centers[q % centers.length]!;
      const noise = r.vector(0.1);
      const query = q % 4 === 0 ? center : center.map((x, j) => x + noise[j]!);
      for (const options of [{ k: 60 }, { k: 10, namespaces: ['ns1'] }, { k: 200 }]) {
        expect(prefiltered.search(query, options)).toEqual(fullScan.search(query, options));
      }
    }
  });
});
