/**
 * Protobuf varints on plain numbers, for the hand-written codecs of the hottest messages
 * (account.ts, receipt.ts). Values are safe integers only: callers take protobufjs' path for
 * anything larger, so these never see a 64-bit value that a number cannot hold.
 * @module
 */

/** Bytes of the varint of `v` (a safe integer ≥ 0). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

const TWO32 = 4294967296;

/** Writes the minimal varint of `v` (a safe integer ≥ 0) at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  // 32-bit integer operations on two halves (as protobufjs does): float division per 7-bit group
  // costs several times more for the 6-byte millisecond timestamps that fill state records.
  let lo = v >>> 0;
  let hi = (v - lo) / TWO32;
  while (hi !== 0) {
    out[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    out[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  out[pos++] = lo;
  return pos;
}

/** Longest varint readVarint takes: 7 bytes hold 49 bits, a safe integer. */
const MAX_FAST_VARINT_BYTES = 7;

/**
 * The minimal varint at `pos` as a number, with its end in `end.pos`; -1 when it is not minimal
 * (a trailing 0x00 group), runs past `limit`, or is longer than 7 bytes. Callers treat -1 as
 * "not the canonical shape" and fall back to the full decoder, which says what is wrong.
 */
export function readVarint(bytes: Uint8Array, pos: number, limit: number, end: { pos: number }): number {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < MAX_FAST_VARINT_BYTES && pos < limit; i++) {
    const b = bytes[pos++]!;
    v += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (b === 0 && i > 0) return -1;
      end.pos = pos;
      return v;
    }
    scale *= 0x80;
  }
  return -1;
}
