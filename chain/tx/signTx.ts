/**
 * Signing (wallets, the prover client, tests, benchmarks; never on the sequencer's hot path).
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../hash.ts";
import type { SignedTx, TxBody } from "../types.ts";
import { encodeSignedTx, encodeTxBody } from "../wire/index.ts";
import { signingHash } from "./signingHash.ts";

/**
 * Signs exact body bytes: returns the 65-byte r ‖ s ‖ v signature over signingHash(bodyBytes).
 * RFC 6979 deterministic nonces (the same key and body always give the same signature), low-s.
 */
export function signBodyBytes(bodyBytes: Uint8Array, privateKey: Uint8Array): Uint8Array {
  // prehash: false because the digest is already keccak256; noble would sha256 it otherwise.
  const recovered = secp256k1.sign(signingHash(bodyBytes), privateKey, {
    prehash: false,
    lowS: true,
    format: "recovered",
  });
  // noble's "recovered" format is recid ‖ r ‖ s; ours (Ethereum's order) is r ‖ s ‖ v.
  const recid = recovered[0]!;
  // recid 2/3 means R.x ≥ n, probability ~2^-127; such a signature is invalid by our rules, so fail
  // loudly rather than emit it.
  if (recid > 1) throw new Error(`signBodyBytes: unusable recovery id ${recid}`);
  const signature = new Uint8Array(65);
  signature.set(recovered.subarray(1, 65), 0);
  signature[64] = recid;
  return signature;
}

/** Encodes and signs `body`: the SignedTx a client submits (raw = canonical wire bytes). */
export function signTx(body: TxBody, privateKey: Uint8Array): SignedTx {
  const bodyBytes = encodeTxBody(body);
  const signature = signBodyBytes(bodyBytes, privateKey);
  const raw = encodeSignedTx(bodyBytes, signature);
  return { body, bodyBytes, signature, raw, hash: keccak256(raw) };
}
