import type { LocalBeacon } from "../chain/beacon/index.ts";
import { roundTimeMs } from "../chain/beacon/index.ts";
import type { BeaconSource } from "./ports.ts";

/**
 * The devnet beacon: signs a round once its time has come (never earlier, so even the devnet
 * keeps "randomness did not exist when the input was fixed" for everyone but the key holder).
 */
export function createLocalBeaconSource(beacon: LocalBeacon, nowMs: () => bigint): BeaconSource {
  return {
    async getRound(round) {
      if (roundTimeMs(beacon.config, round) > nowMs()) return undefined;
      return beacon.sign(round);
    },
  };
}
