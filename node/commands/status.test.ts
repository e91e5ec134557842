import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer } from "../../api/server.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { createJsEngine } from "../../prover/engine/jsEngine.ts";
import type { NodeInfo } from "../../prover/ports.ts";
import { createProver } from "../../prover/proverClient.ts";
import { runFlops, spawnFlopsRun } from "../../test/helpers/cli.ts";
import { FakeProverChain, rpcBackendOver } from "../../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { writeKeystore } from "../keystore.ts";
import {
  formatAddress,
  formatCredits,
  formatMultiplier,
  formatOps,
  formatStatusText,
  type StatusReport,
  statusToJson,
} from "./status.ts";

// The CLI in this process (node/cli.ts runCli); one smoke test runs the real binary.
const flops = (args: string[]) => runFlops(args);

const ref = (number: bigint, byte: number) => ({
  number,
  hash: new Uint8Array(32).fill(byte),
  timestamp: 1_700_000_000_000n + number,
});

const ADDRESS = new Uint8Array(20).fill(0x42);
const NODE: NodeInfo = {
  address: ADDRESS,
  credits: 1_234_500_000_000_000_000_000n,
  multiplierBps: 12_000n,
  streak: 2,
  registeredAt: 5n,
  lastLiveEpoch: 9n,
  currentEpoch: 10n,
  epochWork: 16_384n,
  epochFailed: false,
  openChallenges: 1,
  passed: 10,
  failed: 1,
  expired: 2,
  cancelled: 0,
  totalWork: 343_597_383_680n,
  totalCredits: 1_300_000_000_000_000_000_000n,
  provenThroughput: 45_200_000_000n,
};

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    rpc: "http://127.0.0.1:8545",
    chainId: 987_909n,
    blockNumber: 1234n,
    sync: {
      unsafeL2: ref(1234n, 1),
      safeL2: ref(1200n, 2),
      finalizedL2: ref(1100n, 3),
      currentL1: ref(56n, 4),
      headL1: ref(60n, 5),
      safeL1: ref(58n, 6),
      finalizedL1: ref(52n, 7),
      syncing: false,
    },
    ...overrides,
  };
}

describe("status formatting", () => {
  it("formats credits, multipliers and op counts", () => {
    expect(formatCredits(0n)).toBe("0");
    expect(formatCredits(1n)).toBe("0.000000000000000001");
    expect(formatCredits(1_500_000_000_000_000_000n)).toBe("1.5");
    expect(formatCredits(1_234_567n * 10n ** 18n)).toBe("1,234,567");
    expect(formatMultiplier(10_000n)).toBe("1.0×");
    expect(formatMultiplier(12_000n)).toBe("1.2×");
    expect(formatMultiplier(13_750n)).toBe("1.375×");
    expect(formatOps(512n)).toBe("512 ops");
    expect(formatOps(34_359_738_368n)).toBe("34.4 G ops");
    expect(formatOps(45_200_000_000n, "ops/s")).toBe("45.2 G ops/s");
  });

  it("shows heights, sync state and the node's credits, multiplier and counts", () => {
    const text = formatStatusText(
      report({
        address: ADDRESS,
        node: NODE,
        account: { nonce: 20n, pendingNonce: 21n, credits: NODE.credits },
      }),
    );
    expect(text).toBe(
      [
        "RPC          http://127.0.0.1:8545 (chain 987909)",
        "Head         #1234 (unsafe), safe #1200, finalized #1100",
        "Sync         synced",
        "L1           derived to #56, L1 head #60, safe #58, finalized #52",
        `Node         ${formatAddress(ADDRESS)}`,
        "  Credits    1,234.5",
        "  Multiplier 1.2× (streak 2)",
        "  Challenges passed 10 · failed 1 · expired 2 · cancelled 0 · open 1",
        "  Work       344 G ops total; last proven 45.2 G ops/s",
        "  Earned     1,300 credits in total",
        "  Registered at block #5",
        "  Pending    1 tx(s) in the mempool",
        "",
      ].join("\n"),
    );
  });

  it("says when an address is not a registered node, and leaves L1 out when there is none", () => {
    const text = formatStatusText(
      report({
        sync: {
          ...report().sync,
          currentL1: undefined,
          headL1: undefined,
          safeL1: undefined,
          finalizedL1: undefined,
          syncing: true,
        },
        address: ADDRESS,
        node: undefined,
        account: { nonce: 0n, pendingNonce: 0n, credits: 5n * 10n ** 17n },
      }),
    );
    expect(text).toContain("Sync         syncing\n");
    expect(text).not.toContain("L1 ");
    expect(text).toContain(`Node         ${formatAddress(ADDRESS)}: not registered; credits 0.5\n`);
  });

  it("--json: one object, bigints as decimal strings, absent as null", () => {
    const json = statusToJson(
      report({ address: ADDRESS, node: NODE, account: { nonce: 1n, pendingNonce: 1n, credits: 2n } }),
    );
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({
      rpc: "http://127.0.0.1:8545",
      chainId: "987909",
      blockNumber: "1234",
      sync: {
        syncing: false,
        safeL2: { number: "1200" },
        headL1: { number: "60" },
        safeL1: { number: "58" },
        finalizedL1: { number: "52" },
      },
      address: formatAddress(ADDRESS),
      account: { nonce: "1", pendingNonce: "1", credits: "2" },
      node: {
        credits: "1234500000000000000000",
        multiplierBps: 12_000,
        streak: 2,
        passed: 10,
        openChallenges: 1,
      },
    });
    expect(statusToJson(report())).not.toHaveProperty("node");
    expect(statusToJson(report({ address: ADDRESS, node: undefined })).node).toBeNull();
  });
});

