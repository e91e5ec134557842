/**
 * The running sequencer rewinds blocks whose batch misses maxBatchDelayMs (sequencer/lateWatch.ts;
 * PROTOCOL §5 D4): the devnet in process (the embedded L1, the sequencer following it with its
 * batcher), with the batcher's L1 sends held back (a congested L1 RPC: `eth_sendRawTransaction`
 * waits at a gate) while txs go into blocks. Their channels cannot land before their deadline:
 * the node pauses, takes those blocks back and builds new ones; the gate opens (the old frames
 * land, late: derivation drops them). Derivation from L1 data alone then reproduces the node's
 * head hash with no default block: the chain did not fork. Without the watch the node keeps the
 * late blocks, derivation drops them and every later batch, and the hashes differ.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, custom, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { deriveFromL1, readL1Inputs, startSequencerOnL1 } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-late-batch-"));
let node: FlopsNode | undefined;
let devL1: DevnetL1 | undefined;
let open: () => void = () => {};

afterAll(async () => {
  open();
  await node?.stop();
  await devL1?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The devnet's L1 client, with a gate on tx broadcasts (`hold`/`open`). */
function gatedClient(l1: DevnetL1): { client: PublicClient; hold(): void; open(): void } {
  let gate: Promise<void> | undefined;
  let release = () => {};
  const transport = custom(
    {
      async request(args: { method: string; params?: unknown }) {
        if (args.method === "eth_sendRawTransaction") while (gate) await gate;
        return l1.l1.request(args as Parameters<DevnetL1["l1"]["request"]>[0]);
      },
    },
    { retryCount: 0 },
  );
  return {
    client: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient,
    hold() {
      gate ??= new Promise((r) => {
        release = () => {
          gate = undefined;
          r();
        };
      });
    },
    open: () => release(),
  };
}

describe("integration: the running sequencer rewinds blocks whose batch lands late", () => {
  it("rewinds once, includes the txs again, and derivation from L1 reproduces the head", async () => {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    devL1 = await startDevnetL1({ datadir: dir, genesis });
    const l1 = devL1;
    const gated = gatedClient(l1);
    open = gated.open;
    const logs: string[] = [];
    node = await startSequencerOnL1({ dir, genesis, l1, logs, client: gated.client });
    const n = node;
    const rewinds = () =>
      logs.map((l) => JSON.parse(l)).filter((l) => String(l.msg).startsWith("sequencer: rewound"));
    await waitFor(async () => n.batcher!.lastPosted !== undefined, 30_000, "a first channel on L1");

    // Congestion: no batcher tx reaches L1 while txs go into blocks.
    gated.hold();
    const chainId = genesis.params.l2ChainId;
    const txs = Array.from({ length: 6 }, (_, i) => TestAccount.fromSeed(9800 + i, chainId)).map((a) =>
      a.sign({ kind: "register" }),
    );
    for (const tx of txs) expect((await n.sequencer.submit(tx.raw)).ok).toBe(true);
    await waitFor(async () => n.sequencer.mempool.size === 0, 10_000, "the txs in blocks");
    const oldAt = new Map<string, string>();
    for (const tx of txs) {
      const t = await n.backend.getTransaction(tx.hash);
      if (t?.kind !== "signed" || t.location === null) throw new Error("a tx is not in a block");
      oldAt.set(bytesToHex(tx.hash), bytesToHex(t.location.blockHash));
    }

    // L1 time passes their blocks' deadlines with nothing landed: the node rewinds them.
    await waitFor(async () => rewinds().length > 0, 20_000, "a rewind while running");
    gated.open();
    const r = rewinds()[0];
    expect(r.readmitted).toBe(r.txs);
    expect(r.txs).toBeGreaterThanOrEqual(txs.length);
    const oldHead = BigInt(r.to);

    // The txs again, in new blocks; then past the old head, and everything on L1 (a graceful stop flushes).
    await waitFor(
      async () => {
        for (const tx of txs) {
          const t = await n.backend.getTransaction(tx.hash);
          if (t?.kind !== "signed" || t.location === null) return false;
          if (bytesToHex(t.location.blockHash) === oldAt.get(bytesToHex(tx.hash))) return false;
        }
        return true;
      },
      20_000,
      "the rewound txs included again",
    );
    await waitFor(async () => n.core.head.header.number > oldHead + 10n, 20_000, "past the old head");
    await n.stop();
    node = undefined;
    const head = n.core.head;
    expect(rewinds()).toHaveLength(1);
    expect(await n.metrics.render()).toMatch(/^flops_sequencer_rewinds_total 1$/m);

    // Derivation from L1 alone: every block from a batch (none a default block: no fork), up to
    // the head's hash. The held frames, mined late, are dropped (D4).
    const inputs = await readL1Inputs(l1.client, l1.deployment);
    const { last } = deriveFromL1(genesis, inputs, (attrs) => {
      expect(attrs.source, `block ${attrs.number}`).toBe("batch");
      return attrs.number >= head.header.number ? "stop" : undefined;
    });
    expect(last.number).toBe(head.header.number);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 120_000);
});
