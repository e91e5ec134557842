/**
 * ChaCha20 keystream (RFC 8439 §2.3 block function), in two interchangeable forms:
 * - `chacha20Keystream` / `Chacha20Reader`: pure JS, byte-identical to the RFC.
 * - `chacha20KeystreamNative`: Node's OpenSSL `chacha20` cipher run over zeros. OpenSSL's 16-byte iv
 *   is counter (u32 LE) ‖ nonce (12 bytes), so both forms give the same bytes (tested).
 *
 * Which is used where (measured on the 2-core dev box, see chain/proof/README.md):
 * - long streams (a whole n×n matrix for the prover, n² bytes): native, ~4× faster per byte;
 * - short streams (one row or column per verifier sample, n bytes): pure JS, as creating a native
 *   cipher costs a few µs per call, more than a 2 KiB row costs in JS.
 * Both are pure computation (no I/O, no randomness), so chain/ may use either.
 *
 * State layout (RFC 8439 §2.3), sixteen u32 words:
 *   0..3  constants "expand 32-byte k"
 *   4..11 key, eight u32 LE words
 *   12    block counter
 *   13..15 nonce, three u32 LE words
 * Output block = LE bytes of (state after 20 rounds + initial state), 64 bytes.
 * @module
 */
import { createCipheriv } from "node:crypto";

/** Bytes per ChaCha20 block. */
export const CHACHA_BLOCK_BYTES = 64;

const C0 = 0x61707865;
const C1 = 0x3320646e;
const C2 = 0x79622d32;
const C3 = 0x6b206574;

// The u32 output words are written through a Uint32Array view, which is LE on every platform Node
// ships for; a big-endian host takes the byte-by-byte path instead.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Key (32 bytes) as eight u32 LE words. */
export function keyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new RangeError(`chacha20: key must be 32 bytes, got ${key.length}`);
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    w[i] = (key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)) >>> 0;
  }
  return w;
}

/** Nonce (12 bytes) as three u32 LE words. */
export function nonceWords(nonce: Uint8Array): Uint32Array {
  if (nonce.length !== 12) throw new RangeError(`chacha20: nonce must be 12 bytes, got ${nonce.length}`);
  const w = new Uint32Array(3);
  for (let i = 0; i < 3; i++) {
    w[i] =
      (nonce[4 * i]! | (nonce[4 * i + 1]! << 8) | (nonce[4 * i + 2]! << 16) | (nonce[4 * i + 3]! << 24)) >>>
      0;
  }
  return w;
}

/** The 12-byte nonce of three u32 LE words (w0, w1, w2). */
export function nonceFromWords(w0: number, w1: number, w2: number): Uint8Array {
  const out = new Uint8Array(12);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, w0 >>> 0, true);
  dv.setUint32(4, w1 >>> 0, true);
  dv.setUint32(8, w2 >>> 0, true);
  return out;
}

/**
 * Writes `blocks` consecutive keystream blocks (counters counter, counter+1, …) as u32 words into
 * `out` starting at word `outWord`. Hot loop: the 16 state words live in locals.
 */
