/**
 * The output proposer against the real OutputOracle on the embedded L1, through the real L1 tx
 * manager: it posts the newest safe output past the oracle's `nextL2BlockNumber`, is idle when
 * there is nothing new, starts again from the oracle after a restart (a new proposer and tx
 * manager over the same journal), survives a refused proposal (a forked L1 block, a key without
 * the role), keeps N L2 blocks between outputs when asked, and runs on its own timer.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexToBytes } from "../../chain/bytes.ts";
import { type ContractArtifact, deployContracts } from "../l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../l1/embeddedL1.ts";
import { createL1TxManager, type L1TxManager } from "../txManager/l1TxManager.ts";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";
import { OutputProposer, type SafeOutput } from "./outputProposer.ts";

const quiet = { info: () => {}, warn: () => {} };
const root = (n: number) => new Uint8Array(32).fill(n);

describe("OutputProposer", () => {
  let l1: EmbeddedL1;
  let pub: PublicClient;
  let dir: string;
  let oracle: Hex;
  let safe: SafeOutput | undefined;
  const managers: L1TxManager[] = [];
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const proposerKey = DEV_PRIVATE_KEYS[1]!;

  const manager = async (key: Hex, journal: string) => {
    const m = await createL1TxManager(
      { journalDir: join(dir, journal), chainId: 31337, numConfirmations: 1, pollIntervalMs: 20 },
      { client: pub, account: privateKeyToAccount(key) },
    );
    managers.push(m);
    return m;
  };
  const proposerWith = (txManager: L1TxManager, intervalMs = 1000, intervalBlocks?: number) =>
    new OutputProposer(
      { oracle, intervalMs, ...(intervalBlocks === undefined ? {} : { intervalBlocks }) },
      { client: pub, txManager, safeOutput: () => safe, log: quiet },
    );
  const read = <F extends "nextL2BlockNumber" | "outputCount">(functionName: F) =>
    pub.readContract({ address: oracle, abi: ORACLE_ABI, functionName });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flops-proposer-"));
    l1 = await createEmbeddedL1({ blockTimeMs: 50 });
    const transport = custom(l1, { retryCount: 0 });
    pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 20 });
    const wallet = createWalletClient({ chain: foundry as Chain, transport, account: admin });
    const j = JSON.parse(
      await readFile(join(import.meta.dirname, "../../contracts/out/OutputOracle.json"), "utf8"),
    ) as ContractArtifact;
    const a = admin.address;
    const d = await deployContracts(
      wallet,
      pub,
      { OutputOracle: { abi: j.abi, bytecode: j.bytecode } },
      {
        steps: [
          {
            name: "OutputOracle",
            artifact: "OutputOracle",
            args: () => [a, privateKeyToAccount(proposerKey).address, a, `0x${"11".repeat(32)}`, 60n],
          },
        ],
      },
    );
    oracle = d.addresses.OutputOracle!;
  });

  afterAll(async () => {
    for (const m of managers) await m.close();
    await l1.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("posts the newest safe output past the oracle's next block, then idles", async () => {
    const txm = await manager(proposerKey, "txs");
    const p = proposerWith(txm);
    safe = undefined;
    expect(await p.proposeOnce()).toMatchObject({ kind: "idle" });

    safe = { l2BlockNumber: 5n, outputRoot: root(5) };
    const r = await p.proposeOnce();
    expect(r.kind).toBe("posted");
    const out = await pub.readContract({
      address: oracle,
      abi: ORACLE_ABI,
      functionName: "getOutput",
      args: [0n],
    });
    expect(out.l2BlockNumber).toBe(5n);
    expect(out.outputRoot).toBe(`0x${"05".repeat(32)}`);
    // Without an L1 block from the source it cites L1's latest block, which the oracle checked.
    const cited = await pub.getBlock({ blockNumber: out.l1BlockNumber });
    expect(out.l1BlockHash).toBe(cited.hash);
    expect(await read("nextL2BlockNumber")).toBe(6n);
    expect(await p.proposeOnce()).toMatchObject({
      kind: "idle",
      reason: "no safe L2 block at or past 6 yet",
    });
    expect(await read("outputCount")).toBe(1n);
  });

  it("after a restart it starts from the oracle, and cites the source's L1 block", async () => {
    await managers.pop()!.close();
    const p = proposerWith(await manager(proposerKey, "txs"));
    expect(await p.proposeOnce()).toMatchObject({ kind: "idle" });
    const l1Block = await pub.getBlock({ blockTag: "latest" });
    safe = {
      l2BlockNumber: 9n,
      outputRoot: root(9),
      l1: { number: l1Block.number, hash: hexToBytes(l1Block.hash) },
    };
    expect(await p.proposeOnce()).toMatchObject({
      kind: "posted",
      l2BlockNumber: 9n,
      l1BlockNumber: l1Block.number,
    });
    const out = await pub.readContract({
      address: oracle,
      abi: ORACLE_ABI,
      functionName: "getOutput",
      args: [1n],
    });
    expect(out.l1BlockHash).toBe(l1Block.hash);
  });

  it("a proposal the oracle refuses (an L1 fork, a key without the role) fails the round, not the proposer", async () => {
    const p = proposerWith(managers.at(-1)!);
    const l1Block = await pub.getBlock({ blockTag: "latest" });
    safe = { l2BlockNumber: 10n, outputRoot: root(10), l1: { number: l1Block.number, hash: root(0xee) } };
    const forked = await p.proposeOnce();
    expect(forked.kind).toBe("failed");
    const stranger = proposerWith(await manager(DEV_PRIVATE_KEYS[4]!, "stranger-txs"));
    safe = { l2BlockNumber: 10n, outputRoot: root(10) };
    expect((await stranger.proposeOnce()).kind).toBe("failed");
    expect(await read("outputCount")).toBe(2n);
    // The next round with a sound proposal posts.
    expect((await p.proposeOnce()).kind).toBe("posted");
    expect(await read("nextL2BlockNumber")).toBe(11n);
  });

  it("with an interval of N L2 blocks, posts only a safe block N past the last output", async () => {
    expect(() => proposerWith(managers[0]!, 1000, 0)).toThrow(RangeError);
    const p = proposerWith(managers[0]!, 1000, 5); // the last output is block 10
    safe = { l2BlockNumber: 14n, outputRoot: root(14) };
    expect(await p.proposeOnce()).toEqual({ kind: "idle", reason: "no safe L2 block at or past 15 yet" });
    safe = { l2BlockNumber: 16n, outputRoot: root(16) };
    expect(await p.proposeOnce()).toMatchObject({ kind: "posted", l2BlockNumber: 16n });
    expect(await read("nextL2BlockNumber")).toBe(17n);
  });

  it("runs rounds on its timer until stopped", async () => {
    const p = proposerWith(managers[0]!, 30); // the proposer key's manager
    safe = { l2BlockNumber: 18n, outputRoot: root(18) };
    p.start();
    const until = Date.now() + 10_000;
    while ((await read("nextL2BlockNumber")) < 19n && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await p.stop();
    expect(await read("nextL2BlockNumber")).toBe(19n);
  });
});
