import type { LocalBeacon } from "../chain/beacon/index.ts";
import { roundTimeMs } from "../chain/beacon/index.ts";
import type { BeaconSource } from "./ports.ts";

/**
 * The devnet beacon: signs a round once its time has come (never earlier, so even the devnet
 * keeps "randomness did not exist when the input was fixed" for everyone but the key holder).
 * A beacon with `signOffThread` (sequencer/beaconPool.ts) signs on a worker thread.
 */
export function createLocalBeaconSource(
  beacon: LocalBeacon & { signOffThread?(round: bigint): Promise<Uint8Array> },
  nowMs: () => bigint,
): BeaconSource {
  return {
    async getRound(round) {
      if (roundTimeMs(beacon.config, round) > nowMs()) return undefined;
      return beacon.signOffThread ? beacon.signOffThread(round) : beacon.sign(round);
    },
  };
}
