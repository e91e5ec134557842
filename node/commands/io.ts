/**
 * What a command may touch of its process: the three standard streams and the environment, passed
 * in rather than read from `process`, so the CLI runs the same in its own process (bin/flops.mjs)
 * and inside a test (node/cli.ts `runCli`). A command ends with an exit code by returning (0) or by
 * throwing: {@link CliExit} for a code whose message is already printed, a commander error for a
 * usage error (2), any other error for a runtime failure (1). None calls `process.exit`.
 * @module
 */
import type { PromptIO } from "../keystore.ts";
import type { LoggerOpts } from "../logger.ts";

/** A stream a command writes to (`isTTY` decides between friendly text and JSON lines). */
export type CliWritable = NodeJS.WritableStream & { isTTY?: boolean };

export interface CliIO {
  stdout: CliWritable;
  stderr: CliWritable;
  /** Read only to prompt for a secret, and only when it is a terminal. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Where option env twins (`FLOPS_*`) are read. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Ends a command with `exitCode`; what the user needs to know has been printed already. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "CliExit";
  }
}

/** A keystore warning, printed as `warning: ...` on the command's stderr. */
export function warnTo(io: CliIO): (message: string) => void {
  return (m) => io.stderr.write(`warning: ${m}\n`);
}

/** The no-echo prompt on the command's stdin, echoing its question on stderr. */
export function promptIO(io: CliIO): PromptIO {
  return { input: io.stdin, output: io.stderr };
}

/**
 * Where a command's logger writes: the file descriptor (synchronous, nothing lost at exit) for
 * the real stdout or stderr, the stream itself otherwise.
 */
export function logDestination(
  io: CliIO,
  which: "stdout" | "stderr" = "stdout",
): NonNullable<LoggerOpts["destination"]> {
  const stream = io[which];
  if (stream === process[which]) return which === "stdout" ? 1 : 2;
  return stream;
}
