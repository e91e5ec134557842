/**
 * Shared machinery of the wire codecs: scalar conversions between domain values (bigint,
 * Uint8Array, number) and what protobufjs reads and writes (Long, number, byte views), field
 * checks, and the decode → convert → re-encode → compare step that makes every encoding canonical.
 * @module
 */
import protobuf from "protobufjs";
import { bytesToHex, EMPTY_BYTES, equalBytes } from "../bytes.ts";
import { DecodeError, RollupError, showValue } from "../errors.ts";

/** Sizes of the fixed-size bytes fields. */
export const ADDRESS_BYTES = 20;
export const HASH_BYTES = 32;
/** r ‖ s ‖ v secp256k1 signature. */
export const TX_SIGNATURE_BYTES = 65;
/** BLS12-381 G1 signature (drand quicknet). */
export const BEACON_SIGNATURE_BYTES = 48;

/** Thrown by encoders when a domain value cannot be encoded (out of range, wrong length). */
export class EncodeError extends RollupError {
  constructor(message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super("ENCODE_ERROR", message, meta, options);
    this.name = "EncodeError";
  }
}

/** A 64-bit integer as protobufjs hands it over: a Long (always, while `long` is installed) or a number. */
export type PbLong = number | { low: number; high: number; unsigned?: boolean };

/**
 * An absent bytes field decodes to protobufjs' shared frozen `[]`, not a Uint8Array; only its
 * length is ever read.
 */
export type PbBytes = Uint8Array | readonly number[];

/** A reflected message type: the generated encode/decode functions. */
export type PbType = protobuf.Type;

// ---------------------------------------------------------------------------------------------
// Writer: one reused writer, so an encode allocates only its result and a re-encode for the
// canonical check allocates nothing (it compares against a shared view of the writer's buffer).
// ---------------------------------------------------------------------------------------------

/** Plain Uint8Array results: not Node Buffers, and not views into a shared pool slab. */
class OwnedWriter extends protobuf.Writer {
  static override alloc(size: number): Uint8Array {
    return new Uint8Array(size);
  }
}

/** Above this capacity the writer is replaced after use, so one large block does not pin memory. */
const WRITER_KEEP_BYTES = 1 << 20;
let writer = new OwnedWriter();

function encodeIntoWriter(type: PbType, msg: object): protobuf.Writer {
  const w = writer;
  w.pos = 0;
  w.states = null;
  type.encode(msg, w);
  return w;
}

function releaseWriter(w: protobuf.Writer): void {
  if (w.buf.length > WRITER_KEEP_BYTES) writer = new OwnedWriter();
}

/** Encodes a prepared plain object (defaults already left out) into fresh bytes. */
export function encodeMessage(type: PbType, msg: object): Uint8Array {
  const w = encodeIntoWriter(type, msg);
  const out = w.finish();
  releaseWriter(w);
  return out;
}

