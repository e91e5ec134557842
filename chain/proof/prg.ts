/**
 * The work definition (PROTOCOL §3): from a 32-byte seed, m pairs of n×n int8 matrices A_j, B_j.
 *
 *   stream(tag, j) = ChaCha20 keystream, key = seed, nonce = u32le(tag) ‖ u32le(j) ‖ u32le(0),
 *                    block counter starting at 0
 *   row i of A_j    = stream(0, j) bytes [i·n, (i+1)·n)     (tag 0)
 *   column c of B_j = stream(1, j) bytes [c·n, (c+1)·n)     (tag 1; = row c of B_jᵀ)
 *   each byte is one two's-complement int8
 *   C_j = A_j·B_j, C_j[r][c] = Σ_x A_j[r][x]·B_j[x][c], exact int32 (|C| ≤ n·2^14 < 2^31 as n < 2^17)
 *
 * For n ≥ 64 row i is keystream blocks [i·n/64, (i+1)·n/64), i.e. "block counter = index·n/64 +
 * block"; for n < 64 rows share blocks and the byte-offset form above is the definition. The whole of
 * A_j (row-major) is therefore the first n² bytes of stream(0, j), and the whole of B_jᵀ (row-major,
 * i.e. B_j column-major) the first n² bytes of stream(1, j).
 * @module
 */
import {
  CHACHA_BLOCK_BYTES,
  chacha20BlocksInto,
  chacha20KeystreamNative,
  keyWords,
  nonceFromWords,
} from "./chacha20.ts";

/** PRG tag of the rows of A_j. */
export const TAG_A = 0;
/** PRG tag of the columns of B_j (rows of B_jᵀ). */
export const TAG_B = 1;

/** The 12-byte nonce of matrix family `tag` (0 = A, 1 = Bᵀ) for pair j: u32le(tag) ‖ u32le(j) ‖ u32le(0). */
export function prgNonce(tag: number, j: number): Uint8Array {
  return nonceFromWords(tag, j, 0);
}

/**
 * The whole n×n matrix of family `tag` for pair j, row-major, as int8: A_j for TAG_A, B_jᵀ for TAG_B.
 * Uses the native cipher (a long stream: ~3× faster than pure JS). Writes into `out` when given.
 */
export function prgMatrix(seed: Uint8Array, tag: number, j: number, n: number, out?: Int8Array): Int8Array {
  const len = n * n;
  const dst = out ?? new Int8Array(len);
  if (dst.length < len) throw new RangeError("prgMatrix: output buffer too small");
  chacha20KeystreamNative(seed, prgNonce(tag, j), 0, len, new Uint8Array(dst.buffer, dst.byteOffset, len));
  return dst;
}

/**
 * Generates single rows of A_j / columns of B_j for one seed, without the rest of the matrix: the
 * verifier's path (pure JS, as one row of 2 KiB is ~2.4 µs in JS against ~7 µs to set up a native
 * cipher). Each `slot` has its own scratch buffer; a returned view is valid until that slot is
 * used again.
 */
export class PrgRowGenerator {
  readonly n: number;
  private readonly key: Uint32Array;
  private readonly nonce = new Uint32Array(3);
  private readonly scratch: Uint32Array[];
  private readonly views: Int8Array[];

  constructor(seed: Uint8Array, n: number, slots = 2) {
    this.n = n;
    this.key = keyWords(seed);
    // A row spans at most ceil(n/64) + 1 blocks (it may start mid-block when n < 64).
    const blocks = Math.ceil(n / CHACHA_BLOCK_BYTES) + 1;
    this.scratch = Array.from({ length: slots }, () => new Uint32Array(blocks * 16));
    this.views = this.scratch.map((s) => new Int8Array(s.buffer));
  }

  /** Row `index` of family `tag` for pair j (int8 view of n bytes into slot `slot`'s scratch). */
  segment(tag: number, j: number, index: number, slot = 0): Int8Array {
    const n = this.n;
    const scratch = this.scratch[slot];
    const view = this.views[slot];
    if (scratch === undefined || view === undefined) throw new RangeError(`PrgRowGenerator: no slot ${slot}`);
    const start = index * n;
    const block = Math.floor(start / CHACHA_BLOCK_BYTES);
    const offset = start - block * CHACHA_BLOCK_BYTES;
    const blocks = Math.ceil((offset + n) / CHACHA_BLOCK_BYTES);
    this.nonce[0] = tag;
    this.nonce[1] = j;
    this.nonce[2] = 0;
    chacha20BlocksInto(this.key, this.nonce, block, blocks, scratch, 0);
    // Output words are LE bytes (see chacha20.ts); Int8Array over them is the int8 stream.
    if (!LITTLE_ENDIAN) swapWordsToLe(scratch, blocks * 16);
    return view.subarray(offset, offset + n);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swapWordsToLe(words: Uint32Array, count: number): void {
  const dv = new DataView(words.buffer, words.byteOffset, count * 4);
  for (let i = 0; i < count; i++) dv.setUint32(i * 4, words[i]!, true);
}

/** Σ a[x]·b[x] over int8 vectors of equal length, exact (|sum| < 2^31 for n < 2^17). */
export function dotInt8(a: Int8Array, b: Int8Array): number {
  const n = a.length;
  // Four partial sums break the add dependency chain; each stays an exact small integer.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let x = 0;
  for (; x + 3 < n; x += 4) {
    s0 += a[x]! * b[x]!;
    s1 += a[x + 1]! * b[x + 1]!;
    s2 += a[x + 2]! * b[x + 2]!;
    s3 += a[x + 3]! * b[x + 3]!;
  }
  for (; x < n; x++) s0 += a[x]! * b[x]!;
  return (s0 + s1 + s2 + s3) | 0;
}

/** C_j[r][c] recomputed from the seed alone: dot(row r of A_j, column c of B_j). */
export function computeEntry(gen: PrgRowGenerator, j: number, r: number, c: number): number {
  const a = gen.segment(TAG_A, j, r, 0);
  const b = gen.segment(TAG_B, j, c, 1);
  return dotInt8(a, b);
}
