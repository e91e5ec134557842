/**
 * Derivation in memory, for chain/derive tests: a simulated L1 (headers, batcher data, Portal
 * events), a sequencer that builds L2 blocks from an L1 origin (through the same
 * executeAttributes the verifier uses) and posts them as channels, and a verifier (a Deriver and
 * its own ChainCore) that re-derives them from the L1 blocks alone.
 */
import { createLocalBeacon, deriveBeaconSecretKey } from "../../chain/beacon/index.ts";
import { concatBytes, u64ToBytes } from "../../chain/bytes.ts";
import { ChainCore, type Head } from "../../chain/chainCore.ts";
import type {
  BlockAttributes,
  L1BlockInput,
  L1BlockRef,
  PortalEvent,
} from "../../chain/derive/attributes.ts";
import { epochInputs } from "../../chain/derive/attributes.ts";
import { batchBlockOf } from "../../chain/derive/batchBlockOf.ts";
import type { SafeHead } from "../../chain/derive/batchRules.ts";
import { channelIdOf, encodeChannel, splitChannel } from "../../chain/derive/channel.ts";
import { Deriver } from "../../chain/derive/deriver.ts";
import { type ExecutedAttributes, executeAttributes } from "../../chain/derive/executeAttributes.ts";
import { DEFAULT_MAX_FRAME_BYTES, encodeBatcherData } from "../../chain/derive/frame.ts";
import { keccak256 } from "../../chain/hash.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { type ChainParams, defaultParams, TIER_TINY } from "../../chain/params.ts";
import type { Address, Block } from "../../chain/types.ts";
import type { BatchBlock } from "../../chain/wire/index.ts";

export const L1_START = 100n;
export const L1_T0 = 1_700_000_000n;

/** A linear L1: block n has time L1_T0 + (n − L1_START)·dt unless told otherwise. */
export class L1Sim {
  readonly blocks: L1BlockInput[] = [];
  constructor(private readonly salt = 0) {
    this.blocks.push({
      block: this.header(L1_START, new Uint8Array(32), L1_T0),
      batcherData: [],
      events: [],
    });
  }

  private header(number: bigint, parentHash: Uint8Array, timestamp: bigint): L1BlockRef {
    const hash = keccak256(
      concatBytes(u64ToBytes(number), u64ToBytes(BigInt(this.salt)), u64ToBytes(timestamp)),
    );
    return { number, hash, parentHash, timestamp };
  }

  get tip(): L1BlockRef {
    return this.blocks[this.blocks.length - 1]!.block;
  }

  ref(n: bigint): L1BlockRef {
    const b = this.blocks.find((x) => x.block.number === n);
    if (!b) throw new Error(`no L1 block ${n}`);
    return b.block;
  }

  input(n: bigint): L1BlockInput {
    return this.blocks.find((x) => x.block.number === n)!;
  }

  mine(opts: { batcherData?: Uint8Array[]; events?: PortalEvent[]; dtSec?: bigint } = {}): L1BlockInput {
    const tip = this.tip;
    const input = {
      block: this.header(tip.number + 1n, tip.hash, tip.timestamp + (opts.dtSec ?? 1n)),
      batcherData: opts.batcherData ?? [],
      events: opts.events ?? [],
    };
    this.blocks.push(input);
    return input;
  }
}

export function testParams(overrides: Partial<ChainParams> = {}): ChainParams {
  const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-derive"), {
    genesisTime: L1_T0 - 10n,
    periodSeconds: 1n,
  });
  return defaultParams(beacon.config, { tiers: [TIER_TINY], ...overrides });
}

/** One side's chain: a ChainCore over its own MemoryKv from the shared genesis. */
export class L2Node {
  readonly kv = new MemoryKv();
  readonly core: ChainCore;
  constructor(params: ChainParams, genesisMs: bigint, alloc: Array<{ address: Address; credits: bigint }>) {
    const { head, ops } = ChainCore.genesis(this.kv, { timestamp: genesisMs, alloc });
    this.kv.apply(ops);
    this.core = new ChainCore(params, this.kv, head);
  }

