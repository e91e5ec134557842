/**
 * `flops node`: runs the sequencer node (block production, mempool, JSON-RPC, metrics) on a
 * datadir, resuming whatever chain it holds. A new datadir needs --genesis FILE or --dev.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Hex, LocalAccount, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type L1Deployment, readDeployment } from "../../bridge/deployment.ts";
import { bytesToHex, equalBytes } from "../../chain/bytes.ts";
import { RollupError } from "../../chain/errors.ts";
import { type GenesisDoc, genesisFromJson, genesisHash } from "../../chain/genesisDoc.ts";
import { QUICKNET } from "../../chain/params.ts";
import {
  createDrandRelayClient,
  QUICKNET_RELAY_URLS,
  relayBeaconSource,
} from "../../sequencer/beaconRelay.ts";
import type { BeaconSource } from "../../sequencer/ports.ts";
import { ChainStore } from "../../store/chainStore.ts";
import { loadBlsKeystore } from "../blsKeystore.ts";
import type { ChallengerNodeOpts } from "../challengerNode.ts";
import {
  BATCHER_KEY_OPTIONS,
  type Config,
  type ConfigSource,
  declareOptions,
  L1_FOLLOW_OPTIONS,
  MEMPOOL_OPTIONS,
  METRICS_OPTIONS,
  mempoolOptsFromConfig,
  opt,
  PROPOSER_KEY_OPTIONS,
  PROPOSER_OPTIONS,
  pruneOptions,
  RPC_LIMIT_OPTIONS,
  rateLimitFromConfig,
  rpcLimitsFromConfig,
  usageError,
  VERIFIER_OPTIONS,
} from "../config.ts";
import { createNode, type FlopsNode, type VerifierFlopsNode } from "../createNode.ts";
import { devBeaconKeys, loadOrCreateDevBeaconKey } from "../devBeaconKey.ts";
import { devBeaconSource, devGenesis } from "../devnet.ts";
import { canPrompt, promptSecret, readPasswordFile, unlockKeystore } from "../keystore.ts";
import { createLogger, LOG_OPTIONS, type Logger, loggerOptsFromConfig } from "../logger.ts";
import type { ProposerPace } from "../outputProposerNode.ts";
import { createShutdown, SHUTDOWN_OPTIONS } from "../shutdown.ts";
import { nodeL1Client, type VerifierOperatorOpts } from "../verifierNode.ts";
import { type CliIO, logDestination, processIO, promptIO, warnTo } from "./io.ts";

/** Options every node-running command shares (flops node, flops devnet). */
export const NODE_OPTIONS = {
  "rpc.addr": opt.host({ default: "127.0.0.1", description: "JSON-RPC listen address" }),
  "rpc.port": opt.port({ default: 8545, description: "JSON-RPC listen port" }),
  "rpc.rate-limit": opt.int({
    default: 200,
    min: 0,
    description: "JSON-RPC calls per second per IP (0: no limit)",
  }),
  "block-time-ms": opt.positiveInt({ default: 1000, description: "block time in milliseconds" }),
  ...L1_FOLLOW_OPTIONS,
  ...RPC_LIMIT_OPTIONS,
  ...MEMPOOL_OPTIONS,
  ...METRICS_OPTIONS,
  ...LOG_OPTIONS,
  ...SHUTDOWN_OPTIONS,
};

/**
 * The beacon a chain needs: the local devnet beacon when this node holds its key, else drand
 * relays (quicknet's by default; for another key, relays serving that chain at their root).
 */
export function beaconFor(
  genesis: GenesisDoc,
  urls: readonly string[],
  now: () => bigint,
  /** Local-beacon keys this node holds (read only for a chain not on quicknet), and a warning sink. */
  dev: { keys?: () => readonly Uint8Array[]; warn?: (msg: string) => void } = {},
): BeaconSource {
  if (!equalBytes(genesis.params.beacon.publicKey, QUICKNET.publicKey)) {
    try {
      return devBeaconSource(genesis, now, dev.keys?.() ?? [], () =>
        dev.warn?.("this chain's beacon key is the PUBLIC test key: anyone can sign its rounds (tests only)"),
      );
    } catch (e) {
      // Not the dev key: only relays can know this beacon's rounds (each one is BLS-verified).
      if (!(e instanceof RollupError && e.code === "BEACON_KEY_MISMATCH")) throw e;
    }
  }
  return relayBeaconSource(createDrandRelayClient({ urls, config: genesis.params.beacon }));
}

