/**
 * The prune point from the finalized output: the newest final output (binary search, walking back
 * over invalidated ones) on an in-memory oracle and on the real OutputOracle in the embedded L1
 * (read at L1's finalized block), the keep point it gives, and the tracker that keeps its last
 * answer through L1 outages and never guesses before the first.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
  parseAbi,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractArtifact, deployContracts } from "../l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../l1/embeddedL1.ts";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";
import {
  MAX_INVALIDATED_SCANNED,
  newestFinalOutput,
  type OracleAt,
  pruneKeepFrom,
  readFinalizedOutput,
  trackFinalizedOutput,
} from "./finalizedOutput.ts";

interface Posted {
  l2: bigint;
  finalizesAt: bigint;
  invalidated?: boolean;
}

function memoryOracle(outputs: Posted[]): OracleAt & { reads: number } {
  const o = {
    reads: 0,
    outputCount: async () => BigInt(outputs.length),
    async outputStatus(i: bigint) {
      o.reads++;
      const p = outputs[Number(i)]!;
      return { finalizesAt: p.finalizesAt, invalidated: p.invalidated ?? false };
    },
    l2BlockNumber: async (i: bigint) => outputs[Number(i)]!.l2,
  };
  return o;
}

describe("newestFinalOutput", () => {
  it("table: none posted, none final yet, the newest final, a final output exactly at finalizesAt", async () => {
    expect(await newestFinalOutput(memoryOracle([]), 100n)).toBeNull();
    const outs = [10n, 20n, 30n, 40n].map((l2, i) => ({ l2, finalizesAt: 100n + BigInt(i) * 10n }));
    expect(await newestFinalOutput(memoryOracle(outs), 99n)).toBeNull();
    expect(await newestFinalOutput(memoryOracle(outs), 100n)).toEqual({ index: 0n, l2BlockNumber: 10n });
    expect(await newestFinalOutput(memoryOracle(outs), 119n)).toEqual({ index: 1n, l2BlockNumber: 20n });
    expect(await newestFinalOutput(memoryOracle(outs), 120n)).toEqual({ index: 2n, l2BlockNumber: 30n });
    expect(await newestFinalOutput(memoryOracle(outs), 10_000n)).toEqual({ index: 3n, l2BlockNumber: 40n });
  });

  it("behavior: walks back over invalidated outputs whose window passed (they never finalize)", async () => {
    const outs: Posted[] = [
      { l2: 10n, finalizesAt: 100n },
      { l2: 20n, finalizesAt: 110n, invalidated: true },
      { l2: 30n, finalizesAt: 120n, invalidated: true },
      { l2: 20n, finalizesAt: 130n }, // the proposer continued from the invalidated block
    ];
    expect(await newestFinalOutput(memoryOracle(outs), 125n)).toEqual({ index: 0n, l2BlockNumber: 10n });
    expect(await newestFinalOutput(memoryOracle(outs), 130n)).toEqual({ index: 3n, l2BlockNumber: 20n });
  });

  it("error: more invalidated outputs than it scans is unknown, never a guess", async () => {
    const outs: Posted[] = [{ l2: 1n, finalizesAt: 1n }];
    for (let i = 0; i < MAX_INVALIDATED_SCANNED; i++)
      outs.push({ l2: 2n + BigInt(i), finalizesAt: 2n + BigInt(i), invalidated: true });
    await expect(newestFinalOutput(memoryOracle(outs), 10_000n)).rejects.toThrow(/invalidated outputs/);
    outs.pop();
    expect(await newestFinalOutput(memoryOracle(outs), 10_000n)).toEqual({ index: 0n, l2BlockNumber: 1n });
  });

  it("behavior: reads O(log count) statuses, not every output", async () => {
    const outs = Array.from({ length: 100_000 }, (_, i) => ({ l2: BigInt(i + 1), finalizesAt: BigInt(i) }));
    const oracle = memoryOracle(outs);
    expect(await newestFinalOutput(oracle, 54_321n)).toEqual({ index: 54_321n, l2BlockNumber: 54_322n });
    expect(oracle.reads).toBeLessThanOrEqual(20);
  });
});

describe("pruneKeepFrom", () => {
  it("table: min(head, final output's block) − retention; unknown waits; none final keeps all", () => {
    const final = (l2BlockNumber: bigint) => ({ index: 0n, l2BlockNumber });
    expect(pruneKeepFrom(1000n, 10n, final(500n))).toBe(490n);
    expect(pruneKeepFrom(1000n, 10n, final(2000n))).toBe(990n); // a verifier still behind the output
    expect(pruneKeepFrom(1000n, 10n, undefined)).toBeUndefined(); // L1 never read: wait
    expect(pruneKeepFrom(undefined, 10n, final(5n))).toBeUndefined();
    expect(pruneKeepFrom(1000n, 10n, null)).toBe(0n); // no output final yet: every root may be needed
    expect(pruneKeepFrom(1000n, 10n, "no-outputs")).toBe(990n); // no L1: the head
    expect(pruneKeepFrom(5n, 10n, "no-outputs")).toBe(0n);
  });
});

describe("trackFinalizedOutput", () => {
  it("behavior: undefined until the first answer, then keeps the last one through L1 failures", async () => {
    const answers: Array<() => Promise<{ index: bigint; l2BlockNumber: bigint } | null>> = [
      async () => {
        throw new Error("L1 down");
      },
      async () => ({ index: 2n, l2BlockNumber: 40n }),
      async () => {
        throw new Error("L1 down again");
      },
      async () => ({ index: 1n, l2BlockNumber: 20n }), // a lagging L1 node: never step back
      async () => ({ index: 3n, l2BlockNumber: 60n }),
    ];
    const errors: unknown[] = [];
    const seen: Array<unknown> = [];
    let calls = 0;
    let tracker: ReturnType<typeof trackFinalizedOutput> | undefined;
    const done = new Promise<void>((resolve) => {
      tracker = trackFinalizedOutput(
        { pollMs: 1 },
        {
          read: () => {
            seen.push(tracker?.current());
            const a = answers[Math.min(calls++, answers.length - 1)]!;
            if (calls === answers.length + 1) resolve();
            return a();
          },
          onError: (e) => errors.push(e),
        },
      );
    });
    await done;
    await tracker!.stop();
    expect(seen.slice(0, 5)).toEqual([
      undefined,
      undefined,
      { index: 2n, l2BlockNumber: 40n },
      { index: 2n, l2BlockNumber: 40n },
      { index: 2n, l2BlockNumber: 40n },
    ]);
    expect(tracker!.current()).toEqual({ index: 3n, l2BlockNumber: 60n });
    expect(errors.map((e) => (e as Error).message)).toEqual(["L1 down", "L1 down again"]);
  });
});

describe("readFinalizedOutput on the real OutputOracle (embedded L1)", () => {
  let l1: EmbeddedL1;
  let pub: PublicClient;
  let oracle: Hex;
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const WINDOW = 30n;
  const FINALIZED_LAG = 4;
  const mine = async (n: number, seconds = 1) => {
    for (let i = 0; i < n; i++) {
      await pub.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
      await pub.request({ method: "evm_mine" as never, params: [] as never });
    }
  };
  let propose: (l2: bigint) => Promise<void>;
  let invalidate: (index: bigint) => Promise<void>;

  beforeAll(async () => {
    // No block timer: this test mines by hand (a miner runs only while the contract deploys).
    l1 = await createEmbeddedL1({ blockTimeMs: 0, finalizedLag: FINALIZED_LAG });
    const transport = custom(l1, { retryCount: 0 });
    pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 20 });
    const wallet = createWalletClient({ chain: foundry as Chain, transport, account: admin });
    const j = JSON.parse(
      await readFile(join(import.meta.dirname, "../../contracts/out/OutputOracle.json"), "utf8"),
    ) as ContractArtifact;
    const a = admin.address;
    const miner = setInterval(
      () => void l1.request({ method: "evm_mine", params: [] }).catch(() => undefined),
      20,
    );
    const d = await deployContracts(
      wallet,
      pub,
      { OutputOracle: { abi: j.abi, bytecode: j.bytecode } },
      {
        steps: [
          {
            name: "OutputOracle",
            artifact: "OutputOracle",
            args: () => [a, a, a, `0x${"11".repeat(32)}`, WINDOW],
          },
        ],
      },
    );
    clearInterval(miner);
    oracle = d.addresses.OutputOracle!;
    const send = async (h: Promise<Hex>) => {
      const hash = await h;
      await pub.request({ method: "evm_mine" as never, params: [] as never });
      expect((await pub.getTransactionReceipt({ hash })).status).toBe("success");
    };
    propose = async (l2) => {
      const latest = await pub.getBlock({ blockTag: "latest" });
      await send(
        wallet.writeContract({
          address: oracle,
          abi: ORACLE_ABI,
          functionName: "proposeOutput",
          args: [`0x${"ab".repeat(32)}`, l2, latest.hash, latest.number],
        }),
      );
    };
    invalidate = async (index) =>
      send(
        wallet.writeContract({
          address: oracle,
          abi: parseAbi(["function invalidateOutputs(uint256 outputIndex)"]),
          functionName: "invalidateOutputs",
          args: [index],
        }),
      );
  });

  afterAll(async () => {
    await l1.close();
  });

  it("behavior: finality is judged at L1's finalized block, past the window, skipping invalidated outputs", async () => {
    expect(await readFinalizedOutput(pub, oracle)).toBeNull();
    await propose(10n);
    await propose(20n);
    // One block well past both windows (L1 block times run a few seconds ahead of the clock when
    // blocks are mined fast, so + WINDOW + 10 s), then 1 s blocks: until that block is L1's
    // finalized one, the finalized state is before the windows closed.
    await mine(1, Number(WINDOW) + 10);
    await mine(FINALIZED_LAG - 1);
    expect(await readFinalizedOutput(pub, oracle)).toBeNull();
    await mine(1);
    expect(await readFinalizedOutput(pub, oracle)).toEqual({ index: 1n, l2BlockNumber: 20n });
    // A newer output, invalidated inside its window, never becomes the prune point.
    await propose(30n);
    await invalidate(2n);
    await mine(1, Number(WINDOW) + 10);
    await mine(FINALIZED_LAG);
    expect(await readFinalizedOutput(pub, oracle)).toEqual({ index: 1n, l2BlockNumber: 20n });
    await propose(30n);
    await mine(1, Number(WINDOW) + 10);
    await mine(FINALIZED_LAG);
    expect(await readFinalizedOutput(pub, oracle)).toEqual({ index: 3n, l2BlockNumber: 30n });
  });
});
