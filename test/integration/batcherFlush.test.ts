/**
 * A graceful stop flushes the batcher (PROTOCOL §5 D4): the devnet in process (the embedded L1,
 * the sequencer following it, its batcher posting to it) builds blocks under a tx load and is
 * stopped at once, with a tail of blocks not yet handed to any channel (a channel waits up to
 * a quarter of maxBatchDelayMs). After the stop every stored block is on L1 and derivation from
 * the L1 data alone reproduces the store's head hash: nothing is left to a restart, which would
 * post it later than maxBatchDelayMs after its time, so that derivation drops it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { Deriver } from "../../chain/derive/deriver.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { startNode } from "../../node/commands/node.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { createLogger } from "../../node/logger.ts";
import { L2Node } from "../helpers/deriveHarness.ts";
import { postedBatchBlocks, readL1Inputs } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-batcher-flush-"));
let node: FlopsNode | undefined;
let devL1: DevnetL1 | undefined;

afterAll(async () => {
  await node?.stop();
  await devL1?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CFG = {
  "rpc.addr": "127.0.0.1",
  "rpc.port": 0,
  "rpc.rate-limit": 0,
  "block-time-ms": 200,
  "metrics.enabled": false,
  "metrics.addr": "127.0.0.1",
  "metrics.port": 0,
  "l1.confirmations": 1,
  "batcher.confirmations": 2,
};

describe("integration: a graceful stop flushes the batcher", () => {
  it("after stop every stored block is on L1 and derivation from L1 alone reaches the store's head hash", async () => {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    devL1 = await startDevnetL1({ datadir: dir, genesis });
    const d = devL1.deployment;
    node = await startNode({
      datadir: dir,
      genesis,
      genesisInitOnly: true,
      cfg: CFG,
      beaconUrls: [],
      log: createLogger({ level: "warn", destination: 2 }),
      l1: { client: devL1.client, deployment: d, batcher: devL1.batcher },
    });
    const n = node;
    const chainId = genesis.params.l2ChainId;
    const accounts = Array.from({ length: 20 }, (_, i) => TestAccount.fromSeed(9500 + i, chainId));
    for (const a of accounts) {
      for (const tx of [a.sign({ kind: "register" }), a.sign({ kind: "challenge", tier: TIER_TINY.id })]) {
        expect((await n.sequencer.submit(tx.raw)).ok).toBe(true);
      }
    }
    // One channel landed (the L1 path works), then blocks past it: the tail the stop must flush.
    await waitFor(async () => n.batcher!.lastPosted !== undefined, 30_000, "a first channel on L1");
    const unhanded = () => n.core.head.header.number - n.batcher!.handedThrough;
    await waitFor(async () => unhanded() >= 2n, 10_000, "two blocks in no channel yet");
    const tail = unhanded();
    const stopAt = Date.now();
    const stopped = node.stop();
    await stopped;
    const stopMs = Date.now() - stopAt;
    node = undefined;
    const head = n.core.head;
    const headNumber = head.header.number;
    // The stop had a tail to flush (else this test proves nothing), and did so within its bound.
    expect(tail).toBeGreaterThanOrEqual(2n);
    expect(n.batcher!.handedThrough).toBe(headNumber);
    expect(stopMs).toBeLessThan(Number(genesis.params.maxBatchDelayMs) + 2000);

    const inputs = await readL1Inputs(devL1.client, d);
    const { blocks, drops } = postedBatchBlocks(inputs, genesis.params);
    expect(drops).toEqual([]);
    // Every stored block, once each, in order.
    expect(blocks.map((b) => b.batch.timestamp)).toEqual(
      await Promise.all(
        Array.from({ length: Number(headNumber) }, async (_, k) => {
          const b = await n.backend.getBlockByNumber(BigInt(k + 1));
          return b!.block.header.timestamp;
        }),
      ),
    );

    // Derivation from L1 alone: every block from a batch (none dropped as late, D4), up to the
    // store's head hash.
    const verifier = new L2Node(genesis.params, genesis.timestamp, genesis.alloc);
    const deriver = new Deriver(genesis.params, {
      number: 0n,
      hash: verifier.core.head.hash,
      timestamp: genesis.timestamp,
      origin: inputs[0]!.block,
    });
    let last = { number: 0n, hash: verifier.core.head.hash };
    for (const input of inputs) {
      expect(deriver.addL1Block(input).ok).toBe(true);
      for (;;) {
        const next = deriver.next();
        if (next.kind === "wait") break;
        if (next.attrs.number > headNumber) break;
        expect(next.attrs.source, `block ${next.attrs.number}`).toBe("batch");
        const r = verifier.apply(next.attrs);
        deriver.advance({ number: next.attrs.number, hash: r.built.hash, timestamp: next.attrs.timestamp });
        last = { number: next.attrs.number, hash: r.built.hash };
      }
      if (last.number >= headNumber) break;
    }
    expect(deriver.takeDrops()).toEqual([]);
    expect(last.number).toBe(headNumber);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 90_000);
});
