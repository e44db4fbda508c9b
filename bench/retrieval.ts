/**
 * npm run bench:retrieval [-- --queries N --sizes 1000,10000,100000]
 *
 * Top-60 cosine retrieval over seeded random 384-d unit vectors in 4 namespaces, at 1k, 10k and 100k memories:
 * p50 / p95 of VectorIndex.search as the app configures it (`auto`), of its variants (float-only SIMD scan, the
 * JS fallback, a one-namespace filter), and of a naive baseline (array of `{ id, namespace, vector: number[] }`,
 * every cosine, Array.prototype.sort, slice), all measured in this one run. Each variant gets a warm-up, then its
 * queries back to back. The naive baseline's answers double as a check: every variant must return its ids.
 *
 * The last line is the summary: `retrieval top-60 @10k p95_ms=<x> @100k p95_ms=<y> speedup_vs_naive=<z>`, with
 * x, y the app's configuration and z = naive p50 / app p50 at 100k.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { mulberry32 } from '../app/lib/seededRandom';
import { createVectorIndex, RETRIEVAL_MAX_K, type VectorHit, type VectorIndex } from '../app/memory/vectorIndex';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '200' },
    sizes: { type: 'string', default: '1000,10000,100000' },
  },
});
const QUERIES = Math.max(20, Number(values.queries));
const SIZES = values.sizes.split(',').map(Number);
const DIMS = 384;
const K = RETRIEVAL_MAX_K;
const NAMESPACES = ['user:alice', 'user:bob', 'agent:assistant', 'session:s1'];
const WARMUP = 20;
/** The naive baseline takes ~0.1 s a query at 100k: fewer queries there keep the run short (p95 of 50 still holds). */
const naiveQueriesFor = (size: number) => (size >= 100_000 ? Math.min(QUERIES, 50) : QUERIES);

// A full collection before each variant, so no variant pays for the garbage of the one before (the naive
// baseline makes 100k objects a query).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** `count` unit vectors, uniformly random in direction (Box–Muller Gaussians, normalized), packed. */
function randomUnitVectors(seed: number, count: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(count * DIMS);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let i = 0; i < DIMS; i++) {
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      out[r * DIMS + i] = g;
      sum += g * g;
    }
    const inverse = 1 / Math.sqrt(sum);
    for (let i = 0; i < DIMS; i++) out[r * DIMS + i]! *= inverse;
  }
  return out;
}

interface NaiveMemory {
  id: string;
  namespace: string;
  vector: number[];
}

/** What a first implementation would write: cosine of every memory, one full sort, a slice. */
function naiveSearch(bank: NaiveMemory[], query: number[], k: number): { id: string; score: number }[] {
  const scored = bank.map((m) => {
    let dot = 0;
    let mm = 0;
    let qq = 0;
    for (let i = 0; i < query.length; i++) {
      dot += m.vector[i]! * query[i]!;
      mm += m.vector[i]! * m.vector[i]!;
      qq += query[i]! * query[i]!;
    }
    return { id: m.id, score: dot / Math.sqrt(mm * qq) };
  });
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

interface Timing {
  p50: number;
  p95: number;
  queries: number;
}

function time(queries: number, run: (q: number) => void): Timing {
  collectGarbage();
  for (let q = 0; q < Math.min(WARMUP, queries); q++) run(q);
  const ms: number[] = [];
  for (let q = 0; q < queries; q++) {
    const start = performance.now();
    run(q);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), queries };
}

interface Row extends Timing {
  size: number;
  variant: string;
  speedup: number;
}

const rows: Row[] = [];
const summary = new Map<number, { app: Timing; naive: Timing }>();
let mismatches = 0;
let checked = 0;

