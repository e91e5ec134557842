/**
 * Devnet defaults: a genesis with a local beacon, short epochs, the devnet and test tiers, a chain
 * id of its own in the dev range, and deterministic dev prover keys. The prover keys are public and
 * for local networks only; the beacon key is fresh per devnet (devBeaconKey.ts).
 * @module
 */
import { createLocalBeacon, DEV_BEACON_SEED, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex, equalBytes, u32ToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { sha256Parts, utf8 } from "../chain/hash.ts";
import { defaultParams, TIER_DEVNET, TIER_SMALL, TIER_TINY, type Tier } from "../chain/params.ts";
import { createLocalBeaconSource } from "../sequencer/localBeaconSource.ts";
import type { BeaconSource } from "../sequencer/ports.ts";

/**
 * Devnet chain ids: 0xf10b5 followed by 32 bits (0xf10b5_00000000 to 0xf10b5_ffffffff, about
 * 4.24e15): below 2^53 and EIP-155-safe for wallets, and never a production chain's
 * (`flops genesis` refuses them without --dev). Each devnet takes one from its beacon key, so
 * txs signed on one devnet do not replay on another.
 */
export const DEV_CHAIN_ID_MIN = 0xf10b5n << 32n;
export const DEV_CHAIN_ID_MAX = DEV_CHAIN_ID_MIN + 0xffff_ffffn;

export function isDevChainId(id: bigint): boolean {
  return id >= DEV_CHAIN_ID_MIN && id <= DEV_CHAIN_ID_MAX;
}

/** A devnet's chain id: DEV_CHAIN_ID_MIN + the first 4 bytes of sha256("flops/devnet/chain-id" ‖ beacon public key). */
export function devChainId(beaconPublicKey: Uint8Array): bigint {
  const h = sha256Parts(utf8("flops/devnet/chain-id"), beaconPublicKey);
  return DEV_CHAIN_ID_MIN + BigInt(bytesToHex(h.subarray(0, 4)));
}

export interface DevGenesisOpts {
  /** ms; also fixes the beacon's genesis (one second earlier). */
  now: bigint;
  epochSeconds: number;
  tiers?: Tier[];
  /**
   * The beacon's secret key: a fresh one per devnet (devBeaconKey.ts). Omitted: the PUBLIC key of
   * DEV_BEACON_SEED, which anyone can sign with: for tests and benches only.
   */
  beaconKey?: Uint8Array;
  /** Default: {@link devChainId} of the beacon's public key. */
  chainId?: bigint;
}

/** The devnet genesis: local beacon (1 s rounds), the devnet and test tiers, no pre-funded accounts. */
export function devGenesis(o: DevGenesisOpts): GenesisDoc {
  const beacon = createLocalBeacon(o.beaconKey ?? deriveBeaconSecretKey(DEV_BEACON_SEED), {
    genesisTime: o.now / 1000n - 1n,
    periodSeconds: 1n,
  });
  return {
    params: defaultParams(beacon.config, {
      l2ChainId: o.chainId ?? devChainId(beacon.config.publicKey),
      tiers: o.tiers ?? [TIER_DEVNET, TIER_TINY, TIER_SMALL],
      epochMs: BigInt(o.epochSeconds) * 1000n,
    }),
    timestamp: o.now,
    alloc: [],
  };
}

/**
 * The local beacon source of a chain whose beacon key this node holds: the first of `keys` whose
 * public key is the genesis beacon's, else the public test key (DEV_BEACON_SEED) if the genesis
 * names it (tests, benches, devnets made before per-devnet keys; `onPublicKey` is told). Throws
 * BEACON_KEY_MISMATCH when none fits.
 */
export function devBeaconSource(
  genesis: GenesisDoc,
  now: () => bigint,
  keys: readonly Uint8Array[] = [],
  onPublicKey: () => void = () => {},
): BeaconSource {
  const b = genesis.params.beacon;
  const opts = { genesisTime: b.genesisTime, periodSeconds: b.periodSeconds };
  for (const key of keys) {
    const beacon = createLocalBeacon(key, opts);
    if (equalBytes(beacon.config.publicKey, b.publicKey)) return createLocalBeaconSource(beacon, now);
  }
  const beacon = createLocalBeacon(deriveBeaconSecretKey(DEV_BEACON_SEED), opts);
  if (!equalBytes(beacon.config.publicKey, b.publicKey)) {
    throw new RollupError(
      "BEACON_KEY_MISMATCH",
      "this chain's beacon is not a local beacon this node holds the key of (pass --beacon.key FILE, or keep the key in <datadir>/beacon.key)",
    );
  }
  onPublicKey();
  return createLocalBeaconSource(beacon, now);
}

/** Dev key i: sha256("flops/devnet/key" ‖ u32 i) (a valid secp256k1 scalar for every i used). */
export function devPrivateKey(i: number): Uint8Array {
  return sha256Parts(utf8("flops/devnet/key"), u32ToBytes(i));
}
