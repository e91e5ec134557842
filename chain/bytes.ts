/**
 * Byte helpers shared by the whole chain core. Pure; no Node Buffer in signatures so the
 * domain types stay `Uint8Array`.
 * @module
 */

export type Hex = `0x${string}`;

const HEX_CHARS = "0123456789abcdef";

/**
 * The two ASCII digits of each byte as one 16-bit unit in memory order, so that a Uint16Array
 * view writes both at once on either endianness.
 */
const HEX_PAIRS = new Uint16Array(256);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
for (let i = 0; i < 256; i++) {
  const hi = HEX_CHARS.charCodeAt(i >> 4);
  const lo = HEX_CHARS.charCodeAt(i & 15);
  HEX_PAIRS[i] = LITTLE_ENDIAN ? hi | (lo << 8) : (hi << 8) | lo;
}
/** "0x" then room for 4 KiB of digits: hashes, addresses and most values fit without allocating. */
const HEX_SCRATCH_BYTES = 4096;
const hexScratch = new Uint8Array(2 + 2 * HEX_SCRATCH_BYTES);
hexScratch[0] = 0x30;
hexScratch[1] = 0x78;
const hexScratchPairs = new Uint16Array(hexScratch.buffer, 2, HEX_SCRATCH_BYTES);
const latin1 = new TextDecoder("latin1");

/**
 * Lower-case 0x-prefixed hex of `bytes`. The digits are written into a byte buffer and decoded
 * once: one flat string, where appending two characters per byte built a chain of ~n partial
 * strings (~4× the time for a hash, and ~1 KB of garbage per hash, which every RPC answer pays).
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  const n = bytes.length;
  let buf = hexScratch;
  let pairs = hexScratchPairs;
  if (n > HEX_SCRATCH_BYTES) {
    buf = new Uint8Array(2 + 2 * n);
    buf[0] = 0x30;
    buf[1] = 0x78;
    pairs = new Uint16Array(buf.buffer, 2, n);
  }
  for (let i = 0; i < n; i++) pairs[i] = HEX_PAIRS[bytes[i]!]!;
  return latin1.decode(buf.subarray(0, 2 + 2 * n)) as Hex;
}

/** Parses 0x-prefixed (or bare) hex; throws on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Uint8Array {
  const s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (s.length % 2 !== 0) throw new Error(`hexToBytes: expected even length, got ${s.length}`);
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new Error("hexToBytes: invalid hex digit");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** The parts back to back; takes an array, so any number of parts (a spread overflows the stack past ~130k). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const U64_LIMIT = 1n << 64n;

/** u64 big-endian (8 bytes). Throws outside [0, 2^64). */
export function u64ToBytes(value: bigint): Uint8Array {
  if (value < 0n || value >= U64_LIMIT) throw new RangeError(`u64ToBytes: out of range: ${value}`);
  // Two 32-bit halves written byte by byte: a DataView per call cost more than the rest (state
  // keys of u64 ids are built several times per tx).
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffffffffn);
  const out = new Uint8Array(8);
  out[0] = hi >>> 24;
  out[1] = hi >>> 16;
  out[2] = hi >>> 8;
  out[3] = hi;
  out[4] = lo >>> 24;
  out[5] = lo >>> 16;
  out[6] = lo >>> 8;
  out[7] = lo;
  return out;
}

export function bytesToU64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

/** u32 big-endian (4 bytes). */
export function u32ToBytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** Unsigned bigint as fixed 32-byte big-endian (uint256). */
export function u256ToBytes(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError("u256ToBytes: out of range");
  return hexToBytes(value.toString(16).padStart(64, "0"));
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

export const EMPTY_BYTES = new Uint8Array(0);
export const ZERO_HASH = new Uint8Array(32);
