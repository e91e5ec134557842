/**
 * L2 blocks in the shape of Ethereum's eth_getBlockBy* results, so generic clients (viem's
 * `getBlock`, explorers) parse them without custom formatters.
 *
 * Mapping: number, hash, parentHash, stateRoot and receiptsRoot as they are; transactionsRoot =
 * header.txRoot; timestamp in SECONDS (L2 headers count milliseconds: floor(ms / 1000), so blocks
 * within one second share a timestamp; the exact value is in `timestampMs`); no gas, no PoW and no
 * uncles, so gasLimit/gasUsed/baseFeePerGas/difficulty are "0x0", nonce is 8 zero bytes, sha3Uncles
 * is keccak256(rlp([])), logsBloom is 256 zero bytes. Extra flops fields (ignored by viem, which
 * keeps unknown keys): timestampMs, withdrawalsRoot (the L2→L1 withdrawals tree, as the OP Stack
 * uses that header field), l1Origin.
 *
 * Transactions (fullTx): system txs first, then signed txs, as in the block. Ethereum fields that
 * have no meaning here are zero (to null, value/gas/gasPrice "0x0"); `input` is the raw tx
 * (signed) or "0x" (system); r/s/v come from the 65-byte r‖s‖v signature; `flops` holds the
 * decoded action as flops_getTransaction shows it. System txs have `from` = the zero address.
 * @module
 */
import type { Hex } from "../../chain/bytes.ts";
import type { Action, Address } from "../../chain/types.ts";
import { hex, quantity } from "../../rpc/json.ts";
import { formatAction, formatSystemTx } from "../../rpc/results.ts";
import type { StoredBlock } from "../ports.ts";
import { RawJson } from "./format.ts";
import { SizedJson } from "./responseBudget.ts";

export const ZERO_ADDRESS: Hex = `0x${"00".repeat(20)}`;
const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;
const ZERO_NONCE: Hex = "0x0000000000000000";
/** keccak256(rlp([])): the uncle hash of every block without uncles. */
export const EMPTY_UNCLES_HASH: Hex = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
const EMPTY_BLOOM: Hex = `0x${"00".repeat(256)}`;

/** The header fields (what newHeads notifications carry). `size` and txs are block-only. */
function ethHeader(stored: StoredBlock, miner: Hex) {
  const h = stored.block.header;
  return {
    number: quantity(h.number),
    hash: hex(stored.hash),
    parentHash: hex(h.parentHash),
    nonce: ZERO_NONCE,
    mixHash: ZERO_HASH,
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: EMPTY_BLOOM,
    transactionsRoot: hex(h.txRoot),
    stateRoot: hex(h.stateRoot),
    receiptsRoot: hex(h.receiptsRoot),
    miner,
    difficulty: "0x0",
    extraData: "0x",
    gasLimit: "0x0",
    gasUsed: "0x0",
    baseFeePerGas: "0x0",
    timestamp: quantity(h.timestamp / 1000n),
    timestampMs: quantity(h.timestamp),
    withdrawalsRoot: hex(h.withdrawalsRoot),
    l1Origin: {
      number: quantity(h.l1Origin.number),
      hash: hex(h.l1Origin.hash),
      timestamp: quantity(h.l1Origin.timestamp),
    },
  };
}

function ethTransactions(stored: StoredBlock, blockHash: Hex, blockNumber: Hex) {
  const { systemTxs, txs } = stored.block;
  const out: object[] = [];
  let index = 0;
  for (const stx of systemTxs) {
    const receipt = stored.receipts[index];
    if (receipt === undefined) throw new Error(`ethBlock: block ${blockNumber} lacks receipt ${index}`);
    out.push({
      blockHash,
      blockNumber,
      transactionIndex: quantity(index),
      hash: hex(receipt.txHash),
      from: ZERO_ADDRESS,
      to: null,
      nonce: "0x0",
      value: "0x0",
      gas: "0x0",
      gasPrice: "0x0",
      input: "0x",
      flops: formatSystemTx(stx),
    });
    index++;
  }
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!;
    const from: Address | undefined = stored.senders[i];
    if (from === undefined) throw new Error(`ethBlock: block ${blockNumber} lacks sender ${i}`);
    const sig = tx.signature;
    out.push({
      blockHash,
      blockNumber,
      transactionIndex: quantity(index),
      hash: hex(tx.hash),
      from: hex(from),
      to: null,
      nonce: quantity(tx.body.nonce),
      value: "0x0",
      gas: "0x0",
      gasPrice: "0x0",
      input: hex(tx.raw),
      chainId: quantity(tx.body.chainId),
      r: hex(sig.subarray(0, 32)),
      s: hex(sig.subarray(32, 64)),
      v: quantity(sig[64] ?? 0),
      yParity: quantity(sig[64] ?? 0),
      flops: formatAction(tx.body.action),
    });
    index++;
  }
  return out;
}

/** Every tx hash in block order (system txs first), from the receipts. */
function txHashes(stored: StoredBlock): Hex[] {
  const out = new Array<Hex>(stored.receipts.length);
  for (let i = 0; i < out.length; i++) out[i] = hex(stored.receipts[i]!.txHash);
  return out;
}

/** The whole Ethereum-shaped block as an object (tests, and the cache below). */
export function ethBlock(stored: StoredBlock, fullTx: boolean, miner: Hex) {
  const header = ethHeader(stored, miner);
  return {
    ...header,
    size: quantity(stored.size),
    uncles: [],
    transactions: fullTx ? ethTransactions(stored, header.hash, header.number) : txHashes(stored),
  };
}