export function chacha20BlocksInto(
  key: Uint32Array,
  nonce: Uint32Array,
  counter: number,
  blocks: number,
  out: Uint32Array,
  outWord: number,
): void {
  const k0 = key[0]! | 0;
  const k1 = key[1]! | 0;
  const k2 = key[2]! | 0;
  const k3 = key[3]! | 0;
  const k4 = key[4]! | 0;
  const k5 = key[5]! | 0;
  const k6 = key[6]! | 0;
  const k7 = key[7]! | 0;
  const n0 = nonce[0]! | 0;
  const n1 = nonce[1]! | 0;
  const n2 = nonce[2]! | 0;
  let o = outWord;
  for (let b = 0; b < blocks; b++) {
    const ctr = (counter + b) | 0;
    let x0 = C0;
    let x1 = C1;
    let x2 = C2;
    let x3 = C3;
    let x4 = k0;
    let x5 = k1;
    let x6 = k2;
    let x7 = k3;
    let x8 = k4;
    let x9 = k5;
    let x10 = k6;
    let x11 = k7;
    let x12 = ctr;
    let x13 = n0;
    let x14 = n1;
    let x15 = n2;
    for (let r = 0; r < 10; r++) {
      // Column round: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15)
      x0 = (x0 + x4) | 0;
      x12 ^= x0;
      x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0;
      x4 ^= x8;
      x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0;
      x12 ^= x0;
      x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0;
      x4 ^= x8;
      x4 = (x4 << 7) | (x4 >>> 25);

      x1 = (x1 + x5) | 0;
      x13 ^= x1;
      x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0;
      x5 ^= x9;
      x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0;
      x13 ^= x1;
      x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0;
      x5 ^= x9;
      x5 = (x5 << 7) | (x5 >>> 25);

      x2 = (x2 + x6) | 0;
      x14 ^= x2;
      x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0;
      x6 ^= x10;
      x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0;
      x14 ^= x2;
      x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0;
      x6 ^= x10;
      x6 = (x6 << 7) | (x6 >>> 25);

      x3 = (x3 + x7) | 0;
      x15 ^= x3;
      x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0;
      x7 ^= x11;
      x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0;
      x15 ^= x3;
      x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0;
      x7 ^= x11;
      x7 = (x7 << 7) | (x7 >>> 25);

      // Diagonal round: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14)
      x0 = (x0 + x5) | 0;
      x15 ^= x0;
      x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0;
      x5 ^= x10;
      x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0;
      x15 ^= x0;
      x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0;
      x5 ^= x10;
      x5 = (x5 << 7) | (x5 >>> 25);

      x1 = (x1 + x6) | 0;
      x12 ^= x1;
      x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0;
      x6 ^= x11;
      x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0;
      x12 ^= x1;
      x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0;
      x6 ^= x11;
      x6 = (x6 << 7) | (x6 >>> 25);

      x2 = (x2 + x7) | 0;
      x13 ^= x2;
      x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0;
      x7 ^= x8;
      x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0;
      x13 ^= x2;
      x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0;
      x7 ^= x8;
      x7 = (x7 << 7) | (x7 >>> 25);

      x3 = (x3 + x4) | 0;
      x14 ^= x3;
      x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0;
      x4 ^= x9;
      x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0;
      x14 ^= x3;
      x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0;
      x4 ^= x9;
      x4 = (x4 << 7) | (x4 >>> 25);
    }
    out[o] = x0 + C0;
    out[o + 1] = x1 + C1;
    out[o + 2] = x2 + C2;
    out[o + 3] = x3 + C3;
    out[o + 4] = x4 + k0;
    out[o + 5] = x5 + k1;
    out[o + 6] = x6 + k2;
    out[o + 7] = x7 + k3;
    out[o + 8] = x8 + k4;
    out[o + 9] = x9 + k5;
    out[o + 10] = x10 + k6;
    out[o + 11] = x11 + k7;
    out[o + 12] = x12 + ctr;
    out[o + 13] = x13 + n0;
    out[o + 14] = x14 + n1;
    out[o + 15] = x15 + n2;
    o += 16;
  }
}

function checkCounter(counter: number, bytes: number): void {
  // The RFC counter is 32 bits; a stream must not wrap it (PROTOCOL: n² / 64 < 2^28 blocks).
  if (!Number.isInteger(counter) || counter < 0 || counter + Math.ceil(bytes / 64) > 0x1_0000_0000) {
    throw new RangeError(`chacha20: counter ${counter} + ${bytes} bytes overflows the 32-bit block counter`);
  }
}

/**
 * `length` keystream bytes starting at block `counter` (RFC 8439: key 32 B, nonce 12 B). Pure JS.
 * Writes into `out` (at least `length` bytes) when given.
 */
export function chacha20Keystream(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  length: number,
  out?: Uint8Array,
): Uint8Array {
  checkCounter(counter, length);
  const dst = out ?? new Uint8Array(length);
  if (dst.length < length) throw new RangeError("chacha20: output buffer too small");
  const kw = keyWords(key);
  const nw = nonceWords(nonce);
  const blocks = Math.ceil(length / 64);
  const aligned = LITTLE_ENDIAN && dst.byteOffset % 4 === 0 && length % 64 === 0;
  if (aligned) {
    chacha20BlocksInto(kw, nw, counter, blocks, new Uint32Array(dst.buffer, dst.byteOffset, length / 4), 0);
    return dst;
  }
  const words = new Uint32Array(blocks * 16);
  chacha20BlocksInto(kw, nw, counter, blocks, words, 0);
  copyWordsLe(words, 0, dst, 0, length);
  return dst;
}

