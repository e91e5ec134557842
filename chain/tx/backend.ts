/**
 * secp256k1 public-key recovery backends.
 *
 * - "native": libsecp256k1 through the `secp256k1` npm addon (≈ 57 µs per recovery).
 * - "noble": @noble/curves in pure JS (≈ 1.4 ms), used when the addon cannot load.
 *
 * Both compute the same function; tests check they agree. chain/ may load the native addon: it is
 * pure computation, like node:crypto hashing.
 * @module
 */
import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";

export type SigBackend = "native" | "noble";

/** The subset of `secp256k1/bindings` (v5 API) this module calls. */
interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

interface NativeLoad {
  lib: NativeSecp256k1 | undefined;
  error: unknown;
}

// `secp256k1/bindings` is loaded directly: the package's main entry catches a failed addon load
// and silently swaps in `elliptic` (≈ 30x slower than native, and not what we measured), so we
// want the failure in our hands and fall back to noble instead. createRequire keeps the load
// synchronous, so the backend is fixed when this module finishes evaluating.
function loadNative(): NativeLoad {
  try {
    const lib = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
    if (typeof lib.ecdsaRecover !== "function") throw new Error("secp256k1/bindings has no ecdsaRecover");
    return { lib, error: undefined };
  } catch (error) {
    return { lib: undefined, error };
  }
}

const native = loadNative();

/** The backend `recoverSender` uses: "native" when the libsecp256k1 addon loaded, else "noble". */
export const SIG_BACKEND: SigBackend = native.lib ? "native" : "noble";

/** Why the native addon did not load (undefined when it did); for a startup log line. */
export function nativeLoadError(): unknown {
  return native.error;
}

export function isBackendAvailable(backend: SigBackend): boolean {
  return backend === "noble" || native.lib !== undefined;
}

/**
 * Recovers the 65-byte uncompressed public key (0x04 ‖ x ‖ y) from a 32-byte digest and a
 * signature r ‖ s ‖ v whose static checks already passed (see signatureDefect), or null when no
 * key recovers (r is not an x-coordinate on the curve, or the result is the point at infinity).
 * Both libraries signal "does not recover" by throwing; that is an expected outcome here, not an
 * error to propagate, so it becomes null.
 */
export function recoverPublicKey(
  digest: Uint8Array,
  signature: Uint8Array,
  backend: SigBackend = SIG_BACKEND,
): Uint8Array | null {
  const rs = signature.subarray(0, 64);
  const v = signature[64]!;
  if (backend === "native") {
    const lib = native.lib;
    if (!lib) throw new Error("native secp256k1 backend is not available", { cause: native.error });
    try {
      return lib.ecdsaRecover(rs, v, digest, false);
    } catch {
      return null;
    }
  }
  try {
    return secp256k1.Signature.fromBytes(rs, "compact")
      .addRecoveryBit(v)
      .recoverPublicKey(digest)
      .toBytes(false);
  } catch {
    return null;
  }
}
