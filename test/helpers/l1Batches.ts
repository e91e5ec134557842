/**
 * The devnet in process and what its batcher posted: {@link startInProcessDevnet} brings up the
 * embedded L1 with the contracts deployed (node/devnet.ts) and the sequencer following it with
 * its batcher (startNode), {@link submitLoad} gives it txs; {@link readL1Inputs} reads every L1
 * block of the deployment through bridge/'s L1 reader (successful postBatch calls from the
 * batcher, Portal events), {@link postedBatchBlocks} decodes the batch blocks their channels carry
 * exactly as derivation does (frames → channel bank → channel → batch blocks), each with the L1
 * block that completed its channel, and {@link deriveFromL1} re-executes them from L1 data alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { PublicClient } from "viem";
import type { L1Deployment } from "../../bridge/deployment.ts";
import { L1Source } from "../../bridge/derivation/l1Source.ts";
import type { BlockAttributes, L1BlockInput } from "../../chain/derive/attributes.ts";
import { decodeChannel } from "../../chain/derive/channel.ts";
import { type BankDrop, ChannelBank } from "../../chain/derive/channelBank.ts";
import { Deriver } from "../../chain/derive/deriver.ts";
import type { ExecutedAttributes } from "../../chain/derive/executeAttributes.ts";
import { parseBatcherData } from "../../chain/derive/frame.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { type ChainParams, TIER_TINY } from "../../chain/params.ts";
import { type BatchBlock, decodeBatchBlock } from "../../chain/wire/index.ts";
import { beaconFor, type RunNodeInput, startNode } from "../../node/commands/node.ts";
import { createNode, type FlopsNode } from "../../node/createNode.ts";
import { devBeaconKeys } from "../../node/devBeaconKey.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { createLogger } from "../../node/logger.ts";
import type { SequencerL1Opts } from "../../node/sequencerL1.ts";
import { L2Node } from "./deriveHarness.ts";
import { TestAccount } from "./testChain.ts";

/** `flops node`'s config for these tests: 200 ms blocks, a free port, shallow L1 confirmations. */
export const DEVNET_TEST_CFG = {
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

export interface InProcessDevnet {
  /** The devnet's datadir (the L1's blocks, l1-deployment.json, the sequencer's chain). */
  dir: string;
  genesis: GenesisDoc;
  devL1: DevnetL1;
  /** The sequencer, with its batcher posting to `devL1` (no output proposer). */
  node: FlopsNode;
  /** Stops the node (again: a no-op) and the L1, and removes the datadir. */
  close(): Promise<void>;
}

/** The devnet in process on a fresh temp datadir; `l1Port` also serves its L1 over HTTP (0: any port). */
export async function startInProcessDevnet(o: {
  prefix: string;
  l1Port?: number;
  /** Overrides of {@link DEVNET_TEST_CFG}. */
  cfg?: Partial<RunNodeInput["cfg"]>;
  /** Overrides of the devnet genesis params (validated at the node's start). */
  params?: Partial<ChainParams>;
  /** Credits in the genesis (the devnet's has none). */
  alloc?: GenesisDoc["alloc"];
}): Promise<InProcessDevnet> {
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const dev = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
  const genesis = { ...dev, params: { ...dev.params, ...o.params }, ...(o.alloc ? { alloc: o.alloc } : {}) };
  let devL1: DevnetL1 | undefined;
  try {
    devL1 = await startDevnetL1({
      datadir: dir,
      genesis,
      ...(o.l1Port === undefined ? {} : { port: o.l1Port }),
    });
    const l1 = devL1;
    const node = await startNode({
      datadir: dir,
      genesis,
      genesisInitOnly: true,
      cfg: { ...DEVNET_TEST_CFG, ...o.cfg },
      beaconUrls: [],
      log: createLogger({ level: "warn", destination: 2 }),
      l1: { client: l1.client, deployment: l1.deployment, batcher: l1.batcher },
    });
    return {
      dir,
      genesis,
      devL1: l1,
      node,
      async close() {
        await node.stop();
        await l1.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await devL1?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The sequencer (createNode, 200 ms blocks) with its batcher on a devnet L1 started by the test,
 * its warn lines collected as JSON strings in `logs`: for tests that restart it on one datadir or
 * hand it their own L1 client (`client`, default the devnet's). `batcher` overrides the batcher's
 * options (600 kB channels, landed at 2 confirmations).
 */
export function startSequencerOnL1(o: {
  dir: string;
  genesis: GenesisDoc;
  l1: DevnetL1;
  logs: string[];
  client?: PublicClient;
  batcher?: Partial<NonNullable<SequencerL1Opts["batcher"]>>;
  /** A censoring sequencer: it leaves forced txs out (derivation puts them in). */
  censorForcedTxs?: boolean;
}): Promise<FlopsNode> {
  const sink = new PassThrough();
  sink.on("data", (d: Buffer) => o.logs.push(d.toString()));
  const now = () => BigInt(Date.now());
  return createNode(
    {
      datadir: o.dir,
      genesis: o.genesis,
      genesisInitOnly: true,
      rpc: { addr: "127.0.0.1", port: 0 },
      blockTimeMs: 200,
      l1: {
        deployment: o.l1.deployment,
        confirmations: 1,
        batcher: { account: o.l1.batcher, targetBytes: 600_000, numConfirmations: 2, ...o.batcher },
        ...(o.censorForcedTxs === true ? { censorForcedTxs: true } : {}),
      },
    },
    {
      logger: createLogger({ level: "warn", destination: sink, format: "json" }),
      l1Client: o.client ?? o.l1.client,
      beacon: (g) => beaconFor(g, [], now, { keys: () => devBeaconKeys(o.dir) }),
      now,
    },
  );
}

/**
 * A tx load: `count` fresh accounts (seeds `seed`, `seed + 1`, …) each register and open a tiny
 * challenge; every tx must be admitted.
 */
export async function submitLoad(
  node: FlopsNode,
  chainId: bigint,
  seed: number,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const a = TestAccount.fromSeed(seed + i, chainId);
    for (const tx of [a.sign({ kind: "register" }), a.sign({ kind: "challenge", tier: TIER_TINY.id })]) {
      const r = await node.sequencer.submit(tx.raw);
      if (!r.ok) throw new Error(`tx of account ${seed + i} refused: ${r.code} ${r.message}`);
    }
  }
}

/**
 * Derivation from L1 data alone (a Deriver over an in-memory chain from `genesis`), fed `inputs`
 * in order: `visit` sees each derived block once built; returning "stop" ends the walk. Returns the
 * last block derived and what the deriver dropped.
 */
export function deriveFromL1(
  genesis: GenesisDoc,
  inputs: readonly L1BlockInput[],
  visit: (attrs: BlockAttributes, r: ExecutedAttributes) => "stop" | undefined,
): { last: { number: bigint; hash: Uint8Array }; drops: ReturnType<Deriver["takeDrops"]> } {
  const verifier = new L2Node(genesis.params, genesis.timestamp, genesis.alloc);
  const deriver = new Deriver(genesis.params, {
    number: 0n,
    hash: verifier.core.head.hash,
    timestamp: genesis.timestamp,
    origin: inputs[0]!.block,
  });
  let last = { number: 0n, hash: verifier.core.head.hash };
  walk: for (const input of inputs) {
    const added = deriver.addL1Block(input);
    if (!added.ok) throw new Error(`L1 block ${input.block.number} refused by the deriver`);
    for (;;) {
      const next = deriver.next();
      if (next.kind === "wait") break;
      const r = verifier.apply(next.attrs);
      deriver.advance({ number: next.attrs.number, hash: r.built.hash, timestamp: next.attrs.timestamp });
      last = { number: next.attrs.number, hash: r.built.hash };
      if (visit(next.attrs, r) === "stop") break walk;
    }
  }
  return { last, drops: deriver.takeDrops() };
}

/** L1 blocks from the deployment's block to L1's latest, as derivation's inputs. */
export async function readL1Inputs(client: PublicClient, d: L1Deployment): Promise<L1BlockInput[]> {
  const source = new L1Source({ batchInbox: d.contracts.BatchInbox, portal: d.contracts.Portal }, { client });
  const latest = await source.blockRef("latest");
  const out: L1BlockInput[] = [];
  for (let n = BigInt(d.deployBlock) - 1n; latest !== undefined && n <= latest.number; n++)
    out.push((await source.fetch(n)).input);
  return out;
}

export interface PostedBatchBlock {
  /** The L1 block whose frame completed the channel. */
  l1Block: bigint;
  /** 0x-hex channel id. */
  channelId: string;
  batch: BatchBlock;
}

/** Every batch block the inputs' channels carry, in L1 order; malformed data fails the test. */
export function postedBatchBlocks(
  inputs: readonly L1BlockInput[],
  params: Pick<ChainParams, "channelTimeout" | "maxChannelBytes">,
): { blocks: PostedBatchBlock[]; drops: BankDrop[]; frames: number; bytes: number } {
  const bank = new ChannelBank({
    channelTimeout: params.channelTimeout,
    maxChannelBytes: params.maxChannelBytes,
  });
  const blocks: PostedBatchBlock[] = [];
  const drops: BankDrop[] = [];
  let frames = 0;
  let bytes = 0;
  for (const input of inputs) {
    bank.startBlock(input.block.number, drops);
    for (const data of input.batcherData) {
      bytes += data.length;
      const parsed = parseBatcherData(data);
      if (!parsed.ok)
        throw new Error(`L1 block ${input.block.number}: batcher data dropped: ${parsed.error}`);
      for (const f of parsed.value) {
        frames++;
        const done = bank.addFrame(f, input.block.number, drops);
        if (done === undefined) continue;
        const entries = decodeChannel(done.data, params.maxChannelBytes);
        if (!entries.ok) throw new Error(`channel ${done.id} dropped: ${entries.error}`);
        for (const e of entries.value)
          blocks.push({ l1Block: input.block.number, channelId: done.id, batch: decodeBatchBlock(e) });
      }
    }
  }
  return { blocks, drops, frames, bytes };
}