export interface RunNodeInput {
  datadir: string;
  genesis: GenesisDoc | undefined;
  /** The genesis only initialises an empty datadir (devnet genesis made at start-up). */
  genesisInitOnly: boolean;
  cfg: {
    "rpc.addr": string;
    "rpc.port": number;
    "rpc.rate-limit": number;
    "block-time-ms": number;
    "metrics.enabled": boolean;
    "metrics.addr": string;
    "metrics.port": number;
  } & Partial<Config<typeof RPC_LIMIT_OPTIONS>> &
    Partial<Config<typeof MEMPOOL_OPTIONS>> &
    Partial<Config<typeof L1_FOLLOW_OPTIONS>> &
    Partial<Config<typeof PROPOSER_OPTIONS>> &
    Partial<Config<ReturnType<typeof pruneOptions>>>;
  beaconUrls: readonly string[];
  /** `--beacon.key`: secret key file of the chain's local beacon (besides `<datadir>/beacon.key`). */
  beaconKeyFile?: string | undefined;
  log: Logger;
  /** Follow this L1 deployment; with `batcher`, post every block to it. */
  l1?:
    | {
        client: PublicClient;
        deployment: L1Deployment;
        batcher?: LocalAccount | undefined;
        /** Post the sequencer's own outputs with this key (node/outputProposerNode.ts; the devnet's admin). */
        proposer?: LocalAccount | undefined;
        /** Post attested outputs: the operator nodes to ask (`--proposer.attest-rpcs`). */
        attest?: ProposerPace["attest"];
      }
    | undefined;
}

export async function startNode(i: RunNodeInput): Promise<FlopsNode> {
  const now = () => BigInt(Date.now());
  const rate = i.cfg["rpc.rate-limit"];
  const rpcLimits = rpcLimitsFromConfig(i.cfg);
  return createNode(
    {
      datadir: i.datadir,
      ...(i.genesis ? { genesis: i.genesis, genesisInitOnly: i.genesisInitOnly } : {}),
      rpc: {
        addr: i.cfg["rpc.addr"],
        port: i.cfg["rpc.port"],
        limits: { ...rpcLimits.limits, rateLimit: rateLimitFromConfig(rate) },
        connections: rpcLimits.connections,
      },
      ...(i.cfg["metrics.enabled"]
        ? { metrics: { addr: i.cfg["metrics.addr"], port: i.cfg["metrics.port"] } }
        : {}),
      blockTimeMs: i.cfg["block-time-ms"],
      mempool: mempoolOptsFromConfig(i.cfg),
      ...(i.l1
        ? {
            l1: {
              deployment: i.l1.deployment,
              confirmations: i.cfg["l1.confirmations"] ?? 2,
              ...(i.l1.batcher
                ? {
                    batcher: {
                      account: i.l1.batcher,
                      maxDelayMs: i.cfg["batcher.max-delay-ms"] ?? 0,
                      targetBytes: i.cfg["batcher.target-bytes"] ?? 600_000,
                      numConfirmations: i.cfg["batcher.confirmations"] ?? 4,
                    },
                  }
                : {}),
            },
          }
        : {}),
      ...(i.cfg.prune === true ? { prune: { retention: i.cfg["prune.retention"] ?? 1024 } } : {}),
      ...(i.l1?.proposer
        ? {
            proposer: {
              account: i.l1.proposer,
              intervalMs: i.cfg["proposer.interval-ms"] ?? 0,
              intervalBlocks: i.cfg["proposer.interval"] ?? 1,
              lagBlocks: i.cfg["proposer.lag-blocks"] ?? 10,
              ...(i.l1.attest ? { attest: i.l1.attest } : {}),
            },
          }
        : {}),
    },
    {
      logger: i.log,
      ...(i.l1 ? { l1Client: i.l1.client } : {}),
      beacon: (g) =>
        beaconFor(g, i.beaconUrls, now, {
          keys: () => devBeaconKeys(i.datadir, i.beaconKeyFile),
          warn: (m) => i.log.warn(m),
        }),
      now,
    },
  );
}

/**
 * A verifier on `datadir`: the deployment file is read and checked against the chain's genesis
 * (the hash the contracts pin) before anything starts.
 */
