/**
 * Devnet defaults: a genesis with the local beacon, short epochs, and deterministic dev keys.
 * Everything here is public and for local networks only.
 * @module
 */
import { createLocalBeacon, DEV_BEACON_SEED, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { equalBytes, u32ToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { sha256Parts, utf8 } from "../chain/hash.ts";
import { defaultParams, TIER_DEVNET, TIER_SMALL, TIER_TINY, type Tier } from "../chain/params.ts";
import { createLocalBeaconSource } from "../sequencer/localBeaconSource.ts";
import type { BeaconSource } from "../sequencer/ports.ts";

export interface DevGenesisOpts {
  /** ms; also fixes the beacon's genesis (one second earlier). */
  now: bigint;
  epochSeconds: number;
  tiers?: Tier[];
}

/** The devnet genesis: local beacon (1 s rounds), the three built-in tiers, no pre-funded accounts. */
export function devGenesis(o: DevGenesisOpts): GenesisDoc {
  const beacon = createLocalBeacon(deriveBeaconSecretKey(DEV_BEACON_SEED), {
    genesisTime: o.now / 1000n - 1n,
    periodSeconds: 1n,
  });
  return {
    params: defaultParams(beacon.config, {
      tiers: o.tiers ?? [TIER_DEVNET, TIER_TINY, TIER_SMALL],
      epochMs: BigInt(o.epochSeconds) * 1000n,
    }),
    timestamp: o.now,
    alloc: [],
  };
}

/** The local beacon source for a devnet genesis; refuses a genesis whose beacon key is not the dev key. */
export function devBeaconSource(genesis: GenesisDoc, now: () => bigint): BeaconSource {
  const b = genesis.params.beacon;
  const beacon = createLocalBeacon(deriveBeaconSecretKey(DEV_BEACON_SEED), {
    genesisTime: b.genesisTime,
    periodSeconds: b.periodSeconds,
  });
  if (!equalBytes(beacon.config.publicKey, b.publicKey)) {
    throw new RollupError("BEACON_KEY_MISMATCH", "this chain's beacon is not the devnet's local beacon");
  }
  return createLocalBeaconSource(beacon, now);
}

/** Dev key i: sha256("flops/devnet/key" ‖ u32 i) (a valid secp256k1 scalar for every i used). */
export function devPrivateKey(i: number): Uint8Array {
  return sha256Parts(utf8("flops/devnet/key"), u32ToBytes(i));
}
