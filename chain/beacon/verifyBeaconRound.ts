/**
 * Verification of drand beacon rounds, scheme `bls-unchained-g1-rfc9380` ("quicknet"), PROTOCOL §2.
 *
 *   msg        = sha256(u64be(round))                                  32 bytes
 *   H(msg)     = hash_to_curve_G1(msg, DST)  RFC 9380, DST below          (SSWU, random oracle)
 *   signature  = compressed G1 point (48 bytes), public key = compressed G2 point (96 bytes)
 *   valid iff  e(H(msg), −pk) · e(sig, g2) = 1
 *   randomness = sha256(signature)
 *
 * Pure: no I/O, no clock. The pairing is the cost of a beacon tx inside block application, so the
 * Miller-loop line coefficients of the two fixed G2 points (−pk and the generator) are computed
 * once per public key and reused; only hash-to-curve, the signature decode and the Miller loop
 * plus final exponentiation run per round. A round that verified is remembered (a bounded cache of
 * (key, round, signature)), so the same round met again in one process costs a lookup.
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, u64ToBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import type { BeaconConfig } from "../params.ts";

/** The only scheme the chain accepts. */
export const BEACON_SCHEME = "bls-unchained-g1-rfc9380";
/** RFC 9380 domain separation tag of drand's G1 scheme (hash to G1, SHA-256, SSWU, random oracle). */
export const BEACON_DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
export const BEACON_SIGNATURE_BYTES = 48;
export const BEACON_PUBLIC_KEY_BYTES = 96;
/** Rounds are u64 on the wire (the signed message is the 8-byte big-endian round). */
export const MAX_BEACON_ROUND = (1n << 64n) - 1n;

/**
 * A beacon round as it enters the chain (the `beacon` system transaction carries these two).
 * @public the shape PROTOCOL §2 names (knip: documented surface)
 */
export interface BeaconRound {
  round: bigint;
  /** 48-byte compressed G1 signature. */
  signature: Uint8Array;
}

const sigs = bls12_381.shortSignatures;
const { Fp12 } = bls12_381.fields;
type G1Point = ReturnType<typeof sigs.hash>;
type G2Point = ReturnType<typeof sigs.getPublicKey>;
type Precomputes = ReturnType<typeof bls12_381.utils.calcPairingPrecomputes>;

/** The message drand signs for `round`: sha256 of the round as u64 big-endian. */
export function beaconRoundMessage(round: bigint): Uint8Array {
  return sha256(u64ToBytes(round));
}

/** The round's randomness: sha256 of the 48 signature bytes, exactly as drand publishes it. */
export function beaconRandomness(signature: Uint8Array): Uint8Array {
  return sha256(signature);
}

/** Throws, saying why, unless `publicKey` is a valid compressed G2 public key. */
export function assertBeaconPublicKey(publicKey: Uint8Array): void {
  decodeBeaconPublicKey(publicKey);
}

/** Decodes a compressed G2 public key; throws on a bad length, a point off the curve or subgroup, or infinity. */
function decodeBeaconPublicKey(publicKey: Uint8Array): G2Point {
  if (publicKey.length !== BEACON_PUBLIC_KEY_BYTES) {
    throw new Error(`beacon public key must be ${BEACON_PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`);
  }
  // fromBytes checks the encoding flags, that x is on the curve, and subgroup membership.
  const point = bls12_381.G2.Point.fromBytes(publicKey);
  point.assertValidity();
  // The identity would make e(H(m), −pk) = 1 and so accept the identity as every round's signature.
  if (point.is0()) throw new Error("beacon public key is the point at infinity");
  return point;
}

/** True iff `publicKey` is a valid compressed G2 public key (96 bytes, in the subgroup, not infinity). */
export function isBeaconPublicKey(publicKey: Uint8Array): boolean {
  try {
    decodeBeaconPublicKey(publicKey);
    return true;
  } catch {
    return false;
  }
}

/** Line coefficients of the Miller loop for −pk and for the G2 generator: fixed per key. */
interface PreparedKey {
  negPublicKey: Precomputes;
}

// The generator's coefficients are shared by every key; computed on first use so importing the
// module stays cheap.
let generatorPrecomputes: Precomputes | undefined;
function g2GeneratorPrecomputes(): Precomputes {
  generatorPrecomputes ??= bls12_381.utils.calcPairingPrecomputes(bls12_381.G2.Point.BASE);
  return generatorPrecomputes;
}

// Keyed by the key's hex, not by the config object: configs are rebuilt from genesis files and
// RPC answers, and a caller mutating the bytes must not reuse a stale point. `null` remembers an
// invalid key so garbage keys cost one decode. Bounded because the CLI and tests may pass many
// keys; the chain itself uses one.
const PREPARED_CACHE_LIMIT = 32;
const preparedKeys = new Map<string, PreparedKey | null>();

