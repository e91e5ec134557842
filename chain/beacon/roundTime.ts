/**
 * Round ↔ time arithmetic of a drand chain (PROTOCOL §2): time(r) = genesisTime + (r − 1)·period.
 * All times here are Unix milliseconds as bigint, the unit of L2 block timestamps.
 * @module
 */
import type { BeaconConfig } from "../params.ts";

/**
 * Unix milliseconds at which `round` is published: (genesisTime + (round − 1)·period)·1000.
 * Total over bigint (round 0 gives genesis − period) so a hostile round number in a block cannot
 * make it throw; `verifyBeaconRound` is what rejects rounds < 1.
 */
export function roundTimeMs(config: BeaconConfig, round: bigint): bigint {
  return (config.genesisTime + (round - 1n) * config.periodSeconds) * 1000n;
}

/**
 * The latest round published at or before `timeMs` (time(r) ≤ timeMs), or 0n before genesis.
 * Throws RangeError if the config's period is not positive.
 */
export function latestRoundAt(config: BeaconConfig, timeMs: bigint): bigint {
  const periodMs = periodMsOf(config);
  const sinceGenesis = timeMs - config.genesisTime * 1000n;
  if (sinceGenesis < 0n) return 0n;
  return sinceGenesis / periodMs + 1n;
}

/**
 * The first round published strictly after `timeMs` (time(r) > timeMs): a round whose value nobody
 * can know at `timeMs`. Always latestRoundAt(timeMs) + 1.
 */
export function firstRoundAfter(config: BeaconConfig, timeMs: bigint): bigint {
  return latestRoundAt(config, timeMs) + 1n;
}

function periodMsOf(config: BeaconConfig): bigint {
  if (config.periodSeconds <= 0n)
    throw new RangeError(`beacon period must be positive, got ${config.periodSeconds}`);
  return config.periodSeconds * 1000n;
}
