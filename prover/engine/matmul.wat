;; Exact int8×int8→int32 matrix product, WASM SIMD128 (prover/engine/wasmEngine.ts).
;;
;; matmul(a, bt, c, n, rowStart, rowEnd, colBlock) computes rows [rowStart, rowEnd) of
;;   C[i][col] = Σ_x A[i][x] · Bᵀ[col][x]
;; where (byte addresses in this module's memory)
;;   a  : A,  n×n int8, row-major      (A[i][x]  at a  + i·n + x)
;;   bt : Bᵀ, n×n int8, row-major      (Bᵀ[col][x] = B[x][col] at bt + col·n + x)
;;   c  : C,  n×n int32 LE, row-major  (C[i][col] at c + 4·(i·n + col))
;; Preconditions (checked by the caller): n a multiple of 16, rowStart/rowEnd even, colBlock a
;; positive multiple of 4, all three regions inside memory.
;;
;; Exactness: v128.load8x8_s sign-extends 8 int8 to 8 int16; i32x4.dot_i16x8_s multiplies int16
;; pairs into int32 and adds adjacent pairs (each product |p| ≤ 2^14, so no rounding or saturation);
;; i32x4.add wraps mod 2^32, and the true sum |C| ≤ n·2^14 < 2^31 (n < 2^17), so the wrapped
;; result is the exact one.
;;
;; Blocking: columns are taken colBlock rows of Bᵀ at a time (colBlock·n bytes, sized by the caller
;; to sit in L2); inside a block every pair of A rows meets every group of 4 Bᵀ rows in a 2×4
;; register-blocked micro-kernel: 8 i32x4 accumulators + 6 operand vectors = 14 live v128 values,
;; under the 16 xmm registers V8 allocates on x64. Per 8 k-values: 6 load-extends, 8 dots, 8 adds
;; for 64 multiply-adds.
(module
  (memory (export "memory") 1)

  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  (func (export "matmul")
    (param $a i32) (param $bt i32) (param $c i32) (param $n i32)
    (param $rowStart i32) (param $rowEnd i32) (param $colBlock i32)
    (local $cb i32) (local $cbEnd i32) (local $i i32) (local $col i32) (local $x i32)
    (local $pa0 i32) (local $pa1 i32) (local $pb0 i32) (local $pb1 i32) (local $pb2 i32) (local $pb3 i32)
    (local $pc i32)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)

    (if (i32.ge_u (local.get $rowStart) (local.get $rowEnd)) (then (return)))
    (local.set $cb (i32.const 0))
    (loop $cbLoop
      (local.set $cbEnd (i32.add (local.get $cb) (local.get $colBlock)))
      (if (i32.gt_u (local.get $cbEnd) (local.get $n)) (then (local.set $cbEnd (local.get $n))))
      (local.set $i (local.get $rowStart))
      (loop $iLoop
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $n))))
        (local.set $pa1 (i32.add (local.get $pa0) (local.get $n)))
        (local.set $col (local.get $cb))
        (loop $colLoop
          (local.set $pb0 (i32.add (local.get $bt) (i32.mul (local.get $col) (local.get $n))))
          (local.set $pb1 (i32.add (local.get $pb0) (local.get $n)))
          (local.set $pb2 (i32.add (local.get $pb1) (local.get $n)))
          (local.set $pb3 (i32.add (local.get $pb2) (local.get $n)))
          (local.set $s00 (v128.const i32x4 0 0 0 0))
          (local.set $s01 (v128.const i32x4 0 0 0 0))
          (local.set $s02 (v128.const i32x4 0 0 0 0))
          (local.set $s03 (v128.const i32x4 0 0 0 0))
          (local.set $s10 (v128.const i32x4 0 0 0 0))
          (local.set $s11 (v128.const i32x4 0 0 0 0))
          (local.set $s12 (v128.const i32x4 0 0 0 0))
          (local.set $s13 (v128.const i32x4 0 0 0 0))
          (local.set $x (i32.const 0))
          (loop $kLoop
            ;; k-values x .. x+7
            (local.set $a0 (v128.load8x8_s (i32.add (local.get $pa0) (local.get $x))))
            (local.set $a1 (v128.load8x8_s (i32.add (local.get $pa1) (local.get $x))))
            (local.set $b0 (v128.load8x8_s (i32.add (local.get $pb0) (local.get $x))))
            (local.set $b1 (v128.load8x8_s (i32.add (local.get $pb1) (local.get $x))))
            (local.set $b2 (v128.load8x8_s (i32.add (local.get $pb2) (local.get $x))))
            (local.set $b3 (v128.load8x8_s (i32.add (local.get $pb3) (local.get $x))))
            (local.set $s00 (i32x4.add (local.get $s00) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b0))))
            (local.set $s01 (i32x4.add (local.get $s01) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b1))))
            (local.set $s02 (i32x4.add (local.get $s02) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b2))))
            (local.set $s03 (i32x4.add (local.get $s03) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b3))))
            (local.set $s10 (i32x4.add (local.get $s10) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b0))))
            (local.set $s11 (i32x4.add (local.get $s11) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b1))))
            (local.set $s12 (i32x4.add (local.get $s12) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b2))))
            (local.set $s13 (i32x4.add (local.get $s13) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b3))))
            ;; k-values x+8 .. x+15 (offset=8 folds into the address)
            (local.set $a0 (v128.load8x8_s offset=8 (i32.add (local.get $pa0) (local.get $x))))
            (local.set $a1 (v128.load8x8_s offset=8 (i32.add (local.get $pa1) (local.get $x))))
            (local.set $b0 (v128.load8x8_s offset=8 (i32.add (local.get $pb0) (local.get $x))))
            (local.set $b1 (v128.load8x8_s offset=8 (i32.add (local.get $pb1) (local.get $x))))
            (local.set $b2 (v128.load8x8_s offset=8 (i32.add (local.get $pb2) (local.get $x))))
            (local.set $b3 (v128.load8x8_s offset=8 (i32.add (local.get $pb3) (local.get $x))))
            (local.set $s00 (i32x4.add (local.get $s00) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b0))))
            (local.set $s01 (i32x4.add (local.get $s01) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b1))))
            (local.set $s02 (i32x4.add (local.get $s02) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b2))))
            (local.set $s03 (i32x4.add (local.get $s03) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b3))))
            (local.set $s10 (i32x4.add (local.get $s10) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b0))))
            (local.set $s11 (i32x4.add (local.get $s11) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b1))))
            (local.set $s12 (i32x4.add (local.get $s12) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b2))))
            (local.set $s13 (i32x4.add (local.get $s13) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b3))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br_if $kLoop (i32.lt_u (local.get $x) (local.get $n))))
          ;; C[i][col..col+3] and C[i+1][col..col+3]
          (local.set $pc
            (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $col)) (i32.const 2))))
          (i32.store offset=0 (local.get $pc) (call $hsum (local.get $s00)))
          (i32.store offset=4 (local.get $pc) (call $hsum (local.get $s01)))
          (i32.store offset=8 (local.get $pc) (call $hsum (local.get $s02)))
          (i32.store offset=12 (local.get $pc) (call $hsum (local.get $s03)))
          (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $n) (i32.const 2))))
          (i32.store offset=0 (local.get $pc) (call $hsum (local.get $s10)))
          (i32.store offset=4 (local.get $pc) (call $hsum (local.get $s11)))
          (i32.store offset=8 (local.get $pc) (call $hsum (local.get $s12)))
          (i32.store offset=12 (local.get $pc) (call $hsum (local.get $s13)))
          (local.set $col (i32.add (local.get $col) (i32.const 4)))
          (br_if $colLoop (i32.lt_u (local.get $col) (local.get $cbEnd))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br_if $iLoop (i32.lt_u (local.get $i) (local.get $rowEnd))))
      (local.set $cb (local.get $cbEnd))
      (br_if $cbLoop (i32.lt_u (local.get $cb) (local.get $n))))))
