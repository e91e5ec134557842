/**
 * Generator of the WebAssembly text of multi-buffer sha256: four messages at a time in the lanes
 * of 128-bit SIMD vectors. Pure. `sha256BatchWat()` is the SMT's batch hasher (65-byte messages in
 * slots, below); the building blocks (`laneWordWat`, `compressWat`, ...) are exported for sibling
 * kernels with other message shapes (prover/tileSha256Wat.ts: the tile tree's 257-byte leaves and
 * 65-byte nodes read in place). The compiled bytes are embedded in sha256BatchWasm.ts, written by
 * `npm run gen` and checked by test/generated.test.ts.
 *
 * Memory layout of the SMT kernel (one 64 KiB page): 0..1023 the message schedule W[0..63] (one
 * v128 per word: word t of the four lanes); slot s at SLOTS_OFFSET + 128*s holds a 65-byte message
 * in bytes 0..64 and its constant padding in 65..127 (0x80, zeros, bit length 520 big-endian), i.e.
 * exactly two sha256 blocks. `hash(n)` replaces bytes 0..31 of slots 0..n-1 by their digests (lanes
 * past n in the last group hash whatever their slots hold, harmlessly).
 * @module
 */

export const SLOTS_OFFSET = 1024;
export const SLOT_BYTES = 128;
export const MAX_SLOTS = 256;

// FIPS 180-4 §4.2.2 and §5.3.3.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const STATE = ["a", "b", "c", "d", "e", "f", "g", "h"];
/** i8x16.swizzle mask that byte-swaps each 32-bit lane (sha256 words are big-endian). */
const BSWAP = "(v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12)";

/** An i32x4 constant with `x` in every lane. */
export const splat = (x: number): string => {
  const v = x | 0;
  return `(v128.const i32x4 ${v} ${v} ${v} ${v})`;
};
// WebAssembly SIMD has no rotate: rotr(x, n) = (x >>> n) | (x << (32 - n)).
const rotr = (x: string, n: number): string =>
  `(v128.or (i32x4.shr_u ${x} (i32.const ${n})) (i32x4.shl ${x} (i32.const ${32 - n})))`;
const get = (name: string): string => `(local.get $${name})`;
const w = (t: number): string => `(v128.load offset=${16 * t} (i32.const 0))`;

/** Four lane pointers: the i32 locals whose addresses lane 0..3 read from or write to. */
export type LanePointers = readonly [string, string, string, string];

/**
 * The big-endian u32 at `ptrs[j] + offset` in lane j, as a v128 expression (four lane loads and a
 * byte swap). `indent` prefixes the continuation lines.
 */
export function laneWordWat(ptrs: LanePointers, offset: number, indent = "        "): string {
  const [p0, p1, p2, p3] = ptrs;
  return `(i8x16.swizzle
${indent}  (v128.load32_lane offset=${offset} 3 (local.get $${p3})
${indent}    (v128.load32_lane offset=${offset} 2 (local.get $${p2})
${indent}      (v128.load32_lane offset=${offset} 1 (local.get $${p1})
${indent}        (v128.load32_zero offset=${offset} (local.get $${p0})))))
${indent}  ${BSWAP})`;
}

/** Stores v128 `expr` as schedule word W[t]. */
export function storeWordWat(t: number, expr: string, indent = "        "): string {
  return `${indent}(v128.store offset=${16 * t} (i32.const 0) ${expr})\n`;
}

/**
 * One sha256 compression of the state in locals $a..$h (each a v128 of four lanes) with W[0..15]
 * already stored at 0..255: the schedule W[16..63], then the 64 rounds, then the feed-forward.
 * Uses the v128 locals $s0..$s7, $t, $x, $y (`SHA256_LOCALS`).
 */
