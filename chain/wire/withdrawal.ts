/**
 * Codec of the withdrawal state record (a leaf of the withdrawals tree is computed from the
 * domain value by its owner, not from these bytes).
 * @module
 */
import type { Withdrawal } from "../types.ts";
import {
  ADDRESS_BYTES,
  amountFromPb,
  amountToPb,
  decodeCanonical,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  type PbBytes,
  type PbLong,
  u64FromPb,
  u64ToPb,
} from "./codec.ts";
import { PB } from "./schema.ts";

interface PbWithdrawal {
  index: PbLong;
  from: PbBytes;
  to: PbBytes;
  amount: PbBytes;
  l2BlockNumber: PbLong;
}

function withdrawalToPb(w: Withdrawal): object {
  return {
    index: u64ToPb(w.index, "Withdrawal.index"),
    from: fixedToPb(w.from, ADDRESS_BYTES, "Withdrawal.from"),
    to: fixedToPb(w.to, ADDRESS_BYTES, "Withdrawal.to"),
    amount: amountToPb(w.amount, "Withdrawal.amount"),
    l2BlockNumber: u64ToPb(w.l2BlockNumber, "Withdrawal.l2_block_number"),
  };
}

function withdrawalFromPb(m: PbWithdrawal): Withdrawal {
  return {
    index: u64FromPb(m.index),
    from: fixedFromPb(m.from, ADDRESS_BYTES, "Withdrawal.from"),
    to: fixedFromPb(m.to, ADDRESS_BYTES, "Withdrawal.to"),
    amount: amountFromPb(m.amount, "Withdrawal.amount"),
    l2BlockNumber: u64FromPb(m.l2BlockNumber),
  };
}

export function encodeWithdrawal(withdrawal: Withdrawal): Uint8Array {
  return encodeMessage(PB.Withdrawal, withdrawalToPb(withdrawal));
}

/** Decodes canonical Withdrawal bytes; throws DecodeError on anything else. */
export function decodeWithdrawal(bytes: Uint8Array): Withdrawal {
  return decodeCanonical(PB.Withdrawal, "Withdrawal", bytes, withdrawalFromPb, withdrawalToPb);
}
