import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS, type Anvil, startAnvil } from "../../test/helpers/anvil.ts";

const SCRIPT = resolve(import.meta.dirname, "testdata/sendIntents.ts");
const N = 20;

let anvil: Anvil | undefined;
let running: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), "txmgr-crash-"));
afterAll(async () => {
  // A sender still running (the test timed out) would write into the folder being removed.
  if (running && running.exitCode === null && running.signalCode === null) {
    const gone = new Promise((res) => running!.once("exit", res));
    running.kill("SIGKILL");
    await gone;
  }
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/**
 * Runs the sender once; SIGKILLs it `killAfterMs` after it says `started` (its manager is up, so
 * the kill lands while intents are being signed, journaled, broadcast or confirmed).
 */
function runOnce(
  url: string,
  killAfterMs: number | null,
  limitMs = 90_000,
): Promise<{ done: boolean; confirmed: number }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", SCRIPT, url, join(dir, "journal"), String(N), ANVIL_KEYS[1]],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running = child;
  let out = "";
  let timer: NodeJS.Timeout | null = null;
  let hung = false;
  const limit = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, limitMs);
  const onData = (d: Buffer) => {
    out += d.toString();
    if (killAfterMs !== null && timer === null && out.includes("started\n")) {
      timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return new Promise((res, rej) =>
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      clearTimeout(limit);
      if (hung) return rej(new Error(`sender did not finish in ${limitMs} ms:\n${out.slice(-6000)}`));
      if (signal === "SIGKILL")
        return res({ done: false, confirmed: (out.match(/^confirmed \d+$/gm) ?? []).length });
      if (code !== 0) return rej(new Error(`sender exited ${code}:\n${out.slice(-3000)}`));
      res({ done: /^done$/m.test(out), confirmed: (out.match(/^confirmed \d+$/gm) ?? []).length });
    }),
  );
}

describe("L1 tx manager under SIGKILL (Anvil)", () => {
  it("a sender killed at random points and restarted lands every intent on L1 exactly once", async () => {
    anvil = await startAnvil({ blockTimeS: 0.1 });
    // Seeded so that a failure can be replayed: the seed is in the assertion message.
    let seed = Date.now() % 1_000_003;
    const firstSeed = seed;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const kills: number[] = [];
    const runs: number[] = [];
    let midFlight = 0;
    for (let i = 0; i < 4; i++) {
      const after = Math.floor(random() * 700);
      const t0 = Date.now();
      const r = await runOnce(anvil.url, after);
      runs.push(Date.now() - t0);
      if (r.done) break;
      kills.push(after);
      if (r.confirmed > 0 && r.confirmed < N) midFlight++;
    }
    const t1 = Date.now();
    expect((await runOnce(anvil.url, null)).done).toBe(true);
    runs.push(Date.now() - t1);

    // Ground truth from L1: every tx of the sender's key, decoded back to its intent.
    const from = privateKeyToAccount(ANVIL_KEYS[1]).address.toLowerCase();
    const head = Number(await anvil.rpc<Hex>("eth_blockNumber"));
    const seen = new Map<number, number>();
    const nonces: number[] = [];
    for (let n = 0; n <= head; n++) {
      const b = await anvil.rpc<{ transactions: Array<{ from: string; input: Hex; nonce: Hex }> }>(
        "eth_getBlockByNumber",
        [`0x${n.toString(16)}`, true],
      );
      for (const tx of b.transactions) {
        if (tx.from.toLowerCase() !== from) continue;
        nonces.push(Number(tx.nonce));
        const i = Number.parseInt(tx.input.slice(4, 12), 16);
        seen.set(i, (seen.get(i) ?? 0) + 1);
      }
    }
    const why = `seed ${firstSeed}, kills at ${kills.join(",")} ms`;
    expect(
      [...seen.entries()].sort((a, b) => a[0] - b[0]),
      why,
    ).toEqual(Array.from({ length: N }, (_, i) => [i, 1]));
    expect(
      nonces.sort((a, b) => a - b),
      why,
    ).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(kills.length, why).toBeGreaterThan(0);
    console.log(
      `txmgr crash test: ${why}; ${midFlight} kills with some intents confirmed and some not; runs ${runs.join(",")} ms`,
    );
  }, 150_000);
});
