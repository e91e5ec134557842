/**
 * `flops bridge` and `flops tx force` without a chain: usage errors (exit 2) name the flag, an
 * unreachable node or L1 and a bad deployment file are runtime errors (exit 1) with one clear
 * line, and the text form of a status. The whole round trip on real L1s: test/e2e/bridge.test.ts.
 * One smoke test per command runs the real binary.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runFlops, spawnFlopsRun } from "../../test/helpers/cli.ts";
import { formatWithdrawalText, withdrawalToJson } from "./bridge.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-bridge-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TX = `0x${"ab".repeat(32)}`;
const DEAD = "http://127.0.0.1:1";

describe("flops bridge / flops tx force: usage and failures", () => {
  it("usage errors exit 2 and name the flag", async () => {
    const noTx = await runFlops(["bridge", "status", "--l1.rpc", DEAD, "--l1.deployment", "x.json"]);
    expect(noTx.code).toBe(2);
    expect(noTx.stderr).toMatch(/--tx/);
    const badAmount = await runFlops([
      "bridge",
      "withdraw",
      "--amount",
      "1.2.3",
      "--to",
      `0x${"11".repeat(20)}`,
    ]);
    expect(badAmount.code).toBe(2);
    expect(badAmount.stderr).toMatch(/--amount.*a positive decimal amount/);
    const zero = await runFlops(["bridge", "deposit", "--amount", "0.000", "--to", `0x${"11".repeat(20)}`]);
    expect(zero.code).toBe(2);
    const tooPrecise = await runFlops([
      "bridge",
      "withdraw",
      "--amount",
      `0.${"1".repeat(19)}`,
      "--to",
      `0x${"11".repeat(20)}`,
    ]);
    expect(tooPrecise.code).toBe(2);
    const badTo = await runFlops(["bridge", "withdraw", "--amount", "1", "--to", "0x1234"]);
    expect(badTo.code).toBe(2);
    expect(badTo.stderr).toMatch(/--to.*an address/);
    const both = await runFlops([
      "tx",
      "force",
      "--raw",
      "0x01",
      "--file",
      "f",
      "--l1.rpc",
      DEAD,
      "--l1.deployment",
      "x",
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give exactly one of --raw or --file");
  });

  it("an unreachable node, a missing or bad deployment file: exit 1, one line", async () => {
    const node = await runFlops([
      "bridge",
      "status",
      "--tx",
      TX,
      "--rpc",
      DEAD,
      "--l1.rpc",
      DEAD,
      "--l1.deployment",
      "x.json",
    ]);
    expect(node.code).toBe(1);
    expect(node.stderr).toMatch(/^error: cannot reach the L2 node's RPC at http:\/\/127\.0\.0\.1:1: /);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"version":2}');
    const file = await runFlops([
      "bridge",
      "list",
      "--address",
      `0x${"11".repeat(20)}`,
      "--rpc",
      DEAD,
      "--l1.rpc",
      DEAD,
      "--l1.deployment",
      bad,
    ]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^error: deployment file: /);
  });

  it("a tx that is not a canonical signed tx is refused before any L1 call", async () => {
    const r = await runFlops([
      "tx",
      "force",
      "--raw",
      "0x0a00",
      "--l1.rpc",
      DEAD,
      "--l1.deployment",
      "none.json",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to force this tx: not a canonical signed tx/);
  });

  it("status text and JSON name the state and the absolute time it becomes final", () => {
    const report = {
      withdrawal: {
        index: 4n,
        from: new Uint8Array(20).fill(1),
        to: new Uint8Array(20).fill(2),
        amount: 15n * 10n ** 17n,
        l2BlockNumber: 9n,
        txHash: new Uint8Array(32).fill(3),
      },
      status: { state: "waiting-to-finalize" as const, outputIndex: 2n, finalizesAt: 1_767_225_600n },
      proveTx: `0x${"cd".repeat(32)}` as const,
    };
    const text = formatWithdrawalText(report);
    expect(text).toContain("#4: 1.5 credits from 0x0101010101010101010101010101010101010101");
    expect(text).toContain(
      "waiting-to-finalize: final at 2026-01-01T00:00:00.000Z (unix 1767225600), proven against output #2",
    );
    expect(withdrawalToJson(report)).toMatchObject({
      state: "waiting-to-finalize",
      finalizesAt: "1767225600",
      finalizesAtIso: "2026-01-01T00:00:00.000Z",
      finalizeTx: null,
    });
  });

  it("smoke: the real binary (bridge status, tx force)", async () => {
    const status = await spawnFlopsRun([
      "bridge",
      "status",
      "--tx",
      TX,
      "--rpc",
      DEAD,
      "--l1.rpc",
      DEAD,
      "--l1.deployment",
      "x.json",
    ]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^error: cannot reach the L2 node's RPC/);
    const force = await spawnFlopsRun(["tx", "force", "--l1.rpc", DEAD, "--l1.deployment", "x.json"]);
    expect(force.code).toBe(2);
    expect(force.stderr).toContain("give exactly one of --raw or --file");
  }, 60_000);
});
