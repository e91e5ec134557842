/**
 * Hashing rules of the state SMT, shared by the tree and the proof verifier.
 *
 * ```
 * empty subtree = 0x00 * 32                              (not a hash: no preimage needed)
 * leaf          = sha256(0x00 ‖ key(32) ‖ valueHash(32))   65-byte preimage
 * internal      = sha256(0x01 ‖ left(32) ‖ right(32))      65-byte preimage
 * ```
 * Leaf and internal preimages have the same length and differ in the first byte, so one can never
 * be opened as the other. A subtree holding exactly one leaf is that leaf (compact form).
 * @module
 */
import { createHash, hash as oneShotHash } from "node:crypto";

/**
 * Key length and hash length, in bytes.
 * @public the layout constant of chain/smt/README.md (knip: documented surface)
 */
export const SMT_KEY_BYTES = 32;
/** Preimage length of every node (leaf and internal). */
export const SMT_NODE_BYTES = 65;
/**
 * Length of a node's stored value: preimage(65) ‖ birth stamp(u64 big-endian), the number of the
 * block that last wrote the node. The stamp is the store's garbage-collection metadata (README
 * "Storage"), never hashed; the tree writes it as zero and reads only the preimage.
 */
export const SMT_STORED_NODE_BYTES = 73;
/** Deepest possible leaf: two keys that differ only in their last bit sit at depth 256. */
export const SMT_MAX_DEPTH = 256;
export const SMT_LEAF_TAG = 0x00;
export const SMT_INTERNAL_TAG = 0x01;

/** Root of the empty tree (and hash of every empty subtree). */
export const SMT_EMPTY_ROOT: Uint8Array = new Uint8Array(32);

const hasOneShot = typeof oneShotHash === "function";

/**
 * sha256 of `data`, as node:crypto returns it (a Buffer, which is a Uint8Array). The one-shot
 * `crypto.hash` is 1.5–2× faster than createHash for 65-byte inputs (perf-ceilings §2).
 */
function sha256Raw(data: Uint8Array): Uint8Array {
  if (hasOneShot) return oneShotHash("sha256", data, "buffer") as unknown as Uint8Array;
  return createHash("sha256").update(data).digest();
}

// One reused preimage buffer: hashing is synchronous, so no caller can see it half-written.
const scratch = new Uint8Array(SMT_NODE_BYTES);

/** sha256(0x00 ‖ key ‖ valueHash), as a plain Uint8Array. */
export function smtLeafHash(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  scratch[0] = SMT_LEAF_TAG;
  scratch.set(key, 1);
  scratch.set(valueHash, 33);
  return plain(sha256Raw(scratch));
}

/** sha256(0x01 ‖ left ‖ right), as a plain Uint8Array. */
export function smtInternalHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch[0] = SMT_INTERNAL_TAG;
  scratch.set(left, 1);
  scratch.set(right, 33);
  return plain(sha256Raw(scratch));
}

function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

/** True for the empty-subtree hash (32 zero bytes). Exits on the first non-zero byte. */
export function isEmptyHash(h: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (h[i] !== 0) return false;
  return true;
}

/** Bit `depth` of `key`, most significant bit of byte 0 first: 0 = left, 1 = right. */
export function keyBit(key: Uint8Array, depth: number): number {
  return (key[depth >> 3]! >> (7 - (depth & 7))) & 1;
}

/** Number of leading bits `a` and `b` share (256 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 256;
}
