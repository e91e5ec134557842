/**
 * Runs `flops <args>` two ways: in this process through node/cli.ts `runCli` (fast: most CLI
 * tests), or as the real binary in a child process (one smoke test per command: the real exit
 * code and streams). Both see stdin as a pipe that is not a terminal, NO_COLOR=1, and no FLOPS_*
 * variable of the test's own environment, only those given.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { runCli } from "../../node/cli.ts";
import { FLOPS_BIN } from "./nodeProcess.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOpts {
  /** FLOPS_* and other variables the command sees. */
  env?: Record<string, string>;
  /** Child process only: wall-clock limit (ms). */
  timeoutMs?: number;
}

const REPO_ROOT = resolve(import.meta.dirname, "../..");

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("FLOPS_")) base[k] = v;
  }
  return { ...base, NO_COLOR: "1", ...extra };
}

/** A stream that collects what is written to it (not a terminal). */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** `flops <args>` in this process: the same commands, streams and env injected. */
export async function runFlops(args: readonly string[], opts: CliRunOpts = {}): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    stdin: Readable.from([]),
    env: cleanEnv(opts.env),
  });
  // Let any write still queued in a stream land.
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}

/** `flops <args>` as the real binary (bin/flops.mjs) in a child process, from the repo root. */
export function spawnFlopsRun(args: readonly string[], opts: CliRunOpts = {}): Promise<CliRun> {
  return new Promise((res) => {
    const child = execFile(
      process.execPath,
      [FLOPS_BIN, ...args],
      { cwd: REPO_ROOT, timeout: opts.timeoutMs ?? 60_000, env: cleanEnv(opts.env) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        res({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}
