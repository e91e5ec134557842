/**
 * Enforces the dependency direction of docs/ARCHITECTURE.md on every source file (test files
 * excluded): `node -> {api, sequencer, prover, bridge} -> store -> chain`, chain/ pure.
 * A hand-rolled checker (imports are plain ESM strings) because dependency-cruiser's current
 * major needs Node 22.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const LAYERS = ["chain", "store", "sequencer", "prover", "bridge", "api", "node"] as const;
type Layer = (typeof LAYERS)[number];

/** Our folders each layer may import (besides itself). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  chain: [],
  store: ["chain"],
  sequencer: ["chain", "store"],
  prover: ["chain", "store"],
  bridge: ["chain", "store"],
  api: ["chain", "store"],
  node: ["chain", "store", "sequencer", "prover", "bridge", "api"],
};

/** Packages chain/ may use: pure computation only (node:module only to load the native secp256k1 addon). */
const CHAIN_PACKAGES = [
  /^@noble\//,
  /^protobufjs(\/|$)/,
  /^secp256k1(\/|$)/,
  /^node:crypto$/,
  /^node:module$/,
];
/** Calls that bring a clock or randomness into the core. */
const CHAIN_FORBIDDEN_CALLS = [
  /\bDate\.now\(/,
  /\bnew Date\(/,
  /\bMath\.random\(/,
  /\brandomBytes\(/,
  /\bperformance\.now\(/,
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|mjs)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function layerOf(file: string): Layer | "test" | "bench" | "other" {
  const top = relative(ROOT, file).split("/")[0]!;
  if ((LAYERS as readonly string[]).includes(top)) return top as Layer;
  if (top === "test" || top === "bench") return top;
  return "other";
}

function violations(): string[] {
  const problems: string[] = [];
  const files = LAYERS.flatMap((l) => {
    try {
      return sourceFiles(join(ROOT, l));
    } catch {
      return [];
    }
  });
  for (const file of files) {
    const from = layerOf(file) as Layer;
    const text = readFileSync(file, "utf8");
    const rel = relative(ROOT, file);
    for (const spec of importsOf(text)) {
      if (spec.startsWith(".")) {
        const target = layerOf(resolve(dirname(file), spec));
        if (target === "test" || target === "bench") problems.push(`${rel}: imports ${target}/ (${spec})`);
        else if (target !== from && target !== "other" && !ALLOWED[from].includes(target)) {
          problems.push(`${rel}: ${from}/ must not import ${target}/ (${spec})`);
        }
      } else if (from === "chain" && !CHAIN_PACKAGES.some((re) => re.test(spec))) {
        problems.push(`${rel}: chain/ must stay pure, imports ${spec}`);
      }
    }
    if (from === "chain") {
      for (const re of CHAIN_FORBIDDEN_CALLS)
        if (re.test(text)) problems.push(`${rel}: chain/ uses ${re.source}`);
    }
  }
  return problems;
}

describe("architecture", () => {
  it("default: every import follows the dependency direction", () => {
    expect(violations()).toEqual([]);
  });

  it("behavior: the checker catches a forbidden import", () => {
    expect(
      importsOf('import { Level } from "level";\nimport type { X } from "../sequencer/mempool.ts";'),
    ).toEqual(["level", "../sequencer/mempool.ts"]);
  });
});
