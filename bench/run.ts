/**
 * Runs the benchmarks: `npm run bench -- [--json] [--quick] [--only name,name]`.
 * With --json, prints one JSON object per line: {"name","value","unit",...}.
 * Each benchmark module lives in bench/<module>.ts and exports `run(opts)`.
 */
import type { BenchModule, BenchResult } from "./types.ts";

const MODULES = [
  "smt",
  "stf",
  "sig",
  "prover",
  "verifyReveal",
  "beacon",
  "rpcIngest",
  "blockBuild",
  "rpcRead",
] as const;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const quick = args.includes("--quick");
  const onlyIdx = args.indexOf("--only");
  const only = onlyIdx >= 0 ? new Set((args[onlyIdx + 1] ?? "").split(",")) : undefined;
  for (const name of MODULES) {
    if (only && !only.has(name)) continue;
    let mod: BenchModule;
    try {
      mod = (await import(`./${name}.ts`)) as BenchModule;
    } catch (e) {
      process.stderr.write(`bench ${name}: not available (${(e as Error).message})\n`);
      continue;
    }
    const results: BenchResult[] = await mod.run({ quick });
    for (const r of results) {
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.name.padEnd(28)} ${String(r.value).padStart(14)} ${r.unit}\n`);
    }
  }
}

await main();