function preparedKey(publicKey: Uint8Array): PreparedKey | null {
  const id = bytesToHex(publicKey);
  const hit = preparedKeys.get(id);
  if (hit !== undefined) return hit;
  let prepared: PreparedKey | null;
  try {
    const pk = decodeBeaconPublicKey(publicKey);
    prepared = { negPublicKey: bls12_381.utils.calcPairingPrecomputes(pk.negate()) };
  } catch {
    prepared = null;
  }
  if (preparedKeys.size >= PREPARED_CACHE_LIMIT) preparedKeys.clear();
  preparedKeys.set(id, prepared);
  return prepared;
}

function decodeSignature(signature: Uint8Array): G1Point | null {
  try {
    // Rejects non-canonical encodings, uncompressed form, points off the curve or outside G1.
    const point = sigs.Signature.fromBytes(signature);
    // The identity encodes validly but never is a signature under a non-identity key; the pairing
    // code also refuses it.
    return point.is0() ? null : point;
  } catch {
    return null;
  }
}

/**
 * (key, round, signature) triples that verified, oldest first. The check is a pure function of
 * the three, and one process meets the same round more than once: the sequencer builds the block
 * that includes it, then derives that block back from L1; a restart replays its blocks. Only
 * successes are kept, so a flood of bad signatures cannot evict the good ones; the limit keeps
 * the memory small (a round is awaited for minutes, not for thousands of rounds).
 */
const VERIFIED_CACHE_LIMIT = 1024;
const verifiedRounds = new Set<string>();

/**
 * True iff `signature` is the beacon's signature of `round` under `config.publicKey`.
 * Never throws: a wrong scheme, a round outside [1, 2^64), bytes of the wrong length, an invalid
 * point or an invalid key all give `false`. A triple that verified before answers from the cache.
 */
export function verifyBeaconRound(config: BeaconConfig, round: bigint, signature: Uint8Array): boolean {
  if (!isWellFormed(config, round, signature)) return false;
  // Keyed by the bytes as they are now: a caller mutating its arrays later changes the key too.
  const id = verdictId(config, round, signature);
  if (verifiedRounds.has(id)) return true;
  if (!verifyBeaconRoundUncached(config, round, signature)) return false;
  remember(id);
  return true;
}

/** Whether the triple verified before in this process (a cache lookup: never a pairing). */
export function isBeaconRoundVerified(config: BeaconConfig, round: bigint, signature: Uint8Array): boolean {
  return isWellFormed(config, round, signature) && verifiedRounds.has(verdictId(config, round, signature));
}

/**
 * Records that `verifyBeaconRoundUncached(config, round, signature)` returned true where this
 * thread could not see it: a worker thread running this same module (sequencer/beaconPool.ts),
 * so that the block build's {@link verifyBeaconRound} is a lookup instead of a ~25 ms pairing on
 * the thread that serves the node. Only for such a verdict: whatever is recorded here is trusted.
 */
export function rememberBeaconVerdict(config: BeaconConfig, round: bigint, signature: Uint8Array): void {
  if (isWellFormed(config, round, signature)) remember(verdictId(config, round, signature));
}

function verdictId(config: BeaconConfig, round: bigint, signature: Uint8Array): string {
  return `${bytesToHex(config.publicKey)}:${round}:${bytesToHex(signature)}`;
}

function remember(id: string): void {
  if (verifiedRounds.has(id)) return;
  if (verifiedRounds.size >= VERIFIED_CACHE_LIMIT) {
    const oldest = verifiedRounds.values().next().value;
    if (oldest !== undefined) verifiedRounds.delete(oldest);
  }
  verifiedRounds.add(id);
}

/** verifyBeaconRound without the cache: the pairing check every time (bench/beacon.ts times it). */
export function verifyBeaconRoundUncached(
  config: BeaconConfig,
  round: bigint,
  signature: Uint8Array,
): boolean {
  try {
    return isWellFormed(config, round, signature) && pairingCheck(config.publicKey, round, signature);
  } catch {
    return false;
  }
}

function isWellFormed(config: BeaconConfig, round: bigint, signature: Uint8Array): boolean {
  return (
    typeof config === "object" &&
    config !== null &&
    config.scheme === BEACON_SCHEME &&
    config.publicKey instanceof Uint8Array &&
    // drand's first round is 1; round 0 is the genesis with no signature.
    typeof round === "bigint" &&
    round >= 1n &&
    round <= MAX_BEACON_ROUND &&
    signature instanceof Uint8Array &&
    signature.length === BEACON_SIGNATURE_BYTES
  );
}

/** The BLS check itself (may throw on garbage; the caller turns that into `false`). */
function pairingCheck(publicKey: Uint8Array, round: bigint, signature: Uint8Array): boolean {
  const key = preparedKey(publicKey);
  if (key === null) return false;
  const sig = decodeSignature(signature);
  if (sig === null) return false;
  const hm = sigs.hash(beaconRoundMessage(round), BEACON_DST).toAffine();
  const s = sig.toAffine();
  // e(H(m), −pk) · e(sig, g2) = 1, as one Miller loop over both pairs and one final exponentiation.
  const miller = bls12_381.millerLoopBatch([
    [key.negPublicKey, hm.x, hm.y],
    [g2GeneratorPrecomputes(), s.x, s.y],
  ]);
  return Fp12.eql(Fp12.finalExponentiate(miller), Fp12.ONE);
}
