/**
 * The sequencer rewinds, at start, the blocks a crash left off L1 for longer than maxBatchDelayMs
 * (sequencer/rewind.ts; PROTOCOL §5 D4): the devnet in process (the embedded L1, the sequencer
 * following it with its batcher) builds blocks with txs and is stopped WITHOUT a flush (flushMs
 * 0: what a SIGKILL leaves, or a stop while L1 took nothing), with txs in blocks no channel holds.
 * The L1 goes on past maxBatchDelayMs, then the node restarts on the same datadir: those blocks
 * are taken back, their txs are included again in new blocks, and derivation from L1 data alone
 * reproduces the new head hash with no default block (the chain did not fork).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { deriveFromL1, readL1Inputs, startSequencerOnL1 } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-seq-rewind-"));
let node: FlopsNode | undefined;
let devL1: DevnetL1 | undefined;

afterAll(async () => {
  await node?.stop();
  await devL1?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sequencer with its batcher on the devnet's L1; `flushMs` 0: its stop leaves blocks off L1. */
function start(genesis: GenesisDoc, l1: DevnetL1, flushMs: number | undefined, logs: string[]) {
  // The first run's channels wait 2 s (half of maxBatchDelayMs): room to stop with txs in none.
  return startSequencerOnL1({
    dir,
    genesis,
    l1,
    logs,
    ...(flushMs === undefined ? {} : { batcher: { flushMs, maxDelayMs: 2000 } }),
  });
}

describe("integration: the sequencer rewinds blocks a crash left off L1", () => {
  it("rewinds them at restart, includes their txs again, and derivation from L1 reproduces the head", async () => {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    devL1 = await startDevnetL1({ datadir: dir, genesis });
    const l1 = devL1;
    const logs: string[] = [];
    node = await start(genesis, l1, 0, logs);
    const n1 = node;
    const chainId = genesis.params.l2ChainId;
    await waitFor(async () => n1.batcher!.lastPosted !== undefined, 30_000, "a first channel on L1");

    // Txs in blocks no channel holds yet: sent just after a channel closed (the next one closes
    // once its first block is 2 s old).
    const h0 = n1.batcher!.handedThrough;
    await waitFor(async () => n1.batcher!.handedThrough > h0, 10_000, "a channel handed over");
    const accounts = Array.from({ length: 6 }, (_, i) => TestAccount.fromSeed(9700 + i, chainId));
    const txs = accounts.map((a) => a.sign({ kind: "register" }));
    for (const tx of txs) expect((await n1.sequencer.submit(tx.raw)).ok).toBe(true);
    await waitFor(async () => n1.sequencer.mempool.size === 0, 10_000, "the txs in blocks");
    const oldAt = new Map<string, { number: bigint; hash: string }>();
    for (const tx of txs) {
      const t = await n1.backend.getTransaction(tx.hash);
      if (t?.kind !== "signed" || t.location === null) throw new Error("a tx is not in a block");
      oldAt.set(bytesToHex(tx.hash), {
        number: t.location.blockNumber,
        hash: bytesToHex(t.location.blockHash),
      });
    }
    await node.stop();
    node = undefined;
    const handed = n1.batcher!.handedThrough;
    const oldHead = n1.core.head;
    let firstTxBlock = oldHead.header.number;
    for (const l of oldAt.values()) if (l.number < firstTxBlock) firstTxBlock = l.number;
    // Else this run proves nothing: the txs' blocks must be in no channel at the stop.
    expect(firstTxBlock).toBeGreaterThan(handed);

    // L1 time passes the unposted blocks' times + maxBatchDelayMs (the head's: the latest of them).
    const deadline = oldHead.header.timestamp + genesis.params.maxBatchDelayMs;
    await waitFor(
      async () => (await l1.client.getBlock()).timestamp * 1000n > deadline,
      30_000,
      "L1 time past the unposted blocks' deadline",
    );

    node = await start(genesis, l1, undefined, logs);
    const n2 = node;
    const rewound = logs
      .map((l) => JSON.parse(l))
      .filter((l) => String(l.msg).startsWith("sequencer: rewound"));
    expect(rewound).toHaveLength(1);
    expect(BigInt(rewound[0].from)).toBeGreaterThan(handed - 1n);
    expect(BigInt(rewound[0].from)).toBeLessThanOrEqual(firstTxBlock);
    expect(rewound[0].to).toBe(String(oldHead.header.number));
    expect(rewound[0].txs).toBeGreaterThanOrEqual(txs.length);
    expect(rewound[0].readmitted).toBe(rewound[0].txs);

    // Every tx is included again, in a new block; then everything goes to L1 (a graceful stop flushes).
    await waitFor(
      async () => {
        for (const tx of txs) {
          const t = await n2.backend.getTransaction(tx.hash);
          if (t?.kind !== "signed" || t.location === null) return false;
        }
        return true;
      },
      20_000,
      "the rewound txs included again",
    );
    for (const tx of txs) {
      const t = await n2.backend.getTransaction(tx.hash);
      const loc = (t as { location: { blockHash: Uint8Array } }).location;
      expect(bytesToHex(loc.blockHash)).not.toBe(oldAt.get(bytesToHex(tx.hash))!.hash);
    }
    await waitFor(
      async () => n2.core.head.header.number > oldHead.header.number,
      20_000,
      "past the old head",
    );
    await node.stop();
    node = undefined;
    const head = n2.core.head;

    // Derivation from L1 alone: every block from a batch (none a default block: no fork), up to
    // the new head's hash. The dropped channel's frames the L1 still mined are dropped (D4).
    const inputs = await readL1Inputs(l1.client, l1.deployment);
    const { last } = deriveFromL1(genesis, inputs, (attrs) => {
      expect(attrs.source, `block ${attrs.number}`).toBe("batch");
      return attrs.number >= head.header.number ? "stop" : undefined;
    });
    expect(last.number).toBe(head.header.number);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 120_000);
});
