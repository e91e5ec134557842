/**
 * Codec of batch blocks: one L2 block as a batch carries it to L1 (PROTOCOL §5 "Batches"). Only
 * what a verifier cannot recompute travels: the parent hash, the timestamp, the L1 origin's number
 * and hash, the beacon rounds and the sequencer's signed txs. Signed txs stay raw bytes here, so
 * derivation can decode each one and replace only this block (not the batch) when one is malformed.
 * @module
 */
import type { Hash32, SystemTx } from "../types.ts";
import {
  BEACON_SIGNATURE_BYTES,
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
} from "./codec.ts";
import { PB } from "./schema.ts";

/** A beacon system tx (the only system tx a batch carries). */
export type BeaconTx = Extract<SystemTx, { kind: "beacon" }>;

/** One L2 block as posted in a batch. */
export interface BatchBlock {
  parentHash: Hash32;
  /** ms */
  timestamp: bigint;
  l1OriginNumber: bigint;
  l1OriginHash: Hash32;
  beacons: BeaconTx[];
  /** Raw `Tx` bytes, in block order, not yet decoded. */
  txs: Uint8Array[];
}

interface PbBatchBlock {
  parentHash: PbBytes;
  timestamp: PbLong;
  l1OriginNumber: PbLong;
  l1OriginHash: PbBytes;
  beacons: Array<{ round: PbLong; signature: PbBytes }>;
  txs: PbBytes[];
}

function batchBlockToPb(b: BatchBlock): object {
  const beacons = new Array<object>(b.beacons.length);
  for (let i = 0; i < b.beacons.length; i++) {
    const r = b.beacons[i]!;
    if (r.kind !== "beacon") throw new EncodeError(`BatchBlock.beacons[${i}]: not a beacon round`);
    beacons[i] = {
      round: u64ToPb(r.round, `BatchBlock.beacons[${i}].round`),
      signature: fixedToPb(r.signature, BEACON_SIGNATURE_BYTES, `BatchBlock.beacons[${i}].signature`),
    };
  }
  for (let i = 0; i < b.txs.length; i++) {
    if (!(b.txs[i] instanceof Uint8Array)) throw new EncodeError(`BatchBlock.txs[${i}]: expected bytes`);
  }
  return {
    parentHash: fixedToPb(b.parentHash, HASH_BYTES, "BatchBlock.parent_hash"),
    timestamp: u64ToPb(b.timestamp, "BatchBlock.timestamp"),
    l1OriginNumber: u64ToPb(b.l1OriginNumber, "BatchBlock.l1_origin_number"),
    l1OriginHash: fixedToPb(b.l1OriginHash, HASH_BYTES, "BatchBlock.l1_origin_hash"),
    beacons,
    txs: b.txs,
  };
}

function batchBlockFromPb(m: PbBatchBlock): BatchBlock {
  return {
    parentHash: fixedFromPb(m.parentHash, HASH_BYTES, "BatchBlock.parent_hash"),
    timestamp: u64FromPb(m.timestamp),
    l1OriginNumber: u64FromPb(m.l1OriginNumber),
    l1OriginHash: fixedFromPb(m.l1OriginHash, HASH_BYTES, "BatchBlock.l1_origin_hash"),
    beacons: m.beacons.map((r, i) => ({
      kind: "beacon" as const,
      round: u64FromPb(r.round),
      signature: fixedFromPb(r.signature, BEACON_SIGNATURE_BYTES, `BatchBlock.beacons[${i}].signature`),
    })),
    // Absent repeated fields decode to protobufjs' shared frozen []; map makes a fresh array.
    txs: m.txs.map((t) => (t.length === 0 ? new Uint8Array(0) : (t as Uint8Array))),
  };
}

export function encodeBatchBlock(b: BatchBlock): Uint8Array {
  return encodeMessage(PB.BatchBlock, batchBlockToPb(b));
}

/** Decodes canonical BatchBlock bytes (txs stay raw views into `bytes`); throws DecodeError otherwise. */
export function decodeBatchBlock(bytes: Uint8Array): BatchBlock {
  return decodeCanonical(PB.BatchBlock, "BatchBlock", bytes, batchBlockFromPb, batchBlockToPb);
}
