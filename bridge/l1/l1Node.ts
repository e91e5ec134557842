/**
 * `L1Node`: the embedded L1's state machine below JSON-RPC: the chain (l1Chain.ts), the tx pool
 * (txPool.ts), the journal (l1Journal.ts), L1 time, snapshots and reorgs. One method per thing a
 * node does: admit a raw tx, mine a block, snapshot/revert, reorg, replay the journal.
 *
 * Not safe for concurrent use: embeddedL1.ts runs every call under one lock.
 * @module
 */
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP, getMinimumGasLimit, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { equalBytes } from "@noble/curves/utils.js";
import { type Hex, keccak256 } from "viem";
import { RollupError } from "../../chain/errors.ts";
import { type L1BlockRecord, L1Chain, type L1ChainOpts } from "./l1Chain.ts";
import type { L1Journal, L1JournalRecord } from "./l1Journal.ts";
import { invalidParams, txRejected } from "./l1RpcError.ts";
import { type PoolTx, TxPool, type TxPoolOpts } from "./txPool.ts";

export interface L1NodeOpts {
  chain: L1ChainOpts;
  /** `safe` is this many blocks behind the head (Anvil: one epoch of slots). */
  safeLag: bigint;
  /** `finalized` is this many blocks behind the head (Anvil: two epochs). */
  finalizedLag: bigint;
  /** Largest raw tx accepted, bytes (geth: 128 KiB). */
  maxTxBytes: number;
  pool: Partial<TxPoolOpts>;
  /** Most snapshots kept; taking one more forgets the oldest. */
  maxSnapshots: number;
  /** Deepest reorg `reorg()` accepts. */
  maxReorgDepth: number;
}

/** A tx to put into a reorg's replacement blocks: raw bytes and the block (0 = first new block). */
export interface ReorgTx {
  raw: Hex;
  block: number;
}

interface Snapshot {
  head: bigint;
  pool: TxPool;
  timeOffset: bigint;
  nextTimestamp: bigint | undefined;
}

/** keccak256 over the options that fix genesis: a journal replays only into the L1 it was written by. */
export function configDigest(opts: L1ChainOpts): Uint8Array {
  const fields = [
    opts.chainId,
    opts.gasLimit,
    opts.genesisBaseFee,
    hexToBytes(opts.coinbase),
    opts.accounts.map((a) => [hexToBytes(a.address), a.balance]),
  ];
  return hexToBytes(keccak256(RLP.encode(fields as Parameters<typeof RLP.encode>[0])));
}

/** The chain id a raw tx was signed for, read before decoding (legacy: from v per EIP-155). */
function rawChainId(raw: Uint8Array): bigint | undefined {
  try {
    if (raw[0]! <= 0x7f) {
      const fields = RLP.decode(raw.subarray(1));
      const id = Array.isArray(fields) ? fields[0] : undefined;
      return id instanceof Uint8Array ? BigInt(bytesToHex(id) === "0x" ? 0 : bytesToHex(id)) : undefined;
    }
    const fields = RLP.decode(raw);
    const v = Array.isArray(fields) ? fields[6] : undefined;
    if (!(v instanceof Uint8Array) || v.length > 32) return undefined;
    const n = v.length === 0 ? 0n : BigInt(bytesToHex(v));
    return n >= 35n ? (n - 35n) / 2n : -1n; // -1: a pre-EIP-155 signature (v = 27/28)
  } catch {
    return undefined;
  }
}

export class L1Node {
  readonly opts: L1NodeOpts;
  readonly chain: L1Chain;
  pool: TxPool;
  private readonly journal: L1Journal | undefined;
  private readonly clockMs: () => number;
  private timeOffset = 0n;
  private nextTimestamp: bigint | undefined;
  private readonly snapshots = new Map<bigint, Snapshot>();
  private nextSnapshotId = 0n;

  private constructor(
    opts: L1NodeOpts,
    chain: L1Chain,
    journal: L1Journal | undefined,
    clockMs: () => number,
  ) {
    this.opts = opts;
    this.chain = chain;
    this.journal = journal;
    this.clockMs = clockMs;
    this.pool = new TxPool(opts.pool);
  }

  /**
   * A node over `journalRecords` (from L1Journal.open; empty for a new L1): the genesis record is
   * written if missing, then every block is rebuilt. Replay is strict: a block that does not come
   * out the same is corruption.
   */
  static async start(
    opts: Omit<L1NodeOpts, "chain"> & { chain: Omit<L1ChainOpts, "genesisTimestamp"> },
    journal: { journal: L1Journal; records: readonly L1JournalRecord[] } | undefined,
    clockMs: () => number,
  ): Promise<L1Node> {
    const records = journal?.records ?? [];
    const first = records[0];
    const digest = configDigest({ ...opts.chain, genesisTimestamp: 0n });
    let genesisTimestamp = BigInt(Math.floor(clockMs() / 1000));
    if (first !== undefined) {
      if (first.kind !== "genesis")
        throw new RollupError("L1_JOURNAL_CORRUPT", "journal does not start with genesis");
      if (!equalBytes(first.configDigest, digest)) {
        throw new RollupError(
          "L1_CONFIG_MISMATCH",
          "the L1 data directory was created with other options (chain id, gas limit, accounts): use the same options or a new datadir",
        );
      }
      genesisTimestamp = first.timestamp;
    }
    const chainOpts: L1ChainOpts = { ...opts.chain, genesisTimestamp };
    const node = new L1Node(
      { ...opts, chain: chainOpts },
      await L1Chain.create(chainOpts),
      journal?.journal,
      clockMs,
    );
    if (first === undefined) {
      await journal?.journal.append({ kind: "genesis", configDigest: digest, timestamp: genesisTimestamp });
    }
    for (const record of records.slice(1)) await node.replay(record);
    return node;
  }

