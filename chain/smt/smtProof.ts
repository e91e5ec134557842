/**
 * SMT proofs: the object form, its verification, and the compressed wire form.
 *
 * A proof is the list of sibling hashes along the key's path from the root down to the node where
 * the path ends, plus, when that node is another key's leaf, that leaf. The path ends at:
 * - the key's own leaf: inclusion;
 * - an empty subtree: exclusion ("empty slot");
 * - a leaf of another key sharing the path so far: exclusion ("other leaf"); in the compact tree
 *   that leaf is the only key under this path prefix, so the asked key is absent.
 *
 * Wire form (encodeSmtProof), all integers big-endian:
 * ```
 * flags    u8      bit 0: an other-leaf follows; other bits 0
 * depth    u16     D = number of siblings, 0..256
 * bitmap   ceil(D/8) bytes; bit d (byte d>>3, mask 0x80>>(d&7)) set <=> sibling at depth d is
 *                  non-empty; padding bits 0
 * siblings 32 bytes each, the non-empty ones only, top-down (depth 0 first)
 * leaf     key(32) ‖ valueHash(32), only when flags bit 0
 * ```
 * Decoding is canonical: one proof has one encoding (no zero sibling listed, no padding bits, no
 * trailing bytes). An EVM verifier walks bottom-up, reading siblings backwards from the end.
 * @module
 */
import { equalBytes } from "../bytes.ts";
import { DecodeError } from "../errors.ts";
import {
  commonPrefixBits,
  isEmptyHash,
  keyBit,
  SMT_EMPTY_ROOT,
  SMT_MAX_DEPTH,
  smtInternalHash,
  smtLeafHash,
} from "./smtHash.ts";

/** A leaf as it appears in a proof. */
export interface SmtLeaf {
  key: Uint8Array;
  valueHash: Uint8Array;
}

export interface SmtProof {
  /**
   * Siblings along the key's path, top-down: `siblings[d]` is the hash of the child (at depth d+1)
   * of the path's depth-d node that is not on the path; 32 zero bytes when that subtree is empty.
   * Its length is the depth where the path ends.
   */
  siblings: Uint8Array[];
  /** Present only for an exclusion proof whose path ends at another key's leaf. */
  leaf?: SmtLeaf;
}

/**
 * Checks `proof` against `root`: with a `valueHash`, that `key` maps to it; with `null`, that `key`
 * is absent. Never throws on malformed proofs; returns false.
 */
export function verifySmtProof(
  root: Uint8Array,
  key: Uint8Array,
  valueHash: Uint8Array | null,
  proof: SmtProof,
): boolean {
  const computed = smtRootFromProof(key, valueHash, proof);
  return computed !== undefined && root.length === 32 && equalBytes(computed, root);
}

/**
 * The root `proof` yields for `key` holding `valueHash` (null: absent), or undefined for a
 * malformed proof. With the siblings of one tree, it is also that tree's root after `key` alone
 * changes to `valueHash` (a fraud-proof test builds a tampered state this way).
 */
export function smtRootFromProof(
  key: Uint8Array,
  valueHash: Uint8Array | null,
  proof: SmtProof,
): Uint8Array | undefined {
  const { siblings, leaf } = proof;
  const depth = siblings.length;
  if (key.length !== 32 || depth > SMT_MAX_DEPTH) return undefined;
  let cur: Uint8Array;
  if (valueHash !== null) {
    if (leaf !== undefined || valueHash.length !== 32) return undefined;
    cur = smtLeafHash(key, valueHash);
  } else if (leaf !== undefined) {
    if (leaf.key.length !== 32 || leaf.valueHash.length !== 32) return undefined;
    // The other leaf must sit on the asked key's path, and be another key. (An honest tree only
    // has such leaves there; checking keeps the verifier independent of that argument.)
    if (commonPrefixBits(leaf.key, key) < depth || equalBytes(leaf.key, key)) return undefined;
    cur = smtLeafHash(leaf.key, leaf.valueHash);
  } else {
    cur = SMT_EMPTY_ROOT;
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sib = siblings[d]!;
    if (sib.length !== 32) return undefined;
    cur = keyBit(key, d) === 0 ? smtInternalHash(cur, sib) : smtInternalHash(sib, cur);
  }
  return cur;
}

