/**
 * Transaction signatures: the signing hash, signing, sender recovery, addresses.
 * See README.md for the byte layouts.
 * @module
 */
export { addressFromPrivateKey, addressFromPublicKey, addressFromUncompressed } from "./address.ts";
export {
  isBackendAvailable,
  nativeLoadError,
  recoverPublicKey,
  SIG_BACKEND,
  type SigBackend,
} from "./backend.ts";
export { recoverAddress, recoverSender } from "./recoverSender.ts";
export { SECP256K1_HALF_N, SECP256K1_N, signatureDefect } from "./signature.ts";
export { signingHash, TX_SIGNING_DOMAIN } from "./signingHash.ts";
export { signBodyBytes, signTx } from "./signTx.ts";