/** True iff encoding `msg` yields exactly `bytes`. */
export function encodesTo(type: PbType, msg: object, bytes: Uint8Array): boolean {
  const w = encodeIntoWriter(type, msg);
  const same = equalBytes(w.finish(true), bytes);
  releaseWriter(w);
  return same;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/**
 * A plain Uint8Array over the same memory: Node Buffers would make every decoded bytes field a
 * Buffer (whose `slice` does not copy, unlike Uint8Array's).
 */
export function toPlainBytes(bytes: Uint8Array, name: string): Uint8Array {
  if (!(bytes instanceof Uint8Array))
    throw new DecodeError(`${name}: expected a Uint8Array, got ${typeof bytes}`, { type: name });
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Runs the generated decoder; protobufjs throws plain Error/RangeError on garbage. */
export function decodePb<M>(type: PbType, name: string, bytes: Uint8Array): M {
  try {
    return type.decode(bytes) as unknown as M;
  } catch (e) {
    throw new DecodeError(
      `${name}: malformed protobuf (${(e as Error).message})`,
      { type: name },
      { cause: e },
    );
  }
}

/**
 * The one decode path: parse, convert to the domain value (checking each field), re-encode the
 * domain value and require the same bytes. Re-encoding is what rejects everything non-canonical
 * (order, duplicates, unknown fields, long varints, explicit defaults, trailing bytes) without
 * listing the cases. Anything thrown that is not a DecodeError is wrapped into one.
 */
export function decodeCanonical<M, T>(
  type: PbType,
  name: string,
  input: Uint8Array,
  fromPb: (msg: M) => T,
  toPb: (value: T) => object,
): T {
  try {
    const bytes = toPlainBytes(input, name);
    const value = fromPb(decodePb<M>(type, name, bytes));
    if (!encodesTo(type, toPb(value), bytes)) {
      throw new DecodeError(`${name}: non-canonical encoding`, {
        type: name,
        bytes: bytesToHex(bytes.subarray(0, 64)),
      });
    }
    return value;
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`${name}: ${(e as Error)?.message ?? String(e)}`, { type: name }, { cause: e });
  }
}

/** Prefixes a nested decode error with where it happened ("Block.txs[3]: Tx: ..."). */
export function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError(`${where}: ${e.message}`, e.meta, { cause: e });
    if (e instanceof EncodeError) throw new EncodeError(`${where}: ${e.message}`, e.meta, { cause: e });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// u64 / s64 <-> protobufjs
// ---------------------------------------------------------------------------------------------

const U64_LIMIT = 1n << 64n;
const S64_MIN = -(1n << 63n);
const S64_LIMIT = 1n << 63n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = -SAFE_MAX;
const TWO32 = 4294967296;

/** uint64 field value, or undefined for zero (proto3 omits it). Numbers are fast for protobufjs. */
export function u64ToPb(value: bigint, field: string): PbLong | undefined {
  if (value === 0n) return undefined;
  return u64ToPbPresent(value, field);
}

/** uint64 value of an `optional` field: zero is written too. */
export function u64ToPbPresent(value: bigint, field: string): PbLong {
  if (typeof value !== "bigint")
    throw new EncodeError(`${field}: expected a bigint, got ${typeof value}`, { field });
  if (value >= 0n && value <= SAFE_MAX) return Number(value);
  if (value < 0n || value >= U64_LIMIT)
    throw new EncodeError(`${field}: u64 out of range: ${showValue(value)}`, { field });
  return { low: Number(value & 0xffffffffn) | 0, high: Number(value >> 32n) | 0, unsigned: true };
}

export function u64FromPb(v: PbLong): bigint {
  if (typeof v === "number") return BigInt(v);
  const hi = v.high >>> 0;
  const lo = v.low >>> 0;
  // One BigInt from a safe integer is several times cheaper than shifting and or-ing BigInts.
  if (hi < 0x200000) return BigInt(hi * TWO32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** sint64 (zigzag) field value, or undefined for zero. */
export function s64ToPb(value: bigint, field: string): PbLong | undefined {
  if (value === 0n) return undefined;
  if (typeof value !== "bigint")
    throw new EncodeError(`${field}: expected a bigint, got ${typeof value}`, { field });
  if (value >= SAFE_MIN && value <= SAFE_MAX) return Number(value);
  if (value < S64_MIN || value >= S64_LIMIT)
    throw new EncodeError(`${field}: s64 out of range: ${showValue(value)}`, { field });
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: false };
}

export function s64FromPb(v: PbLong): bigint {
  if (typeof v === "number") return BigInt(v);
  const hi = v.high | 0;
  const lo = v.low >>> 0;
  if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * TWO32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** uint32 field value, or undefined for zero. */
export function u32ToPb(value: number, field: string): number | undefined {
  if (value === 0) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new EncodeError(`${field}: u32 out of range: ${value}`, { field });
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Amounts: uint256 as minimal big-endian bytes (zero = empty)
// ---------------------------------------------------------------------------------------------

/**
 * Amounts are uint256 (a consensus rule, PROTOCOL.md Appendix A): at most 32 bytes on the wire,
 * as on L1. Unbounded amounts let one tx carry a ~1 Mbit integer that every node then converts,
 * compares and formats.
 */
export const AMOUNT_MAX_BYTES = 32;
const AMOUNT_LIMIT = 1n << 256n;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

/** Minimal big-endian bytes of a uint256; zero is the empty array. */
export function amountToBytes(value: bigint, field: string): Uint8Array {
  if (typeof value !== "bigint")
    throw new EncodeError(`${field}: expected a bigint, got ${typeof value}`, { field });
  if (value <= 0n) {
    if (value === 0n) return EMPTY_BYTES;
    throw new EncodeError(`${field}: negative amount: ${showValue(value)}`, { field });
  }
  if (value >= AMOUNT_LIMIT)
    throw new EncodeError(`${field}: amount above uint256: ${showValue(value)}`, { field });
  // toString(16) is native and fast; parsing its digits by hand avoids bytes.ts' regex + slices.
  const hex = value.toString(16);
  const odd = hex.length & 1;
  const out = new Uint8Array((hex.length + odd) >> 1);
  let j = 0;
  let i = 0;
  if (odd) out[j++] = HEX_VALUE[hex.charCodeAt(i++)]!;
  for (; i < hex.length; i += 2)
    out[j++] = (HEX_VALUE[hex.charCodeAt(i)]! << 4) | HEX_VALUE[hex.charCodeAt(i + 1)]!;
  return out;
}

/** Amount field value, or undefined for zero. */
export function amountToPb(value: bigint, field: string): Uint8Array | undefined {
  return value === 0n ? undefined : amountToBytes(value, field);
}

const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Inverse of amountToBytes. The size is checked first, before any work on the value; a leading
 * zero byte is non-canonical.
 */
export function amountFromPb(b: PbBytes, field: string): bigint {
  const n = b.length;
  if (n === 0) return 0n;
  if (n > AMOUNT_MAX_BYTES) {
    throw new DecodeError(`${field}: amount of ${n} bytes, above uint256 (at most ${AMOUNT_MAX_BYTES})`, {
      field,
      size: AMOUNT_MAX_BYTES,
      got: n,
    });
  }
  if (b[0] === 0) throw new DecodeError(`${field}: leading zero byte in amount (non-canonical)`, { field });
  return uintFromBytes(b, 0, n);
}

/** The big-endian unsigned integer in b[start..end) (no checks: callers bound the length). */
export function uintFromBytes(b: PbBytes, start: number, end: number): bigint {
  const n = end - start;
  // Up to 6 bytes fit a safe integer; up to 12, two of them and one shift beat parsing hex.
  if (n <= 6) return BigInt(beNumber(b, start, end));
  if (n <= 12) return (BigInt(beNumber(b, start, end - 6)) << 48n) | BigInt(beNumber(b, end - 6, end));
  let hex = "0x";
  for (let i = start; i < end; i++) hex += HEX_PAIRS[b[i]!]!;
  return BigInt(hex);
}

/** b[start..end) big-endian as a number; end - start ≤ 6. */
function beNumber(b: PbBytes, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + b[i]!;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Bytes fields
// ---------------------------------------------------------------------------------------------

/** Decoded required fixed-size bytes (a view into the input). */
export function fixedFromPb(b: PbBytes, size: number, field: string): Uint8Array {
  if (b.length !== size) {
    throw new DecodeError(`${field}: expected ${size} bytes, got ${b.length}`, {
      field,
      size,
      got: b.length,
    });
  }
  return b as Uint8Array;
}

/** Decoded optional fixed-size bytes: absent (empty) or exactly `size`. */
export function optFixedFromPb(b: PbBytes, size: number, field: string): Uint8Array | undefined {
  return b.length === 0 ? undefined : fixedFromPb(b, size, field);
}

/** Decoded variable-length bytes; an absent field becomes a (shared, zero-length) Uint8Array. */
export function varBytesFromPb(b: PbBytes): Uint8Array {
  return b.length === 0 ? EMPTY_BYTES : (b as Uint8Array);
}

/** Checks a fixed-size field before encoding. */
export function fixedToPb(b: Uint8Array, size: number, field: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== size) {
    const got = b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
    throw new EncodeError(`${field}: expected ${size} bytes, got ${got}`, { field, size });
  }
  return b;
}

export function optFixedToPb(b: Uint8Array | undefined, size: number, field: string): Uint8Array | undefined {
  return b === undefined ? undefined : fixedToPb(b, size, field);
}

/** Variable-length bytes: undefined when empty (proto3 omits it). */
export function varBytesToPb(b: Uint8Array, field: string): Uint8Array | undefined {
  if (!(b instanceof Uint8Array))
    throw new EncodeError(`${field}: expected bytes, got ${typeof b}`, { field });
  return b.length === 0 ? undefined : b;
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string must be well-formed UTF-16, or its UTF-8 would not decode back to it. */
export function stringToPb(s: string, field: string): string {
  if (typeof s !== "string") throw new EncodeError(`${field}: expected a string, got ${typeof s}`, { field });
  if (LONE_SURROGATE.test(s)) throw new EncodeError(`${field}: string has a lone surrogate`, { field });
  return s;
}
