/**
 * The embedded L1's `common.customCrypto` (L1Chain's Common, so every tx decoded, every block and
 * the VM's precompiles use it):
 *
 * - `ecrecover` over libsecp256k1 (the native addon chain/tx/backend.ts loads; ~57 µs a recovery)
 *   instead of ethereumjs's pure-JS noble one (~1.4 ms): sender recovery of every raw tx and the
 *   ECRECOVER precompile. Where the addon did not load (SIG_BACKEND "noble") it is left unset and
 *   ethereumjs keeps its own.
 * - `sha256` over node:crypto (the SHA256 precompile, the EIP-7685 requests hash).
 *
 * keccak256 stays ethereumjs's (@noble/hashes): Node has no native keccak (its sha3-256 is the
 * FIPS padding, a different hash).
 * @module
 */
import type { CustomCrypto } from "@ethereumjs/common";
import { calculateSigRecovery, ecrecover as jsEcrecover, setLengthLeft } from "@ethereumjs/util";
import { sha256 } from "../../chain/hash.ts";
import { recoverPublicKey, SIG_BACKEND } from "../../chain/tx/index.ts";

/**
 * ethereumjs's `ecrecover` contract, on libsecp256k1: the 64-byte public key (x ‖ y) that signed
 * `msgHash`; `v` is 0/1, 27/28 or EIP-155's chainId·2 + 35/36 (with `chainId`). Throws where
 * ethereumjs's does: a v that is no recovery id, r or s zero or ≥ n, no key recovering. High s
 * recovers, as in ethereumjs (tx validation refuses it before; the precompile must accept it).
 */
export function nativeEcrecover(
  msgHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  // libsecp256k1 takes exactly a 32-byte digest; noble reduces any length, so keep its answer there.
  if (msgHash.length !== 32) return jsEcrecover(msgHash, v, r, s, chainId);
  const recovery = calculateSigRecovery(v, chainId);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  const signature = new Uint8Array(65);
  // setLengthLeft as ethereumjs's: pads a short r/s, keeps the last 32 bytes of a long one.
  signature.set(setLengthLeft(r, 32), 0);
  signature.set(setLengthLeft(s, 32), 32);
  signature[64] = Number(recovery);
  const key = recoverPublicKey(msgHash, signature, "native");
  if (key === null) throw new Error("Invalid signature: no public key recovers");
  return key.subarray(1);
}

/** The crypto every L1Chain's Common gets. */
export const L1_CUSTOM_CRYPTO: CustomCrypto =
  SIG_BACKEND === "native" ? { ecrecover: nativeEcrecover, sha256 } : { sha256 };
