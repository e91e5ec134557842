/**
 * Devnet defaults: a genesis with a local beacon, short epochs, the devnet and test tiers, a chain
 * id of its own in the dev range, and deterministic dev prover keys. The prover keys are public and
 * for local networks only; the beacon key is fresh per devnet (devBeaconKey.ts).
 * @module
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type L1Deployment, readDeployment, writeDeployment } from "../bridge/deployment.ts";
import { DEV_PRIVATE_KEYS } from "../bridge/l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { type L1HttpServer, serveL1Http } from "../bridge/l1/serveL1Http.ts";
import { type BlsKeyPair, keyPairFromSeed } from "../bridge/operators/bn254Bls.ts";
import { deployOperatorStack, joinOperators, readOperatorStack } from "../bridge/operators/operatorStack.ts";
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
import { offThreadLocalBeacon } from "../sequencer/beaconPool.ts";
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
    const beacon = offThreadLocalBeacon(key, opts);
    if (equalBytes(beacon.config.publicKey, b.publicKey)) return createLocalBeaconSource(beacon, now);
  }
  const beacon = offThreadLocalBeacon(deriveBeaconSecretKey(DEV_BEACON_SEED), opts);
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
  /** The OutputOracle takes only operator-attested outputs (the deployment has the operator stack). */
  attested: boolean;
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

/** Dev operator i's L1 key: sha256("flops/devnet/operator-l1" ‖ u32 i) (public: devnets only). */
export function devOperatorL1Key(i: number): Hex {
  return bytesToHex(sha256Parts(utf8("flops/devnet/operator-l1"), u32ToBytes(i))) as Hex;
}

function devOperatorAddress(i: number): Hex {
  return privateKeyToAccount(devOperatorL1Key(i)).address;
}

/** Dev operator i's BN254 BLS key, from sha256("flops/devnet/operator-bls" ‖ u32 i) (public: devnets only). */
export function devOperatorBlsKey(i: number): BlsKeyPair {
  return keyPairFromSeed(sha256Parts(utf8("flops/devnet/operator-bls"), u32ToBytes(i)));
}

/** The devnet OutputOracle's challenge window without operators, seconds: a few embedded-L1 blocks. */
const DEVNET_CHALLENGE_WINDOW_S = 10n;

/**
 * The devnet's timing with operators (the embedded L1 mines a block a second; each block's time is
 * at least its parent's + 1 s, so N blocks never cover less than N seconds):
 *
 * - challenge window 60 s: a withdrawal still finalizes within a demo's minute, and a challenger
 *   has time to act on an output it sees posted: an invalid-compute proof needs a block or two; an
 *   availability demand must come within the first challengeWindow − 2 × availabilityWindow = 30 s
 *   and the answer leaves a whole availability window (15 s) to prove it fraudulent;
 * - windowBlocks 90 ≥ 60 s / 1 s (slashingTiming's rule, with half again as margin: stake is
 *   counted slashable until the window's end in blocks, which must not come first);
 * - maxPostingDelayBlocks 60: operators sign outputs of finalized L1 (8 blocks behind the head);
 *   the proposer posts once three of four answered, a few blocks later, far inside 60;
 * - DEALLOCATION_DELAY 200 > 90 + 60: a signer that starts leaving when it signs stays slashable
 *   until its output's window has closed, however late it was posted;
 * - recordTtlShortfall: maxBatchDelay 4 s + proposal interval 4 s + 60 s + drift 30 s = 98 s, far
 *   under the devnet genesis's 600 s recordTtlMs.
 */
export const DEVNET_OPERATOR_TIMING = {
  challengeWindowS: 60n,
  windowBlocks: 90,
  maxPostingDelayBlocks: 60,
  availabilityWindowS: 15,
  deallocationDelay: 200,
  l1BlockTimeS: 1,
} as const;

/** Most dev operators a devnet runs (each is a verifier process of its own). */
export const MAX_DEV_OPERATORS = 16;