  private async replay(record: L1JournalRecord): Promise<void> {
    if (record.kind === "genesis") throw new RollupError("L1_JOURNAL_CORRUPT", "a second genesis record");
    if (record.kind === "rewind") {
      await this.chain.rewind(record.head);
      return;
    }
    if (record.number !== this.chain.headNumber + 1n) {
      throw new RollupError(
        "L1_JOURNAL_CORRUPT",
        `journal block ${record.number} after head ${this.chain.headNumber}`,
      );
    }
    const txs = record.txs.map((raw) => createTxFromRLP(raw, { common: this.chain.common }));
    await this.chain.mine(txs, { timestamp: record.timestamp, extraData: record.extraData }, true);
  }

  safeNumber(): bigint {
    const n = this.chain.headNumber - this.opts.safeLag;
    return n < 0n ? 0n : n;
  }

  finalizedNumber(): bigint {
    const n = this.chain.headNumber - this.opts.finalizedLag;
    return n < 0n ? 0n : n;
  }

  /** Decodes and checks a raw tx and puts it into the pool; its hash. Throws L1RpcError (geth's texts). */
  async admit(raw: Uint8Array): Promise<Hex> {
    if (raw.length > this.opts.maxTxBytes) {
      throw txRejected(`oversized data: transaction size ${raw.length}, limit ${this.opts.maxTxBytes}`);
    }
    if (raw.length === 0) throw invalidParams("empty transaction");
    const chainId = rawChainId(raw);
    if (chainId === -1n) throw txRejected("only replay-protected (EIP-155) transactions allowed over RPC");
    if (chainId !== undefined && chainId !== this.opts.chain.chainId) {
      throw txRejected(`invalid chain id for signer: have ${chainId} want ${this.opts.chain.chainId}`);
    }
    let tx: TypedTransaction;
    try {
      tx = createTxFromRLP(raw, { common: this.chain.common });
    } catch (e) {
      throw invalidParams(`transaction could not be decoded: ${(e as Error).message}`);
    }
    if (tx.type === 3) throw txRejected("transaction type not supported");
    // A non-canonical encoding would hash differently from the tx it decodes to.
    if (!equalBytes(tx.serialize(), raw)) throw invalidParams("transaction is not canonically encoded");
    let sender: Hex;
    try {
      sender = tx.getSenderAddress().toString() as Hex;
    } catch {
      throw txRejected("invalid sender");
    }
    if (tx.gasLimit > this.opts.chain.gasLimit) throw txRejected("exceeds block gas limit");
    const minimum = getMinimumGasLimit(tx);
    if (tx.gasLimit < minimum) {
      throw txRejected(`intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${minimum}`);
    }
    const isLegacy = tx.type === 0 || tx.type === 1;
    const fee = tx as TypedTransaction & {
      gasPrice?: bigint;
      maxFeePerGas?: bigint;
      maxPriorityFeePerGas?: bigint;
    };
    const maxFeePerGas = isLegacy ? fee.gasPrice! : fee.maxFeePerGas!;
    const maxPriorityFeePerGas = isLegacy ? fee.gasPrice! : fee.maxPriorityFeePerGas!;
    if (maxPriorityFeePerGas > maxFeePerGas) {
      throw txRejected("max priority fee per gas higher than max fee per gas");
    }
    const baseFee = this.chain.nextBaseFee();
    if (maxFeePerGas < baseFee) {
      throw txRejected(
        `max fee per gas less than block base fee: address ${sender}, maxFeePerGas: ${maxFeePerGas}, baseFee: ${baseFee}`,
      );
    }
    const hash = bytesToHex(tx.hash()) as Hex;
    if (this.chain.txByHash(hash) !== undefined) throw txRejected("already known");
    const ptx: PoolTx = { tx, raw, hash, sender, nonce: tx.nonce, maxFeePerGas, maxPriorityFeePerGas };
    const added = this.pool.add(ptx, await this.chain.account(sender));
    if (!added.ok) throw txRejected(added.error);
    return hash;
  }

  /** The timestamp the next block gets: the one set by evm_setNextBlockTimestamp, else L1 time. */
  private nextBlockTimestamp(): bigint {
    const parent = this.chain.head.block.header.timestamp;
    if (this.nextTimestamp !== undefined) return this.nextTimestamp;
    const now = BigInt(Math.floor(this.clockMs() / 1000)) + this.timeOffset;
    return now > parent ? now : parent + 1n;
  }

