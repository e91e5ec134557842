/**
 * Runs the benchmarks: `npm run bench -- [--json] [--quick] [--only name,name]`.
 * With --json, prints one JSON object per line: {"name","value","unit",...}; a figure with a
 * same-run baseline also carries "ceiling", "ceilingName" and "ratio" (bench/ceiling.ts). The
 * human table shows the three columns value, ceiling, ratio.
 * Each benchmark module lives in bench/<module>.ts and exports `run(opts)`.
 */
import type { BenchModule, BenchResult } from "./types.ts";

const MODULES = [
  "smt",
  "smtPrune",
  "stf",
  "sig",
  "prover",
  "proverThroughput",
  "verifyReveal",
  "beacon",
  "rpcIngest",
  "rpcAdmit",
  "lifecycles",
  "blockBuild",
  "rpcRead",
  "storeSync",
  "wire",
  "l1",
  "bridgeGas",
  "fraudProofGas",
  "attestGas",
  "l1Batch",
  "derive",
  "explorer",
] as const;

/** One table row: name, value, unit, then the same-run ceiling and the ratio where there is one. */
function row(r: BenchResult): string {
  const head = `${r.name.padEnd(28)} ${String(r.value).padStart(14)} ${r.unit.padEnd(10)}`;
  if (r.ceiling === undefined) return head;
  return `${head} ceiling ${String(r.ceiling).padStart(12)}  ratio ${String(r.ratio).padStart(6)}  (${r.ceilingName})`;
}

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
      else process.stdout.write(`${row(r)}\n`);
    }
  }
}

await main();
