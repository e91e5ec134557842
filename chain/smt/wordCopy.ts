/**
 * Copies of hashes (32 bytes) and node preimages (65 bytes) between byte buffers, as 32-bit words
 * through DataViews (compiled to plain unaligned loads and stores). An update moves each new
 * node's bytes several times (into the hash kernel and back, into the parent, the cache and the
 * traversal's frames); word copies take about a quarter of the time of byte loops, and allocate
 * nothing. Offsets need no alignment; buffers keep them 4-aligned where they can, which is cheaper.
 * @module
 */

/** A byte buffer and a DataView over the same memory. */
export interface Words {
  u8: Uint8Array;
  dv: DataView;
}

export function words(u8: Uint8Array): Words {
  return { u8, dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength) };
}

/** 32 bytes from src[from] to dst[to]. */
export function copyHash(src: Words, from: number, dst: Words, to: number): void {
  const s = src.dv;
  const d = dst.dv;
  for (let i = 0; i < 32; i += 4) d.setInt32(to + i, s.getInt32(from + i, true), true);
}

/** 65 bytes from src[from] to dst[to]. */
export function copyPreimage(src: Words, from: number, dst: Words, to: number): void {
  const s = src.dv;
  const d = dst.dv;
  for (let i = 0; i < 64; i += 4) d.setInt32(to + i, s.getInt32(from + i, true), true);
  dst.u8[to + 64] = src.u8[from + 64]!;
}
