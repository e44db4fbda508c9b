/**
 * The retrieval index: exact top-k cosine similarity over the memory bank's embeddings, filterable by namespace.
 *
 * Pure: no worker, DOM or IndexedDB; the retrieval worker hosts it (retrievalWorkerHost.ts), Node tests and
 * bench/retrieval.ts use it directly. IndexedDB stays the truth: the bank rebuilds this copy with `bulkLoad` on
 * open and patches it after every applied batch.
 *
 * Why exact brute force and no ANN graph (HNSW): `npm run bench:retrieval` times top-60 over 100k 384-d memories
 * for the WebAssembly SIMD float scan, the int8 prefilter below, the scalar JS scan and naive objects + sort; the
 * prefiltered SIMD scan stays inside the 20 ms target with exact answers. HNSW would trade exactness for speed we do
 * not need: recall below 1 (worse under namespace filters), a graph to build on every load (~100k inserts × hundreds
 * of distance evaluations) and tombstones on delete. Rows are packed in WebAssembly memory (simd/rowMatrix.ts), a removal
 * swaps the last row in, growth doubles the capacity.
 *
 * How a search stays exact while reading int8 rows: see `prefilteredSearch`.
 */
import { type ApproximateScores, createRowMatrix, type KernelChoice, type KernelName, type RowMatrix, type ScoreArray } from './simd/rowMatrix';

/** The most memories a product caller asks for (the Answer Agent's 60); larger k works, just not benchmarked. */
export const RETRIEVAL_MAX_K = 60;

/** Below this many rows to search, the int8 prefilter saves less than its bookkeeping costs (see the bench). */
export const DEFAULT_PREFILTER_MIN_ROWS = 2048;

export interface VectorEntry {
  id: string;
  namespace: string;
  /** `dims` finite numbers, not all zero; normalized on the way in, so any length is fine. */
  vector: ArrayLike<number>;
}

/** Many entries in one transferable buffer: row i of `vectors` (`ids.length × dims`) belongs to ids[i]. */
export interface PackedVectors {
  ids: readonly string[];
  namespaces: readonly string[];
  vectors: Float32Array;
}

/** The bank's changes after one applied batch: removes happen first, then upserts. */
export interface VectorPatch {
  upserts: readonly VectorEntry[];
  removes: readonly string[];
}

export interface SearchOptions {
  /** How many hits at most: a non-negative integer (see RETRIEVAL_MAX_K). */
  k: number;
  /** Only these namespaces; unset: all; empty: none. Filtering never changes the ranking within a namespace. */
  namespaces?: readonly string[];
}

export interface VectorHit {
  id: string;
  namespace: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

export interface VectorIndexOptions {
  dims: number;
  /** Default `auto`: WebAssembly SIMD where the engine has it, plain JS otherwise. */
  kernel?: KernelChoice;
  /**
   * Searches over at least this many rows use the int8 prefilter (wasm-simd only); default
   * DEFAULT_PREFILTER_MIN_ROWS. 0 forces it (tests), Infinity turns it off (the bench's float-only figures).
   */
  prefilterMinRows?: number;
}

export async function createVectorIndex(options: VectorIndexOptions): Promise<VectorIndex> {
  const matrix = await createRowMatrix(options.dims, options.kernel ?? 'auto');
  return new VectorIndex(matrix, options.prefilterMinRows ?? DEFAULT_PREFILTER_MIN_ROWS);
}

export class VectorIndex {
  readonly dims: number;
  private readonly matrix: RowMatrix;
  private readonly prefilterMinRows: number;
  private count = 0;
  /** Row → id, and back. */
  private readonly rowIds: string[] = [];
  private readonly idRows = new Map<string, number>();
  /** Namespaces are interned: rows keep a small number, a search a mask over those numbers. */
  private readonly namespaceNumbers = new Map<string, number>();
  private readonly namespaceNames: string[] = [];
  private namespaceCounts: number[] = [];
  private rowNamespaces = new Int32Array(0);
  /** Scratch reused by every search; sized to capacity. */
  private rowList = new Int32Array(0);
  private upperBounds = new Float64Array(0);
  private readonly unit: Float32Array;