export async function startVerifier(
  i: Omit<RunNodeInput, "beaconUrls" | "beaconKeyFile" | "l1" | "cfg"> & {
    cfg: RunNodeInput["cfg"] & Partial<Config<typeof PROPOSER_KEY_OPTIONS>>;
    l1Rpc: string;
    deploymentFile: string;
    /** Post outputs of the derived head with this key (`--proposer.keystore`). */
    proposer?: LocalAccount | undefined;
    /** `--mode operator`: sign derived outputs with this BLS key. */
    operator?: VerifierOperatorOpts | undefined;
    /** Post attested outputs: the operator nodes to ask (`--proposer.attest-rpcs`). */
    attest?: ProposerPace["attest"];
    /** `flops challenger`: watch every output and prove the faults found. */
    challenger?: ChallengerNodeOpts | undefined;
  },
): Promise<VerifierFlopsNode> {
  const deployment = await readDeployment(i.deploymentFile);
  let genesis = i.genesis;
  if (genesis === undefined) {
    // A resumed datadir: its stored genesis (read, then closed again before the node opens it).
    const store = await ChainStore.open(join(i.datadir, "chain"));
    genesis = store.genesis();
    await store.close();
  }
  if (genesis === undefined)
    throw new RollupError("NO_GENESIS", `datadir ${i.datadir} is empty: a verifier needs --genesis FILE`);
  if (bytesToHex(genesisHash(genesis)) !== deployment.genesisHash)
    throw new RollupError(
      "GENESIS_MISMATCH",
      `the deployment file pins genesis ${deployment.genesisHash}, this chain's is ${bytesToHex(genesisHash(genesis))}`,
    );
  const rpcLimits = rpcLimitsFromConfig(i.cfg);
  return createNode(
    {
      datadir: i.datadir,
      genesis,
      rpc: {
        addr: i.cfg["rpc.addr"],
        port: i.cfg["rpc.port"],
        limits: { ...rpcLimits.limits, rateLimit: rateLimitFromConfig(i.cfg["rpc.rate-limit"]) },
        connections: rpcLimits.connections,
      },
      ...(i.cfg["metrics.enabled"]
        ? { metrics: { addr: i.cfg["metrics.addr"], port: i.cfg["metrics.port"] } }
        : {}),
      blockTimeMs: i.cfg["block-time-ms"],
      verifier: {
        l1Rpc: i.l1Rpc,
        deployment,
        ...(i.operator ? { operator: i.operator } : {}),
        ...(i.challenger ? { challenger: i.challenger } : {}),
        ...(i.proposer
          ? {
              proposer: {
                account: i.proposer,
                intervalMs: i.cfg["proposer.interval-ms"] ?? 0,
                intervalBlocks: i.cfg["proposer.interval"] ?? 1,
                head: i.cfg["proposer.head"] ?? "safe",
                ...(i.attest ? { attest: i.attest } : {}),
              },
            }
          : {}),
      },
    },
    {
      logger: i.log,
      beacon: () => {
        throw new Error("a verifier reads beacon rounds from batches, never from a beacon source");
      },
    },
  );
}

/** An L1 key from its keystore (`--batcher.keystore`, `--proposer.keystore`); none: undefined. */
export async function l1Key(
  file: string | undefined,
  passwordFile: string | undefined,
  io: CliIO,
): Promise<LocalAccount | undefined> {
  if (file === undefined) return undefined;
  const key = await unlockKeystore({ file, passwordFile, warn: warnTo(io) });
  return privateKeyToAccount(bytesToHex(key.privateKey) as Hex);
}

/** `--mode operator`'s BLS key (`--bls-keystore`, `--password-file` or a prompt); none: undefined. */
async function operatorKey(
  file: string | undefined,
  passwordFile: string | undefined,
  io: CliIO,
): Promise<VerifierOperatorOpts | undefined> {
  if (file === undefined) return undefined;
  let password: string;
  if (passwordFile !== undefined) password = readPasswordFile(passwordFile, warnTo(io));
  else if (canPrompt(promptIO(io))) password = await promptSecret(`Password for ${file}: `, promptIO(io));
  else
    throw new RollupError(
      "BAD_CONFIG",
      `no password for ${file}: pass --password-file FILE (or run on a terminal)`,
    );
  return { key: await loadBlsKeystore(file, password) };
}

/** At most this many operator URLs (`--proposer.attest-rpcs`): one request each per round. */
const MAX_ATTEST_RPCS = 256;

/** `--proposer.attest-rpcs`: the operator URLs, each http(s); the reason they are wrong, or the list. */
export function parseAttestRpcs(value: string): string[] | string {
  const urls = value
    .split(",")
    .map((u) => u.trim())
    .filter((u) => u !== "");
  if (urls.length === 0) return "--proposer.attest-rpcs needs at least one URL";
  if (urls.length > MAX_ATTEST_RPCS) return `--proposer.attest-rpcs takes at most ${MAX_ATTEST_RPCS} URLs`;
  for (const u of urls) {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch {}
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:"))
      return `--proposer.attest-rpcs: ${u.slice(0, 100)} is not an http(s) URL`;
  }
  return urls;
}