  /** Mines one block from the pool (at `timestamp` if given) and journals it. */
  async mine(timestamp?: bigint): Promise<L1BlockRecord> {
    if (timestamp !== undefined) this.setNextTimestamp(timestamp);
    const ts = this.nextBlockTimestamp();
    const baseFee = this.chain.nextBaseFee();
    const nonces = new Map<Hex, bigint>();
    for (const sender of this.pool.senders()) nonces.set(sender, (await this.chain.account(sender)).nonce);
    const ordered = this.pool.ordered(nonces, baseFee);
    const { record, rejected } = await this.chain.mine(
      ordered.map((p) => p.tx),
      { timestamp: ts, extraData: new Uint8Array() },
    );
    this.nextTimestamp = undefined;
    await this.journalBlock(record);
    for (const tx of record.txs) this.pool.remove(tx.hash);
    // A tx that failed to apply (e.g. its sender's balance went to an earlier tx) leaves the pool.
    for (const { tx } of rejected) this.pool.remove(bytesToHex(tx.hash()) as Hex);
    return record;
  }

  private async journalBlock(record: L1BlockRecord): Promise<void> {
    if (this.journal === undefined) return;
    try {
      await this.journal.append({
        kind: "block",
        number: record.number,
        timestamp: record.block.header.timestamp,
        extraData: record.block.header.extraData,
        txs: record.txs.map((t) => t.tx.serialize()),
      });
    } catch (e) {
      // Not durable, so not mined: the chain must not run ahead of its journal.
      await this.chain.rewind(record.number - 1n);
      throw e;
    }
  }

  private async rewindTo(head: bigint): Promise<L1BlockRecord[]> {
    if (head >= this.chain.headNumber) return [];
    const dropped = await this.chain.rewind(head);
    await this.journal?.append({ kind: "rewind", head });
    return dropped;
  }

  setNextTimestamp(timestamp: bigint): void {
    const parent = this.chain.head.block.header.timestamp;
    if (timestamp <= parent) {
      throw invalidParams(`timestamp ${timestamp} must be greater than the head's ${parent}`);
    }
    this.nextTimestamp = timestamp;
  }

  /** Moves L1 time forward by `seconds`; the total offset. */
  increaseTime(seconds: bigint): bigint {
    this.timeOffset += seconds;
    return this.timeOffset;
  }

  snapshot(): bigint {
    const id = this.nextSnapshotId++;
    this.snapshots.set(id, {
      head: this.chain.headNumber,
      pool: this.pool.clone(),
      timeOffset: this.timeOffset,
      nextTimestamp: this.nextTimestamp,
    });
    if (this.snapshots.size > this.opts.maxSnapshots) {
      this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return id;
  }

  /** Back to snapshot `id` (blocks, pool, time); it and every later snapshot are used up. False if unknown. */
  async revert(id: bigint): Promise<boolean> {
    const snap = this.snapshots.get(id);
    if (snap === undefined) return false;
    for (const key of [...this.snapshots.keys()]) if (key >= id) this.snapshots.delete(key);
    await this.rewindTo(snap.head);
    this.pool = snap.pool;
    this.timeOffset = snap.timeOffset;
    this.nextTimestamp = snap.nextTimestamp;
    return true;
  }

  /**
   * Replaces the last `depth` blocks with new ones at the same heights and timestamps (new hashes:
   * each new block's extraData is the hash of the block it replaces). Without `txs` the new blocks
   * carry the old blocks' txs; with `txs` (Anvil's anvil_reorg) exactly those, each in its block,
   * and the old txs are gone. Logs of the dropped blocks go with them.
   */
  async reorg(depth: number, txs?: readonly ReorgTx[]): Promise<void> {
    const head = this.chain.headNumber;
    if (
      !Number.isSafeInteger(depth) ||
      depth < 1 ||
      depth > this.opts.maxReorgDepth ||
      BigInt(depth) > head
    ) {
      throw invalidParams(`reorg depth must be 1..${Math.min(this.opts.maxReorgDepth, Number(head))}`);
    }
    const given: TypedTransaction[][] = Array.from({ length: depth }, () => []);
    for (const t of txs ?? []) {
      if (!Number.isSafeInteger(t.block) || t.block < 0 || t.block >= depth) {
        throw invalidParams(`reorg tx block offset must be 0..${depth - 1}`);
      }
      try {
        given[t.block]!.push(createTxFromRLP(hexToBytes(t.raw), { common: this.chain.common }));
      } catch (e) {
        throw invalidParams(`reorg tx could not be decoded: ${(e as Error).message}`);
      }
    }
    const dropped = await this.rewindTo(head - BigInt(depth));
    for (const [i, old] of dropped.entries()) {
      const blockTxs = txs === undefined ? old.txs.map((t) => t.tx) : given[i]!;
      const { record } = await this.chain.mine(blockTxs, {
        timestamp: old.block.header.timestamp,
        extraData: hexToBytes(keccak256(old.block.hash())),
      });
      await this.journalBlock(record);
    }
  }
}
