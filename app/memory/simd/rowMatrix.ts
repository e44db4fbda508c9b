/**
 * Row storage of the retrieval index and the dot products over it, in two interchangeable implementations:
 *
 * - `wasm-simd`: the packed float32 rows, an int8 copy of them and every scratch buffer live in the linear memory
 *   of one instance of dotKernels.wat, so the f32x4 / i16x8 kernels read the rows in place. The int8 copy feeds
 *   the prefilter (`approximateAll`): a quarter of the memory traffic of the float scan, with a proven error
 *   radius per row, so the index can rescore a small pool exactly and still return the exact top-k.
 * - `js`: a plain Float32Array and a scalar loop, for engines without WebAssembly SIMD (Safari before 16.4).
 *
 * Pure: no worker or DOM globals; runs in Node (tests, bench) and in the retrieval worker alike.
 */
import { DOT_KERNELS_WASM_BASE64 } from './dotKernelsWasm';

export type KernelName = 'wasm-simd' | 'js';
/** `auto`: wasm-simd where the engine validates the module, js otherwise. */
export type KernelChoice = KernelName | 'auto';

/** Exact scores, one per scored row; a view that the next call on the matrix may overwrite. */
export type ScoreArray = Float32Array | Float64Array;

/**
 * The prefilter's output for rows [0, n). For every row r, the exact score `scoreAll` would give lies within
 *   approx(r) = dots[r] · rowScale[r] · queryScale   ±   radius(r) = rowError[r] · errorScale + errorOffset.
 * Views over the matrix's memory: valid until its next call.
 */
export interface ApproximateScores {
  /** Exact int32 dot of each int8 row with the int16 query. */
  dots: Int32Array;
  rowScale: Float64Array;
  rowError: Float64Array;
  queryScale: number;
  errorScale: number;
  errorOffset: number;
}

export interface RowMatrix {
  readonly kernel: KernelName;
  readonly dims: number;
  /** Rows the storage holds before it must grow. */
  readonly capacity: number;
  /** Grows to at least `rows` rows (at least doubling, so appends are amortized O(1)), keeping rows [0, keep). */
  reserve(rows: number, keep: number): void;
  /** Stores a unit vector of `dims` floats at `row` (< capacity). */
  write(row: number, unit: Float32Array): void;
  /** Copies row `from` over row `to`: the index's swap-remove. */
  copy(from: number, to: number): void;
  /** Sets the unit query vector for the scoring calls that follow. */
  setQuery(unit: Float32Array): void;
  /** Exact cosine scores of rows [0, n). */
  scoreAll(n: number): ScoreArray;
  /** Exact cosine scores of `rows[0..m)`, in that order; identical, bit for bit, to what scoreAll gives them. */
  scoreRows(rows: Int32Array, m: number): ScoreArray;
  /** The int8 prefilter over rows [0, n); null when this implementation has none. */
  readonly approximateAll: ((n: number) => ApproximateScores) | null;
}

const INITIAL_CAPACITY = 256;
const WASM_PAGE = 65_536;
/** wasm32 addresses end at 4 GiB; engines may refuse growth well before that, which `grow` reports. */
const MAX_WASM_BYTES = 4 * 1024 ** 3;
const ROW_ALIGN = 32;
const INT8_MAX = 127;
const INT16_MAX = 32_767;
const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

/** Rows are zero-padded to a multiple of 32 elements: the kernels' unrolled loops then need no remainder. */
export function paddedStride(dims: number): number {
  return Math.ceil(dims / ROW_ALIGN) * ROW_ALIGN;
}

function grownCapacity(current: number, rows: number): number {
  return Math.max(rows, current * 2, INITIAL_CAPACITY);
}

/** The kernels; bytes decoded and compiled once per realm, one instance (one memory) per matrix. */
interface DotKernelExports {
  memory: WebAssembly.Memory;
  scoreF32(query: number, rows: number, n: number, stride: number, out: number): void;
  scoreF32Rows(query: number, rows: number, stride: number, list: number, m: number, out: number): void;
  scoreI8(query: number, rows: number, n: number, stride: number, out: number): void;
  quantizeRow(row: number, out: number, stride: number, meta: number): void;
}