/** The proposer options that only make sense with a proposer key. */
const PROPOSER_KEYED = [
  "proposer.password-file",
  "proposer.interval",
  "proposer.interval-ms",
  "proposer.lag-blocks",
  "proposer.head",
  "proposer.attest-rpcs",
] as const;

/**
 * The proposer flags' rules, checked before any key is unlocked: the reason they are wrong, or
 * undefined. An option set on purpose (flag, env, config file) that this node would ignore is an
 * error, not a silent no-op.
 */
function proposerConfigError(
  cfg: Config<typeof PROPOSER_OPTIONS & typeof PROPOSER_KEY_OPTIONS> & {
    "l1.rpc": string | undefined;
    "l1.deployment": string | undefined;
  },
  sources: Readonly<Record<(typeof PROPOSER_KEYED)[number], ConfigSource>>,
  verifier: boolean,
): string | undefined {
  if (cfg["proposer.keystore"] === undefined) {
    const stray = PROPOSER_KEYED.find((k) => sources[k] !== "default");
    return stray === undefined
      ? undefined
      : `--${stray} needs --proposer.keystore FILE (without a proposer key the node posts no outputs)`;
  }
  if (cfg["l1.rpc"] === undefined || cfg["l1.deployment"] === undefined)
    return "--proposer.keystore needs --l1.rpc URL and --l1.deployment FILE (the OutputOracle it posts to)";
  if (verifier && sources["proposer.lag-blocks"] !== "default")
    return "--proposer.lag-blocks is a sequencer's: a verifier posts the head it derived (--proposer.head safe|finalized)";
  if (!verifier && sources["proposer.head"] !== "default")
    return "--proposer.head is a verifier's (--mode verifier): a sequencer derives nothing, it posts its own head --proposer.lag-blocks behind";
  return undefined;
}

/**
 * The sequencer's L1 from `--l1.rpc`, `--l1.deployment`, `--batcher.keystore` and the proposer's
 * key (none of them: no L1).
 */
async function sequencerL1FromConfig(
  cfg: {
    "l1.rpc": string | undefined;
    "l1.deployment": string | undefined;
    "batcher.keystore": string | undefined;
    "batcher.password-file": string | undefined;
  },
  proposer: LocalAccount | undefined,
  io: CliIO,
  attest?: ProposerPace["attest"],
): Promise<RunNodeInput["l1"]> {
  if (cfg["l1.rpc"] === undefined && cfg["l1.deployment"] === undefined) {
    if (cfg["batcher.keystore"] !== undefined)
      throw new RollupError("BAD_CONFIG", "--batcher.keystore needs --l1.rpc URL and --l1.deployment FILE");
    return undefined;
  }
  if (cfg["l1.rpc"] === undefined || cfg["l1.deployment"] === undefined)
    throw new RollupError(
      "BAD_CONFIG",
      "a sequencer on an L1 needs both --l1.rpc URL and --l1.deployment FILE",
    );
  const deployment = await readDeployment(cfg["l1.deployment"]);
  const batcher = await l1Key(cfg["batcher.keystore"], cfg["batcher.password-file"], io);
  // Each key's L1 nonces are owned by one tx manager (its journal): two managers on one key would
  // race for the same nonces and replace each other's txs.
  if (batcher && proposer && batcher.address === proposer.address)
    throw new RollupError(
      "BAD_CONFIG",
      `--batcher.keystore and --proposer.keystore hold the same key (${batcher.address}): give each its own`,
    );
  return {
    client: nodeL1Client(cfg["l1.rpc"]),
    deployment,
    batcher,
    proposer,
    ...(attest ? { attest } : {}),
  };
}