/** Copies `length` LE bytes of `words` starting at byte `fromByte` into dst[at..]. */
function copyWordsLe(
  words: Uint32Array,
  fromByte: number,
  dst: Uint8Array,
  at: number,
  length: number,
): void {
  if (LITTLE_ENDIAN) {
    dst.set(new Uint8Array(words.buffer, words.byteOffset + fromByte, length), at);
    return;
  }
  for (let i = 0; i < length; i++) {
    const b = fromByte + i;
    dst[at + i] = (words[b >>> 2]! >>> ((b & 3) * 8)) & 0xff;
  }
}

let zeros = new Uint8Array(0);

/**
 * Same bytes as `chacha20Keystream`, from Node's native (OpenSSL) `chacha20` cipher: the cipher
 * XORs the keystream into its input, so encrypting zeros yields the keystream. iv16 = u32 LE
 * counter ‖ nonce. Pure computation (no I/O, no randomness). Fast for long streams.
 */
export function chacha20KeystreamNative(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  length: number,
  out?: Uint8Array,
): Uint8Array {
  if (key.length !== 32) throw new RangeError(`chacha20: key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 12) throw new RangeError(`chacha20: nonce must be 12 bytes, got ${nonce.length}`);
  checkCounter(counter, length);
  const dst = out ?? new Uint8Array(length);
  if (dst.length < length) throw new RangeError("chacha20: output buffer too small");
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce, 4);
  const cipher = createCipheriv("chacha20", key, iv);
  // Encrypt zeros in chunks (≤ 1 MiB) so the zero buffer stays small; chacha20 is a stream cipher,
  // so successive update() calls continue the same keystream.
  const chunk = Math.min(length, 1 << 20);
  if (zeros.length < chunk) zeros = new Uint8Array(chunk);
  for (let off = 0; off < length; off += chunk) {
    const len = Math.min(chunk, length - off);
    const b = cipher.update(zeros.subarray(0, len));
    dst.set(b, off);
  }
  cipher.final();
  return dst;
}

/**
 * Sequential pure-JS reader over one keystream (key, nonce, from block 0), for the sampler: it
 * generates blocks only as bytes are consumed.
 */
export class Chacha20Reader {
  private readonly key: Uint32Array;
  private readonly nonce: Uint32Array;
  private readonly block = new Uint32Array(16);
  private readonly blockBytes: Uint8Array;
  private counter = 0;
  /** Bytes of the current block already consumed (64 = none left). */
  private used = 64;

  constructor(key: Uint8Array, nonce: Uint8Array) {
    this.key = keyWords(key);
    this.nonce = nonceWords(nonce);
    this.blockBytes = new Uint8Array(64);
  }

  /** Total bytes consumed so far. */
  get position(): number {
    return this.counter * 64 - (64 - this.used);
  }

  /** The next byte of the keystream. */
  nextByte(): number {
    if (this.used === 64) {
      checkCounter(this.counter, 64);
      chacha20BlocksInto(this.key, this.nonce, this.counter, 1, this.block, 0);
      copyWordsLe(this.block, 0, this.blockBytes, 0, 64);
      this.counter++;
      this.used = 0;
    }
    return this.blockBytes[this.used++]!;
  }

  /** The next `width` bytes as an unsigned little-endian integer. */
  nextUintLe(width: number): bigint {
    // Up to 6 bytes at a time in a JS number (exact below 2^53), then into the bigint.
    let v = 0n;
    for (let i = 0; i < width; ) {
      const take = Math.min(6, width - i);
      let part = 0;
      let mul = 1;
      for (let b = 0; b < take; b++) {
        part += this.nextByte() * mul;
        mul *= 256;
      }
      v |= BigInt(part) << BigInt(8 * i);
      i += take;
    }
    return v;
  }
}
