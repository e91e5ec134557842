/** Runs `flops <args>` as a child process (the real CLI) and finds the URL it prints. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

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