export function compressWat(): string {
  let block = "";
  // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]
  for (let t = 16; t < 64; t++) {
    block += `        (local.set $x ${w(t - 2)})
        (local.set $y ${w(t - 15)})
        (v128.store offset=${16 * t} (i32.const 0) (i32x4.add
          (i32x4.add (v128.xor (v128.xor ${rotr(get("x"), 17)} ${rotr(get("x"), 19)})
            (i32x4.shr_u ${get("x")} (i32.const 10))) ${w(t - 7)})
          (i32x4.add (v128.xor (v128.xor ${rotr(get("y"), 7)} ${rotr(get("y"), 18)})
            (i32x4.shr_u ${get("y")} (i32.const 3))) ${w(t - 16)})))\n`;
  }
  for (let i = 0; i < 8; i++) block += `        (local.set $s${i} (local.get $${STATE[i]}))\n`;
  // 64 rounds, unrolled; instead of shifting a..h each round, the names rotate:
  // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]; T2 = Σ0(a) + Maj(a,b,c); d += T1 (new e); h = T1 + T2 (new a).
  // Ch(e,f,g) = bitselect(f, g, e); Maj(a,b,c) = bitselect(c, b, a ^ b).
  let n = [...STATE];
  for (let t = 0; t < 64; t++) {
    const [a, b, c, d, e, f, g, h] = n as [string, string, string, string, string, string, string, string];
    block += `        (local.set $t (i32x4.add (i32x4.add (i32x4.add ${get(h)}
          (v128.xor (v128.xor ${rotr(get(e), 6)} ${rotr(get(e), 11)}) ${rotr(get(e), 25)}))
          (i32x4.add (v128.bitselect ${get(f)} ${get(g)} ${get(e)}) ${splat(K[t]!)})) ${w(t)}))
        (local.set $${d} (i32x4.add ${get(d)} (local.get $t)))
        (local.set $${h} (i32x4.add (i32x4.add (local.get $t)
          (v128.xor (v128.xor ${rotr(get(a), 2)} ${rotr(get(a), 13)}) ${rotr(get(a), 22)}))
          (v128.bitselect ${get(c)} ${get(b)} (v128.xor ${get(a)} ${get(b)}))))\n`;
    n = [h, a, b, c, d, e, f, g];
  }
  for (let i = 0; i < 8; i++) {
    block += `        (local.set $${STATE[i]} (i32x4.add (local.get $${STATE[i]}) (local.get $s${i})))\n`;
  }
  return block;
}

/** Sets $a..$h to the initial hash value H0 in every lane. */
export function initStateWat(): string {
  let init = "";
  for (let i = 0; i < 8; i++) init += `      (local.set $${STATE[i]} ${splat(H0[i]!)})\n`;
  return init;
}

/** Writes the digest of lane j (state $a..$h, big-endian) to the 32 bytes at `ptrs[j]`. */
export function storeDigestsWat(ptrs: LanePointers): string {
  let out = "";
  for (let i = 0; i < 8; i++) {
    out += `      (local.set $x (i8x16.swizzle (local.get $${STATE[i]}) ${BSWAP}))\n`;
    for (let j = 0; j < 4; j++)
      out += `      (v128.store32_lane offset=${4 * i} ${j} (local.get $${ptrs[j]}) (local.get $x))\n`;
  }
  return out;
}

/** The v128 locals compressWat, initStateWat and storeDigestsWat use. */
export const SHA256_LOCALS = `(local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local $t v128) (local $x v128) (local $y v128)`;

/** The SMT kernel's module text. Deterministic: same text on every call. */
export function sha256BatchWat(): string {
  let block = "";
  // W[0..15]: word t of lane j is the big-endian u32 at q_j + 4t.
  for (let t = 0; t < 16; t++) {
    block += `        (v128.store offset=${16 * t} (i32.const 0) ${laneWordWat(["q0", "q1", "q2", "q3"], 4 * t)})\n`;
  }
  block += compressWat();
  return `;; GENERATED by chain/smt/sha256BatchWat.ts; do not edit.
(module
  (memory (export "memory") 1)
  (func (export "hash") (param $n i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $end i32) (local $blk i32)
    ${SHA256_LOCALS}
    (local.set $p0 (i32.const ${SLOTS_OFFSET}))
    (local.set $end (i32.add (i32.const ${SLOTS_OFFSET}) (i32.shl (local.get $n) (i32.const 7))))
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $p0) (local.get $end)))
      (local.set $p1 (i32.add (local.get $p0) (i32.const ${SLOT_BYTES})))
      (local.set $p2 (i32.add (local.get $p0) (i32.const ${2 * SLOT_BYTES})))
      (local.set $p3 (i32.add (local.get $p0) (i32.const ${3 * SLOT_BYTES})))
${initStateWat()}      (local.set $blk (i32.const 0))
      (loop $block
        (local.set $q0 (i32.add (local.get $p0) (local.get $blk)))
        (local.set $q1 (i32.add (local.get $p1) (local.get $blk)))
        (local.set $q2 (i32.add (local.get $p2) (local.get $blk)))
        (local.set $q3 (i32.add (local.get $p3) (local.get $blk)))
${block}        (local.set $blk (i32.add (local.get $blk) (i32.const 64)))
        (br_if $block (i32.lt_u (local.get $blk) (i32.const 128))))
${storeDigestsWat(["p0", "p1", "p2", "p3"])}      (local.set $p0 (i32.add (local.get $p0) (i32.const ${4 * SLOT_BYTES})))
      (br $group)))))
`;
}