/** Upper bound of the header's JSON (and of `size`, `uncles`, the `transactions` key). */
const HEADER_CHARS = 2048;
/** Upper bound of a tx's JSON besides its variable-size bytes (keys, hashes, quantities). */
const TX_FIXED_CHARS = 1024;
/** A tx hash in a hashes-only list: `"0x" + 64 hex` and a comma. */
const TX_HASH_CHARS = 68;

/**
 * An upper bound of `JSON.stringify(ethBlock(stored, fullTx)).length`, computed from the stored
 * sizes without formatting anything: a signed tx's bytes appear twice in hex (`input` = the raw
 * tx, and its decoded action in `flops`), 4 characters per stored byte; everything else is fixed.
 */
export function estimateEthBlockChars(stored: StoredBlock, fullTx: boolean): number {
  const count = stored.receipts.length;
  if (!fullTx) return HEADER_CHARS + TX_HASH_CHARS * count;
  let chars = HEADER_CHARS + TX_FIXED_CHARS * count;
  for (const tx of stored.block.txs)
    chars += 2 * tx.raw.length + 2 * actionBytes(tx.body.action, tx.raw.length);
  return chars;
}

const UINT256_END = 1n << 256n;

/** Bytes of an action's variable-size fields (fixed-size ones are in TX_FIXED_CHARS). */
function actionBytes(a: Action, rawLength: number): number {
  switch (a.kind) {
    case "reveal":
      return a.tiles.length + a.proof.length;
    case "transfer":
    case "withdraw":
      // Up to 32 bytes fit the fixed part; a larger amount came inside the raw tx.
      return a.amount < UINT256_END ? 0 : rawLength;
    default:
      return 0;
  }
}

export interface EthBlockCacheOpts {
  /** The `miner` of every block: the sequencer's address, or undefined for the zero address. */
  miner?: Address | undefined;
  /** Characters of JSON kept in all, least recently used dropped first. Default 64 MiB. */
  maxBytes?: number;
  /** JSON longer than this is served but not kept. Default maxBytes / 2. */
  maxEntryBytes?: number;
}

export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Formats blocks and keeps the JSON of recent ones, bounded by bytes (not entries: one fullTx
 * block can be 30 MiB of JSON, a hashes-only one 2 KiB). Keyed by block hash, whose content never
 * changes, so a reorg cannot serve stale data; clients polling "latest" hit the cache, and a large
 * block asked for many times (a batch of the same call) is formatted once.
 */
export class EthBlockCache {
  readonly miner: Hex;
  private readonly entries = new Map<string, RawJson>();
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private bytes = 0;

  constructor(opts: EthBlockCacheOpts = {}) {
    this.miner = opts.miner === undefined ? ZERO_ADDRESS : hex(opts.miner);
    this.maxBytes = opts.maxBytes ?? DEFAULT_BLOCK_CACHE_BYTES;
    this.maxEntryBytes = opts.maxEntryBytes ?? Math.floor(this.maxBytes / 2);
  }

  /** The block as a sized answer: the dispatcher checks its size before it is formatted. */
  answer(stored: StoredBlock, fullTx: boolean): EthBlockAnswer {
    return new EthBlockAnswer(this, stored, fullTx, fullTx ? `f${hex(stored.hash)}` : hex(stored.hash));
  }

  /** The block's JSON, formatted now unless cached. */
  json(stored: StoredBlock, fullTx: boolean): RawJson {
    return this.jsonFor(stored, fullTx, fullTx ? `f${hex(stored.hash)}` : hex(stored.hash));
  }

  /** Length of the cached JSON under `key`, without touching the LRU order. */
  cachedLength(key: string): number | undefined {
    return this.entries.get(key)?.json.length;
  }

  /** Characters held (tests, metrics). */
  get size(): number {
    return this.bytes;
  }

  /** @internal */
  jsonFor(stored: StoredBlock, fullTx: boolean, key: string): RawJson {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Re-insert: Map order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const raw = new RawJson(JSON.stringify(ethBlock(stored, fullTx, this.miner)));
    const length = raw.json.length;
    if (length <= this.maxEntryBytes) {
      this.entries.set(key, raw);
      this.bytes += length;
      for (const [oldKey, old] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(oldKey);
        this.bytes -= old.json.length;
      }
    }
    return raw;
  }

  /** JSON of the header fields, for newHeads notifications (formatted once per head). */
  headerJson(stored: StoredBlock): string {
    return JSON.stringify(ethHeader(stored, this.miner));
  }
}

/** eth_getBlockBy* result: sized from the cache or the stored sizes, formatted only if it fits. */
export class EthBlockAnswer extends SizedJson {
  constructor(
    private readonly cache: EthBlockCache,
    private readonly stored: StoredBlock,
    private readonly fullTx: boolean,
    private readonly key: string,
  ) {
    super();
  }

  hint(): string {
    return this.fullTx
      ? "ask for the block without full transactions and read them with flops_getTransaction"
      : "ask for fewer blocks per batch";
  }

  estimate(): number {
    return this.cache.cachedLength(this.key) ?? estimateEthBlockChars(this.stored, this.fullTx);
  }

  render(): string {
    return this.cache.jsonFor(this.stored, this.fullTx, this.key).json;
  }
}
