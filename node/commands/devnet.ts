/**
 * `flops devnet` (what `npm start` runs): the embedded L1 with the contracts, a sequencer node with
 * a local beacon (a fresh key per datadir), its batcher and output proposer, a verifier node
 * deriving the chain from that L1 (node/commands/devnetVerifier.ts), N prover processes with dev
 * keys, and `--operators` (default 4) EigenLayer operators: the operator stack and fraud proofs
 * deployed on the rollup's own OutputOracle and Portal at the first start (node/devnet.ts,
 * bridge/operators/operatorStack.ts), one `flops node --mode operator` process per operator, and
 * the sequencer's proposer posting outputs with their aggregate signature. A fresh temp datadir
 * by default (an existing --datadir is resumed: L1, L2, the verifier's and operators' chains,
 * beacon key and chain id).
 * Prints the URLs, then status lines every few seconds (devnetStatus.ts); Ctrl-C stops everything.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { genesisHash } from "../../chain/genesisDoc.ts";
import { TIER_DEVNET } from "../../chain/params.ts";
import { addressFromPrivateKey } from "../../chain/tx/index.ts";
import { encryptBlsKeystore } from "../blsKeystore.ts";
import { declareOptions, opt, PROPOSER_OPTIONS, pruneOptions } from "../config.ts";
import type { FlopsNode } from "../createNode.ts";
import { loadOrCreateDevBeaconKey } from "../devBeaconKey.ts";
import {
  devGenesis,
  devnetGenesis,
  devOperatorBlsKey,
  devPrivateKey,
  MAX_DEV_OPERATORS,
  startDevnetL1,
} from "../devnet.ts";
import { listKeystores, writeKeystore } from "../keystore.ts";
import { createLogger, loggerOptsFromConfig } from "../logger.ts";
import { createShutdown } from "../shutdown.ts";
import { devnetStatusReader, formatDevnetStatus } from "./devnetStatus.ts";
import { type DevnetVerifier, spawnDevnetVerifier } from "./devnetVerifier.ts";
import { type CliIO, logDestination, processIO } from "./io.ts";
import { NODE_OPTIONS, startNode } from "./node.ts";

const DEV_PASSWORD = "flops-devnet";
const BIN = resolve(import.meta.dirname, "../../bin/flops.mjs");

export interface DevProver {
  address: string;
  keystore: string;
  datadir: string;
  log: string;
  child?: ChildProcess;
}

/** Writes (or finds) the dev keystores for provers 0..n-1 under `datadir/keys`. */
export async function ensureDevKeys(
  datadir: string,
  n: number,
): Promise<{ passwordFile: string; keystores: string[] }> {
  const dir = join(datadir, "keys");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dir, "password.txt");
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, DEV_PASSWORD, { mode: 0o600 });
  const existing = listKeystores(dir, () => {});
  const keystores: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = devPrivateKey(i);
    const address = bytesToHex(addressFromPrivateKey(key)).toLowerCase();
    const found = existing.find((e) => e.address.toLowerCase() === address);
    // Dev keys are public: a cheap scrypt is fine here and nowhere else.
    keystores.push(
      found
        ? found.file
        : (await writeKeystore(key, DEV_PASSWORD, { dir, scryptN: 1024, warn: () => {} })).file,
    );
  }
  return { passwordFile, keystores };
}

/**
 * Writes (or finds) the BLS keystores of dev operators 0..n-1 as `datadir/keys/operator-<i>.bls.json`
 * (EIP-2335; the provers' password file). The keys are public (devOperatorBlsKey): a cheap scrypt.
 */
export async function ensureDevOperatorKeys(
  datadir: string,
  n: number,
): Promise<{ passwordFile: string; keystores: string[] }> {
  const { passwordFile } = await ensureDevKeys(datadir, 0);
  const keystores: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(datadir, "keys", `operator-${i}.bls.json`);
    if (!existsSync(file)) {
      const json = await encryptBlsKeystore(devOperatorBlsKey(i), DEV_PASSWORD, {
        scryptN: 1024,
        description: `flops devnet operator ${i} (a public dev key)`,
      });
      await writeFile(file, JSON.stringify(json), { mode: 0o600 });
    }
    keystores.push(file);
  }
  return { passwordFile, keystores };
}

