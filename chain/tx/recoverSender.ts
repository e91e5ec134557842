/**
 * Sender recovery: signature bytes → address, or TX_ERROR.BAD_SIGNATURE.
 * @module
 */
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import type { Address, SignedTx } from "../types.ts";
import { addressFromUncompressed } from "./address.ts";
import { recoverPublicKey, SIG_BACKEND, type SigBackend } from "./backend.ts";
import { signatureDefect } from "./signature.ts";
import { signingHash } from "./signingHash.ts";

/**
 * Recovers the signer's address from a 32-byte digest and a 65-byte r ‖ s ‖ v signature.
 * Fails with BAD_SIGNATURE (and a `detail`) on a wrong length, v ∉ {0,1}, r or s zero or ≥ n,
 * high s, or a signature from which no key recovers.
 */
export function recoverAddress(
  digest: Uint8Array,
  signature: Uint8Array,
  backend: SigBackend = SIG_BACKEND,
): Result<Address> {
  const defect = signatureDefect(signature);
  if (defect !== undefined) return err(TX_ERROR.BAD_SIGNATURE, defect);
  const publicKey = recoverPublicKey(digest, signature, backend);
  if (publicKey === null) return err(TX_ERROR.BAD_SIGNATURE, "no public key recovers from the signature");
  return ok(addressFromUncompressed(publicKey));
}

/**
 * The address that signed `tx.bodyBytes`. Any signature that passes the static checks recovers
 * *some* address, so a wrong body or signature shows up as a different sender (then a nonce or
 * balance failure), not necessarily as BAD_SIGNATURE. `bodyBytes` must be the exact bytes the tx
 * arrived with (chain/wire's decodeSignedTx guarantees they are canonical).
 */
export function recoverSender(
  tx: Pick<SignedTx, "bodyBytes" | "signature">,
  backend: SigBackend = SIG_BACKEND,
): Result<Address> {
  return recoverAddress(signingHash(tx.bodyBytes), tx.signature, backend);
}