export function registerNodeCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("node")
    .description(
      "run the sequencer node on a datadir (JSON-RPC, block production), or with --mode verifier derive the chain from L1",
    );
  const readConfig = declareOptions(cmd, {
    datadir: opt.path({ default: "~/.flops/node", description: "data directory (created if missing)" }),
    genesis: opt.path({ description: "genesis JSON for a new datadir" }),
    dev: opt.bool({
      default: false,
      description: "initialise a new datadir with the devnet genesis (local beacon)",
    }),
    "epoch-seconds": opt.positiveInt({ default: 30, description: "epoch length of a --dev genesis" }),
    "beacon.urls": opt.string({
      default: QUICKNET_RELAY_URLS.join(","),
      description:
        "comma-separated drand HTTP relays (for a chain whose beacon key this node does not hold: quicknet, or a relay serving that chain at its root)",
    }),
    "beacon.key": opt.path({
      description:
        "secret key file of the chain's local (dev) beacon, as `flops genesis --beacon dev` writes it (also read: <datadir>/beacon.key)",
    }),
    ...NODE_OPTIONS,
    // On: the keep point follows the newest output final on L1 (node/statePruning.ts).
    ...pruneOptions(true),
    ...VERIFIER_OPTIONS,
    ...BATCHER_KEY_OPTIONS,
    ...PROPOSER_OPTIONS,
    ...PROPOSER_KEY_OPTIONS,
  });
  cmd.action(async () => {
    const { config: cfg, sources } = readConfig.withSources();
    if (cfg.genesis && cfg.dev) throw usageError(cmd, "--genesis and --dev exclude each other");
    // An operator is a verifier that also signs what it derived (node/verifierNode.ts `operator`).
    const verifier = cfg.mode === "verifier" || cfg.mode === "operator";
    if (verifier && (cfg["l1.rpc"] === undefined || cfg["l1.deployment"] === undefined))
      throw usageError(cmd, `--mode ${cfg.mode} needs --l1.rpc URL and --l1.deployment FILE`);
    if (cfg.mode === "operator" && cfg["bls-keystore"] === undefined)
      throw usageError(cmd, "--mode operator needs --bls-keystore FILE (flops operator keygen)");
    if (cfg.mode !== "operator" && (cfg["bls-keystore"] !== undefined || cfg["password-file"] !== undefined))
      throw usageError(cmd, "--bls-keystore and --password-file are for --mode operator");
    // A --dev genesis is made "now" with a fresh beacon key: no L1 deployment pins it.
    if (verifier && cfg.dev) throw usageError(cmd, "--mode verifier takes --genesis FILE, not --dev");
    const badProposer = proposerConfigError(cfg, sources, verifier);
    if (badProposer !== undefined) throw usageError(cmd, badProposer);
    let attest: ProposerPace["attest"];
    if (cfg["proposer.attest-rpcs"] !== undefined) {
      const urls = parseAttestRpcs(cfg["proposer.attest-rpcs"]);
      if (typeof urls === "string") throw usageError(cmd, urls);
      // Operators sign only what is derived from finalized L1 data; a sequencer derives its own
      // chain only with a batcher (follow mode).
      if (!verifier && cfg["batcher.keystore"] === undefined)
        throw usageError(
          cmd,
          "--proposer.attest-rpcs on a sequencer needs --batcher.keystore (it posts what its own derivation finalized)",
        );
      attest = { operatorRpcUrls: urls };
    }
    const log = createLogger({ ...loggerOptsFromConfig(cfg), destination: logDestination(io) });
    const genesis = cfg.genesis
      ? genesisFromJson(readFileSync(cfg.genesis, "utf8"))
      : cfg.dev
        ? devGenesis({
            now: BigInt(Date.now()),
            epochSeconds: cfg["epoch-seconds"],
            // A fresh key per devnet datadir, kept there so a resumed devnet keeps it.
            beaconKey: loadOrCreateDevBeaconKey(cfg.datadir).key,
          })
        : undefined;
    const shutdown = createShutdown({ timeoutMs: cfg["shutdown.timeout"] * 1000 }, { logger: log });
    shutdown.install();
    let node: FlopsNode | VerifierFlopsNode;
    try {
      const proposer = await l1Key(cfg["proposer.keystore"], cfg["proposer.password-file"], io);
      const operator = await operatorKey(cfg["bls-keystore"], cfg["password-file"], io);
      node = verifier
        ? await startVerifier({
            datadir: cfg.datadir,
            genesis,
            genesisInitOnly: false,
            cfg,
            log,
            l1Rpc: cfg["l1.rpc"]!,
            deploymentFile: cfg["l1.deployment"]!,
            proposer,
            operator,
            attest,
          })
        : await startNode({
            datadir: cfg.datadir,
            genesis,
            genesisInitOnly: cfg.dev,
            cfg,
            beaconUrls: cfg["beacon.urls"].split(","),
            beaconKeyFile: cfg["beacon.key"],
            log,
            l1: await sequencerL1FromConfig(cfg, proposer, io, attest),
          });
    } catch (e) {
      // Nothing to stop: leave the process's signals as they were (a CLI run inside a test goes on).
      shutdown.uninstall();
      throw e;
    }
    shutdown.register("node", () => node.stop());
    io.stdout.write(`JSON-RPC: ${node.rpcUrl}\n`);
  });
}
