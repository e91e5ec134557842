/**
 * Ethereum-style addresses: the last 20 bytes of keccak256 of the 64-byte uncompressed public key
 * (x ‖ y, without the 0x04 prefix). Same derivation as L1, so one key has one address on both.
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../hash.ts";
import type { Address } from "../types.ts";

/** Address of a 65-byte uncompressed key already known to be on the curve (recovery output). */
export function addressFromUncompressed(publicKey: Uint8Array): Address {
  return keccak256(publicKey.subarray(1)).slice(12);
}

/**
 * Address of a secp256k1 public key, compressed (33 bytes) or uncompressed (65 bytes, 0x04 ‖ x ‖ y).
 * Throws when the bytes are not a point on the curve.
 */
export function addressFromPublicKey(publicKey: Uint8Array): Address {
  if (publicKey.length !== 33 && publicKey.length !== 65) {
    throw new RangeError(`addressFromPublicKey: expected 33 or 65 bytes, got ${publicKey.length}`);
  }
  // fromBytes checks the point is on the curve, so garbage never gets a plausible address.
  return addressFromUncompressed(secp256k1.Point.fromBytes(publicKey).toBytes(false));
}

/** Address of a 32-byte secp256k1 private key (throws if it is 0 or ≥ n). */
export function addressFromPrivateKey(privateKey: Uint8Array): Address {
  return addressFromUncompressed(secp256k1.getPublicKey(privateKey, false));
}