  constructor(matrix: RowMatrix, prefilterMinRows = DEFAULT_PREFILTER_MIN_ROWS) {
    this.matrix = matrix;
    this.dims = matrix.dims;
    this.prefilterMinRows = prefilterMinRows;
    this.unit = new Float32Array(matrix.dims);
  }

  get kernel(): KernelName {
    return this.matrix.kernel;
  }

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.idRows.has(id);
  }

  /** Adds a vector, or replaces the vector and namespace of an id already present. */
  upsert(id: string, namespace: string, vector: ArrayLike<number>): void {
    checkKeys(id, namespace);
    this.upsertUnit(
      id,
      namespace,
      normalized(vector, this.dims, this.unit, () => `vector of ${JSON.stringify(id)}`, 0),
    );
  }

  /** Removes an id; false when it was not there. The last row moves into its slot, keeping rows packed. */
  remove(id: string): boolean {
    const row = this.idRows.get(id);
    if (row === undefined) return false;
    const last = this.count - 1;
    this.namespaceCounts[this.rowNamespaces[row]!]!--;
    if (row !== last) {
      this.matrix.copy(last, row);
      const movedId = this.rowIds[last]!;
      this.rowIds[row] = movedId;
      this.rowNamespaces[row] = this.rowNamespaces[last]!;
      this.idRows.set(movedId, row);
    }
    this.rowIds.length = last;
    this.idRows.delete(id);
    this.count = last;
    return true;
  }

  /** Empties the index. Capacity is kept (WebAssembly memory cannot shrink; the next load reuses it). */
  clear(): void {
    this.count = 0;
    this.rowIds.length = 0;
    this.idRows.clear();
    this.namespaceNumbers.clear();
    this.namespaceNames.length = 0;
    this.namespaceCounts = [];
  }

  /**
   * Replaces the whole content (the bank's rebuild on open). Every vector is checked before anything changes, so
   * a bad entry leaves the index as it was. A repeated id keeps its last vector.
   */
  bulkLoad(entries: readonly VectorEntry[] | PackedVectors): number {
    const dims = this.dims;
    const rows = entryRows(entries, dims);
    const inverseNorms = new Float64Array(rows.count);
    // One label function for all entries, called only to word an error: no closure per entry.
    const what = (i: number) => `entry ${i} (${JSON.stringify(rows.id(i))})`;
    for (let i = 0; i < rows.count; i++) {
      checkKeys(rows.id(i), rows.namespace(i));
      const source = rows.source(i);
      if (!rows.packed) checkLength(source, dims, what, i);
      inverseNorms[i] = 1 / Math.sqrt(squaredNorm(source, rows.offset(i), dims, what, i));
    }
    this.clear();
    this.reserve(rows.count);
    for (let i = 0; i < rows.count; i++) {
      scaleInto(rows.source(i), rows.offset(i), dims, inverseNorms[i]!, this.unit);
      this.upsertUnit(rows.id(i), rows.namespace(i), this.unit);
    }
    return this.count;
  }

  /** Applies one batch's changes, removes first, all or nothing: every upsert is checked before any change. */
  patch(changes: VectorPatch): number {
    changes.upserts.forEach((u, i) => {
      checkKeys(u.id, u.namespace);
      normalized(u.vector, this.dims, this.unit, () => `upsert ${i} (${JSON.stringify(u.id)})`, i);
    });
    for (const id of changes.removes) {
      if (typeof id !== 'string') throw new TypeError(`ids to remove must be strings, got ${typeof id}`);
    }
    for (const id of changes.removes) this.remove(id);
    for (const u of changes.upserts) this.upsert(u.id, u.namespace, u.vector);
    return this.count;
  }

