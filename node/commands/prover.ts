/**
 * `flops prover`: the node operator's client. Unlocks the node key, connects to a node's JSON-RPC
 * and runs the challenge loop of prover/proverClient.ts until stopped (or, with `--once`, for one
 * challenge).
 *
 * Which chain: `--genesis-hash 0x…` (or `--genesis FILE`) pins the genesis the node must serve
 * (flops_getGenesis); without a pin the hash seen on the first run is recorded in `--datadir` and
 * required from then on. A node serving another genesis stops the prover with exit code 1.
 *
 * Output: on a terminal (`--log.format auto` and stdout a TTY) friendly lines on stdout and a
 * progress bar for the compute on stderr; otherwise pino log lines (JSON, or pino-pretty with
 * `--log.format pretty`): one per step, and compute progress every 25 %.
 * SIGINT/SIGTERM stop between steps (within one compute band); the state file lets the next start
 * resume the challenge. Exit codes: 0 ok (with `--once`: the challenge passed), 1 runtime failure
 * (with `--once`: it failed, expired or was cancelled), 2 usage error.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { genesisFromJson, genesisHash } from "../../chain/genesisDoc.ts";
import { type Tier, tierWork } from "../../chain/params.ts";
import type { Hash32 } from "../../chain/types.ts";
import { ENGINE_CHOICES, selectEngines } from "../../prover/engine/index.ts";
import { errorText } from "../../prover/errors.ts";
import { createProver } from "../../prover/proverClient.ts";
import type { ProverEvent, ProverSummary } from "../../prover/proverEvents.ts";
import { createRpcClient } from "../../prover/rpcClient.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import { KEYSTORE_OPTIONS, unlockNodeKey } from "../keystore.ts";
import { createLogger, LOG_OPTIONS, type Logger, loggerOptsFromConfig, moduleLogger } from "../logger.ts";
import { createShutdown, SHUTDOWN_OPTIONS } from "../shutdown.ts";
import { CliExit, type CliIO, logDestination, processIO, promptIO } from "./io.ts";
import { formatAddress, formatCredits, formatMultiplier, formatOps, RPC_URL_OPTION } from "./status.ts";

export const PROVER_OPTIONS = {
  rpc: RPC_URL_OPTION,
  ...KEYSTORE_OPTIONS,
  engine: opt.oneOf({
    choices: ENGINE_CHOICES,
    default: "auto",
    description:
      "work engine: auto (native if it loads and passes its self-test, else wasm, else js), native (onnxruntime-node), wasm (WASM SIMD) or js (reference)",
    valueName: "<engine>",
  }),
  tier: opt.string({
    description: "tier to request, by id or name (default: the chain's first tier)",
    valueName: "<tier>",
  }),
  datadir: opt.path({
    default: "~/.flops",
    description: "folder of the prover's state file (prover-<address>.json)",
    valueName: "<dir>",
  }),
  "genesis-hash": opt.string({
    description:
      "genesis hash of the chain to work for (keccak256 of its canonical genesis JSON); the node must serve that genesis (default: the hash recorded in --datadir on first use)",
    valueName: "<0x…>",
    check: (v) => (/^0x[0-9a-fA-F]{64}$/.test(v) ? undefined : "a 32-byte 0x-hex hash"),
  }),
  genesis: opt.path({
    description: "genesis file of the chain to work for: pins its hash, like --genesis-hash",
    valueName: "<file>",
  }),
  "max-in-flight": opt.positiveInt({
    description:
      "challenges kept in flight at once: the next is computed while the others wait for their rounds (default and most: the chain's maxOpenChallenges; 1 = one at a time)",
    valueName: "<n>",
  }),
  "poll-interval": opt.positiveInt({
    default: 500,
    description: "milliseconds between polls of the node while waiting",
    valueName: "<ms>",
  }),
  ...LOG_OPTIONS,
  ...SHUTDOWN_OPTIONS,
};

// ---------------------------------------------------------------------------------------------
// Output

/** Turns prover events into output. `finish` prints the end-of-run line. */
export interface ProverOutput {
  onEvent(e: ProverEvent): void;
  info(message: string): void;
  warn(message: string): void;
  finish(summary: ProverSummary): void;
}

const hashText = (h: Uint8Array): string => `0x${Buffer.from(h).toString("hex")}`;
const shortHash = (h: Uint8Array): string => `${hashText(h).slice(0, 10)}…`;
const clockTime = (ms: bigint): string => new Date(Number(ms)).toISOString().slice(11, 19);
const TRUST_TEXT = {
  pinned: "pinned",
  recorded: "as recorded on first use",
  "first-use": "trusted on first use, now recorded",
} as const;
const tierText = (t: Tier): string =>
  `${t.name} (#${t.id}: n=${t.n}, m=${t.m}, k=${t.k}; ${formatOps(tierWork(t))})`;

