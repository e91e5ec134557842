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
import { varintSize, writeVarint } from "./varint.ts";

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

/**
 * The block executor hashes every receipt it makes (receipts root), so the usual shape is written
 * by hand: `0a 20 txHash`, `10 status`, then each optional field present. A receipt outside that
 * shape (an unknown status, a wrong size, a non-ASCII or long error, a challenge id past 2^53, an
 * amount out of range) takes protobufjs' path, which encodes it identically or throws the usual
 * EncodeError.
 */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  return encodeReceiptByHand(receipt) ?? encodeMessage(PB.Receipt, receiptToPb(receipt));
}

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const AMOUNT_LIMIT = 1n << 256n;
/** An error string at most this long is one length byte (a one-byte varint). */
const SHORT_STRING = 0x7f;

function encodeReceiptByHand(r: Receipt): Uint8Array | undefined {
  const { txHash, error, challengeId, credits } = r;
  const status = r.status === "success" ? 1 : r.status === "failed" ? 2 : 0;
  if (status === 0 || !(txHash instanceof Uint8Array) || txHash.length !== HASH_BYTES) return undefined;
  let size = 2 + HASH_BYTES + 2;
  if (error !== undefined) {
    if (!isShortAscii(error)) return undefined;
    size += 2 + error.length;
  }
  let id = 0;
  if (challengeId !== undefined) {
    if (typeof challengeId !== "bigint" || challengeId < 0n || challengeId > SAFE_MAX) return undefined;
    id = Number(challengeId);
    size += 1 + varintSize(id);
  }
  let amount: Uint8Array | undefined;
  if (credits !== undefined) {
    if (typeof credits !== "bigint" || credits < 0n || credits >= AMOUNT_LIMIT) return undefined;
    amount = amountToBytes(credits, "Receipt.credits");
    size += 2 + amount.length;
  }
  const out = new Uint8Array(size);
  out[0] = 0x0a; // field 1, length-delimited
  out[1] = HASH_BYTES;
  out.set(txHash, 2);
  let pos = 2 + HASH_BYTES;
  out[pos++] = 0x10; // field 2, varint
  out[pos++] = status;
  if (error !== undefined) {
    out[pos++] = 0x1a; // field 3, length-delimited
    out[pos++] = error.length;
    for (let i = 0; i < error.length; i++) out[pos++] = error.charCodeAt(i);
  }
  if (challengeId !== undefined) {
    out[pos++] = 0x20; // field 4, varint
    pos = writeVarint(out, pos, id);
  }
  if (amount !== undefined) {
    out[pos++] = 0x2a; // field 5, length-delimited
    out[pos++] = amount.length;
    out.set(amount, pos);
  }
  return out;
}

/** A string whose UTF-8 is itself, one byte per char, with a one-byte length. */
function isShortAscii(s: unknown): s is string {
  if (typeof s !== "string" || s.length > SHORT_STRING) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Decodes canonical Receipt bytes; throws DecodeError on anything else. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  return decodeCanonical(PB.Receipt, "Receipt", bytes, receiptFromPb, receiptToPb);
}
