/**
 * Codec of receipts. The optional domain fields map to proto3 `optional` fields, written iff
 * present (even when zero or empty), so a receipt decodes to exactly the value that was encoded.
 * @module
 */
import { DecodeError } from "../errors.ts";
import type { Receipt, ReceiptStatus } from "../types.ts";
import {
  amountFromPb,
  amountToBytes,
  decodeCanonical,
  EncodeError,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  HASH_BYTES,
  type PbBytes,
  type PbLong,
  stringToPb,
  u64FromPb,
  u64ToPbPresent,
} from "./codec.ts";
import { PB } from "./schema.ts";

// Enum numbers of flops.v1.ReceiptStatus (0 = UNSPECIFIED, never valid).
const STATUS_FROM_PB: readonly (ReceiptStatus | undefined)[] = [undefined, "success", "failed"];

// `optional` fields are present iff they are own properties (absent ones read a prototype default).
interface PbReceipt {
  txHash: PbBytes;
  status: number;
  error: string;
  challengeId: PbLong;
  credits: PbBytes;
}

function receiptToPb(r: Receipt): object {
  const status = r.status === "success" ? 1 : r.status === "failed" ? 2 : undefined;
  if (status === undefined) throw new EncodeError(`Receipt.status: unknown status ${String(r.status)}`);
  return {
    txHash: fixedToPb(r.txHash, HASH_BYTES, "Receipt.tx_hash"),
    status,
    error: r.error === undefined ? undefined : stringToPb(r.error, "Receipt.error"),
    challengeId:
      r.challengeId === undefined ? undefined : u64ToPbPresent(r.challengeId, "Receipt.challenge_id"),
    credits: r.credits === undefined ? undefined : amountToBytes(r.credits, "Receipt.credits"),
  };
}

function receiptFromPb(m: PbReceipt): Receipt {
  const status = STATUS_FROM_PB[m.status];
  if (status === undefined)
    throw new DecodeError(`Receipt.status: invalid value ${m.status}`, { field: "Receipt.status" });
  const r: Receipt = { txHash: fixedFromPb(m.txHash, HASH_BYTES, "Receipt.tx_hash"), status };
  if (Object.hasOwn(m, "error")) r.error = m.error;
  if (Object.hasOwn(m, "challengeId")) r.challengeId = u64FromPb(m.challengeId);
  if (Object.hasOwn(m, "credits")) r.credits = amountFromPb(m.credits, "Receipt.credits");
  return r;
}

export function encodeReceipt(receipt: Receipt): Uint8Array {
  return encodeMessage(PB.Receipt, receiptToPb(receipt));
}

/** Decodes canonical Receipt bytes; throws DecodeError on anything else. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  return decodeCanonical(PB.Receipt, "Receipt", bytes, receiptFromPb, receiptToPb);
}
