/**
 * The SIMD kernels: the committed bytes are what the WAT compiles to, each kernel computes what it claims against
 * float64 / integer references, the int8 error radius holds, and the SIMD and JS paths agree.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWat, expectedModuleSource, WASM_KERNELS } from '../../../scripts/build-wasm-kernels';
import { mulberry32 } from '../../lib/seededRandom';
import { createVectorIndex } from '../vectorIndex';
import { DOT_KERNELS_WASM_BASE64 } from './dotKernelsWasm';
import { createRowMatrix, dotKernelBytes, paddedStride, queryQuantizationMax, type RowMatrix, wasmSimdSupported } from './rowMatrix';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

function unitVectors(seed: number, count: number, dims: number): Float32Array[] {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: dims }, gaussian);
    const n = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / n);
  });
}

function dot64(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function filled(matrix: RowMatrix, rows: Float32Array[]): RowMatrix {
  matrix.reserve(rows.length, 0);
  rows.forEach((v, r) => matrix.write(r, v));
  return matrix;
}

describe('the generated wasm module', () => {
  it('holds exactly the bytes the WAT compiles to (run npx tsx scripts/build-wasm-kernels.ts if not)', async () => {
    for (const kernel of WASM_KERNELS) {
      const committed = await readFile(path.join(REPO_ROOT, kernel.module), 'utf8');
      expect(committed).toBe(await expectedModuleSource(kernel));
    }
    const wat = await readFile(path.join(REPO_ROOT, 'app/memory/simd/dotKernels.wat'), 'utf8');
    expect(Buffer.from(await compileWat(wat, 'dotKernels.wat')).toString('base64')).toBe(DOT_KERNELS_WASM_BASE64);
  });

  it('is valid WebAssembly SIMD in this engine, and only the SIMD proposal is needed', async () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(WebAssembly.validate(dotKernelBytes())).toBe(true);
    await expect(compileWat('(module (func (result v128) (v128.const i64x2 0 0)))', 'probe.wat')).resolves.toBeInstanceOf(Uint8Array);
  });
});

describe('the kernels', () => {
  for (const dims of [384, 50]) {
    it(`score every row like a float64 dot, within float32 rounding (${dims} dims)`, async () => {
      const rows = unitVectors(1, 300, dims);
      const [query] = unitVectors(2, 1, dims);
      const matrix = filled(await createRowMatrix(dims, 'wasm-simd'), rows);
      matrix.setQuery(query!);
      const all = Float32Array.from(matrix.scoreAll(rows.length));
      rows.forEach((v, r) => expect(Math.abs(all[r]! - dot64(v, query!))).toBeLessThan(2e-6));
      // The gather kernel runs the same dot: bit-identical, in list order.
      const list = Int32Array.from([299, 0, 17, 17, 150]);
      expect(Array.from(matrix.scoreRows(list, list.length))).toEqual(Array.from(list, (r) => all[r]!));
    });

    it(`keep every exact score within the int8 prefilter's proven radius (${dims} dims)`, async () => {
      const rows = unitVectors(3, 500, dims);
      const matrix = filled(await createRowMatrix(dims, 'wasm-simd'), rows);
      for (const query of unitVectors(4, 20, dims)) {
        matrix.setQuery(query);
        const exact = Float32Array.from(matrix.scoreAll(rows.length));
        const a = matrix.approximateAll!(rows.length);
        for (let r = 0; r < rows.length; r++) {
          const approx = a.dots[r]! * a.rowScale[r]! * a.queryScale;
          const radius = a.rowError[r]! * a.errorScale + a.errorOffset;
          expect(Math.abs(exact[r]! - approx)).toBeLessThanOrEqual(radius);
          // …and the radius is small enough to prune: about ‖int8 error‖ of a unit row.
          expect(radius).toBeLessThan(dims > 100 ? 0.02 : 0.05);
        }
      }
    });
  }

  it('quantize rows to int8 with the error the radius assumes', async () => {
    const dims = 384;
    const rows = unitVectors(5, 50, dims);
    const matrix = filled(await createRowMatrix(dims, 'wasm-simd'), rows);
    // Read back through the prefilter with one-hot queries: dots[r] / qmax-scale recovers q_r[i] exactly.
    const stride = paddedStride(dims);
    for (const i of [0, 17, 383]) {
      const oneHot = new Float32Array(dims);
      oneHot[i] = 1;
      matrix.setQuery(oneHot);
      const a = matrix.approximateAll!(rows.length);
      const qmax = queryQuantizationMax(stride);
      rows.forEach((v, r) => {
        const q = a.dots[r]! / qmax;
        expect(Number.isInteger(q)).toBe(true);
        expect(Math.abs(q)).toBeLessThanOrEqual(127);
        // Round to nearest: the int8 value is within half a step of x / scale.
        expect(Math.abs(q - v[i]! / a.rowScale[r]!)).toBeLessThanOrEqual(0.5 + 1e-4);
      });
    }
  });

  it('bound the int16 query so no int32 sum can overflow', () => {
    expect(queryQuantizationMax(paddedStride(384))).toBe(32_767);
    for (const dims of [384, 1024, 4096]) {
      const stride = paddedStride(dims);
      expect(stride * 127 * queryQuantizationMax(stride)).toBeLessThanOrEqual(2 ** 31 - 1);
    }
  });
});

describe('the SIMD and JS paths', () => {
  it('give the same scores row by row', async () => {
    const dims = 384;
    const rows = unitVectors(6, 400, dims);
    const simd = filled(await createRowMatrix(dims, 'wasm-simd'), rows);
    const js = filled(await createRowMatrix(dims, 'js'), rows);
    for (const query of unitVectors(7, 5, dims)) {
      simd.setQuery(query);
      js.setQuery(query);
      const a = Array.from(simd.scoreAll(rows.length));
      const b = Array.from(js.scoreAll(rows.length));
      a.forEach((s, r) => expect(Math.abs(s - b[r]!)).toBeLessThan(2e-6));
    }
  });

  it('return the same top-k, filtered or not, through upserts and removes', async () => {
    const dims = 384;
    const vectors = unitVectors(8, 5000, dims);
    const entries = vectors.map((vector, i) => ({ id: `e${i}`, namespace: `ns${i % 5}`, vector }));
    const simd = await createVectorIndex({ dims, kernel: 'wasm-simd' });
    const js = await createVectorIndex({ dims, kernel: 'js' });
    expect([simd.kernel, js.kernel]).toEqual(['wasm-simd', 'js']);
    for (const index of [simd, js]) {
      index.bulkLoad(entries);
      index.patch({ upserts: entries.slice(0, 300).map((e, i) => ({ ...e, vector: vectors[4999 - i]! })), removes: ['e7', 'e4000'] });
    }
    for (const query of unitVectors(9, 25, dims)) {
      for (const options of [{ k: 60 }, { k: 60, namespaces: ['ns2'] }, { k: 3, namespaces: ['ns0', 'ns4'] }]) {
        const a = simd.search(query, options);
        const b = js.search(query, options);
        expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
        a.forEach((h, i) => expect(Math.abs(h.score - b[i]!.score)).toBeLessThan(1e-5));
      }
    }
  });
});
