/**
 * A verifier that proposes (issue 9): the devnet in process (the embedded L1 served over HTTP,
 * the sequencer with its batcher and no proposer of its own) and a verifier node (`flops node
 * --mode verifier` through startVerifier) holding the OutputOracle's proposer key. It posts only
 * what it derived from L1: every output's root equals the sequencer's output root at that height,
 * cites the L1 block that decided the block in the verifier's own store, and is never past the
 * derived head it was told to post (safe; then, on a second verifier, finalized).
 */
import { join } from "node:path";
import type { Hex, PublicClient } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { ORACLE_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { startVerifier } from "../../node/commands/node.ts";
import type { VerifierFlopsNode } from "../../node/createNode.ts";
import { silentLogger } from "../../node/logger.ts";
import { ChainStore } from "../../store/chainStore.ts";
import {
  DEVNET_TEST_CFG,
  type InProcessDevnet,
  startInProcessDevnet,
  submitLoad,
} from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";

let devnet: InProcessDevnet | undefined;
const verifiers: VerifierFlopsNode[] = [];
afterAll(async () => {
  for (const v of verifiers) await v.stop();
  await devnet?.close();
});

describe("integration: a verifier node with a proposer key", () => {
  let oracle: Hex;
  let pub: PublicClient;
  const outputCount = () =>
    pub.readContract({ address: oracle, abi: ORACLE_ABI, functionName: "outputCount" });
  const outputAt = (i: bigint) =>
    pub.readContract({ address: oracle, abi: ORACLE_ABI, functionName: "getOutput", args: [i] });

  const verifier = async (name: string, head: "safe" | "finalized") => {
    const d = devnet!;
    const v = await startVerifier({
      datadir: join(d.dir, name),
      genesis: d.genesis,
      genesisInitOnly: false,
      cfg: { ...DEVNET_TEST_CFG, "proposer.interval-ms": 300, "proposer.head": head },
      log: silentLogger(),
      l1Rpc: d.devL1.http!.url,
      deploymentFile: join(d.dir, "l1-deployment.json"),
      proposer: d.devL1.proposer,
    });
    verifiers.push(v);
    return v;
  };

  /** The derived head a verifier was told to post, now. */
  const headOf = (v: VerifierFlopsNode, head: "safe" | "finalized") => {
    const s = v.derivation.status();
    return (head === "safe" ? s.safeL2 : s.finalizedL2).header.number;
  };

  /**
   * Waits for `n` outputs past the first `before`, checking at every poll that the newest is not
   * past the verifier's derived head (read after the oracle: the head only grows, so an output
   * past it now was past it when posted).
   */
  const waitForOutputs = async (
    v: VerifierFlopsNode,
    head: "safe" | "finalized",
    before: bigint,
    n: bigint,
  ) => {
    let checks = 0;
    await waitFor(
      async () => {
        const count = await outputCount();
        if (count > before) {
          const top = (await outputAt(count - 1n)).l2BlockNumber;
          expect(top, `output ${count - 1n} vs the ${head} head`).toBeLessThanOrEqual(headOf(v, head));
          checks++;
        }
        return count >= before + n;
      },
      90_000,
      `${n} outputs from the ${head} verifier`,
    );
    expect(checks).toBeGreaterThan(0);
  };

  /**
   * Every output from index `from` on is the verifier's own derived block's root, and that block
   * is the sequencer's (same hash, so the same root as the sequencer's at that height).
   */
  const expectDerivedOutputs = async (v: VerifierFlopsNode, from: bigint) => {
    const seqStore = devnet!.node.backend;
    const count = await outputCount();
    expect(count).toBeGreaterThan(from);
    for (let i = from; i < count; i++) {
      const out = await outputAt(i);
      const n = out.l2BlockNumber;
      const ours = (await v.backend.getBlockByNumber(n))!;
      const h = ours.block.header;
      expect(out.outputRoot, `output ${i}: the verifier's root at #${n}`).toBe(
        bytesToHex(outputRoot(h.stateRoot, h.withdrawalsRoot, ours.hash)),
      );
      const seq = (await seqStore.getBlockByNumber(n))!;
      // Only a batch that landed later than maxBatchDelayMs (a starved machine) makes them differ.
      expect(bytesToHex(ours.hash), `derived #${n} is the sequencer's block`).toBe(bytesToHex(seq.hash));
      expect(out.outputRoot).toBe(
        bytesToHex(outputRoot(seq.block.header.stateRoot, seq.block.header.withdrawalsRoot, seq.hash)),
      );
    }
  };

  it("posts outputs of its safe derived head, equal to the sequencer's roots at those heights", async () => {
    // A batch later than maxBatchDelayMs is dropped and the verifier's chain rightly leaves the
    // sequencer's: on a starved test box 4 s (the devnet's) can pass. 12 s of room (still within
    // the sequencing window: 30 s drift + 12 s < 64 L1 blocks), and channels posted soon.
    devnet = await startInProcessDevnet({
      prefix: "flops-verifier-proposer-",
      l1Port: 0,
      cfg: { "batcher.max-delay-ms": 300 },
      params: { maxBatchDelayMs: 12_000n },
    });
    const { genesis, devL1, node } = devnet;
    oracle = devL1.deployment.contracts.OutputOracle;
    pub = devL1.client;
    await submitLoad(node, genesis.params.l2ChainId, 7000, 10);
    const v = await verifier("verifier-safe", "safe");
    // While it catches up, every block it derives is already under L1's safe block: only once it
    // follows L1's head does its unsafe head run ahead of its safe one, and the rule bites.
    await waitFor(
      async () => {
        if (!v.derivation.initialised) return false;
        const s = v.derivation.status();
        return s.behindL1 <= 1n && s.unsafeL2.header.number > s.safeL2.header.number;
      },
      60_000,
      "the verifier following L1's head",
    );
    await waitForOutputs(v, "safe", await outputCount(), 2n);
    await expectDerivedOutputs(v, 0n);
    await v.stop();
    // Each output cites the L1 block that decided its L2 block, in the verifier's own store.
    const store = await ChainStore.open(join(devnet.dir, "verifier-safe", "chain"));
    try {
      for (let i = 0n; i < (await outputCount()); i++) {
        const out = await outputAt(i);
        const from = store.derivedFrom(out.l2BlockNumber);
        expect(from, `output ${i}`).toBeDefined();
        expect({ number: out.l1BlockNumber, hash: out.l1BlockHash }).toEqual({
          number: from!.l1Number,
          hash: bytesToHex(from!.l1Hash),
        });
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it("with --proposer.head finalized, never posts past its finalized derived head", async () => {
    // The first verifier's last proposal may still be in L1's pool: let it land before counting.
    const address = devnet!.devL1.proposer.address;
    await waitFor(
      async () =>
        (await pub.getTransactionCount({ address, blockTag: "pending" })) ===
        (await pub.getTransactionCount({ address, blockTag: "latest" })),
      30_000,
      "no proposal in flight",
    );
    const before = await outputCount();
    const v = await verifier("verifier-finalized", "finalized");
    await waitForOutputs(v, "finalized", before, 2n);
    await expectDerivedOutputs(v, before);
  }, 120_000);
});
