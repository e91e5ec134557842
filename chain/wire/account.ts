/**
 * Codec of the account state record (nonce, credits). Runs once or twice per transaction.
 * @module
 */
import type { Account } from "../types.ts";
import {
  amountFromPb,
  amountToPb,
  decodeCanonical,
  encodeMessage,
  type PbBytes,
  type PbLong,
  u64FromPb,
  u64ToPb,
} from "./codec.ts";
import { PB } from "./schema.ts";

interface PbAccount {
  nonce: PbLong;
  credits: PbBytes;
}

function accountToPb(a: Account): object {
  return { nonce: u64ToPb(a.nonce, "Account.nonce"), credits: amountToPb(a.credits, "Account.credits") };
}

function accountFromPb(m: PbAccount): Account {
  return { nonce: u64FromPb(m.nonce), credits: amountFromPb(m.credits, "Account.credits") };
}

/** The empty account encodes to zero bytes. */
export function encodeAccount(account: Account): Uint8Array {
  return encodeMessage(PB.Account, accountToPb(account));
}

/** Decodes canonical Account bytes; throws DecodeError on anything else. */
export function decodeAccount(bytes: Uint8Array): Account {
  return decodeCanonical(PB.Account, "Account", bytes, accountFromPb, accountToPb);
}
