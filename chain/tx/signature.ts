/**
 * Signature layout and the static (byte-level) checks every signature must pass before recovery.
 *
 * Layout, 65 bytes:  r (32, big-endian) ‖ s (32, big-endian) ‖ v (1)
 *   - 1 ≤ r < n
 *   - 1 ≤ s ≤ ⌊n/2⌋   (low-s only: (r, n − s, v ^ 1) would recover the same key, so accepting both
 *                       would give one payload two tx ids)
 *   - v ∈ {0, 1}      (the parity of R.y; no 27/28 offset, no EIP-155 folding: the chain id is in
 *                       the body. v = 2/3, meaning r ≥ n was reduced, is refused, as in Ethereum.)
 * n is the secp256k1 group order.
 * @module
 */
import { hexToBytes } from "../bytes.ts";

export const SIGNATURE_LENGTH = 65;

/** secp256k1 group order n, 32 bytes big-endian. */
export const SECP256K1_N = hexToBytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
/** ⌊n/2⌋, the largest s accepted. */
export const SECP256K1_HALF_N = hexToBytes(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
);

// Byte comparisons instead of bigint parsing: this runs once per tx on the sequencer's main
// thread, and a 32-byte compare is a few ns where BigInt(hex) allocates.
function compare32(bytes: Uint8Array, offset: number, limit: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = bytes[offset + i]! - limit[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function isZero32(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

/**
 * Why `signature` can never be valid, or `undefined` when it passes the static checks (length,
 * v, r and s ranges, low-s). Passing does not mean it recovers: that needs the curve.
 */
export function signatureDefect(signature: Uint8Array): string | undefined {
  if (signature.length !== SIGNATURE_LENGTH) {
    return `signature must be ${SIGNATURE_LENGTH} bytes, got ${signature.length}`;
  }
  const v = signature[64]!;
  if (v > 1) return `v must be 0 or 1, got ${v}`;
  if (isZero32(signature, 0)) return "r is zero";
  if (compare32(signature, 0, SECP256K1_N) >= 0) return "r is not below the group order";
  if (isZero32(signature, 32)) return "s is zero";
  if (compare32(signature, 32, SECP256K1_HALF_N) > 0) return "s is high (s > n/2)";
  return undefined;
}
