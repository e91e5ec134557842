/**
 * Codec of system transactions (beacon, deposit, revoke): unsigned, made only by block building
 * or derivation. Their id is keccak256 of the canonical encoding.
 * @module
 */
import { DecodeError } from "../errors.ts";
import { keccak256 } from "../hash.ts";
import type { Hash32, SystemTx } from "../types.ts";
import {
  ADDRESS_BYTES,
  amountFromPb,
  amountToPb,
  BEACON_SIGNATURE_BYTES,
  decodeCanonical,
  EncodeError,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  type PbBytes,
  type PbLong,
  u64FromPb,
  u64ToPb,
} from "./codec.ts";
import { PB } from "./schema.ts";

/** Decoded protobufjs SystemTx (exported for the Block codec, which nests it). */
export interface PbSystemTx {
  kind?: string;
  beacon: { round: PbLong; signature: PbBytes } | null;
  deposit: { depositId: PbLong; to: PbBytes; amount: PbBytes; l1BlockNumber: PbLong } | null;
  revoke: { challengeId: PbLong; l1BlockNumber: PbLong } | null;
}

/** The plain object protobufjs encodes for `tx`. */
export function systemTxToPb(tx: SystemTx): object {
  const m: Record<string, unknown> = { beacon: undefined, deposit: undefined, revoke: undefined };
  switch (tx.kind) {
    case "beacon":
      m.beacon = {
        round: u64ToPb(tx.round, "Beacon.round"),
        signature: fixedToPb(tx.signature, BEACON_SIGNATURE_BYTES, "Beacon.signature"),
      };
      break;
    case "deposit":
      m.deposit = {
        depositId: u64ToPb(tx.depositId, "Deposit.deposit_id"),
        to: fixedToPb(tx.to, ADDRESS_BYTES, "Deposit.to"),
        amount: amountToPb(tx.amount, "Deposit.amount"),
        l1BlockNumber: u64ToPb(tx.l1BlockNumber, "Deposit.l1_block_number"),
      };
      break;
    case "revoke":
      m.revoke = {
        challengeId: u64ToPb(tx.challengeId, "Revoke.challenge_id"),
        l1BlockNumber: u64ToPb(tx.l1BlockNumber, "Revoke.l1_block_number"),
      };
      break;
    default:
      throw new EncodeError(`SystemTx: unknown kind ${(tx as { kind: unknown }).kind}`);
  }
  return m;
}

/** Converts a decoded protobufjs SystemTx, checking every field. */
export function systemTxFromPb(m: PbSystemTx): SystemTx {
  switch (m.kind) {
    case "beacon": {
      const b = m.beacon!;
      return {
        kind: "beacon",
        round: u64FromPb(b.round),
        signature: fixedFromPb(b.signature, BEACON_SIGNATURE_BYTES, "Beacon.signature"),
      };
    }
    case "deposit": {
      const d = m.deposit!;
      return {
        kind: "deposit",
        depositId: u64FromPb(d.depositId),
        to: fixedFromPb(d.to, ADDRESS_BYTES, "Deposit.to"),
        amount: amountFromPb(d.amount, "Deposit.amount"),
        l1BlockNumber: u64FromPb(d.l1BlockNumber),
      };
    }
    case "revoke": {
      const r = m.revoke!;
      return {
        kind: "revoke",
        challengeId: u64FromPb(r.challengeId),
        l1BlockNumber: u64FromPb(r.l1BlockNumber),
      };
    }
    default:
      throw new DecodeError("SystemTx: no kind set", { type: "SystemTx" });
  }
}

export function encodeSystemTx(tx: SystemTx): Uint8Array {
  return encodeMessage(PB.SystemTx, systemTxToPb(tx));
}

/** Decodes canonical SystemTx bytes; throws DecodeError on anything else. */
export function decodeSystemTx(bytes: Uint8Array): SystemTx {
  return decodeCanonical(PB.SystemTx, "SystemTx", bytes, systemTxFromPb, systemTxToPb);
}

/** The id of a system tx: keccak256 of its canonical encoding. */
export function systemTxHash(tx: SystemTx): Hash32 {
  return keccak256(encodeSystemTx(tx));
}
