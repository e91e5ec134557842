/**
 * Enforces the dependency direction of docs/ARCHITECTURE.md on every source file (test files
 * excluded): `node -> {api, sequencer, prover, bridge} -> store -> chain`, chain/ pure, and the
 * contract rpc/ (imports chain/ and viem; api/, prover/, bridge/, node/ import it).
 * The arrows are dependency-cruiser rules (.dependency-cruiser.cjs); this test runs its CLI on the
 * tree and on small fixtures that break each kind of rule, so a config that stopped matching would
 * fail here. Clocks and randomness in chain/ are calls, not imports: a grep below keeps them out.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const LAYERS = ["chain", "rpc", "store", "indexer", "sequencer", "prover", "bridge", "api", "node"];
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** Runs depcruise with our config in `cwd` on `paths`; returns its violations. */
async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  // --output-type json exits 0 whatever it finds: the violations are in the summary.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DEPCRUISE, "--config", CONFIG, "--output-type", "json", ...paths],
    { cwd, maxBuffer: 64 << 20 },
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const fixtures: string[] = [];
/** A throwaway tree (files: path -> source) with the tsconfig the config names. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "flops-depcruise-"));
  fixtures.push(dir);
  writeFileSync(join(dir, "tsconfig.json"), readFileSync(join(ROOT, "tsconfig.json")));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

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

function clockOrRandomness(dir: string): string[] {
  return sourceFiles(dir).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    return CHAIN_FORBIDDEN_CALLS.filter((re) => re.test(text)).map(
      (re) => `${relative(dir, file)}: uses ${re.source}`,
    );
  });
}

describe("architecture", () => {
  it("default: every import follows the dependency direction", async () => {
    const found = await cruise(ROOT, LAYERS);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it("default: chain/ reads no clock and draws no randomness", () => {
    expect(clockOrRandomness(join(ROOT, "chain"))).toEqual([]);
  });

  it("behavior: a forbidden import fails, naming the rule", async () => {
    const dir = fixture({
      "chain/bad.ts": 'import { start } from "../node/start.ts";\nexport const x = start;\n',
      "chain/impure.ts": 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
      "chain/pure.ts": 'import { createHash } from "node:crypto";\nexport const h = createHash;\n',
      "chain/pure.test.ts": 'import { start } from "../node/start.ts";\nexport const t = start;\n',
      "node/start.ts": "export const start = 1;\n",
      "store/up.ts": 'import type { P } from "../sequencer/p.ts";\nexport type Q = P;\n',
      "sequencer/p.ts": 'import type { R } from "../prover/r.ts";\nexport type P = R;\n',
      "prover/r.ts": 'import { T } from "../test/helpers/t.ts";\nexport type R = typeof T;\n',
      "test/helpers/t.ts": "export const T = 1;\n",
    });
    const found = await cruise(dir, ["chain", "store", "sequencer", "prover", "node"]);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort()).toEqual([
      "chain-imports-no-layer: chain/bad.ts -> node/start.ts",
      "chain-only-pure-packages: chain/bad.ts -> node/start.ts",
      "chain-only-pure-packages: chain/impure.ts -> fs",
      "no-test-or-bench-in-source: prover/r.ts -> test/helpers/t.ts",
      // Type-only imports count too.
      "sequencer-only-chain-store: sequencer/p.ts -> prover/r.ts",
      "store-only-chain: store/up.ts -> sequencer/p.ts",
    ]);
  });

  it("behavior: rpc/ imports chain/ and viem only, and sequencer/ does not import it", async () => {
    const dir = fixture({
      "rpc/contract.ts":
        'import { x } from "../chain/x.ts";\nimport type { Handler } from "../api/handler.ts";\nexport type C = Handler | typeof x;\n',
      "rpc/transport.ts": 'import { createServer } from "node:http";\nexport const s = createServer;\n',
      "chain/x.ts": "export const x = 1;\n",
      "api/handler.ts": 'import type { C } from "../rpc/contract.ts";\nexport type Handler = C;\n',
      "sequencer/s.ts": 'import type { C } from "../rpc/contract.ts";\nexport type S = C;\n',
      "prover/p.ts": 'import type { C } from "../rpc/contract.ts";\nexport type P = C;\n',
    });
    const found = await cruise(dir, ["rpc", "chain", "api", "sequencer", "prover"]);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort()).toEqual([
      "rpc-only-chain-viem: rpc/contract.ts -> api/handler.ts",
      "rpc-only-chain-viem: rpc/transport.ts -> http",
      "sequencer-only-chain-store: sequencer/s.ts -> rpc/contract.ts",
    ]);
  });

  it("behavior: the grep catches a clock in chain/", () => {
    const dir = fixture({ "chain/clock.ts": "export const now = () => Date.now();\n" });
    expect(clockOrRandomness(join(dir, "chain"))).toEqual(["clock.ts: uses \\bDate\\.now\\("]);
  });
});
