/**
 * The `flops` command line: parses argv with commander and hands off to one command module
 * (node/commands/*). Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 * @module
 */
import { Command, CommanderError } from "commander";
import { registerBeaconCommand } from "./commands/beacon.ts";
import { registerDevnetCommand } from "./commands/devnet.ts";
import { registerGenesisCommand } from "./commands/genesis.ts";
import { registerKeysCommand } from "./commands/keys.ts";
import { registerNodeCommand } from "./commands/node.ts";
import { registerProverCommand } from "./commands/prover.ts";
import { registerStatusCommand } from "./commands/status.ts";

export function buildCli(): Command {
  const program = new Command("flops")
    .description("The Flops rollup: compute proofs and flops credits")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerBeaconCommand(program);
  registerKeysCommand(program);
  registerProverCommand(program);
  registerStatusCommand(program);
  registerNodeCommand(program);
  registerDevnetCommand(program);
  registerGenesisCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help/version print and exit 0; usage errors exit 2.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
