/**
 * `flops node`: runs the sequencer node (block production, mempool, JSON-RPC, metrics) on a
 * datadir, resuming whatever chain it holds. A new datadir needs --genesis FILE or --dev.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { equalBytes } from "../../chain/bytes.ts";
import { RollupError } from "../../chain/errors.ts";
import { type GenesisDoc, genesisFromJson } from "../../chain/genesisDoc.ts";
import { QUICKNET } from "../../chain/params.ts";
import {
  createDrandRelayClient,
  QUICKNET_RELAY_URLS,
  relayBeaconSource,
} from "../../sequencer/beaconRelay.ts";
import type { BeaconSource } from "../../sequencer/ports.ts";
import {
  type Config,
  declareOptions,
  MEMPOOL_OPTIONS,
  METRICS_OPTIONS,
  mempoolOptsFromConfig,
  opt,
  RPC_LIMIT_OPTIONS,
  rateLimitFromConfig,
  rpcLimitsFromConfig,
  usageError,
} from "../config.ts";
import { createNode, type FlopsNode } from "../createNode.ts";
import { devBeaconKeys, loadOrCreateDevBeaconKey } from "../devBeaconKey.ts";
import { devBeaconSource, devGenesis } from "../devnet.ts";
import { createLogger, LOG_OPTIONS, type Logger, loggerOptsFromConfig } from "../logger.ts";
import { createShutdown, SHUTDOWN_OPTIONS } from "../shutdown.ts";
import { type CliIO, logDestination, processIO } from "./io.ts";

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
    Partial<Config<typeof MEMPOOL_OPTIONS>>;
  beaconUrls: readonly string[];
  /** `--beacon.key`: secret key file of the chain's local beacon (besides `<datadir>/beacon.key`). */
  beaconKeyFile?: string | undefined;
  log: Logger;
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
    },
    {
      logger: i.log,
      beacon: (g) =>
        beaconFor(g, i.beaconUrls, now, {
          keys: () => devBeaconKeys(i.datadir, i.beaconKeyFile),
          warn: (m) => i.log.warn(m),
        }),
      now,
    },
  );
}

export function registerNodeCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("node")
    .description("run the sequencer node on a datadir (JSON-RPC, block production)");
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
  });
  cmd.action(async () => {
    const cfg = readConfig();
    if (cfg.genesis && cfg.dev) throw usageError(cmd, "--genesis and --dev exclude each other");
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
    let node: FlopsNode;
    try {
      node = await startNode({
        datadir: cfg.datadir,
        genesis,
        genesisInitOnly: cfg.dev,
        cfg,
        beaconUrls: cfg["beacon.urls"].split(","),
        beaconKeyFile: cfg["beacon.key"],
        log,
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
