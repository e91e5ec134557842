/**
 * The two hash functions of the protocol.
 * - sha256 (node:crypto one-shot, ~1 µs for 64 B): every Merkle structure (state SMT, compute-proof
 *   tile tree), seeds; cheap in the EVM through the 0x02 precompile.
 * - keccak256 (@noble/hashes): Ethereum-facing values only (tx signing hash, addresses, block hash,
 *   output root), where L1 contracts and wallets expect it.
 * `node:crypto` hashing is pure computation, so chain/ may use it (randomness from it may not).
 * @module
 */
import { createHash, hash as oneShotHash } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";

const hasOneShot = typeof oneShotHash === "function";

export function sha256(data: Uint8Array): Uint8Array {
  if (hasOneShot) {
    const b = oneShotHash("sha256", data, "buffer") as unknown as Buffer;
    return new Uint8Array(b.buffer, b.byteOffset, 32);
  }
  const b = createHash("sha256").update(data).digest();
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

/** sha256 over the concatenation of parts, without an intermediate copy. */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  const b = h.digest();
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a domain tag such as "flops/seed/v0". */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