  /**
   * The k rows most cosine-similar to `query` (normalized here), best first; equal scores in id order, so a
   * search is deterministic. Fewer than k hits when fewer rows match.
   */
  search(query: ArrayLike<number>, options: SearchOptions): VectorHit[] {
    const unit = normalized(query, this.dims, this.unit, () => 'query', 0);
    const mask = options.namespaces === undefined ? null : this.namespaceMask(options.namespaces);
    const eligible = mask === null ? this.count : this.countIn(mask);
    const k = Math.min(validK(options.k), eligible);
    if (k === 0) return [];
    this.matrix.setQuery(unit);
    const top = new TopK(k, this.rowIds);
    // The int8 pass reads every row, at ~1/3 the cost per row of gathering one namespace's rows in float32
    // (bench: 0.04 vs ~0.2 µs per row at 100k), so a namespace under 1/8 of the bank is cheaper gathered.
    const prefilter = this.matrix.approximateAll !== null && eligible >= this.prefilterMinRows && k < eligible;
    if (prefilter && 8 * eligible > this.count) {
      this.prefilteredSearch(this.matrix.approximateAll(this.count), mask, top);
    } else if (mask === null) {
      offerAll(top, this.matrix.scoreAll(this.count));
    } else {
      // A small namespace (or the JS kernel): score only its rows.
      const m = this.rowsIn(mask);
      offerRows(top, this.rowList, this.matrix.scoreRows(this.rowList, m), m);
    }
    return top.best().map(({ row, score }) => ({
      id: this.rowIds[row]!,
      namespace: this.namespaceNames[this.rowNamespaces[row]!]!,
      score,
    }));
  }

  /**
   * Exact top-k from the int8 pass plus an exact rescore of the rows that can still make it.
   *
   * The matrix proves, for each row r, lo(r) ≤ exact(r) ≤ hi(r) (approx ± radius; rowMatrix.ts derives the
   * radius from the row's and the query's quantization error and the float kernel's rounding). Let τ be the k-th
   * largest lo among the searched rows: k rows score at least τ, so the k-th best exact score is ≥ τ, and any row
   * whose exact score reaches it — ties included — has hi ≥ τ. Rescoring every row with hi ≥ τ with the float
   * kernel therefore returns exactly what the full float scan returns, on any data; the data only decides how
   * many rows that is (a few hundred of 100k random 384-d rows, as int8 error radii are ~0.01).
   *
   * One pass: τ is tracked as a running k-th largest lo (a min-heap), which only rises, so a row rejected
   * against it is rejected against the final τ too; rows admitted early are filtered again at the end.
   */
  private prefilteredSearch(approx: ApproximateScores, mask: Uint8Array | null, top: TopK): void {
    const { dots, rowScale, rowError, queryScale, errorScale, errorOffset } = approx;
    const namespaces = this.rowNamespaces;
    const candidates = this.rowList;
    const highs = this.upperBounds;
    const lows = new MinHeap(top.k);
    let tau = -Infinity;
    let m = 0;
    for (let r = 0; r < this.count; r++) {
      if (mask !== null && mask[namespaces[r]!] === 0) continue;
      const approximate = dots[r]! * rowScale[r]! * queryScale;
      const radius = rowError[r]! * errorScale + errorOffset;
      const hi = approximate + radius;
      if (hi < tau) continue;
      candidates[m] = r;
      highs[m++] = hi;
      tau = lows.offer(approximate - radius);
    }
    let kept = 0;
    for (let i = 0; i < m; i++) if (highs[i]! >= tau) candidates[kept++] = candidates[i]!;
    offerRows(top, candidates, this.matrix.scoreRows(candidates, kept), kept);
  }

  private upsertUnit(id: string, namespace: string, unit: Float32Array): void {
    const ns = this.intern(namespace);
    let row = this.idRows.get(id);
    if (row === undefined) {
      row = this.count;
      this.reserve(row + 1);
      this.rowIds.push(id);
      this.idRows.set(id, row);
      this.count++;
    } else {
      this.namespaceCounts[this.rowNamespaces[row]!]!--;
    }
    this.rowNamespaces[row] = ns;
    this.namespaceCounts[ns]!++;
    this.matrix.write(row, unit);
  }

