/**
 * node/cli.ts loads only the command a run names: the table of command modules must match what
 * those modules register, and a run naming a command must get that one command alone.
 */
import { describe, expect, it } from "vitest";
import { buildCli, COMMAND_MODULES, runCli } from "./cli.ts";
import { type CliIO, processIO } from "./commands/io.ts";

/** This process's IO with both output streams collected into one text. */
function quietIO(): { io: CliIO; out: () => string } {
  let text = "";
  const sink = {
    write: (s: string) => {
      text += s;
      return true;
    },
  } as unknown as CliIO["stdout"];
  return { io: { ...processIO(), stdout: sink, stderr: sink, env: {} }, out: () => text };
}

describe("buildCli", () => {
  it("registers every command, in the table's order, when the first word names none", async () => {
    for (const args of [[], ["--help"], ["help", "node"], ["nope"]]) {
      const program = await buildCli(args, quietIO().io);
      expect(program.commands.map((c) => c.name())).toEqual(COMMAND_MODULES.map(([name]) => name));
    }
  });

  it("registers only the named command (its module registers exactly that name)", async () => {
    for (const [name] of COMMAND_MODULES) {
      const program = await buildCli([name, "--help"], quietIO().io);
      expect(program.commands.map((c) => c.name())).toEqual([name]);
    }
  });

  it("keeps usage errors the same: an unknown command is still suggested among all", async () => {
    const { io, out } = quietIO();
    expect(await runCli(["nod"], io)).toBe(2);
    expect(out()).toContain("unknown command 'nod'");
    expect(out()).toContain("(Did you mean node?)");
  });
});