/** One progress line on a terminal: redrawn in place, cleared before any other output. */
export class ProgressLine {
  private shown = false;
  private lastDraw = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly width = 30,
  ) {}

  /** Draws `label [####----] 42%`; at most ~20 redraws a second unless `force`. */
  draw(label: string, fraction: number, force = false): void {
    const now = Date.now();
    if (!force && this.shown && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const f = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(f * this.width);
    const bar = `${"█".repeat(filled)}${"░".repeat(this.width - filled)}`;
    this.out.write(
      `\r\x1b[K${label} ${bar} ${Math.floor(f * 100)
        .toString()
        .padStart(3)}%`,
    );
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.out.write("\r\x1b[K");
    this.shown = false;
  }
}

/** Friendly lines for a person at a terminal. */
export function createTerminalOutput(io: {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}): ProverOutput {
  const progress = new ProgressLine(io.err);
  const line = (s: string): void => {
    progress.clear();
    io.out.write(`${s}\n`);
  };
  let lastTransient = "";
  let lastPhase = "";
  return {
    info: (m) => line(m),
    warn: (m) => {
      progress.clear();
      io.err.write(`warning: ${m}\n`);
    },
    onEvent(e) {
      switch (e.type) {
        case "started":
          line(
            `Prover ${formatAddress(e.address)} on chain ${e.chainId}, tier ${tierText(e.tier)}, engine ${e.engine}, ${e.maxInFlight} in flight`,
          );
          line(`  genesis ${hashText(e.genesisHash)} (${TRUST_TEXT[e.genesisTrust]})`);
          line(`  state file ${e.stateFile}`);
          return;
        case "stateIgnored":
          progress.clear();
          io.err.write(`warning: ${e.reason}; starting fresh\n`);
          return;
        case "resumed":
          line(
            e.challengeId === undefined
              ? "Resuming: waiting for the challenge request sent before the restart"
              : `Resuming challenge #${e.challengeId}`,
          );
          return;
        case "registered":
          line(
            e.txHash === undefined
              ? "Node is registered"
              : `Registered as a node (tx ${shortHash(e.txHash)})`,
          );
          return;
        case "challengeRequested":
          line(
            `Challenge #${e.challengeId} requested (tier #${e.tier}, tx ${shortHash(e.txHash)}); waiting for its seed round`,
          );
          return;
        case "challengeActive":
          line(
            `Challenge #${e.challengeId} active (seed round ${e.r1}); commit due by ${clockTime(e.deadlineMs)} UTC`,
          );
          return;
        case "computing": {
          const p = e.progress;
          const label =
            p.phase === "products" ? `  computing #${e.challengeId}` : `  hashing   #${e.challengeId}`;
          // Always draw the first and last step and a phase change; throttle the rest.
          const force = p.done === 0 || p.done === p.total || p.phase !== lastPhase;
          lastPhase = p.phase;
          progress.draw(label, p.total === 0 ? 1 : p.done / p.total, force);
          return;
        }
        case "computed": {
          const secs = e.elapsedMs / 1000;
          const rate = secs > 0 ? ` (${formatOps(BigInt(Math.round(Number(e.work) / secs)), "ops/s")})` : "";
          line(`Computed #${e.challengeId} in ${secs.toFixed(2)} s${rate}, root ${shortHash(e.root)}`);
          return;
        }
        case "committed":
          line(`Committed #${e.challengeId} (tx ${shortHash(e.txHash)}); waiting for the sample round`);
          return;
        case "sampled":
          line(`Sample round ${e.r2} in; revealing #${e.challengeId}`);
          return;
        case "revealed": {
          if (!e.passed) {
            line(`✘ Challenge #${e.challengeId} FAILED${e.error === undefined ? "" : `: ${e.error}`}`);
            return;
          }
          const n = e.node;
          const tail =
            n === undefined
              ? ""
              : ` · balance ${formatCredits(n.credits)} · streak ${n.streak} · next ${formatMultiplier(n.multiplierBps)}`;
          line(
            `✔ Challenge #${e.challengeId} PASSED: +${formatCredits(e.credits)} credits at ${formatMultiplier(e.multiplierBps)}${tail}`,
          );
          return;
        }
        case "challengeSkipped":
          line(`Skipped${e.challengeId === undefined ? "" : ` challenge #${e.challengeId}`}: ${e.reason}`);
          return;
        case "error": {
          progress.clear();
          const retry = `retrying in ${(e.retryInMs / 1000).toFixed(1)} s`;
          if (e.transient) {
            // An outage repeats the same message every retry: say it once until something changes.
            const text = `${e.during}: ${e.message}`;
            if (text !== lastTransient) io.err.write(`warning: ${text} (${retry})\n`);
            lastTransient = text;
          } else {
            io.err.write(`error: ${e.during}: ${e.message} (${retry})\n`);
          }
          return;
        }
      }
    },
    finish(s) {
      progress.clear();
      line(
        `${s.stopped ? "Stopped" : "Done"}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped; +${formatCredits(s.credits)} credits`,
      );
    },
  };
}

/** Structured log lines (JSON or pino-pretty). bigints become decimal strings (JSON has none). */
export function createLogOutput(log: Logger): ProverOutput {
  // Per challenge: with several in flight, one's events come between another's.
  const lastQuarter = new Map<bigint, number>();
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    onEvent(e) {
      switch (e.type) {
        case "started":
          log.info(
            {
              address: formatAddress(e.address),
              chainId: e.chainId.toString(),
              genesisHash: hashText(e.genesisHash),
              genesisTrust: e.genesisTrust,
              tier: e.tier.id,
              tierName: e.tier.name,
              engine: e.engine,
              stateFile: e.stateFile,
              maxInFlight: e.maxInFlight,
            },
            "prover started",
          );
          return;
        case "stateIgnored":
          log.warn({ reason: e.reason }, "state file ignored, starting fresh");
          return;
        case "resumed":
          log.info({ challengeId: e.challengeId?.toString() ?? null, tier: e.tier }, "resuming challenge");
          return;
        case "registered":
          log.info({ txHash: e.txHash === undefined ? null : hashText(e.txHash) }, "node registered");
          return;
        case "challengeRequested":
          log.info(
            { challengeId: e.challengeId.toString(), tier: e.tier, txHash: hashText(e.txHash) },
            "challenge requested",
          );
          return;
        case "challengeActive":
          log.info(
            {
              challengeId: e.challengeId.toString(),
              r1: e.r1.toString(),
              deadlineMs: e.deadlineMs.toString(),
            },
            "challenge active",
          );
          return;
        case "computing": {
          const quarter = Math.floor((4 * e.progress.done) / Math.max(1, e.progress.total));
          if (quarter === lastQuarter.get(e.challengeId)) return;
          lastQuarter.set(e.challengeId, quarter);
          log.info(
            { challengeId: e.challengeId.toString(), phase: e.progress.phase, progress: quarter / 4 },
            "computing",
          );
          return;
        }
        case "computed":
          lastQuarter.delete(e.challengeId);
          log.info(
            {
              challengeId: e.challengeId.toString(),
              root: hashText(e.root),
              elapsedMs: e.elapsedMs,
              work: e.work.toString(),
            },
            "computed",
          );
          return;
        case "committed":
          log.info(
            { challengeId: e.challengeId.toString(), root: hashText(e.root), txHash: hashText(e.txHash) },
            "committed",
          );
          return;
        case "sampled":
          log.info(
            {
              challengeId: e.challengeId.toString(),
              r2: e.r2.toString(),
              deadlineMs: e.deadlineMs.toString(),
            },
            "sampled",
          );
          return;
        case "revealed": {
          const fields = {
            challengeId: e.challengeId.toString(),
            txHash: e.txHash === undefined ? null : hashText(e.txHash),
            passed: e.passed,
            credits: e.credits.toString(),
            multiplierBps: Number(e.multiplierBps),
            balance: e.node?.credits.toString() ?? null,
            streak: e.node?.streak ?? null,
            nextMultiplierBps: e.node === undefined ? null : Number(e.node.multiplierBps),
            ...(e.error === undefined ? {} : { error: e.error }),
          };
          if (e.passed) log.info(fields, `challenge passed: +${formatCredits(e.credits)} credits`);
          else log.warn(fields, "challenge failed");
          return;
        }
        case "challengeSkipped":
          log.warn(
            { challengeId: e.challengeId?.toString() ?? null, status: e.status ?? null, reason: e.reason },
            "challenge skipped",
          );
          return;
        case "error": {
          const fields = {
            during: e.during,
            retryInMs: e.retryInMs,
            err: e.error instanceof Error ? e.error : undefined,
          };
          if (e.transient) log.warn(fields, e.message);
          else log.error(fields, e.message);
          return;
        }
      }
    },
    finish(s) {
      log.info(
        {
          passed: s.passed,
          failed: s.failed,
          skipped: s.skipped,
          credits: s.credits.toString(),
          stopped: s.stopped,
        },
        s.stopped ? "prover stopped" : "prover done",
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Command

/** The genesis hash pinned by `--genesis-hash` and/or `--genesis FILE` (both: they must agree). */
function genesisPin(
  cmd: Command,
  hashFlag: string | undefined,
  file: string | undefined,
): Hash32 | undefined {
  const fromFlag = hashFlag === undefined ? undefined : hexToBytes(hashFlag);
  if (file === undefined) return fromFlag;
  let fromFile: Hash32;
  try {
    fromFile = genesisHash(genesisFromJson(readFileSync(file, "utf8")));
  } catch (e) {
    throw new Error(`cannot use --genesis ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (fromFlag !== undefined && bytesToHex(fromFlag) !== bytesToHex(fromFile)) {
    throw usageError(
      cmd,
      `--genesis ${file} has hash ${bytesToHex(fromFile)}, but --genesis-hash is ${bytesToHex(fromFlag)}`,
    );
  }
  return fromFile;
}

export function registerProverCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("prover")
    .description("Run the prover: request challenges, compute, commit, reveal, earn flops credits")
    .option("--once", "do one challenge (or finish the one in flight), then exit: 0 if it passed, 1 if not");
  const readConfig = declareOptions(cmd, PROVER_OPTIONS);
  cmd.addHelpText(
    "after",
    "\nExample:\n  flops prover --rpc http://127.0.0.1:8545 --keystore ~/.flops/keystore/UTC--… \\\n" +
      "    --password-file ~/.flops/password --tier devnet",
  );
  cmd.action(async (flags: { once?: boolean }) => {
    const cfg = readConfig();
    const once = flags.once === true;
    const friendly = cfg["log.format"] === "auto" && io.stdout.isTTY === true;
    const logger = friendly
      ? undefined
      : moduleLogger(
          createLogger({ ...loggerOptsFromConfig(cfg), destination: logDestination(io) }),
          "prover",
        );
    const output = logger
      ? createLogOutput(logger)
      : createTerminalOutput({ out: io.stdout, err: io.stderr });

    const pin = genesisPin(cmd, cfg["genesis-hash"], cfg.genesis);
    const key = await unlockNodeKey(cfg, { warn: output.warn, io: promptIO(io) });
    // Each engine must pass its exactness self-test; a refused one is reported and the next used.
    const engines = await selectEngines(cfg.engine, {
      onRefused: (r) => output.warn(`engine ${r.engine} refused: ${r.reason}`),
    });
    const engine = engines.engine;
    output.info(
      `engine ${engine.name}` +
        (engines.fallbacks.length ? ` (fallbacks: ${engines.fallbacks.map((f) => f.name).join(", ")})` : ""),
    );
    const ac = new AbortController();
    const client = createRpcClient({ url: cfg.rpc, signal: ac.signal });
    const prover = createProver(
      {
        privateKey: key.privateKey,
        dataDir: cfg.datadir,
        pollIntervalMs: cfg["poll-interval"],
        ...(cfg["max-in-flight"] === undefined ? {} : { maxInFlight: cfg["max-in-flight"] }),
        ...(pin === undefined ? {} : { genesisHash: pin }),
        ...(cfg.tier === undefined ? {} : { tier: cfg.tier }),
        ...(once ? { maxChallenges: 1 } : {}),
      },
      {
        chain: client,
        engine,
        // A recomputed product is logged where the operator looks, not as a bare process warning.
        check: {
          onMismatch: (m) =>
            output.warn(
              `product ${m.j} from engine ${m.engine} failed its Freivalds check; ` +
                (m.recomputedWith === undefined
                  ? `no fallback passed (${m.alsoFailed.join(", ") || "none"})`
                  : `recomputed with ${m.recomputedWith}`),
            ),
        },
      },
    );
    prover.onEvent(output.onEvent);

    const shutdown = createShutdown({ timeoutMs: cfg["shutdown.timeout"] * 1000 }, logger ? { logger } : {});
    const running = prover.run(ac.signal);
    shutdown.register("engine", () => engines.close());
    shutdown.register("prover", async () => {
      ac.abort();
      await running.catch(() => {});
    });
    shutdown.install();

    let summary: ProverSummary;
    try {
      summary = await running;
    } catch (e) {
      shutdown.uninstall();
      await engines.close();
      throw new Error(errorText(e), { cause: e });
    }
    output.finish(summary);
    if (shutdown.isShuttingDown()) {
      // A signal stopped the run: shutdown closes the engine and exits (0 when clean).
      await shutdown.shutdown();
      return;
    }
    shutdown.uninstall();
    await engines.close();
    if (once && summary.passed < 1) throw new CliExit(1);
  });
}