  private reserve(rows: number): void {
    if (rows <= this.rowNamespaces.length) return;
    this.matrix.reserve(rows, this.count);
    const capacity = this.matrix.capacity;
    const namespaces = new Int32Array(capacity);
    namespaces.set(this.rowNamespaces.subarray(0, this.count));
    this.rowNamespaces = namespaces;
    this.rowList = new Int32Array(capacity);
    this.upperBounds = new Float64Array(capacity);
  }

  private intern(namespace: string): number {
    let n = this.namespaceNumbers.get(namespace);
    if (n === undefined) {
      n = this.namespaceNames.length;
      this.namespaceNumbers.set(namespace, n);
      this.namespaceNames.push(namespace);
      this.namespaceCounts.push(0);
    }
    return n;
  }

  /** 1 for each interned namespace to search; unknown names simply match nothing. */
  private namespaceMask(namespaces: readonly string[]): Uint8Array {
    const mask = new Uint8Array(this.namespaceNames.length);
    for (const name of namespaces) {
      const n = this.namespaceNumbers.get(name);
      if (n !== undefined) mask[n] = 1;
    }
    return mask;
  }

  private countIn(mask: Uint8Array): number {
    let total = 0;
    for (let n = 0; n < mask.length; n++) if (mask[n] === 1) total += this.namespaceCounts[n]!;
    return total;
  }

  /** Fills rowList with the rows of the masked namespaces; returns how many. */
  private rowsIn(mask: Uint8Array): number {
    let m = 0;
    for (let r = 0; r < this.count; r++) if (mask[this.rowNamespaces[r]!] === 1) this.rowList[m++] = r;
    return m;
  }
}

/**
 * `vector` scaled to unit length into `out` (float64 sums, so the norm is as exact as float32 storage allows).
 * Rejects what would make cosine similarity meaningless: the wrong length, NaN or ±Infinity, all zeros.
 */
function normalized(vector: ArrayLike<number>, dims: number, out: Float32Array, what: Label, n: number): Float32Array {
  checkLength(vector, dims, what, n);
  scaleInto(vector, 0, dims, 1 / Math.sqrt(squaredNorm(vector, 0, dims, what, n)), out);
  return out;
}

/** Names the vector `n` in error messages; only called to word an error. */
type Label = (n: number) => string;

function checkLength(vector: ArrayLike<number>, dims: number, what: Label, n: number): void {
  if (vector === null || typeof vector !== 'object' || typeof vector.length !== 'number') {
    throw new TypeError(`${what(n)} is not an array of numbers`);
  }
  if (vector.length !== dims) throw new RangeError(`${what(n)} has ${vector.length} dims, expected ${dims}`);
}

