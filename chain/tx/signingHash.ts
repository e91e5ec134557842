/**
 * The transaction signing hash.
 *
 *   signingHash = keccak256(utf8("flops/tx/v0") ‖ bodyBytes)
 *
 * `bodyBytes` are the canonical protobuf bytes of the TxBody, which carry l2ChainId and the sender
 * nonce, so a signature is bound to one chain and one nonce. The ASCII tag keeps these hashes
 * disjoint from any other keccak256 the protocol signs or commits to (a 32-byte digest of a
 * different message kind can never collide with a tx by construction), and "v0" leaves room for a
 * new body layout without re-using old signatures.
 * @module
 */
import { concatBytes } from "../bytes.ts";
import { keccak256, utf8 } from "../hash.ts";
import type { Hash32 } from "../types.ts";

/** The domain tag, as a string (11 ASCII bytes on the wire of the hash). */
export const TX_SIGNING_DOMAIN = "flops/tx/v0";

const DOMAIN_BYTES = utf8(TX_SIGNING_DOMAIN);

/** keccak256(utf8("flops/tx/v0") ‖ bodyBytes): the 32-byte digest a sender signs. */
export function signingHash(bodyBytes: Uint8Array): Hash32 {
  return keccak256(concatBytes(DOMAIN_BYTES, bodyBytes));
}