export function dotKernelBytes(): Uint8Array<ArrayBuffer> {
  const binary = atob(DOT_KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** Whether this engine can run the SIMD kernels (false without WebAssembly or without its SIMD proposal). */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(dotKernelBytes());
}

async function instantiateDotKernels(): Promise<DotKernelExports> {
  compiled ??= WebAssembly.compile(dotKernelBytes());
  const instance = await WebAssembly.instantiate(await compiled);
  return instance.exports as unknown as DotKernelExports;
}

/** `auto` falls back to js where SIMD is missing; naming `wasm-simd` there is an error. */
export async function createRowMatrix(dims: number, kernel: KernelChoice = 'auto'): Promise<RowMatrix> {
  if (!Number.isSafeInteger(dims) || dims <= 0) throw new RangeError(`dims must be a positive integer, got ${dims}`);
  if (kernel === 'js') return new JsRowMatrix(dims);
  if (wasmSimdSupported()) return new WasmSimdRowMatrix(dims, await instantiateDotKernels());
  if (kernel === 'wasm-simd') throw new Error('This engine has no WebAssembly SIMD; use the js kernel');
  return new JsRowMatrix(dims);
}

// ---------------------------------------------------------------------------------------------------------------
// Quantization

/**
 * Rows are quantized by the wasm `quantizeRow` (x ≈ scale·q, scale = max|x|/127), which reports ‖x − scale·q‖₂
 * computed in float32. This widens that figure into a bound on the real norm, for the same `scale`:
 * - each residual eᵢ = xᵢ − scale·qᵢ is off by ≤ 2⁻²⁴(|xᵢ| + 2|eᵢ|) (one rounded product, one rounded
 *   difference), so the residual vector is off by ≤ 2⁻²⁴(‖x‖ + 2‖e‖) < 2⁻²³ for a unit row;
 * - the sum of squares passes through ≤ stride/16 + 4 roundings (16 partial sums, then 4 levels), the square root
 *   through one more.
 * The factor 2 on the relative term covers the higher-order terms. At 384 dims: +4e-6 relative, +2.4e-7 absolute.
 */
export function quantizationErrorBound(computed: number, stride: number): number {
  return computed * (1 + 2 * (stride / 16 + 6) * FLOAT32_UNIT_ROUNDOFF) + 4 * FLOAT32_UNIT_ROUNDOFF;
}

/**
 * Largest int16 magnitude the query may use so that no int32 sum in scoreI8 overflows: a row's dot is at most
 * stride·127·qmax in magnitude. 32767 up to 528 dims (384-d embeddings get full int16 precision).
 */
export function queryQuantizationMax(stride: number): number {
  return Math.min(INT16_MAX, Math.floor((2 ** 31 - 1) / (INT8_MAX * stride)));
}

/**
 * y ≈ scale·p with p in int16 (`out`, zero-padded). Returns scale, ‖scale·p‖₂ and ‖y − scale·p‖₂.
 *
 * The query gets int16, not int8: its residual then adds ~1/256 of what an int8 query would to every row's
 * radius, so the rows' own int8 error is almost the whole radius, at no cost (the kernel widens rows to int16
 * for i32x4.dot_i16x8_s anyway).
 */
export function quantizeQuery(unit: Float32Array, qmax: number, out: Int16Array): { scale: number; quantizedNorm: number; residualNorm: number } {
  const scale = maxAbs(unit) / qmax;
  let quantized = 0;
  let residual = 0;
  for (let i = 0; i < unit.length; i++) {
    const p = scale === 0 ? 0 : Math.round(unit[i]! / scale);
    out[i] = p;
    const v = scale * p;
    const e = unit[i]! - v;
    quantized += v * v;
    residual += e * e;
  }
  out.fill(0, unit.length);
  return { scale, quantizedNorm: Math.sqrt(quantized), residualNorm: Math.sqrt(residual) };
}

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/**
 * Bound on |float32 kernel dot − exact real dot| for unit vectors. $dotF32 rounds each product once, adds it into
 * one of 16 lanes (stride/16 additions deep), then adds 4 accumulators and 4 lanes (4 more levels), so each term
 * passes through at most stride/16 + 5 roundings: error ≤ γ·Σ|xᵢyᵢ| ≤ γ·‖x‖‖y‖ with γ ≈ (stride/16 + 5)·2⁻²⁴.
 * Doubled to cover γ's higher-order terms, ‖x‖,‖y‖ being 1 only to float32 precision, and the float64 arithmetic
 * of the radius itself. About 3.5e-6 at 384 dims: noise next to the int8 error (~1e-2) it is added to.
 */
export function floatKernelRoundingBound(stride: number): number {
  return 2 * (stride / 16 + 5) * FLOAT32_UNIT_ROUNDOFF;
}

// ---------------------------------------------------------------------------------------------------------------
// wasm-simd

/**
 * Memory layout (byte offsets, all 64-aligned): [0, 8) quantizeRow's results · query f32 · query i16 · rows f32 (capacity ×
 * stride × 4) · rows i8 (capacity × stride) · scores (capacity × 4) · row list (capacity × 4). Growing moves only
 * the int8 rows; the scratch areas are not kept.
 */
interface Layout {
  capacity: number;
  /** quantizeRow's two f32 results. */
  meta: number;
  queryF32: number;
  queryI16: number;
  rowsF32: number;
  rowsI8: number;
  scores: number;
  list: number;
  end: number;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

function layoutFor(stride: number, capacity: number): Layout {
  const meta = 0;
  const queryF32 = 64;
  const queryI16 = align64(queryF32 + stride * 4);
  const rowsF32 = align64(queryI16 + stride * 2);
  const rowsI8 = rowsF32 + capacity * stride * 4;
  const scores = align64(rowsI8 + capacity * stride);
  const list = scores + capacity * 4;
  return { capacity, meta, queryF32, queryI16, rowsF32, rowsI8, scores, list, end: list + capacity * 4 };
}

class WasmSimdRowMatrix implements RowMatrix {
  readonly kernel = 'wasm-simd';
  readonly dims: number;
  private readonly stride: number;
  private readonly qmax: number;
  private readonly rounding: number;
  private readonly exports: DotKernelExports;
  private layout: Layout;
  private rowScale = new Float64Array(0);
  private rowError = new Float64Array(0);
  private queryScale = 0;
  private queryQuantizedNorm = 0;
  private queryResidualNorm = 0;
  // Views over memory.buffer; growing the memory detaches the old buffer, so they are re-made on demand.
  private buffer: ArrayBuffer | null = null;
  private f32 = new Float32Array(0);
  private i8 = new Int8Array(0);
  private i16 = new Int16Array(0);
  private i32 = new Int32Array(0);

  constructor(dims: number, exports: DotKernelExports) {
    this.dims = dims;
    this.stride = paddedStride(dims);
    this.qmax = queryQuantizationMax(this.stride);
    this.rounding = floatKernelRoundingBound(this.stride);
    this.exports = exports;
    this.layout = layoutFor(this.stride, 0);
    this.reserve(INITIAL_CAPACITY, 0);
  }

  get capacity(): number {
    return this.layout.capacity;
  }

  private views(): void {
    const buffer = this.exports.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32 = new Float32Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  reserve(rows: number, keep: number): void {
    if (rows <= this.layout.capacity) return;
    const next = layoutFor(this.stride, grownCapacity(this.layout.capacity, rows));
    if (next.end > MAX_WASM_BYTES) {
      throw new RangeError(`${rows} rows of ${this.dims} dims need ${next.end} bytes, past wasm32's 4 GiB`);
    }
    const memory = this.exports.memory;
    const missing = next.end - memory.buffer.byteLength;
    if (missing > 0) {
      try {
        memory.grow(Math.ceil(missing / WASM_PAGE));
      } catch (error) {
        throw new RangeError(`Could not grow the retrieval index's memory to ${next.end} bytes for ${rows} rows: ${String(error)}`);
      }
    }
    this.views();
    // The int8 block moves up past the larger float block (copyWithin copies as if through a buffer).
    const previous = this.layout;
    if (keep > 0) this.i8.copyWithin(next.rowsI8, previous.rowsI8, previous.rowsI8 + keep * this.stride);
    this.layout = next;
    this.rowScale = grownCopy(this.rowScale, next.capacity, keep);
    this.rowError = grownCopy(this.rowError, next.capacity, keep);
  }

  write(row: number, unit: Float32Array): void {
    this.views();
    const f = (this.layout.rowsF32 >> 2) + row * this.stride;
    this.f32.set(unit, f);
    // Padding must be zero for the kernels; a slot may hold stale bytes left by a move of the int8 block.
    this.f32.fill(0, f + this.dims, f + this.stride);
    const { rowsF32, rowsI8, meta } = this.layout;
    this.exports.quantizeRow(rowsF32 + row * this.stride * 4, rowsI8 + row * this.stride, this.stride, meta);
    this.rowScale[row] = this.f32[meta >> 2]!;
    this.rowError[row] = quantizationErrorBound(this.f32[(meta >> 2) + 1]!, this.stride);
  }

  copy(from: number, to: number): void {
    this.views();
    const { rowsF32, rowsI8 } = this.layout;
    const s = this.stride;
    this.f32.copyWithin((rowsF32 >> 2) + to * s, (rowsF32 >> 2) + from * s, (rowsF32 >> 2) + (from + 1) * s);
    this.i8.copyWithin(rowsI8 + to * s, rowsI8 + from * s, rowsI8 + (from + 1) * s);
    this.rowScale[to] = this.rowScale[from]!;
    this.rowError[to] = this.rowError[from]!;
  }

  setQuery(unit: Float32Array): void {
    this.views();
    const f = this.layout.queryF32 >> 2;
    this.f32.set(unit, f);
    this.f32.fill(0, f + this.dims, f + this.stride);
    const h = this.layout.queryI16 >> 1;
    const q = quantizeQuery(unit, this.qmax, this.i16.subarray(h, h + this.stride));
    this.queryScale = q.scale;
    this.queryQuantizedNorm = q.quantizedNorm;
    this.queryResidualNorm = q.residualNorm;
  }

  scoreAll(n: number): Float32Array {
    const { queryF32, rowsF32, scores } = this.layout;
    this.exports.scoreF32(queryF32, rowsF32, n, this.stride, scores);
    this.views();
    return this.f32.subarray(scores >> 2, (scores >> 2) + n);
  }

  scoreRows(rows: Int32Array, m: number): Float32Array {
    this.views();
    const { queryF32, rowsF32, scores, list } = this.layout;
    this.i32.set(rows.subarray(0, m), list >> 2);
    this.exports.scoreF32Rows(queryF32, rowsF32, this.stride, list, m, scores);
    return this.f32.subarray(scores >> 2, (scores >> 2) + m);
  }

  readonly approximateAll = (n: number): ApproximateScores => {
    const { queryI16, rowsI8, scores } = this.layout;
    this.exports.scoreI8(queryI16, rowsI8, n, this.stride, scores);
    this.views();
    // |exact − approx| ≤ ‖e_row‖·‖scale·p‖ + ‖x‖·‖f_query‖ + float rounding: see VectorIndex's prefilter.
    return {
      dots: this.i32.subarray(scores >> 2, (scores >> 2) + n),
      rowScale: this.rowScale,
      rowError: this.rowError,
      queryScale: this.queryScale,
      errorScale: this.queryQuantizedNorm,
      errorOffset: this.queryResidualNorm * (1 + 1e-6) + this.rounding,
    };
  };
}

function grownCopy(old: Float64Array, capacity: number, keep: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(capacity);
  next.set(old.subarray(0, keep));
  return next;
}

// ---------------------------------------------------------------------------------------------------------------
// js

/** The fallback: exact scores in float64 from float32 rows, four accumulators to shorten the add chain. */
class JsRowMatrix implements RowMatrix {
  readonly kernel = 'js';
  readonly dims: number;
  readonly approximateAll = null;
  private rows = new Float32Array(0);
  private readonly query: Float32Array;
  private scores = new Float64Array(0);

  constructor(dims: number) {
    this.dims = dims;
    this.query = new Float32Array(dims);
    this.reserve(INITIAL_CAPACITY, 0);
  }

  get capacity(): number {
    return this.scores.length;
  }

  reserve(rows: number, keep: number): void {
    if (rows <= this.capacity) return;
    const capacity = grownCapacity(this.capacity, rows);
    const next = new Float32Array(capacity * this.dims);
    next.set(this.rows.subarray(0, keep * this.dims));
    this.rows = next;
    this.scores = new Float64Array(capacity);
  }

  write(row: number, unit: Float32Array): void {
    this.rows.set(unit, row * this.dims);
  }

  copy(from: number, to: number): void {
    this.rows.copyWithin(to * this.dims, from * this.dims, (from + 1) * this.dims);
  }

  setQuery(unit: Float32Array): void {
    this.query.set(unit);
  }

  scoreAll(n: number): Float64Array {
    for (let r = 0; r < n; r++) this.scores[r] = this.dot(r);
    return this.scores.subarray(0, n);
  }

  scoreRows(rows: Int32Array, m: number): Float64Array {
    for (let i = 0; i < m; i++) this.scores[i] = this.dot(rows[i]!);
    return this.scores.subarray(0, m);
  }

  private dot(row: number): number {
    const q = this.query;
    const x = this.rows;
    const d = this.dims;
    const base = row * d;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let i = 0;
    for (; i + 3 < d; i += 4) {
      a0 += x[base + i]! * q[i]!;
      a1 += x[base + i + 1]! * q[i + 1]!;
      a2 += x[base + i + 2]! * q[i + 2]!;
      a3 += x[base + i + 3]! * q[i + 3]!;
    }
    for (; i < d; i++) a0 += x[base + i]! * q[i]!;
    return a0 + a1 + (a2 + a3);
  }
}