describe("flops status", () => {
  it("smoke, the real binary: exits 1 with a clear message when the RPC is unreachable", async () => {
    const run = await spawnFlopsRun(["status", "--rpc", "http://127.0.0.1:1"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: cannot reach the node's RPC at http:\/\/127\.0\.0\.1:1: /);
  });

  describe("against a node", () => {
    let dir: string;
    let url: string;
    let close: () => Promise<void>;
    const chain = new TestChain();
    const fake = new FakeProverChain(chain);
    const account = TestAccount.fromSeed(5, chain.params.l2ChainId);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "flops-status-"));
      const app = await createApiServer({
        rpc: { backend: rpcBackendOver(fake), limits: { rateLimit: false } },
      });
      url = await app.listen({ host: "127.0.0.1", port: 0 });
      close = () => app.close();
      // One passed challenge, so the node has something to show.
      const prover = createProver(
        {
          privateKey: account.privateKey,
          dataDir: dir,
          tier: TIER_TINY.id,
          maxChallenges: 1,
          pollIntervalMs: 1,
        },
        { chain: fake, engine: createJsEngine() },
      );
      await prover.run();
    });
    afterAll(async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("--keystore --json: the node of a keystore file, read without its password", async () => {
      const { file } = await writeKeystore(account.privateKey, "pw", {
        dir: join(dir, "keys"),
        scryptN: 1024,
      });
      const run = await flops(["status", "--rpc", url, "--keystore", file, "--json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(json).toMatchObject({
        chainId: chain.params.l2ChainId.toString(),
        blockNumber: chain.core.head.header.number.toString(),
        address: formatAddress(account.address),
        node: { passed: 1, failed: 0, openChallenges: 0, multiplierBps: 10_000 },
      });
      expect(BigInt(json.node.credits)).toBeGreaterThan(0n);
    });

    it("--address: human text", async () => {
      const run = await flops(["status", "--rpc", url, "--address", formatAddress(account.address)]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Node         ${formatAddress(account.address)}\n`);
      expect(run.stdout).toContain("  Challenges passed 1 · failed 0 · expired 0 · cancelled 0 · open 0\n");
      const bad = await flops(["status", "--rpc", url, "--address", "0x1234"]);
      expect(bad.code).toBe(2);
    });
  });
});