/**
 * Starts the embedded L1 with its datadir under the devnet's (`<datadir>/l1/`, replayed on a
 * restart), deploys the contracts at the first start (pinning `genesis`) and writes
 * `<datadir>/l1-deployment.json`; later starts read that file back.
 *
 * With `operators` > 0 the first start also deploys the operator stack on the rollup's own
 * OutputOracle and Portal (EigenLayer stand-in, OperatorRegistry, attestation, InvalidComputeProof,
 * FraudProofs: bridge/operators/operatorStack.ts) with {@link DEVNET_OPERATOR_TIMING}; every start
 * joins dev operators 0..operators-1 that have not joined yet (their L1 keys
 * {@link devOperatorL1Key}, funded by the admin; BLS keys {@link devOperatorBlsKey}). A devnet made
 * without operators stays without them (`attested` false).
 */
export async function startDevnetL1(o: {
  datadir: string;
  genesis: GenesisDoc;
  port?: number;
  /** Dev operators to join (default 0: proposer-role outputs, as before operators existed). */
  operators?: number;
}): Promise<DevnetL1> {
  const operators = o.operators ?? 0;
  if (!Number.isInteger(operators) || operators < 0 || operators > MAX_DEV_OPERATORS)
    throw new RollupError("BAD_CONFIG", `operators must be 0..${MAX_DEV_OPERATORS}, got ${operators}`);
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
    const wallet = createWalletClient({ chain: foundry, transport, account: admin });
    const path = join(o.datadir, "l1-deployment.json");
    let deployment: L1Deployment;
    if (existsSync(path)) deployment = await readDeployment(path);
    else {
      const challengeWindow =
        operators > 0 ? DEVNET_OPERATOR_TIMING.challengeWindowS : DEVNET_CHALLENGE_WINDOW_S;
      const ttl = recordTtlShortfall(
        o.genesis.params,
        challengeWindow,
        defaultProposalIntervalMs(o.genesis.params),
      );
      if (ttl !== undefined) throw new RollupError("BAD_CONFIG", ttl);
      deployment = await deployRollup(wallet, client, {
        genesis: o.genesis,
        roles: {
          admin: admin.address,
          batcher: batcher.address,
          proposer: admin.address,
          challenger: admin.address,
          guardian: admin.address,
        },
        // Without operators a few embedded-L1 blocks (issue 9 item 9: the bridge round trip fits
        // in a demo); with them, DEVNET_OPERATOR_TIMING's minute.
        challengeWindow,
        rateLimitWindow: 3600,
        rateLimitCapacity: 10n ** 24n,
        // No mining by hand: blocks mined faster than the clock would stamp L1 time ahead of it
        // for good (each block is at least its parent + 1 s), eating into maxBatchDelay.
      });
      if (operators > 0) {
        const t = DEVNET_OPERATOR_TIMING;
        const stack = await deployOperatorStack(wallet, client, deployment, {
          genesis: o.genesis,
          windowBlocks: t.windowBlocks,
          maxPostingDelayBlocks: t.maxPostingDelayBlocks,
          availabilityWindowS: t.availabilityWindowS,
          deallocationDelay: t.deallocationDelay,
          l1BlockTimeS: t.l1BlockTimeS,
          // Their stake and gas money in the same block as the contracts.
          fund: { operators: Array.from({ length: operators }, (_, i) => devOperatorAddress(i)) },
        });
        deployment = stack.deployment;
      }
      // Written before the operators join: the file is what says the contracts exist (a crash
      // while joining is finished by the next start's join, which skips who joined).
      await writeDeployment(path, deployment);
    }
    if (deployment.genesisHash !== bytesToHex(genesisHash(o.genesis)))
      throw new RollupError(
        "GENESIS_MISMATCH",
        `${path} pins genesis ${deployment.genesisHash}, this devnet's is ${bytesToHex(genesisHash(o.genesis))}`,
      );
    const attested = deployment.fraudProofs !== undefined;
    if (attested && operators > 0) {
      const keys = Array.from({ length: operators }, (_, i) => ({
        l1Key: devOperatorL1Key(i),
        bls: devOperatorBlsKey(i),
      }));
      await joinOperators(wallet, client, await readOperatorStack(client, deployment), keys);
    }
    if (o.port !== undefined) http = await serveL1Http(l1, { port: o.port });
    const server = http;
    return {
      l1,
      client,
      deployment,
      batcher,
      proposer: admin,
      attested,
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
