/**
 * Generator of the WebAssembly text of the tile tree's batch hasher (chain/proof/tileTree.ts:
 * leaf = sha256(0x00 ‖ tile), node = sha256(0x01 ‖ left ‖ right)), four messages per pass in the
 * lanes of SIMD vectors, from the building blocks of the SMT's kernel (chain/smt/sha256BatchWat.ts).
 * Unlike the SMT kernel, messages are read in place, with no copy into slots:
 *
 * - `leaves(src, side, rowStride, first, count, dst)`: tiles `first .. first+count-1` of a band of
 *   an int32 matrix at `src` (`side` tiles per row, `rowStride` bytes per matrix row; tile t sits
 *   at src + ⌊t/side⌋·8·rowStride + (t mod side)·32, row r of it at + r·rowStride); digest i at
 *   dst + 32i. A leaf message is 257 bytes: 4 blocks of data and one of padding.
 * - `nodes(src, count, dst)`: node i = sha256(0x01 ‖ the 64 bytes at src + 64i) at dst + 32i
 *   (2 blocks).
 *
 * The one-byte prefix shifts every message word by a byte: with y_k the big-endian tile (or child)
 * words, W_k = (y_{k−1} << 24) | (y_k >>> 8), y_{−1} being the prefix; the last data word's low
 * byte opens the padding block: W_0 = (y_last << 24) | 0x00800000, W_15 = the bit length.
 * Lanes past `count` in the last group read message 0 again and write their digests to a scratch
 * area. Memory (grown by the caller): 0..1023 the schedule, 1024..1055 the scratch digest, data
 * from DATA_OFFSET. The compiled bytes live in tileSha256Wasm.ts (`npm run gen`).
 * @module
 */
import {
  compressWat,
  initStateWat,
  type LanePointers,
  laneWordWat,
  SHA256_LOCALS,
  splat,
  storeDigestsWat,
  storeWordWat,
} from "../chain/smt/sha256BatchWat.ts";

/** First byte the caller may use for matrices, levels and digests. */
export const DATA_OFFSET = 2048;
const SCRATCH = 1024;

/** The four lane locals $<name>0 .. $<name>3. */
const lanes = (name: string): LanePointers => [`${name}0`, `${name}1`, `${name}2`, `${name}3`];

interface MessageShape {
  name: string;
  params: string;
  /** Sets $p<j> (message start) and $d<j> (digest) for a valid lane j with message index $k. */
  lane(j: number): string;
  /** Data blocks (each 16 words of the unprefixed message). */
  dataBlocks: number;
  /** Per data block: sets the pointers `word` reads from (block index in $blk). */
  blockSetup: string;
  /** Pointer local and offset of word t (0..15) of the current data block. */
  word(t: number): [string, number];
  prefix: number;
  bitLength: number;
}

function messagesFunc(s: MessageShape): string {
  const laneSetup = [0, 1, 2, 3]
    .map(
      (j) => `      (local.set $k (i32.add (local.get $i) (i32.const ${j})))
      (if (i32.lt_u (local.get $k) (local.get $count))
        (then
${s.lane(j)})
        (else
          (local.set $p${j} (local.get $p0))
          (local.set $d${j} (i32.const ${SCRATCH}))))\n`,
    )
    .join("");
  let data = "";
  for (let t = 0; t < 16; t++) {
    const [ptr, offset] = s.word(t);
    data += `            (local.set $v ${laneWordWat(lanes(ptr), offset, "            ")})\n`;
    data += storeWordWat(
      t,
      "(v128.or (i32x4.shl (local.get $prev) (i32.const 24)) (i32x4.shr_u (local.get $v) (i32.const 8)))",
      "            ",
    );
    data += "            (local.set $prev (local.get $v))\n";
  }
  let pad = storeWordWat(
    0,
    `(v128.or (i32x4.shl (local.get $prev) (i32.const 24)) ${splat(0x00800000)})`,
    "            ",
  );
  for (let t = 1; t < 15; t++) pad += storeWordWat(t, "(v128.const i64x2 0 0)", "            ");
  pad += storeWordWat(15, splat(s.bitLength), "            ");
  return `  (func (export "${s.name}") ${s.params}
    (local $i i32) (local $k i32) (local $blk i32) (local $off i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $d0 i32) (local $d1 i32) (local $d2 i32) (local $d3 i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $prev v128) (local $v v128)
    ${SHA256_LOCALS}
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
${laneSetup}${initStateWat()}      (local.set $prev ${splat(s.prefix)})
      (local.set $blk (i32.const 0))
      (loop $block
        (if (i32.lt_u (local.get $blk) (i32.const ${s.dataBlocks}))
          (then
${s.blockSetup}${data})
          (else
${pad}))
${compressWat()}        (local.set $blk (i32.add (local.get $blk) (i32.const 1)))
        (br_if $block (i32.le_u (local.get $blk) (i32.const ${s.dataBlocks}))))
${storeDigestsWat(lanes("d"))}      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $group))))
`;
}

const LEAVES: MessageShape = {
  name: "leaves",
  params:
    "(param $src i32) (param $side i32) (param $rowStride i32) (param $first i32) (param $count i32) (param $dst i32)",
  lane: (
    j,
  ) => `          (local.set $off (i32.div_u (i32.add (local.get $k) (local.get $first)) (local.get $side)))
          (local.set $p${j} (i32.add (local.get $src) (i32.add
            (i32.mul (local.get $off) (i32.shl (local.get $rowStride) (i32.const 3)))
            (i32.shl (i32.sub (i32.add (local.get $k) (local.get $first)) (i32.mul (local.get $off) (local.get $side)))
              (i32.const 5)))))
          (local.set $d${j} (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 5))))
`,
  dataBlocks: 4,
  // Data block b holds tile rows 2b (words 0..7, from $q) and 2b + 1 (words 8..15, from $r).
  blockSetup: [0, 1, 2, 3]
    .map(
      (j) => `            (local.set $q${j} (i32.add (local.get $p${j})
              (i32.mul (local.get $blk) (i32.shl (local.get $rowStride) (i32.const 1)))))
            (local.set $r${j} (i32.add (local.get $q${j}) (local.get $rowStride)))
`,
    )
    .join(""),
  word: (t) => (t < 8 ? ["q", 4 * t] : ["r", 4 * (t - 8)]),
  prefix: 0x00,
  bitLength: 257 * 8,
};

const NODES: MessageShape = {
  name: "nodes",
  params: "(param $src i32) (param $count i32) (param $dst i32)",
  lane: (j) => `          (local.set $p${j} (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 6))))
          (local.set $d${j} (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 5))))
`,
  dataBlocks: 1,
  blockSetup: "",
  word: (t) => ["p", 4 * t],
  prefix: 0x01,
  bitLength: 65 * 8,
};

/** The module's text. Deterministic: same text on every call. */
export function tileSha256Wat(): string {
  return `;; GENERATED by prover/tileSha256Wat.ts; do not edit.
(module
  (memory (export "memory") 1)
${messagesFunc(LEAVES)}${messagesFunc(NODES)})
`;
}