/** The devnet's challenger pays with dev account 9 of the embedded L1 (funded at its genesis). */
export const DEV_CHALLENGER_ACCOUNT = 9;

/** Writes (or finds) the challenger's keystore under `datadir/keys` (a public dev key). */
export async function ensureDevChallengerKey(
  datadir: string,
): Promise<{ keystore: string; passwordFile: string }> {
  const { passwordFile } = await ensureDevKeys(datadir, 0);
  const dir = join(datadir, "keys");
  const key = hexToBytes(DEV_PRIVATE_KEYS[DEV_CHALLENGER_ACCOUNT]!);
  const address = bytesToHex(addressFromPrivateKey(key)).toLowerCase();
  const found = listKeystores(dir, () => {}).find((e) => e.address.toLowerCase() === address);
  const keystore = found
    ? found.file
    : (await writeKeystore(key, DEV_PASSWORD, { dir, scryptN: 1024, warn: () => {} })).file;
  return { keystore, passwordFile };
}

/**
 * A port free now on `host` (the OS picks it; closed again at once). The operators' URLs must be
 * known before they serve: the sequencer's proposer is built with them. Another process could take
 * the port in between; that operator then fails to start and says so in its log.
 */
function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export function registerDevnetCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("devnet")
    .description(
      "run a local devnet: node + local beacon + N provers with dev keys + operators attesting outputs (what `npm start` runs)",
    );
  const readConfig = declareOptions(cmd, {
    provers: opt.int({ default: 3, min: 0, max: 64, description: "prover processes to start" }),
    operators: opt.int({
      default: 4,
      min: 0,
      max: MAX_DEV_OPERATORS,
      description:
        "EigenLayer operators attesting outputs (a new devnet deploys the operator stack and fraud proofs; 0: proposer-role outputs)",
    }),
    datadir: opt.path({
      description: "data directory (default: a fresh temp dir; an existing one is resumed)",
    }),
    "epoch-seconds": opt.positiveInt({ default: 30, description: "epoch length of a new devnet" }),
    tier: opt.string({
      default: TIER_DEVNET.name,
      description: "tier the provers work at (devnet, small, tiny)",
    }),
    engine: opt.oneOf({
      choices: ["auto", "native", "wasm", "js"] as const,
      default: "auto",
      description: "provers' work engine",
    }),
    "status-interval": opt.positiveInt({ default: 10, description: "seconds between status lines" }),
    "l1.embedded": opt.bool({
      default: true,
      description:
        "run the embedded L1 in process, with the contracts deployed and the batcher posting to it",
    }),
    "l1.port": opt.port({
      description: "also serve the embedded L1 over HTTP JSON-RPC on this port (0: any free one)",
    }),
    verifier: opt.bool({
      default: true,
      description:
        "run a verifier node deriving the chain from the embedded L1 (`--no-verifier` on small machines)",
    }),
    "verifier.rpc.port": opt.port({
      description:
        "the verifier's JSON-RPC port (default: --rpc.port + 1; any free one when --rpc.port is 0)",
    }),
    ...NODE_OPTIONS,
    ...PROPOSER_OPTIONS,
    ...pruneOptions(true),
    "block-time-ms": opt.positiveInt({ default: 500, description: "block time in milliseconds" }),
  });
  // `--no-verifier`: commander sets the same value `--verifier false` does.
  cmd.addOption(new Option("--no-verifier", "run no verifier node (same as --verifier false)"));
  cmd.action(async () => {
    const cfg = readConfig();
    // The verifier follows the embedded L1 over HTTP: without an L1 there is nothing to derive.
    const withVerifier = cfg.verifier && cfg["l1.embedded"];
    // Operators derive from the embedded L1 over HTTP too.
    const operatorCount = cfg["l1.embedded"] ? cfg.operators : 0;
    const datadir = cfg.datadir ?? mkdtempSync(join(tmpdir(), "flops-devnet-"));
    mkdirSync(datadir, { recursive: true });
    const log = createLogger({ ...loggerOptsFromConfig(cfg), destination: logDestination(io, "stderr") });
    const shutdown = createShutdown({ timeoutMs: cfg["shutdown.timeout"] * 1000 }, { logger: log });
    shutdown.install();

    const genesis = await devnetGenesis(datadir, () =>
      devGenesis({
        now: BigInt(Date.now()),
        epochSeconds: cfg["epoch-seconds"],
        // A fresh beacon key per devnet datadir, kept there so a resumed devnet keeps it.
        beaconKey: loadOrCreateDevBeaconKey(datadir).key,
      }),
    );
    // The embedded L1 (the default): started, deployed to at the first start, resumed after.
    const devL1 = cfg["l1.embedded"]
      ? await startDevnetL1({
          datadir,
          genesis,
          operators: operatorCount,
          // The verifier and the operators read the L1 over HTTP, as a node on another machine
          // would (any free port).
          ...(cfg["l1.port"] === undefined
            ? withVerifier || operatorCount > 0
              ? { port: 0 }
              : {}
            : { port: cfg["l1.port"] }),
        })
      : undefined;
    if (devL1) shutdown.register("l1", () => devL1.close());
    // Started as soon as its inputs exist (genesis.json, the deployment, the L1 over HTTP): its
    // start-up (tsx loading the CLI: seconds, a minute on a loaded machine) overlaps the
    // sequencer's and the provers', and nothing waits on it (its URL is printed when it serves).
    const verifier: DevnetVerifier | undefined =
      withVerifier && devL1?.http
        ? spawnDevnetVerifier({
            datadir,
            l1Rpc: devL1.http.url,
            rpcAddr: cfg["rpc.addr"],
            rpcPort: cfg["verifier.rpc.port"] ?? (cfg["rpc.port"] === 0 ? 0 : (cfg["rpc.port"] + 1) % 65_536),
            rateLimit: cfg["rpc.rate-limit"],
            blockTimeMs: cfg["block-time-ms"],
            logLevel: cfg["log.level"],
            prune: cfg.prune ? { retention: cfg["prune.retention"] } : undefined,
            startTimeoutMs: 180_000,
          })
        : undefined;
    // The operators: verifiers that sign what they derived (`--mode operator`), started like the
    // verifier, each on a port chosen now so the proposer knows where to ask. A devnet made
    // without the operator stack runs none (its oracle takes proposer-role outputs).
    const operatorPlan: Array<{ index: number; blsKeystore: string; passwordFile: string; port: number }> =
      [];
    if (devL1?.attested && devL1.http && operatorCount > 0) {
      const keys = await ensureDevOperatorKeys(datadir, operatorCount);
      for (const [index, blsKeystore] of keys.keystores.entries())
        operatorPlan.push({
          index,
          blsKeystore,
          passwordFile: keys.passwordFile,
          port: await freePort(cfg["rpc.addr"]),
        });
    }
    const operatorUrls = operatorPlan.map((p) => `http://${cfg["rpc.addr"]}:${p.port}`);
    let verifierFailure: string | undefined;
    if (verifier) {
      // Stopped after the node, before the L1 it reads; SIGKILLed after half the devnet's own
      // stop budget, so the rest still closes in time.
      shutdown.register("verifier", () => verifier.stop(cfg["shutdown.timeout"] * 500));
    }
    let node: FlopsNode;
    try {
      node = await startNode({
        datadir,
        genesis,
        genesisInitOnly: true,
        cfg,
        beaconUrls: [],
        log,
        ...(devL1
          ? {
              l1: {
                client: devL1.client,
                deployment: devL1.deployment,
                batcher: devL1.batcher,
                // The devnet posts its own outputs (PROPOSER_OPTIONS' defaults: 10 blocks behind);
                // with operators, their aggregate signature over its finalized derived head.
                proposer: devL1.proposer,
                ...(operatorUrls.length > 0 ? { attest: { operatorRpcUrls: operatorUrls } } : {}),
              },
            }
          : {}),
      });
    } catch (e) {
      await verifier?.stop(5_000);
      await devL1?.close();
      shutdown.uninstall();
      throw e;
    }
    shutdown.register("node", () => node.stop());

    // Spawned once the sequencer runs: their start-up (tsx loading the CLI, seconds of CPU each)
    // would otherwise delay the sequencer's; the proposer asks them each round until they answer.
    const operators: Array<{ child: DevnetVerifier; url: string }> = operatorPlan.map((p, i) => ({
      child: spawnDevnetVerifier({
        datadir,
        l1Rpc: devL1!.http!.url,
        rpcAddr: cfg["rpc.addr"],
        rpcPort: p.port,
        rateLimit: 0,
        blockTimeMs: cfg["block-time-ms"],
        logLevel: cfg["log.level"],
        prune: cfg.prune ? { retention: cfg["prune.retention"] } : undefined,
        startTimeoutMs: 180_000,
        operator: { index: p.index, blsKeystore: p.blsKeystore, passwordFile: p.passwordFile },
      }),
      url: operatorUrls[i]!,
    }));
    // Stopped before the node (its proposer then finds them gone: harmless) and the L1 they read.
    shutdown.register("operators", async () => {
      await Promise.all(operators.map((o) => o.child.stop(cfg["shutdown.timeout"] * 500)));
    });

    // The challenger (`flops challenger`): a verifier that compares every output with its own
    // derivation and proves faults; it asks the operators for the records of what they signed.
    let challenger: DevnetVerifier | undefined;
    if (devL1?.attested && devL1.http && devL1.deployment.fraudProofs !== undefined) {
      const key = await ensureDevChallengerKey(datadir);
      challenger = spawnDevnetVerifier({
        datadir,
        l1Rpc: devL1.http.url,
        rpcAddr: cfg["rpc.addr"],
        rpcPort: 0,
        rateLimit: 0,
        blockTimeMs: cfg["block-time-ms"],
        logLevel: cfg["log.level"],
        startTimeoutMs: 180_000,
        challenger: { ...key, operatorRpcUrls: operatorUrls },
      });
      const c = challenger;
      shutdown.register("challenger", () => c.stop(cfg["shutdown.timeout"] * 500));
    }

    const { passwordFile, keystores } = await ensureDevKeys(datadir, cfg.provers);
    const provers: DevProver[] = keystores.map((keystore, i) => ({
      address: bytesToHex(addressFromPrivateKey(devPrivateKey(i))),
      keystore,
      datadir: join(datadir, `prover-${i}`),
      log: join(datadir, `prover-${i}.log`),
    }));
    for (const p of provers) {
      mkdirSync(p.datadir, { recursive: true });
      const out = createWriteStream(p.log, { flags: "a" });
      const child = spawn(
        process.execPath,
        [
          BIN,
          "prover",
          "--rpc",
          node.rpcUrl,
          "--keystore",
          p.keystore,
          "--password-file",
          passwordFile,
          "--datadir",
          p.datadir,
          // The provers work for this devnet's genesis and no other (flops_getGenesis is checked).
          "--genesis-hash",
          bytesToHex(genesisHash(node.genesis)),
          "--tier",
          cfg.tier,
          "--engine",
          cfg.engine,
          "--log.format",
          "json",
        ],
        // As the verifier (devnetVerifier.ts): its own process group, so a terminal's Ctrl-C
        // reaches only the devnet, which stops it once; the IPC channel ends it if the devnet
        // dies without stopping it (bin/flops.mjs), so no prover outlives its devnet.
        { detached: true, stdio: ["ignore", "pipe", "pipe", "ipc"] },
      );
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
      child.on("exit", (code, signal) => {
        if (!shutdown.isShuttingDown()) log.warn({ prover: p.address, code, signal }, "prover exited");
      });
      p.child = child;
    }
    shutdown.register("provers", async () => {
      await Promise.all(
        provers.map(
          (p) =>
            new Promise<void>((res) => {
              if (!p.child || p.child.exitCode !== null) return res();
              p.child.once("exit", () => res());
              p.child.kill("SIGTERM");
            }),
        ),
      );
    });

    io.stdout.write(
      [
        "Flops devnet",
        `  JSON-RPC   ${node.rpcUrl}   (WebSocket ${node.rpcUrl.replace("http", "ws")}/ws)`,
        `  health     ${node.rpcUrl}/healthz`,
        `  explorer   ${node.rpcUrl}/   (REST ${node.rpcUrl}/api/v2, OpenAPI ${node.rpcUrl}/api-docs)`,
        ...(node.metricsUrl ? [`  metrics    ${node.metricsUrl}/metrics`] : []),
        `  datadir    ${datadir}`,
        `  chain id   ${node.genesis.params.l2ChainId}   epoch ${cfg["epoch-seconds"]} s   tier ${cfg.tier}`,
        `  provers    ${provers.length} (logs: ${datadir}/prover-N.log)`,
        verifier
          ? `  verifier   starting (its JSON-RPC URL follows once it serves; log ${verifier.log})`
          : "  verifier   off",
        !devL1?.attested
          ? "  operators  off (proposer-role outputs)"
          : operators.length === 0
            ? "  operators  none: this devnet's oracle takes attested outputs only, so none are posted (--operators N)"
            : `  operators  ${operators.length} (EigenLayer stand-in; outputs need 2/3 of their stake; logs: ${datadir}/operator-N.log)   FraudProofs ${devL1.deployment.fraudProofs}`,
        ...operators.map((o, i) => `  operator-${i} ${o.url}`),
        ...(challenger
          ? [
              `  challenger watches every output and proves fraud (L1 key ${privateKeyToAccount(DEV_PRIVATE_KEYS[DEV_CHALLENGER_ACCOUNT]!).address}; log ${challenger.log})`,
            ]
          : []),
        ...(devL1
          ? [
              `  L1         embedded, chain ${devL1.deployment.l1ChainId}${devL1.http ? `, JSON-RPC ${devL1.http.url}` : ""}   BatchInbox ${devL1.deployment.contracts.BatchInbox}   Portal ${devL1.deployment.contracts.Portal}`,
              `             deployment ${join(datadir, "l1-deployment.json")}`,
            ]
          : []),
        "Ctrl-C stops the devnet.",
        "",
      ].join("\n"),
    );
    // After the banner, whichever comes first.
    verifier?.ready.then(
      (url) =>
        io.stdout.write(
          `  verifier   JSON-RPC ${url}   (derives from L1; datadir ${join(datadir, "verifier")})\n`,
        ),
      (e: unknown) => {
        verifierFailure = e instanceof Error ? e.message : String(e);
        io.stdout.write(`  verifier   NOT RUNNING: ${verifierFailure}\n`);
      },
    );
    const readStatus = devnetStatusReader({
      node,
      provers,
      verifier: verifier && {
        log: verifier.log,
        url: () => verifier.url(),
        exited: () => verifier.exited(),
        failure: () => verifierFailure,
      },
      l1: devL1 && { client: devL1.client, deployment: devL1.deployment, attested: devL1.attested },
    });
    const timer = setInterval(() => {
      void readStatus().then((d) => io.stdout.write(formatDevnetStatus(d)));
    }, cfg["status-interval"] * 1000);
    shutdown.register("status", () => clearInterval(timer));
  });
}
