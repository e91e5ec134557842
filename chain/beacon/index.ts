/**
 * Randomness beacon: drand `bls-unchained-g1-rfc9380` verification, round ↔ time arithmetic and
 * a local beacon in the same format for devnets and tests. See README.md.
 * @module
 */
export {
  assertBeaconSecretKey,
  BEACON_KEY_ENTROPY_BYTES,
  BEACON_SECRET_KEY_BYTES,
  beaconSecretKeyFromEntropy,
  createLocalBeacon,
  DEV_BEACON_SEED,
  deriveBeaconSecretKey,
  type LocalBeacon,
} from "./localBeacon.ts";
export { firstRoundAfter, latestRoundAt, roundTimeMs } from "./roundTime.ts";
export {
  assertBeaconPublicKey,
  BEACON_DST,
  BEACON_SCHEME,
  BEACON_SIGNATURE_BYTES,
  beaconRandomness,
  beaconRoundMessage,
  isBeaconPublicKey,
  isBeaconRoundVerified,
  MAX_BEACON_ROUND,
  rememberBeaconVerdict,
  verifyBeaconRound,
  verifyBeaconRoundUncached,
} from "./verifyBeaconRound.ts";