console.log(
  `bench:retrieval: VectorIndex (app/memory/vectorIndex.ts) in Node ${process.version}, the same core and wasm ` +
    `kernels the retrieval worker runs in the browser; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
);
console.log(`top-${K}, ${DIMS}-d random unit vectors, ${NAMESPACES.length} namespaces, ${QUERIES} queries per variant`);

for (const size of SIZES) {
  const vectors = randomUnitVectors(size, size);
  const ids = Array.from({ length: size }, (_, i) => `mem-${i}`);
  const namespaces = ids.map((_, i) => NAMESPACES[i % NAMESPACES.length]!);
  const queries = randomUnitVectors(1_000_000 + size, QUERIES);
  const query = (q: number) => queries.subarray(q * DIMS, (q + 1) * DIMS);

  const variants: [string, VectorIndex][] = [];
  const app = await createVectorIndex({ dims: DIMS });
  const loadStart = performance.now();
  app.bulkLoad({ ids, namespaces, vectors });
  const loadMs = performance.now() - loadStart;
  variants.push([`app (${app.kernel}, auto)`, app]);
  const floatOnly = await createVectorIndex({ dims: DIMS, kernel: 'wasm-simd', prefilterMinRows: Infinity });
  floatOnly.bulkLoad({ ids, namespaces, vectors });
  variants.push(['wasm-simd float scan only', floatOnly]);
  const prefiltered = await createVectorIndex({ dims: DIMS, kernel: 'wasm-simd', prefilterMinRows: 0 });
  prefiltered.bulkLoad({ ids, namespaces, vectors });
  variants.push(['wasm-simd int8 prefilter always', prefiltered]);
  const js = await createVectorIndex({ dims: DIMS, kernel: 'js' });
  js.bulkLoad({ ids, namespaces, vectors });
  variants.push(['js fallback', js]);

  const bank: NaiveMemory[] = ids.map((id, i) => ({
    id,
    namespace: namespaces[i]!,
    vector: Array.from(vectors.subarray(i * DIMS, (i + 1) * DIMS)),
  }));
  const naiveCount = naiveQueriesFor(size);
  const naiveAnswers: string[][] = [];
  const naive = time(naiveCount, (q) => {
    const hits = naiveSearch(bank, Array.from(query(q)), K);
    naiveAnswers[q] = hits.map((h) => h.id);
  });
  rows.push({ size, variant: 'naive (objects + sort)', ...naive, speedup: 1 });

  for (const [variant, index] of variants) {
    let last: VectorHit[] = [];
    const timing = time(QUERIES, (q) => {
      last = index.search(query(q), { k: K });
      if (q < naiveCount) {
        checked++;
        if (last.map((h) => h.id).join() !== naiveAnswers[q]!.join()) mismatches++;
      }
    });
    void last;
    rows.push({ size, variant, ...timing, speedup: naive.p50 / timing.p50 });
    if (index === app) summary.set(size, { app: timing, naive });
  }
  const filtered = time(QUERIES, (q) => app.search(query(q), { k: K, namespaces: [NAMESPACES[0]!] }));
  rows.push({ size, variant: `app, 1 of ${NAMESPACES.length} namespaces`, ...filtered, speedup: naive.p50 / filtered.p50 });
  console.log(`${size} memories: bulkLoad ${loadMs.toFixed(0)} ms (app index)`);
}

const header = ['memories', 'variant', 'queries', 'p50 ms', 'p95 ms', 'speed-up (naive p50 / p50)'];
const table = rows.map((r) => [String(r.size), r.variant, String(r.queries), r.p50.toFixed(3), r.p95.toFixed(3), `${r.speedup.toFixed(1)}x`]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
console.log('');
console.log(`answers checked against the naive baseline: ${checked - mismatches}/${checked} identical top-${K} id lists`);
if (mismatches > 0) process.exitCode = 1;

const at = (size: number) => summary.get(size);
const p95 = (size: number) => at(size)?.app.p95.toFixed(3) ?? 'n/a';
const largest = at(100_000);
const speedup = largest ? (largest.naive.p50 / largest.app.p50).toFixed(1) : 'n/a';
console.log(`retrieval top-${K} @10k p95_ms=${p95(10_000)} @100k p95_ms=${p95(100_000)} speedup_vs_naive=${speedup}`);
