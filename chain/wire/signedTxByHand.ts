/**
 * The fast path of decodeTxBody and decodeSignedTx (signedTx.ts): a reader of exactly the
 * canonical shape, which answers undefined on anything else so that the caller falls back to the
 * protobufjs path (decode, then re-encode and compare), which gives the value or says what is
 * wrong. So the hand path only has to be right on what it accepts: it never accepts a shape the
 * full path refuses, and gives the same value (chain/wire/handCodecs.test.ts checks both on
 * valid, mutated and random bytes).
 *
 * Why: every submitted tx is decoded on the node's main thread; the full path allocated ~2.4 KB
 * per tx (protobufjs' message objects and the re-encode) and took ~4 µs of the ~6 µs a decode
 * costs with its keccak.
 *
 * The canonical shape (PROTOCOL §5, flops.proto), fields in order, defaults omitted:
 * Tx = 0x0a len body, 0x12 0x41 signature(65). TxBody = [0x08 chainId] [0x10 nonce] action, one of
 * 0x1a 00 (register) | 0x22 len [0x08 tier] | 0x2a len [0x08 id] 0x12 0x20 root(32) |
 * 0x32 len [0x08 id] [0x12 len tiles] [0x1a len proof] | 0x3a/0x42 len 0x0a 0x14 to(20) [0x12 len amount].
 * @module
 */
import { EMPTY_BYTES } from "../bytes.ts";
import type { Action, TxBody } from "../types.ts";
import { AMOUNT_MAX_BYTES, uintFromBytes } from "./codec.ts";

/** The read position (one decode at a time: decoding is synchronous). */
let pos = 0;
const BAD = -1;

/**
 * A minimal varint at `pos`, below `limit`, as a number up to 2^53 − 1 (8 bytes at most, the
 * 8th ≤ 0x0f); BAD otherwise. Moves `pos` past it.
 */
function varint(b: Uint8Array, limit: number): number {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 8 && pos < limit; i++) {
    const x = b[pos++]!;
    if (i === 7 && x > 0x0f) return BAD;
    v += (x & 0x7f) * scale;
    if (x < 0x80) return x === 0 && i > 0 ? BAD : v;
    scale *= 0x80;
  }
  return BAD;
}

/** An optional varint field (absent: 0) whose present value must not be 0 (proto3 omits it). */
function optVarint(b: Uint8Array, tag: number, limit: number): number {
  if (pos >= limit || b[pos] !== tag) return 0;
  pos++;
  const v = varint(b, limit);
  return v === 0 ? BAD : v;
}

/** A length-delimited field's length at `pos` (after its tag), checked to fit before `limit`. */
function length(b: Uint8Array, limit: number): number {
  const n = varint(b, limit);
  return n === BAD || pos + n > limit ? BAD : n;
}

/** An optional, non-empty bytes field (absent: empty), as a view of `b`; undefined when bad. */
function optBytes(b: Uint8Array, tag: number, limit: number): Uint8Array | undefined {
  if (pos >= limit || b[pos] !== tag) return EMPTY_BYTES;
  pos++;
  const n = length(b, limit);
  if (n === BAD || n === 0) return undefined;
  pos += n;
  return b.subarray(pos - n, pos);
}

/** A bytes field of exactly `size` bytes (always present), as a view of `b`; undefined when bad. */
function fixed(b: Uint8Array, tag: number, size: number, limit: number): Uint8Array | undefined {
  if (pos + 2 + size > limit || b[pos] !== tag || b[pos + 1] !== size) return undefined;
  pos += 2 + size;
  return b.subarray(pos - size, pos);
}

/** An optional amount (minimal big-endian, 1..32 bytes, absent: 0n); null when bad. */
function optAmount(b: Uint8Array, tag: number, limit: number): bigint | null {
  if (pos >= limit || b[pos] !== tag) return 0n;
  pos++;
  const n = length(b, limit);
  if (n === BAD || n === 0 || n > AMOUNT_MAX_BYTES || b[pos] === 0) return null;
  pos += n;
  return uintFromBytes(b, pos - n, pos);
}

/** The action at `pos`, ending exactly at `end`; undefined when not canonical. */
function action(b: Uint8Array, end: number): Action | undefined {
  if (pos + 2 > end) return undefined;
  const tag = b[pos++]!;
  const n = length(b, end);
  if (n === BAD || pos + n !== end) return undefined;
  switch (tag) {
    case 0x1a:
      return n === 0 ? { kind: "register" } : undefined;
    case 0x22: {
      const tier = optVarint(b, 0x08, end);
      return tier === BAD || tier > 0xffffffff || pos !== end ? undefined : { kind: "challenge", tier };
    }
    case 0x2a: {
      const id = optVarint(b, 0x08, end);
      const root = fixed(b, 0x12, 32, end);
      if (id === BAD || root === undefined || pos !== end) return undefined;
      return { kind: "commit", challengeId: BigInt(id), root };
    }
    case 0x32: {
      const id = optVarint(b, 0x08, end);
      const tiles = optBytes(b, 0x12, end);
      const proof = optBytes(b, 0x1a, end);
      if (id === BAD || tiles === undefined || proof === undefined || pos !== end) return undefined;
      return { kind: "reveal", challengeId: BigInt(id), tiles, proof };
    }
    case 0x3a:
    case 0x42: {
      const to = fixed(b, 0x0a, 20, end);
      const amount = optAmount(b, 0x12, end);
      if (to === undefined || amount === null || pos !== end) return undefined;
      return { kind: tag === 0x3a ? "transfer" : "withdraw", to, amount };
    }
    default:
      return undefined;
  }
}

/** The body in b[start, end) when it has exactly the canonical shape, else undefined. */
function body(b: Uint8Array, start: number, end: number): TxBody | undefined {
  pos = start;
  const chainId = optVarint(b, 0x08, end);
  const nonce = optVarint(b, 0x10, end);
  if (chainId === BAD || nonce === BAD) return undefined;
  const a = action(b, end);
  if (a === undefined) return undefined;
  return { chainId: BigInt(chainId), nonce: BigInt(nonce), action: a };
}

/** decodeTxBody's value when `b` is a canonical TxBody of the hand path's shapes, else undefined. */
export function txBodyByHand(b: Uint8Array): TxBody | undefined {
  return body(b, 0, b.length);
}

/** The parts of a raw Tx when canonical (body decoded), else undefined. */
export function txByHand(
  b: Uint8Array,
): { bodyBytes: Uint8Array; signature: Uint8Array; body: TxBody } | undefined {
  pos = 0;
  const end = b.length;
  if (end < 2 || b[0] !== 0x0a) return undefined;
  pos = 1;
  const n = length(b, end);
  if (n === BAD || n === 0) return undefined;
  const start = pos;
  const stop = start + n;
  pos = stop;
  const signature = fixed(b, 0x12, 65, end);
  if (signature === undefined || pos !== end) return undefined;
  const decoded = body(b, start, stop);
  if (decoded === undefined) return undefined;
  return { bodyBytes: b.subarray(start, stop), signature, body: decoded };
}