/** Σvᵢ² over source[offset, offset + dims), which must be positive and finite; NaN and ±Infinity end up here too. */
function squaredNorm(source: ArrayLike<number>, offset: number, dims: number, what: Label, n: number): number {
  let sum = 0;
  for (let i = offset; i < offset + dims; i++) sum += source[i]! * source[i]!;
  if (sum > 0 && sum < Infinity) return sum;
  for (let i = 0; i < dims; i++) {
    const v = source[offset + i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${what(n)} has a non-finite value (${String(v)}) at ${i}`);
    }
  }
  if (sum === 0) throw new RangeError(`${what(n)} is all zeros: its cosine similarity is undefined`);
  throw new RangeError(`${what(n)} is too large to normalize (its squared norm overflows)`);
}

function scaleInto(source: ArrayLike<number>, offset: number, dims: number, factor: number, out: Float32Array): void {
  for (let i = 0; i < dims; i++) out[i] = source[offset + i]! * factor;
}

function checkKeys(id: unknown, namespace: unknown): void {
  if (typeof id !== 'string') throw new TypeError(`a memory id must be a string, got ${typeof id}`);
  if (typeof namespace !== 'string') throw new TypeError(`the namespace of ${JSON.stringify(id)} must be a string`);
}

function validK(k: number): number {
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  return k;
}

/** Uniform access to both bulk-load shapes, without copying vectors out of a packed buffer (checked whole). */
function entryRows(entries: readonly VectorEntry[] | PackedVectors, dims: number) {
  if (Array.isArray(entries)) {
    const list = entries as readonly VectorEntry[];
    return {
      packed: false,
      count: list.length,
      id: (i: number) => list[i]!.id,
      namespace: (i: number) => list[i]!.namespace,
      source: (i: number) => list[i]!.vector,
      offset: (_i: number) => 0,
    };
  }
  const packed = entries as PackedVectors;
  const count = packed.ids.length;
  if (packed.namespaces.length !== count) {
    throw new RangeError(`${count} ids but ${packed.namespaces.length} namespaces`);
  }
  if (packed.vectors.length !== count * dims) {
    throw new RangeError(`${count} ids of ${dims} dims need ${count * dims} floats, got ${packed.vectors.length}`);
  }
  return {
    packed: true,
    count,
    id: (i: number) => packed.ids[i]!,
    namespace: (i: number) => packed.namespaces[i]!,
    source: (_i: number) => packed.vectors,
    offset: (i: number) => i * dims,
  };
}

function offerAll(top: TopK, scores: ScoreArray): void {
  for (let r = 0; r < scores.length; r++) top.offer(r, scores[r]!);
}

function offerRows(top: TopK, rows: Int32Array, scores: ScoreArray, m: number): void {
  for (let i = 0; i < m; i++) top.offer(rows[i]!, scores[i]!);
}

/**
 * The k best (row, score) pairs seen: a min-heap whose root is the worst kept, where lower score is worse and, on
 * equal scores, the larger id. Most offers lose to the root in one comparison.
 */
class TopK {
  readonly k: number;
  private readonly rows: Int32Array;
  private readonly scores: Float64Array;
  private readonly ids: readonly string[];
  private size = 0;

  constructor(k: number, ids: readonly string[]) {
    this.k = k;
    this.rows = new Int32Array(k);
    this.scores = new Float64Array(k);
    this.ids = ids;
  }

  offer(row: number, score: number): void {
    if (this.size < this.k) {
      this.rows[this.size] = row;
      this.scores[this.size] = score;
      this.siftUp(this.size++);
    } else if (this.beats(row, score, 0)) {
      this.rows[0] = row;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  /** The kept pairs, best first. */
  best(): { row: number; score: number }[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (this.worse(a, b) ? 1 : this.worse(b, a) ? -1 : 0));
    return order.map((i) => ({ row: this.rows[i]!, score: this.scores[i]! }));
  }

  /** Whether (row, score) is better than the entry at heap slot i. */
  private beats(row: number, score: number, i: number): boolean {
    const s = this.scores[i]!;
    return score > s || (score === s && this.ids[row]! < this.ids[this.rows[i]!]!);
  }

  /** Whether heap slot a holds a worse entry than slot b. */
  private worse(a: number, b: number): boolean {
    return this.beats(this.rows[b]!, this.scores[b]!, a);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.worse(right, left) ? right : left;
      if (!this.worse(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(a: number, b: number): void {
    const row = this.rows[a]!;
    const score = this.scores[a]!;
    this.rows[a] = this.rows[b]!;
    this.scores[a] = this.scores[b]!;
    this.rows[b] = row;
    this.scores[b] = score;
  }
}

/** The k largest numbers offered, for τ: `offer` returns the current k-th largest (−Infinity until k arrive). */
class MinHeap {
  private readonly values: Float64Array;
  private size = 0;

  constructor(k: number) {
    this.values = new Float64Array(k);
  }

  offer(value: number): number {
    const v = this.values;
    const k = v.length;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (v[parent]! <= value) break;
        v[i] = v[parent]!;
        i = parent;
      }
      v[i] = value;
      return this.size === k ? v[0]! : -Infinity;
    }
    if (value <= v[0]!) return v[0]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= k) break;
      const right = left + 1;
      const child = right < k && v[right]! < v[left]! ? right : left;
      if (v[child]! >= value) break;
      v[i] = v[child]!;
      i = child;
    }
    v[i] = value;
    return v[0]!;
  }
}
