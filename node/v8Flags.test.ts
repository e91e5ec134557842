/**
 * The node's V8 flags reach every launcher of a node process (v8Flags.ts): a launcher that lost
 * them would run the node with Node's default young generation, ~15% slower at block execution,
 * and nothing else would notice.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_V8_FLAGS } from "./v8Flags.ts";

const ROOT = resolve(import.meta.dirname, "..");
const flags = NODE_V8_FLAGS.join(" ");

describe("the node's V8 flags", () => {
  it("are on bin/flops.mjs's shebang, and a process started through it has them", () => {
    const shebang = readFileSync(resolve(ROOT, "bin/flops.mjs"), "utf8").split("\n")[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags}`);
    // The same first line on a script that prints its V8 flags, run by the OS (`env -S` splits it).
    const dir = mkdtempSync(join(tmpdir(), "flops-v8flags-"));
    try {
      const probe = join(dir, "probe.mjs");
      writeFileSync(probe, `${shebang}\nconsole.log(process.execArgv.join(" "));\n`);
      chmodSync(probe, 0o755);
      expect(spawnSync(probe, [], { encoding: "utf8" }).stdout.trim()).toBe(flags);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are on package.json's start, flops and bench scripts", () => {
    const scripts = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")).scripts as Record<
      string,
      string
    >;
    for (const name of ["start", "flops", "bench"])
      expect(scripts[name]!.startsWith(`node ${flags} `), name).toBe(true);
  });

  it("size the young generation: 64 MiB semi-spaces give a larger new space than the default", () => {
    // V8 grows new space under allocation; with the flag its ceiling is 3 × 64 MiB, without 3 × 16.
    const grow =
      "let k=[];for(let i=0;i<1e6;i++){k.push({a:i,b:[i]});if(k.length>300000)k=[]}" +
      "console.log(require('v8').getHeapSpaceStatistics().find(s=>s.space_name==='new_space').space_size)";
    const size = (args: string[]) =>
      Number(spawnSync(process.execPath, [...args, "-e", grow], { encoding: "utf8" }).stdout.trim());
    expect(size([...NODE_V8_FLAGS])).toBeGreaterThan(size([]));
  });
});
