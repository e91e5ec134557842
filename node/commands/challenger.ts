/**
 * `flops challenger`: a verifier that watches every output posted to the OutputOracle, compares
 * it with its own derivation from L1 and proves the faults it finds within the window
 * (bridge/challenger/challenger.ts, PROTOCOL §6); it also answers availability demands against
 * outputs it agrees with. Its L1 key pays for proofs and demand bonds and receives the
 * challenger's share of what is slashed. Part of `flops devnet`.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { genesisFromJson } from "../../chain/genesisDoc.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import type { VerifierFlopsNode } from "../createNode.ts";
import { createLogger, loggerOptsFromConfig } from "../logger.ts";
import { createShutdown } from "../shutdown.ts";
import { type CliIO, logDestination, processIO } from "./io.ts";
import { l1Key, NODE_OPTIONS, parseAttestRpcs, startVerifier } from "./node.ts";

export function registerChallengerCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("challenger")
    .description(
      "watch every output on L1, re-derive it, and prove fraud (invalid compute, unavailable records or openings) within the window",
    );
  const readConfig = declareOptions(cmd, {
    datadir: opt.path({ default: "~/.flops/challenger", description: "data directory (created if missing)" }),
    genesis: opt.path({ description: "genesis JSON for a new datadir" }),
    ...NODE_OPTIONS,
    "l1.rpc": opt.url({ protocols: ["http", "https"], description: "the L1's JSON-RPC endpoint" }),
    "l1.deployment": opt.path({
      description: "the L1 deployment file with a fraudProofs entry (flops l1 deploy --operators)",
    }),
    keystore: opt.path({
      description: "keystore of the challenger's L1 key (pays proofs and bonds, receives the rewards)",
    }),
    "password-file": opt.path({ description: "file holding the keystore's password (else a prompt)" }),
    "operator-rpcs": opt.string({
      description:
        "comma-separated JSON-RPC URLs of operator nodes: asked for the records of the outputs they signed",
    }),
  });
  cmd.action(async () => {
    const cfg = readConfig();
    if (cfg["l1.rpc"] === undefined || cfg["l1.deployment"] === undefined)
      throw usageError(cmd, "needs --l1.rpc URL and --l1.deployment FILE");
    if (cfg.keystore === undefined) throw usageError(cmd, "needs --keystore FILE (the challenger's L1 key)");
    const urls = cfg["operator-rpcs"] === undefined ? [] : parseAttestRpcs(cfg["operator-rpcs"]);
    if (typeof urls === "string")
      throw usageError(cmd, urls.replace("--proposer.attest-rpcs", "--operator-rpcs"));
    const log = createLogger({ ...loggerOptsFromConfig(cfg), destination: logDestination(io) });
    const shutdown = createShutdown({ timeoutMs: cfg["shutdown.timeout"] * 1000 }, { logger: log });
    shutdown.install();
    let node: VerifierFlopsNode;
    try {
      const account = await l1Key(cfg.keystore, cfg["password-file"], io);
      node = await startVerifier({
        datadir: cfg.datadir,
        genesis: cfg.genesis ? genesisFromJson(readFileSync(cfg.genesis, "utf8")) : undefined,
        genesisInitOnly: false,
        cfg,
        log,
        l1Rpc: cfg["l1.rpc"],
        deploymentFile: cfg["l1.deployment"],
        challenger: { account: account!, operatorRpcUrls: urls },
      });
    } catch (e) {
      shutdown.uninstall();
      throw e;
    }
    shutdown.register("challenger", () => node.stop());
    io.stdout.write(`JSON-RPC: ${node.rpcUrl}\n`);
  });
}