/** The compressed wire form (layout in the module comment). */
export function encodeSmtProof(proof: SmtProof): Uint8Array {
  const depth = proof.siblings.length;
  if (depth > SMT_MAX_DEPTH) throw new RangeError(`encodeSmtProof: depth ${depth} > ${SMT_MAX_DEPTH}`);
  const bitmapLen = (depth + 7) >> 3;
  let nonEmpty = 0;
  for (const s of proof.siblings) {
    if (s.length !== 32) throw new RangeError("encodeSmtProof: sibling must be 32 bytes");
    if (!isEmptyHash(s)) nonEmpty++;
  }
  const leafLen = proof.leaf === undefined ? 0 : 64;
  const out = new Uint8Array(3 + bitmapLen + nonEmpty * 32 + leafLen);
  out[0] = proof.leaf === undefined ? 0 : 1;
  out[1] = depth >> 8;
  out[2] = depth & 0xff;
  let off = 3 + bitmapLen;
  for (let d = 0; d < depth; d++) {
    const s = proof.siblings[d]!;
    if (isEmptyHash(s)) continue;
    out[3 + (d >> 3)]! |= 0x80 >> (d & 7);
    out.set(s, off);
    off += 32;
  }
  if (proof.leaf !== undefined) {
    const { key, valueHash } = proof.leaf;
    if (key.length !== 32 || valueHash.length !== 32) throw new RangeError("encodeSmtProof: bad leaf");
    out.set(key, off);
    out.set(valueHash, off + 32);
  }
  return out;
}

/** Inverse of encodeSmtProof; throws DecodeError on malformed or non-canonical bytes. */
export function decodeSmtProof(bytes: Uint8Array): SmtProof {
  if (bytes.length < 3) throw new DecodeError("smt proof: shorter than its 3-byte header");
  const flags = bytes[0]!;
  if (flags > 1) throw new DecodeError("smt proof: unknown flag bits", { flags });
  const depth = (bytes[1]! << 8) | bytes[2]!;
  if (depth > SMT_MAX_DEPTH) throw new DecodeError("smt proof: depth over 256", { depth });
  const bitmapLen = (depth + 7) >> 3;
  if (bytes.length < 3 + bitmapLen) throw new DecodeError("smt proof: truncated bitmap");
  let nonEmpty = 0;
  for (let i = 0; i < bitmapLen; i++) {
    let b = bytes[3 + i]!;
    if (i === bitmapLen - 1 && depth & 7 && b & (0xff >> (depth & 7))) {
      throw new DecodeError("smt proof: bitmap padding bits set");
    }
    for (; b !== 0; b &= b - 1) nonEmpty++;
  }
  const leafLen = flags === 1 ? 64 : 0;
  const expected = 3 + bitmapLen + nonEmpty * 32 + leafLen;
  if (bytes.length !== expected) {
    throw new DecodeError("smt proof: length does not match bitmap", { expected, actual: bytes.length });
  }
  const siblings: Uint8Array[] = new Array(depth);
  let off = 3 + bitmapLen;
  for (let d = 0; d < depth; d++) {
    if (bytes[3 + (d >> 3)]! & (0x80 >> (d & 7))) {
      const s = bytes.slice(off, off + 32);
      if (isEmptyHash(s)) throw new DecodeError("smt proof: empty sibling listed as non-empty", { depth: d });
      siblings[d] = s;
      off += 32;
    } else {
      siblings[d] = new Uint8Array(32);
    }
  }
  if (flags === 1) {
    return {
      siblings,
      leaf: { key: bytes.slice(off, off + 32), valueHash: bytes.slice(off + 32, off + 64) },
    };
  }
  return { siblings };
}
