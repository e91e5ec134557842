/**
 * Runs the Solidity tests (contracts/test/*.t.sol: unit tests of every revert path, fuzz tests of
 * the SMT verifier against the golden vectors, invariant tests of the Portal) with Foundry's forge
 * from the npm registry, compiling through contracts/solcShim.mjs (solc-js). Fails unless every
 * forge test passes and there are at least as many as this file expects; prints the gas of
 * proveWithdrawal and finalizeWithdrawal (forge gas snapshots, PortalGasTest).
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const CONTRACTS_DIR = import.meta.dirname;
const FORGE = resolve(CONTRACTS_DIR, "../node_modules/.bin/forge");
/** Fewer than this means a suite silently stopped being found. */
const MIN_TESTS = 50;
/** The issue's target for prove_withdrawal_gas, held by the call's execution gas. */
const PROVE_GAS_CEILING = 80_000;

interface ForgeTestResult {
  status: string;
  reason: string | null;
  counterexample: unknown;
  gas_snapshots?: Record<string, Record<string, string>>;
}
type ForgeOutput = Record<string, { test_results: Record<string, ForgeTestResult> }>;

describe("Solidity tests (forge)", () => {
  it("every forge test passes", async () => {
    const { stdout } = await promisify(execFile)(FORGE, ["test", "--json"], {
      cwd: CONTRACTS_DIR,
      maxBuffer: 256 * 1024 * 1024,
      // forge exits 1 on a failing test; the JSON still says which, so read it either way.
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      if (err.stdout?.includes("{")) return { stdout: err.stdout };
      throw new Error(`forge test failed to run: ${err.message}\n${err.stderr ?? ""}`);
    });
    const jsonLine = stdout.split("\n").find((l) => l.startsWith("{"));
    if (jsonLine === undefined) throw new Error(`forge test printed no JSON:\n${stdout.slice(-4000)}`);
    const out = JSON.parse(jsonLine) as ForgeOutput;

    const failures: string[] = [];
    const gas: Record<string, string> = {};
    let count = 0;
    for (const [suite, { test_results }] of Object.entries(out)) {
      for (const [name, r] of Object.entries(test_results)) {
        count++;
        if (r.status !== "Success") {
          failures.push(
            `${suite} ${name}: ${r.status} ${r.reason ?? ""} ${JSON.stringify(r.counterexample)}`,
          );
        }
        for (const snaps of Object.values(r.gas_snapshots ?? {})) Object.assign(gas, snaps);
      }
    }
    expect(failures, failures.join("\n")).toEqual([]);
    expect(count).toBeGreaterThanOrEqual(MIN_TESTS);

    console.log(`forge: ${count} Solidity tests passed; gas: ${JSON.stringify(gas)}`);
    const prove = Number(gas.proveWithdrawal);
    const finalize = Number(gas.finalizeWithdrawal);
    expect(prove).toBeGreaterThan(0);
    expect(finalize).toBeGreaterThan(0);
    expect(prove).toBeLessThanOrEqual(PROVE_GAS_CEILING);
  }, 300_000);
});
