/**
 * Codecs of block headers and blocks. The block hash is keccak256 of the canonical header bytes;
 * a block carries its signed txs as their exact raw bytes.
 * @module
 */
import { DecodeError } from "../errors.ts";
import { keccak256 } from "../hash.ts";
import type { Block, BlockHeader, Hash32, SignedTx } from "../types.ts";
import {
  decodeCanonical,
  EncodeError,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  HASH_BYTES,
  type PbBytes,
  type PbLong,
  u64FromPb,
  u64ToPb,
  withContext,
} from "./codec.ts";
import { PB } from "./schema.ts";
import { decodeSignedTx } from "./signedTx.ts";
import { type PbSystemTx, systemTxFromPb, systemTxToPb } from "./systemTx.ts";

interface PbBlockHeader {
  number: PbLong;
  parentHash: PbBytes;
  timestamp: PbLong;
  l1Origin: { number: PbLong; hash: PbBytes; timestamp: PbLong } | null;
  stateRoot: PbBytes;
  withdrawalsRoot: PbBytes;
  txRoot: PbBytes;
  receiptsRoot: PbBytes;
}

interface PbBlock {
  header: PbBlockHeader | null;
  systemTxs: PbSystemTx[];
  txs: PbBytes[];
}

function headerToPb(h: BlockHeader): object {
  const o = h.l1Origin;
  if (o === undefined || o === null) throw new EncodeError("BlockHeader.l1_origin: missing");
  return {
    number: u64ToPb(h.number, "BlockHeader.number"),
    parentHash: fixedToPb(h.parentHash, HASH_BYTES, "BlockHeader.parent_hash"),
    timestamp: u64ToPb(h.timestamp, "BlockHeader.timestamp"),
    l1Origin: {
      number: u64ToPb(o.number, "L1Origin.number"),
      hash: fixedToPb(o.hash, HASH_BYTES, "L1Origin.hash"),
      timestamp: u64ToPb(o.timestamp, "L1Origin.timestamp"),
    },
    stateRoot: fixedToPb(h.stateRoot, HASH_BYTES, "BlockHeader.state_root"),
    withdrawalsRoot: fixedToPb(h.withdrawalsRoot, HASH_BYTES, "BlockHeader.withdrawals_root"),
    txRoot: fixedToPb(h.txRoot, HASH_BYTES, "BlockHeader.tx_root"),
    receiptsRoot: fixedToPb(h.receiptsRoot, HASH_BYTES, "BlockHeader.receipts_root"),
  };
}

function headerFromPb(m: PbBlockHeader): BlockHeader {
  const o = m.l1Origin;
  if (o === null) throw new DecodeError("BlockHeader.l1_origin: missing", { field: "BlockHeader.l1_origin" });
  return {
    number: u64FromPb(m.number),
    parentHash: fixedFromPb(m.parentHash, HASH_BYTES, "BlockHeader.parent_hash"),
    timestamp: u64FromPb(m.timestamp),
    l1Origin: {
      number: u64FromPb(o.number),
      hash: fixedFromPb(o.hash, HASH_BYTES, "L1Origin.hash"),
      timestamp: u64FromPb(o.timestamp),
    },
    stateRoot: fixedFromPb(m.stateRoot, HASH_BYTES, "BlockHeader.state_root"),
    withdrawalsRoot: fixedFromPb(m.withdrawalsRoot, HASH_BYTES, "BlockHeader.withdrawals_root"),
    txRoot: fixedFromPb(m.txRoot, HASH_BYTES, "BlockHeader.tx_root"),
    receiptsRoot: fixedFromPb(m.receiptsRoot, HASH_BYTES, "BlockHeader.receipts_root"),
  };
}

export function encodeBlockHeader(header: BlockHeader): Uint8Array {
  return encodeMessage(PB.BlockHeader, headerToPb(header));
}

/** Decodes canonical BlockHeader bytes; throws DecodeError on anything else. */
export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  return decodeCanonical(PB.BlockHeader, "BlockHeader", bytes, headerFromPb, headerToPb);
}

/** The block hash: keccak256 of the canonical header bytes. */
export function blockHash(header: BlockHeader): Hash32 {
  return keccak256(encodeBlockHeader(header));
}

function blockToPb(b: Block): object {
  const systemTxs = new Array<object>(b.systemTxs.length);
  for (let i = 0; i < b.systemTxs.length; i++) {
    systemTxs[i] = withContext(`Block.system_txs[${i}]`, () => systemTxToPb(b.systemTxs[i]!));
  }
  const txs = new Array<Uint8Array>(b.txs.length);
  for (let i = 0; i < b.txs.length; i++) {
    const raw = b.txs[i]!.raw;
    // An empty entry would not decode back; the raw bytes are otherwise trusted as they are.
    if (!(raw instanceof Uint8Array) || raw.length === 0)
      throw new EncodeError(`Block.txs[${i}]: missing raw bytes`);
    txs[i] = raw;
  }
  return { header: withContext("Block.header", () => headerToPb(b.header)), systemTxs, txs };
}

function blockFromPb(m: PbBlock): Block {
  if (m.header === null) throw new DecodeError("Block.header: missing", { field: "Block.header" });
  const header = withContext("Block.header", () => headerFromPb(m.header!));
  const systemTxs = m.systemTxs.map((s, i) => withContext(`Block.system_txs[${i}]`, () => systemTxFromPb(s)));
  const txs = new Array<SignedTx>(m.txs.length);
  for (let i = 0; i < m.txs.length; i++) {
    const raw = m.txs[i]!;
    // An empty entry would decode as []: say so instead of failing inside the Tx decoder.
    if (raw.length === 0) throw new DecodeError(`Block.txs[${i}]: empty`, { field: "Block.txs", index: i });
    txs[i] = withContext(`Block.txs[${i}]`, () => decodeSignedTx(raw as Uint8Array));
  }
  return { header, systemTxs, txs };
}

/** Encodes a block; each signed tx is written as its exact `raw` bytes. */
export function encodeBlock(block: Block): Uint8Array {
  return encodeMessage(PB.Block, blockToPb(block));
}

/**
 * Decodes canonical Block bytes, every tx included (as SignedTx, signatures not checked). Any
 * malformed or non-canonical part makes the whole block a DecodeError (PROTOCOL §5: such a block is
 * invalid). Bytes fields are views into `bytes`.
 */
export function decodeBlock(bytes: Uint8Array): Block {
  return decodeCanonical(PB.Block, "Block", bytes, blockFromPb, blockToPb);
}
