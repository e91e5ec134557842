/**
 * The `flops` command line: parses argv with commander and hands off to one command module
 * (node/commands/*). Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 *
 * `runCli` takes the streams and environment as {@link CliIO} and returns the exit code, so the
 * same code runs in its own process (bin/flops.mjs sets `process.exitCode` from it) and inside a
 * test without a process per case.
 * @module
 */
import { Command, CommanderError } from "commander";
import { CliExit, type CliIO, processIO } from "./commands/io.ts";

type Register = (program: Command, io: CliIO) => void;

/**
 * Every command, in `flops --help` order, with the module that registers it. A command module
 * pulls in what it runs (the whole node for `node`, viem for `l1`, onnxruntime for `prover`…),
 * seconds of module loading in all (not tsx's transpiling: that is cached), so a run loads only
 * its own command's module, and all of them only where it needs them all (`flops --help`,
 * `flops help x`, an unknown command and its suggestion). node/cli.test.ts checks this table
 * against the registrations.
 */
export const COMMAND_MODULES: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["beacon", async () => (await import("./commands/beacon.ts")).registerBeaconCommand],
  ["keys", async () => (await import("./commands/keys.ts")).registerKeysCommand],
  ["prover", async () => (await import("./commands/prover.ts")).registerProverCommand],
  ["status", async () => (await import("./commands/status.ts")).registerStatusCommand],
  ["node", async () => (await import("./commands/node.ts")).registerNodeCommand],
  ["devnet", async () => (await import("./commands/devnet.ts")).registerDevnetCommand],
  ["genesis", async () => (await import("./commands/genesis.ts")).registerGenesisCommand],
  ["l1", async () => (await import("./commands/l1.ts")).registerL1Command],
  ["bridge", async () => (await import("./commands/bridge.ts")).registerBridgeCommand],
  ["tx", async () => (await import("./commands/tx.ts")).registerTxCommand],
  ["operator", async () => (await import("./commands/operator.ts")).registerOperatorCommand],
  ["challenger", async () => (await import("./commands/challenger.ts")).registerChallengerCommand],
];

/**
 * The `flops` program for `args`: with only the command `args` names when its first word is one
 * (commander dispatches on that word alone, and a subcommand's parsing, help and errors never
 * look at its siblings), else with every command.
 */
export async function buildCli(args: readonly string[], io: CliIO = processIO()): Promise<Command> {
  const program = new Command("flops")
    .description("The Flops rollup: compute proofs and flops credits")
    .version("0.1.0")
    .showHelpAfterError()
    // Set before the subcommands are added: commander copies both into each one as it is created.
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  const named = COMMAND_MODULES.filter(([name]) => name === args[0]);
  // One at a time: modules that import each other (devnet -> node) evaluate in a fixed order.
  for (const [, load] of named.length > 0 ? named : COMMAND_MODULES) (await load())(program, io);
  readEnvFrom(program, io.env);
  return program;
}

/**
 * Runs `flops <args>` (args without the node and script paths) and resolves with the exit code.
 * A long-running command (node, devnet, prover without --once) resolves once started or stopped.
 */
export async function runCli(args: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const full: CliIO = { ...processIO(), ...io };
  const program = await buildCli(args, full);
  try {
    await program.parseAsync([...args], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CliExit) return e.exitCode;
    // help/version print and end with 0; usage errors (already printed by commander) with 2.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    full.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Option env twins from CliIO.env

/** The parts of a commander 14 Command (an EventEmitter) its typings leave out. */
interface CommandInternals {
  _parseOptionsEnv?: () => void;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Makes every command read its options' env twins (`.env(NAME)`) from `env` instead of
 * `process.env`. Commander has no setting for this, so its one private step that reads the
 * environment is replaced by the same logic over `env` (commander 14 `_parseOptionsEnv`); the
 * check below makes a commander that renames it fail at once rather than read `process.env`.
 */
function readEnvFrom(program: Command, env: CliIO["env"]): void {
  const visit = (cmd: Command): void => {
    const c = cmd as unknown as CommandInternals;
    if (typeof c._parseOptionsEnv !== "function") {
      throw new Error("commander changed: Command._parseOptionsEnv is gone (node/cli.ts readEnvFrom)");
    }
    c._parseOptionsEnv = () => {
      for (const option of cmd.options) {
        const value = option.envVar === undefined ? undefined : env[option.envVar];
        if (value === undefined) continue;
        const key = option.attributeName();
        const source = cmd.getOptionValueSource(key);
        // As commander: a flag (or a value set by code) wins over the environment.
        if (cmd.getOptionValue(key) !== undefined && !["default", "config", "env"].includes(source ?? "")) {
          continue;
        }
        if (option.required || option.optional) c.emit(`optionEnv:${option.name()}`, value);
        else c.emit(`optionEnv:${option.name()}`);
      }
    };
    cmd.commands.forEach(visit);
  };
  visit(program);
}