  /** Executes attributes, persists and advances. */
  apply(attrs: BlockAttributes): ExecutedAttributes {
    const r = executeAttributes(this.core, attrs);
    this.kv.apply(r.built.ops);
    const head: Head = { header: r.built.block.header, hash: r.built.hash };
    this.core.advance(head);
    return r;
  }
}

export interface Sequenced {
  block: Block;
  hash: Uint8Array;
  batch: BatchBlock;
}

/** An honest sequencer: builds each block from its origin's events (first block) and its txs. */
export class SeqSim {
  readonly node: L2Node;
  origin: L1BlockRef;
  constructor(
    readonly params: ChainParams,
    genesisMs: bigint,
    alloc: Array<{ address: Address; credits: bigint }>,
    startOrigin: L1BlockRef,
    private readonly l1: L1Sim,
  ) {
    this.node = new L2Node(params, genesisMs, alloc);
    this.origin = startOrigin;
  }

  /** Builds the next block at `t` with origin `originNumber` and the given raw signed txs. */
  build(
    t: bigint,
    originNumber: bigint,
    txs: Uint8Array[] = [],
    opts: { ignoreForced?: boolean } = {},
  ): Sequenced {
    const origin = this.l1.ref(originNumber);
    const head = this.node.core.head;
    const epoch =
      originNumber === this.origin.number
        ? { l1SystemTxs: [], forcedTxs: [] }
        : epochInputs({ block: origin, events: this.l1.input(originNumber).events });
    const attrs: BlockAttributes = {
      number: head.header.number + 1n,
      parentHash: head.hash,
      timestamp: t,
      l1Origin: { number: origin.number, hash: origin.hash, timestamp: origin.timestamp },
      l1SystemTxs: epoch.l1SystemTxs,
      forcedTxs: opts.ignoreForced ? [] : epoch.forcedTxs,
      beacons: [],
      txs,
      source: "batch",
      derivedFrom: 0n,
    };
    const r = this.node.apply(attrs);
    if (r.replaced) throw new Error(`sequencer built an invalid block: ${r.replaced}`);
    this.origin = origin;
    const forcedCount = attrs.forcedTxs.length - r.skippedForced.length;
    return { block: r.built.block, hash: r.built.hash, batch: batchBlockOf(r.built.block, forcedCount) };
  }
}

/** One batcher tx's data per channel: the blocks as one channel, split into frames. */
export function postBlocks(
  blocks: readonly Sequenced[],
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): Uint8Array[] {
  const id = channelIdOf(blocks[0]!.hash, blocks[blocks.length - 1]!.hash);
  const frames = splitChannel(id, encodeChannel(blocks.map((b) => b.batch)), maxFrameBytes);
  return frames.map((f) => encodeBatcherData([f]));
}

/** A verifier: a Deriver over its own chain, fed every L1 block of `l1` it has not seen. */
export class Verifier {
  readonly node: L2Node;
  readonly deriver: Deriver;
  readonly derived: ExecutedAttributes[] = [];
  readonly attrs: BlockAttributes[] = [];
  private fed = 0;
  constructor(
    params: ChainParams,
    genesisMs: bigint,
    alloc: Array<{ address: Address; credits: bigint }>,
    startOrigin: L1BlockRef,
  ) {
    this.node = new L2Node(params, genesisMs, alloc);
    const g = this.node.core.head;
    const safe: SafeHead = { number: 0n, hash: g.hash, timestamp: g.header.timestamp, origin: startOrigin };
    this.deriver = new Deriver(params, safe);
  }

  /** Feeds every new L1 block and derives all it decides. */
  sync(l1: L1Sim): void {
    while (this.fed < l1.blocks.length) {
      const r = this.deriver.addL1Block(l1.blocks[this.fed]!);
      if (!r.ok) throw new Error(`L1 link: ${r.error}`);
      this.fed++;
      this.drain();
    }
  }

  drain(): void {
    for (;;) {
      const step = this.deriver.next();
      if (step.kind === "wait") return;
      const r = this.node.apply(step.attrs);
      this.attrs.push(step.attrs);
      this.derived.push(r);
      this.deriver.advance({
        number: step.attrs.number,
        hash: r.built.hash,
        timestamp: step.attrs.timestamp,
      });
    }
  }
}
