/**
 * A local beacon for devnets and tests: the same format as drand quicknet (so the chain verifies
 * it with the same code), signed by one key the caller supplies. Deterministic: BLS signatures
 * have no nonce, and no randomness is drawn here.
 * @module
 */
import { mapHashToField } from "@noble/curves/abstract/modular.js";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToBigint, concatBytes } from "../bytes.ts";
import { sha256Parts, utf8 } from "../hash.ts";
import type { BeaconConfig } from "../params.ts";
import {
  BEACON_DST,
  BEACON_SCHEME,
  BEACON_SIGNATURE_BYTES,
  beaconRoundMessage,
  MAX_BEACON_ROUND,
} from "./verifyBeaconRound.ts";

export const BEACON_SECRET_KEY_BYTES = 32;
/**
 * Default seed of `deriveBeaconSecretKey`: a PUBLIC key, so anyone can sign its rounds. Tests and
 * benches only; every devnet gets a fresh random key (node/devBeaconKey.ts, SECURITY.md §8).
 */
export const DEV_BEACON_SEED = "flops/devnet-beacon/v0";
/** Bytes of entropy `beaconSecretKeyFromEntropy` takes: 1.5× the 255-bit order, for negligible bias. */
export const BEACON_KEY_ENTROPY_BYTES = 48;

export interface LocalBeaconOpts {
  /** Seconds since the Unix epoch of round 1. */
  genesisTime: bigint;
  periodSeconds: bigint;
}

export interface LocalBeacon {
  /** The chain's view of this beacon: its own G2 public key, same scheme as quicknet. */
  config: BeaconConfig;
  /** The 48-byte compressed G1 signature of `round` (1 ≤ round < 2^64). */
  sign(round: bigint): Uint8Array;
}

const sigs = bls12_381.shortSignatures;
const R = bls12_381.fields.Fr.ORDER;

/**
 * A beacon signing with `secretKey` (32 bytes big-endian, a scalar in [1, r)). Throws RangeError
 * on a bad key or period.
 */
export function createLocalBeacon(secretKey: Uint8Array, opts: LocalBeaconOpts): LocalBeacon {
  assertBeaconSecretKey(secretKey);
  if (opts.periodSeconds <= 0n)
    throw new RangeError(`beacon period must be positive, got ${opts.periodSeconds}`);
  if (opts.genesisTime < 0n)
    throw new RangeError(`beacon genesis time must be non-negative, got ${opts.genesisTime}`);
  // A private copy: the caller may zero or reuse its buffer.
  const key = Uint8Array.from(secretKey);
  const config: BeaconConfig = {
    publicKey: sigs.getPublicKey(key).toBytes(true),
    genesisTime: opts.genesisTime,
    periodSeconds: opts.periodSeconds,
    scheme: BEACON_SCHEME,
  };
  return {
    config,
    sign(round: bigint): Uint8Array {
      if (round < 1n || round > MAX_BEACON_ROUND) throw new RangeError(`beacon round out of range: ${round}`);
      const signature = sigs.Signature.toBytes(
        sigs.sign(sigs.hash(beaconRoundMessage(round), BEACON_DST), key),
      );
      if (signature.length !== BEACON_SIGNATURE_BYTES)
        throw new Error("local beacon: unexpected signature size");
      return signature;
    },
  };
}

/**
 * A beacon secret key derived from a seed string, for devnets and tests only (the seed is the
 * whole secret). Hash-to-scalar:
 *
 *   okm = sha256(utf8(seed) ‖ 0x00) ‖ sha256(utf8(seed) ‖ 0x01)[0..16]      48 bytes
 *   sk  = (OS2IP(okm) mod (r − 1)) + 1                                      32 bytes big-endian
 *
 * 48 bytes (1.5× the 255-bit order) keep the modulo bias negligible; the +1 keeps sk non-zero.
 */
export function deriveBeaconSecretKey(seed: string = DEV_BEACON_SEED): Uint8Array {
  const s = utf8(seed);
  const okm = concatBytes(sha256Parts(s, Uint8Array.of(0)), sha256Parts(s, Uint8Array.of(1)).subarray(0, 16));
  return beaconSecretKeyFromEntropy(okm);
}

/**
 * A beacon secret key from 48 uniformly random bytes (the caller draws them: this module has no
 * randomness): sk = (OS2IP(entropy) mod (r − 1)) + 1, 32 bytes big-endian.
 */
export function beaconSecretKeyFromEntropy(entropy: Uint8Array): Uint8Array {
  if (entropy.length !== BEACON_KEY_ENTROPY_BYTES)
    throw new RangeError(
      `beacon key entropy must be ${BEACON_KEY_ENTROPY_BYTES} bytes, got ${entropy.length}`,
    );
  return mapHashToField(entropy, R);
}

/** Throws a RangeError unless `secretKey` is 32 bytes holding a scalar in [1, r). */
export function assertBeaconSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== BEACON_SECRET_KEY_BYTES) {
    throw new RangeError(`beacon secret key must be ${BEACON_SECRET_KEY_BYTES} bytes`);
  }
  const k = bytesToBigint(secretKey);
  if (k === 0n || k >= R) throw new RangeError("beacon secret key must be a scalar in [1, r)");
}
