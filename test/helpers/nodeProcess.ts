/** Runs `flops <args>` as a child process (the real CLI) and finds the URL it prints. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type GenesisDoc, genesisToJson } from "../../chain/genesisDoc.ts";

export const FLOPS_BIN = resolve(import.meta.dirname, "../../bin/flops.mjs");

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in stdout+stderr. */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnFlops(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [FLOPS_BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(re, timeoutMs) {
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () => rej(new Error(`timed out waiting for ${re} in output:\n${out.slice(-2000)}`)),
          timeoutMs,
        );
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            res(m);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            rej(new Error(`process exited (${child.exitCode}) before ${re}:\n${out.slice(-2000)}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

export interface DevNodeOpts {
  /** `--block-time-ms` (the node's default when absent). */
  blockTimeMs?: number;
  /** Keep the RPC rate limit on (default off: tests send bursts from one address). */
  rateLimit?: boolean;
  /** More CLI arguments, e.g. limits under test. */
  extra?: string[];
  /** How long to wait for the JSON-RPC URL (ms). */
  timeoutMs?: number;
  /**
   * Start on this genesis (`--genesis`, a file written into the datadir) instead of `--dev`: a test
   * whose claim does not depend on the devnet's timings shortens them (windows, block gap, batch
   * delay) to spend less time waiting. Its beacon must be the public test key (devGenesis
   * without a beaconKey), which the node signs with.
   */
  genesis?: GenesisDoc;
  /** The process is pushed here as soon as it is spawned, so a test's cleanup kills it even if start fails. */
  track?: Spawned[];
}

/** Starts `flops node --dev` on `datadir` (RPC on a free port, warn logs) and waits for its URL. */
export async function spawnDevNode(
  datadir: string,
  o: DevNodeOpts = {},
): Promise<{ proc: Spawned; url: string }> {
  let chain = ["--dev"];
  if (o.genesis) {
    mkdirSync(datadir, { recursive: true });
    const file = join(datadir, "test-genesis.json");
    writeFileSync(file, genesisToJson(o.genesis));
    chain = ["--genesis", file];
  }
  const proc = spawnFlops([
    "node",
    ...chain,
    "--datadir",
    datadir,
    "--rpc.port",
    "0",
    ...(o.rateLimit ? [] : ["--rpc.rate-limit", "0"]),
    ...(o.blockTimeMs === undefined ? [] : ["--block-time-ms", String(o.blockTimeMs)]),
    ...(o.extra ?? []),
    "--log.level",
    "warn",
  ]);
  o.track?.push(proc);
  const m = await proc.waitForOutput(/JSON-RPC: (http:\/\/\S+)/, o.timeoutMs ?? 30_000);
  return { proc, url: m[1]! };
}
