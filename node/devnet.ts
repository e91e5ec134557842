/**
 * Devnet defaults: a genesis with a local beacon, short epochs, the devnet and test tiers, a chain
 * id of its own in the dev range, and deterministic dev prover keys. The prover keys are public and
 * for local networks only; the beacon key is fresh per devnet (devBeaconKey.ts).
 * @module
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createPublicClient, createWalletClient, custom, type LocalAccount, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type L1Deployment, readDeployment, writeDeployment } from "../bridge/deployment.ts";
import { DEV_PRIVATE_KEYS } from "../bridge/l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { type L1HttpServer, serveL1Http } from "../bridge/l1/serveL1Http.ts";
import { createLocalBeacon, DEV_BEACON_SEED, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex, equalBytes, u32ToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import { type GenesisDoc, genesisFromJson, genesisHash, genesisToJson } from "../chain/genesisDoc.ts";
import { sha256Parts, utf8 } from "../chain/hash.ts";
import {
  defaultParams,
  recordTtlShortfall,
  TIER_DEVNET,
  TIER_SMALL,
  TIER_TINY,
  type Tier,
} from "../chain/params.ts";
import { createLocalBeaconSource } from "../sequencer/localBeaconSource.ts";
import type { BeaconSource } from "../sequencer/ports.ts";
import { ChainStore } from "../store/chainStore.ts";
import { deployRollup } from "./commands/l1.ts";
import { defaultProposalIntervalMs } from "./outputProposerNode.ts";

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

/** The devnet's L1: the embedded L1 in process, the rollup deployed on it, the batcher's account. */
export interface DevnetL1 {
  l1: EmbeddedL1;
  client: PublicClient;
  deployment: L1Deployment;
  /** Dev account 1 of the embedded L1 (account 0 deploys and holds the admin roles). */
  batcher: LocalAccount;
  /** The OutputOracle's proposer: dev account 0 (the admin, which holds PROPOSER_ROLE here). */
  proposer: LocalAccount;
  /** The L1 over HTTP (`--l1.port`). */
  http: L1HttpServer | undefined;
  close(): Promise<void>;
}

/**
 * The devnet's genesis: `<datadir>/genesis.json` if there is one (a resumed devnet, or a restart
 * after the contracts pinned it), else `make()`, written there before anything pins it.
 */
export async function devnetGenesis(datadir: string, make: () => GenesisDoc): Promise<GenesisDoc> {
  const path = join(datadir, "genesis.json");
  if (existsSync(path)) return genesisFromJson(await readFile(path, "utf8"));
  let g: GenesisDoc | undefined;
  if (existsSync(join(datadir, "chain"))) {
    // A devnet made before genesis.json was kept: its stored genesis.
    const store = await ChainStore.open(join(datadir, "chain"));
    g = store.genesis();
    await store.close();
  }
  g ??= make();
  await writeFile(path, genesisToJson(g));
  return g;
}

/**
 * Starts the embedded L1 with its datadir under the devnet's (`<datadir>/l1/`, replayed on a
 * restart), deploys the contracts at the first start (pinning `genesis`) and writes
 * `<datadir>/l1-deployment.json`; later starts read that file back.
 */
/** The devnet OutputOracle's challenge window, seconds: a few embedded-L1 blocks. */
const DEVNET_CHALLENGE_WINDOW_S = 10n;

export async function startDevnetL1(o: {
  datadir: string;
  genesis: GenesisDoc;
  port?: number;
}): Promise<DevnetL1> {
  const l1 = await createEmbeddedL1({
    datadir: o.datadir,
    blockTimeMs: Number(o.genesis.params.l1BlockTimeMs),
  });
  let http: L1HttpServer | undefined;
  try {
    const transport = custom(l1, { retryCount: 0 });
    const client = createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient;
    const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
    const batcher = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!);
    const path = join(o.datadir, "l1-deployment.json");
    let deployment: L1Deployment;
    if (existsSync(path)) deployment = await readDeployment(path);
    else {
      const ttl = recordTtlShortfall(
        o.genesis.params,
        DEVNET_CHALLENGE_WINDOW_S,
        defaultProposalIntervalMs(o.genesis.params),
      );
      if (ttl !== undefined) throw new RollupError("BAD_CONFIG", ttl);
      const wallet = createWalletClient({ chain: foundry, transport, account: admin });
      deployment = await deployRollup(wallet, client, {
        genesis: o.genesis,
        roles: {
          admin: admin.address,
          batcher: batcher.address,
          proposer: admin.address,
          challenger: admin.address,
          guardian: admin.address,
        },
        // A few embedded-L1 blocks (issue 9 item 9): the bridge round trip fits in a demo.
        challengeWindow: DEVNET_CHALLENGE_WINDOW_S,
        rateLimitWindow: 3600,
        rateLimitCapacity: 10n ** 24n,
        // No mining by hand: blocks mined faster than the clock would stamp L1 time ahead of it
        // for good (each block is at least its parent + 1 s), eating into maxBatchDelay.
      });
      await writeDeployment(path, deployment);
    }
    if (deployment.genesisHash !== bytesToHex(genesisHash(o.genesis)))
      throw new RollupError(
        "GENESIS_MISMATCH",
        `${path} pins genesis ${deployment.genesisHash}, this devnet's is ${bytesToHex(genesisHash(o.genesis))}`,
      );
    if (o.port !== undefined) http = await serveL1Http(l1, { port: o.port });
    const server = http;
    return {
      l1,
      client,
      deployment,
      batcher,
      proposer: admin,
      http,
      async close() {
        await server?.close();
        await l1.close();
      },
    };
  } catch (e) {
    await http?.close();
    await l1.close();
    throw e;
  }
}
