/**
 * `flops node`: runs the sequencer node (block production, mempool, JSON-RPC, metrics) on a
 * datadir, resuming whatever chain it holds. A new datadir needs --genesis FILE or --dev.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { equalBytes } from "../../chain/bytes.ts";
import { type GenesisDoc, genesisFromJson } from "../../chain/genesisDoc.ts";
import { QUICKNET } from "../../chain/params.ts";
import { createDrandRelayClient, QUICKNET_RELAY_URLS } from "../../sequencer/beaconRelay.ts";
import type { BeaconSource } from "../../sequencer/ports.ts";
import { declareOptions, METRICS_OPTIONS, opt, usageError } from "../config.ts";
import { createNode, type FlopsNode } from "../createNode.ts";
import { devBeaconSource, devGenesis } from "../devnet.ts";
import { createLogger, LOG_OPTIONS, type Logger, loggerOptsFromConfig } from "../logger.ts";
import { createShutdown, SHUTDOWN_OPTIONS } from "../shutdown.ts";

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
  ...METRICS_OPTIONS,
  ...LOG_OPTIONS,
  ...SHUTDOWN_OPTIONS,
};

/** The beacon a chain needs: the local devnet beacon, or drand relays for quicknet. */
export function beaconFor(genesis: GenesisDoc, urls: readonly string[], now: () => bigint): BeaconSource {
  if (equalBytes(genesis.params.beacon.publicKey, QUICKNET.publicKey)) {
    const relay = createDrandRelayClient({ urls, config: genesis.params.beacon });
    return { getRound: async (r) => (await relay.getRound(r)).signature };
  }
  return devBeaconSource(genesis, now);
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
  };
  beaconUrls: readonly string[];
  log: Logger;
}

export async function startNode(i: RunNodeInput): Promise<FlopsNode> {
  const now = () => BigInt(Date.now());
  const rate = i.cfg["rpc.rate-limit"];
  return createNode(
    {
      datadir: i.datadir,
      ...(i.genesis ? { genesis: i.genesis, genesisInitOnly: i.genesisInitOnly } : {}),
      rpc: {
        addr: i.cfg["rpc.addr"],
        port: i.cfg["rpc.port"],
        limits: { rateLimit: rate === 0 ? false : { perSecond: rate, burst: rate * 2 } },
      },
      ...(i.cfg["metrics.enabled"]
        ? { metrics: { addr: i.cfg["metrics.addr"], port: i.cfg["metrics.port"] } }
        : {}),
      blockTimeMs: i.cfg["block-time-ms"],
    },
    { logger: i.log, beacon: (g) => beaconFor(g, i.beaconUrls, now), now },
  );
}

export function registerNodeCommand(program: Command): void {
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
      description: "comma-separated drand HTTP relays (for chains on the quicknet beacon)",
    }),
    ...NODE_OPTIONS,
  });
  cmd.action(async () => {
    const cfg = readConfig();
    if (cfg.genesis && cfg.dev) throw usageError(cmd, "--genesis and --dev exclude each other");
    const log = createLogger(loggerOptsFromConfig(cfg));
    const genesis = cfg.genesis
      ? genesisFromJson(readFileSync(cfg.genesis, "utf8"))
      : cfg.dev
        ? devGenesis({ now: BigInt(Date.now()), epochSeconds: cfg["epoch-seconds"] })
        : undefined;
    const shutdown = createShutdown({ timeoutMs: cfg["shutdown.timeout"] * 1000 }, { logger: log });
    shutdown.install();
    const node = await startNode({
      datadir: cfg.datadir,
      genesis,
      genesisInitOnly: cfg.dev,
      cfg,
      beaconUrls: cfg["beacon.urls"].split(","),
      log,
    });
    shutdown.register("node", () => node.stop());
    process.stdout.write(`JSON-RPC: ${node.rpcUrl}\n`);
  });
}
