;; Dot-product kernels of the retrieval index (app/memory/vectorIndex.ts), WebAssembly SIMD (f32x4 / i16x8).
;;
;; Compiled by scripts/build-wasm-kernels.ts into dotKernelsWasm.ts; the app never loads wabt at run time.
;; The index owns the layout of this module's memory (simd/rowMatrix.ts): it grows it from JS and passes byte
;; offsets. Every row is `stride` elements long, stride a multiple of 32 with zero padding past the real dims, so
;; the loops need no remainder handling; every offset is 16-byte aligned.

(module
  (memory (export "memory") 1)

  ;; Exact float32 dot of one row with the query over `bytes` bytes. Both scoring loops below call this one
  ;; function, so a row scores bit-identically whichever loop scored it (the index relies on that to prove its
  ;; int8 prefilter returns what the full float scan would). Four accumulators of four lanes each: 16 partial
  ;; sums, so a 384-d dot is 24 roundings deep instead of 384.
  (func $dotF32 (param $row i32) (param $query i32) (param $bytes i32) (result f32)
    (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $row) (local.get $bytes)))
    (loop $columns
      (local.set $a0 (f32x4.add (local.get $a0)
        (f32x4.mul (v128.load (local.get $row)) (v128.load (local.get $query)))))
      (local.set $a1 (f32x4.add (local.get $a1)
        (f32x4.mul (v128.load offset=16 (local.get $row)) (v128.load offset=16 (local.get $query)))))
      (local.set $a2 (f32x4.add (local.get $a2)
        (f32x4.mul (v128.load offset=32 (local.get $row)) (v128.load offset=32 (local.get $query)))))
      (local.set $a3 (f32x4.add (local.get $a3)
        (f32x4.mul (v128.load offset=48 (local.get $row)) (v128.load offset=48 (local.get $query)))))
      (local.set $row (i32.add (local.get $row) (i32.const 64)))
      (local.set $query (i32.add (local.get $query) (i32.const 64)))
      (br_if $columns (i32.lt_u (local.get $row) (local.get $end))))
    (local.set $a0 (f32x4.add
      (f32x4.add (local.get $a0) (local.get $a1))
      (f32x4.add (local.get $a2) (local.get $a3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))

  ;; out[r] = rows[r] · query (float32) for r in [0, n).
  (func (export "scoreF32")
    (param $query i32) (param $rows i32) (param $n i32) (param $stride i32) (param $out i32)
    (local $bytes i32) (local $end i32)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $rowsLoop
        (f32.store (local.get $out) (call $dotF32 (local.get $rows) (local.get $query) (local.get $bytes)))
        (local.set $rows (i32.add (local.get $rows) (local.get $bytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $rowsLoop (i32.lt_u (local.get $out) (local.get $end))))))

  ;; out[i] = rows[list[i]] · query (float32) for i in [0, m): rescoring a candidate pool, or one namespace.
  (func (export "scoreF32Rows")
    (param $query i32) (param $rows i32) (param $stride i32) (param $list i32) (param $m i32) (param $out i32)
    (local $bytes i32) (local $end i32)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $m) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $listLoop
        (f32.store (local.get $out)
          (call $dotF32
            (i32.add (local.get $rows) (i32.mul (i32.load (local.get $list)) (local.get $bytes)))
            (local.get $query)
            (local.get $bytes)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $listLoop (i32.lt_u (local.get $out) (local.get $end))))))

  ;; out[r] = rows8[r] · query16 (exact int32) for r in [0, n): the int8 prefilter pass, a quarter of the float
  ;; rows' memory traffic. Each 16 int8 lanes widen to two i16x8 halves and meet the int16 query in
  ;; i32x4.dot_i16x8_s; the index bounds |query16| so that no int32 sum can overflow.
  (func (export "scoreI8")
    (param $query i32) (param $rows i32) (param $n i32) (param $stride i32) (param $out i32)
    (local $q i32) (local $rowEnd i32) (local $end i32) (local $v v128) (local $a0 v128) (local $a1 v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $rowsLoop
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $q (local.get $query))
        (local.set $rowEnd (i32.add (local.get $rows) (local.get $stride)))
        (loop $columns
          (local.set $v (v128.load (local.get $rows)))
          (local.set $a0 (i32x4.add (local.get $a0)
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load (local.get $q)))))
          (local.set $a1 (i32x4.add (local.get $a1)
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=16 (local.get $q)))))
          (local.set $v (v128.load offset=16 (local.get $rows)))
          (local.set $a0 (i32x4.add (local.get $a0)
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load offset=32 (local.get $q)))))
          (local.set $a1 (i32x4.add (local.get $a1)
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=48 (local.get $q)))))
          (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (br_if $columns (i32.lt_u (local.get $rows) (local.get $rowEnd))))
        (local.set $a0 (i32x4.add (local.get $a0) (local.get $a1)))
        (i32.store (local.get $out)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
            (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $rowsLoop (i32.lt_u (local.get $out) (local.get $end))))))

  ;; Symmetric int8 quantization of one float32 row: scale = max|x|/127, q = nearest(x·127/max|x|), so q spans the
  ;; int8 range. Writes q to `out` and, at `meta`, f32 scale then f32 ‖x − scale·q‖₂ as computed in float32 (the
  ;; index widens that into a proven bound; simd/rowMatrix.ts says by how much). Bulk loads quantize 100k rows, so
  ;; this runs here rather than as a scalar JS loop (~15x slower).
  (func (export "quantizeRow") (param $row i32) (param $out i32) (param $stride i32) (param $meta i32)
    (local $p i32) (local $end i32) (local $max v128) (local $m f32) (local $scale v128) (local $inverse v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $stride) (i32.const 2))))
    (local.set $p (local.get $row))
    (loop $maxLoop
      (local.set $max (f32x4.max (local.get $max) (f32x4.abs (v128.load (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $maxLoop (i32.lt_u (local.get $p) (local.get $end))))
    (local.set $m (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
      (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
    (local.set $scale (f32x4.splat (f32.div (local.get $m) (f32.const 127))))
    ;; An all-zero row (never stored by the index) gets inverse 0: q = 0, error 0, no NaN.
    (local.set $inverse (f32x4.splat
      (select (f32.div (f32.const 127) (local.get $m)) (f32.const 0) (f32.gt (local.get $m) (f32.const 0)))))
    (local.set $p (local.get $row))
    (loop $quantizeLoop
      (local.set $x0 (v128.load (local.get $p)))
      (local.set $x1 (v128.load offset=16 (local.get $p)))
      (local.set $x2 (v128.load offset=32 (local.get $p)))
      (local.set $x3 (v128.load offset=48 (local.get $p)))
      (local.set $q0 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $x0) (local.get $inverse)))))
      (local.set $q1 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $x1) (local.get $inverse)))))
      (local.set $q2 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $x2) (local.get $inverse)))))
      (local.set $q3 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $x3) (local.get $inverse)))))
      (v128.store (local.get $out)
        (i8x16.narrow_i16x8_s
          (i16x8.narrow_i32x4_s (local.get $q0) (local.get $q1))
          (i16x8.narrow_i32x4_s (local.get $q2) (local.get $q3))))
      (local.set $x0 (f32x4.sub (local.get $x0) (f32x4.mul (f32x4.convert_i32x4_s (local.get $q0)) (local.get $scale))))
      (local.set $x1 (f32x4.sub (local.get $x1) (f32x4.mul (f32x4.convert_i32x4_s (local.get $q1)) (local.get $scale))))
      (local.set $x2 (f32x4.sub (local.get $x2) (f32x4.mul (f32x4.convert_i32x4_s (local.get $q2)) (local.get $scale))))
      (local.set $x3 (f32x4.sub (local.get $x3) (f32x4.mul (f32x4.convert_i32x4_s (local.get $q3)) (local.get $scale))))
      (local.set $e0 (f32x4.add (local.get $e0) (f32x4.mul (local.get $x0) (local.get $x0))))
      (local.set $e1 (f32x4.add (local.get $e1) (f32x4.mul (local.get $x1) (local.get $x1))))
      (local.set $e2 (f32x4.add (local.get $e2) (f32x4.mul (local.get $x2) (local.get $x2))))
      (local.set $e3 (f32x4.add (local.get $e3) (f32x4.mul (local.get $x3) (local.get $x3))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $quantizeLoop (i32.lt_u (local.get $p) (local.get $end))))
    (local.set $e0 (f32x4.add
      (f32x4.add (local.get $e0) (local.get $e1))
      (f32x4.add (local.get $e2) (local.get $e3))))
    (f32.store (local.get $meta) (f32x4.extract_lane 0 (local.get $scale)))
    (f32.store offset=4 (local.get $meta)
      (f32.sqrt (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $e0)) (f32x4.extract_lane 1 (local.get $e0)))
        (f32.add (f32x4.extract_lane 2 (local.get $e0)) (f32x4.extract_lane 3 (local.get $e0)))))))
)
