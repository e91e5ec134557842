/**
 * The devnet's verifier: `flops node --mode verifier` as a child process of `flops devnet`, on
 * `<datadir>/verifier/` (reused, so a devnet restart resumes it where it stopped), following the
 * embedded L1 over HTTP (serveL1Http) with the devnet's genesis and deployment files.
 *
 * A process of its own, not a second node in the devnet's process: the verifier exists to check
 * the sequencer from L1 data alone, so it shares no memory with it (no cache, no store handle),
 * its block re-execution does not hold the event loop that builds blocks and runs the embedded L1
 * (on a 2-core machine it gets the other core), and a crash or hang of derivation leaves the
 * sequencer running (the status lines say the verifier is gone). The price is its start-up: ~3 s
 * of CPU to load the CLI through tsx, paid while the provers start too.
 *
 * The devnet's operators are the same child with `operator` set: `flops node --mode operator
 * --bls-keystore FILE --password-file FILE` on `<datadir>/operator-<i>/` (log
 * `<datadir>/operator-<i>.log`): a verifier that also signs the outputs it derived from finalized
 * L1 data and serves the signatures to the sequencer's proposer.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { RollupError } from "../../chain/errors.ts";
import { NODE_V8_FLAGS } from "../v8Flags.ts";

const BIN = resolve(import.meta.dirname, "../../bin/flops.mjs");

/** The verifier's folder under the devnet's datadir. */
export const VERIFIER_DIR = "verifier";
/** Bytes of the child's stdout scanned for its URL line before giving up on finding it. */
const MAX_SCAN_BYTES = 256 * 1024;

export interface DevnetVerifierOpts {
  /** The devnet's datadir: genesis.json and l1-deployment.json are read from it. */
  datadir: string;
  /** The embedded L1's HTTP JSON-RPC URL. */
  l1Rpc: string;
  rpcAddr: string;
  /** 0: any free port. */
  rpcPort: number;
  rateLimit: number;
  blockTimeMs: number;
  logLevel: string;
  /** Prune as the devnet's sequencer does (absent: keep all state). */
  prune?: { retention: number } | undefined;
  /** How long to wait for its JSON-RPC URL, ms. */
  startTimeoutMs: number;
  /** Run as dev operator `index` (`--mode operator`) with this BLS keystore. */
  operator?: { index: number; blsKeystore: string; passwordFile: string } | undefined;
  /** Run as the devnet's challenger (`flops challenger`) with this L1 keystore. */
  challenger?: { keystore: string; passwordFile: string; operatorRpcUrls: readonly string[] } | undefined;
}

/** The child's folder under the devnet's datadir, and its name in logs and errors. */
function childName(o: Pick<DevnetVerifierOpts, "operator" | "challenger">): string {
  if (o.challenger) return "challenger";
  return o.operator ? `operator-${o.operator.index}` : VERIFIER_DIR;
}

export interface DevnetVerifier {
  /** Its log file (`<datadir>/verifier.log`, `<datadir>/operator-<i>.log`). */
  readonly log: string;
  /**
   * Its JSON-RPC URL once it serves. Rejects (and the child is stopped) if it exits first, prints
   * no URL, or takes longer than `startTimeoutMs`.
   */
  readonly ready: Promise<string>;
  /** The URL once known. */
  url(): string | undefined;
  /** The exit code or signal once it has exited, else undefined. */
  exited(): string | undefined;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs: number): Promise<void>;
}

/** The `flops` arguments of the devnet's verifier (every setting as a flag: it reads no env). */
export function verifierArgs(o: DevnetVerifierOpts): string[] {
  const c = o.challenger;
  const role = c
    ? [
        "challenger",
        "--keystore",
        c.keystore,
        "--password-file",
        c.passwordFile,
        ...(c.operatorRpcUrls.length > 0 ? ["--operator-rpcs", c.operatorRpcUrls.join(",")] : []),
      ]
    : [
        "node",
        "--mode",
        o.operator ? "operator" : "verifier",
        ...(o.operator
          ? ["--bls-keystore", o.operator.blsKeystore, "--password-file", o.operator.passwordFile]
          : []),
        // `flops challenger` keeps all state (it proves records of any open output).
        ...(o.prune ? ["--prune", "true", "--prune.retention", String(o.prune.retention)] : []),
      ];
  return [
    ...role,
    "--datadir",
    join(o.datadir, childName(o)),
    "--genesis",
    join(o.datadir, "genesis.json"),
    "--l1.rpc",
    o.l1Rpc,
    "--l1.deployment",
    join(o.datadir, "l1-deployment.json"),
    "--rpc.addr",
    o.rpcAddr,
    "--rpc.port",
    String(o.rpcPort),
    "--rpc.rate-limit",
    String(o.rateLimit),
    "--block-time-ms",
    String(o.blockTimeMs),
    "--metrics.enabled",
    "false",
    "--log.format",
    "json",
    "--log.level",
    o.logLevel,
  ];
}

/** The environment without FLOPS_* variables: those meant for the devnet (a metrics port...) are not the verifier's. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("FLOPS_")));
}

function exitText(child: ChildProcess): string | undefined {
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  if (child.signalCode !== null) return `signal ${child.signalCode}`;
  return undefined;
}

/**
 * Spawns the verifier; `ready` resolves once it prints its JSON-RPC URL. Its output goes to
 * `<datadir>/verifier.log`. Nothing waits on it: the devnet prints its URL when it comes.
 */
export function spawnDevnetVerifier(o: DevnetVerifierOpts): DevnetVerifier {
  const name = childName(o);
  mkdirSync(join(o.datadir, name), { recursive: true });
  const logFile = join(o.datadir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, [...NODE_V8_FLAGS, BIN, ...verifierArgs(o)], {
    // Its own process group: a terminal's Ctrl-C reaches the devnet, which stops it (one signal,
    // a graceful stop). The IPC channel ends it if the devnet dies without stopping it
    // (bin/flops.mjs), so it never outlives the devnet holding its datadir's lock.
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: childEnv(process.env),
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<void>((res) => child.once("exit", () => res()));

  const stop = async (timeoutMs: number): Promise<void> => {
    if (exitText(child) === undefined) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((res) => out.end(res));
  };

  let url: string | undefined;
  const ready = new Promise<string>((res, rej) => {
    let seen = "";
    const fail = (why: string) => {
      cleanup();
      void stop(5_000);
      rej(
        new RollupError(
          "VERIFIER_START",
          `the devnet's ${o.operator || o.challenger ? name : "verifier"} ${why} (log: ${logFile})`,
        ),
      );
    };
    const onData = (d: Buffer) => {
      seen += d.toString("utf8");
      const m = /^JSON-RPC: (http:\/\/\S+)$/m.exec(seen);
      if (m) {
        cleanup();
        url = m[1]!;
        res(url);
      } else if (seen.length > MAX_SCAN_BYTES) fail("printed no JSON-RPC URL");
    };
    const onExit = () => fail(`stopped before it served JSON-RPC (${exitText(child)})`);
    const timer = setTimeout(() => fail(`did not start within ${o.startTimeoutMs} ms`), o.startTimeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout!.on("data", onData);
    child.once("exit", onExit);
  });
  // Handled here too: a caller that never awaits it (the devnet stopping first) leaves no
  // unhandled rejection.
  ready.catch(() => {});
  return { log: logFile, ready, url: () => url, exited: () => exitText(child), stop };
}
