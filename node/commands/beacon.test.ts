import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { runFlops, spawnFlopsRun } from "../../test/helpers/cli.ts";
import { QUICKNET_VECTOR_CHAIN, quicknetVector } from "../../test/helpers/drandQuicknet.ts";

// The CLI in this process (node/cli.ts runCli); one smoke test runs the real binary.
const flops = (...args: string[]) => runFlops(args);

const hex = (b: Uint8Array) => bytesToHex(b).slice(2);

describe("flops beacon verify", () => {
  const r3 = quicknetVector(3);
  const rLate = quicknetVector(30662982);

  it("prints the randomness and exits 0 for a real quicknet round (--chain quicknet)", async () => {
    const run = await flops(
      "beacon",
      "verify",
      "--chain",
      "quicknet",
      "--round",
      "3",
      "--signature",
      hex(r3.signature),
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toBe(`${bytesToHex(r3.randomness)}\n`);
  });

  it("accepts an explicit 0x-prefixed --public-key", async () => {
    const run = await flops(
      "beacon",
      "verify",
      "--public-key",
      `0x${QUICKNET_VECTOR_CHAIN.publicKey}`,
      "--round",
      rLate.round.toString(),
      "--signature",
      bytesToHex(rLate.signature),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${bytesToHex(rLate.randomness)}\n`);
  });

  it("smoke, the real binary: exits 1 and says why when the signature is for another round", async () => {
    const run = await spawnFlopsRun([
      "beacon",
      "verify",
      "--chain",
      "quicknet",
      "--round",
      "4",
      "--signature",
      hex(r3.signature),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `invalid: signature does not verify for round 4 under public key 0x${QUICKNET_VECTOR_CHAIN.publicKey}\n`,
    );
  });

  it("exits 1 on a signature of the wrong length", async () => {
    const run = await flops("beacon", "verify", "--chain", "quicknet", "--round", "3", "--signature", "abcd");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("invalid: signature must be 48 bytes (96 hex chars), got 2 bytes\n");
  });

  it("is a usage error (exit 2) without --public-key or --chain", async () => {
    const run = await flops("beacon", "verify", "--round", "3", "--signature", hex(r3.signature));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error: one of --public-key <hex> or --chain <name> is required");
  });

  it("is a usage error on malformed arguments", async () => {
    const both = await flops(
      "beacon",
      "verify",
      "--chain",
      "quicknet",
      "--public-key",
      QUICKNET_VECTOR_CHAIN.publicKey,
      "--round",
      "3",
      "--signature",
      hex(r3.signature),
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("use either --public-key or --chain, not both");

    const badRound = await flops(
      "beacon",
      "verify",
      "--chain",
      "quicknet",
      "--round",
      "3x",
      "--signature",
      "00",
    );
    expect(badRound.code).toBe(2);
    expect(badRound.stderr).toContain("expected a decimal round number");

    const badKey = await flops(
      "beacon",
      "verify",
      "--public-key",
      "00".repeat(96),
      "--round",
      "3",
      "--signature",
      hex(r3.signature),
    );
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("invalid --public-key");
  });
});

describe("chain/beacon/README.md example", () => {
  // Each `$ flops …` line in a sh block, followed by its expected stdout line.
  const readme = readFileSync(new URL("../../chain/beacon/README.md", import.meta.url), "utf8");
  const examples = [...readme.matchAll(/^\$ flops (.+)\n(.+)$/gm)].map((m) => ({ args: m[1]!, out: m[2]! }));

  it("has an example", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const ex of examples) {
    it(`runs: flops ${ex.args.slice(0, 40)}…`, async () => {
      const run = await flops(...ex.args.split(/\s+/));
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${ex.out}\n`);
    });
  }
});
