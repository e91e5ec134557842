/**
 * Codec of the account state record (nonce, credits). Runs once or twice per transaction, so the
 * canonical shape is read and written by hand: `08 nonce` (absent when 0), then `12 len credits`
 * (absent when 0; 1..32 bytes, no leading zero). Bytes of any other shape, and values a number
 * cannot hold, go through protobufjs and `decodeCanonical` as every other message does, which
 * gives the same value or the same error: the hand path only accepts bytes that are exactly the
 * encoding of what it returns.
 * @module
 */
import type { Account } from "../types.ts";
import {
  AMOUNT_MAX_BYTES,
  amountFromPb,
  amountToBytes,
  amountToPb,
  decodeCanonical,
  encodeMessage,
  type PbBytes,
  type PbLong,
  u64FromPb,
  u64ToPb,
  uintFromBytes,
} from "./codec.ts";
import { PB } from "./schema.ts";
import { readVarint, varintSize, writeVarint } from "./varint.ts";

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

const NONCE_TAG = 0x08; // field 1, varint
const CREDITS_TAG = 0x12; // field 2, length-delimited
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The empty account encodes to zero bytes. */
export function encodeAccount(account: Account): Uint8Array {
  const { nonce, credits } = account;
  if (typeof nonce !== "bigint" || nonce < 0n || nonce > SAFE_MAX || typeof credits !== "bigint")
    return encodeMessage(PB.Account, accountToPb(account));
  const amount = amountToBytes(credits, "Account.credits");
  const n = Number(nonce);
  const size = (n === 0 ? 0 : 1 + varintSize(n)) + (amount.length === 0 ? 0 : 2 + amount.length);
  const out = new Uint8Array(size);
  let pos = 0;
  if (n !== 0) {
    out[pos++] = NONCE_TAG;
    pos = writeVarint(out, pos, n);
  }
  if (amount.length !== 0) {
    out[pos++] = CREDITS_TAG;
    out[pos++] = amount.length;
    out.set(amount, pos);
  }
  return out;
}

const cursor = { pos: 0 };

/** Decodes canonical Account bytes; throws DecodeError on anything else. */
export function decodeAccount(bytes: Uint8Array): Account {
  return (bytes instanceof Uint8Array && decodeCanonicalShape(bytes)) || decodeAccountPb(bytes);
}

/** The account when `bytes` has exactly the canonical shape, else undefined. */
function decodeCanonicalShape(bytes: Uint8Array): Account | undefined {
  const end = bytes.length;
  let pos = 0;
  let nonce = 0;
  if (pos < end && bytes[pos] === NONCE_TAG) {
    nonce = readVarint(bytes, pos + 1, end, cursor);
    if (nonce <= 0) return undefined; // not minimal, too long for a number, or an explicit 0
    pos = cursor.pos;
  }
  let credits = 0n;
  if (pos < end && bytes[pos] === CREDITS_TAG) {
    const len = bytes[pos + 1] ?? 0;
    // len ≤ 32 is a one-byte varint; the amount must fill the rest exactly, with no leading zero.
    if (len === 0 || len > AMOUNT_MAX_BYTES || pos + 2 + len !== end || bytes[pos + 2] === 0)
      return undefined;
    credits = uintFromBytes(bytes, pos + 2, end);
    pos = end;
  }
  return pos === end ? { nonce: BigInt(nonce), credits } : undefined;
}

function decodeAccountPb(bytes: Uint8Array): Account {
  return decodeCanonical(PB.Account, "Account", bytes, accountFromPb, accountToPb);
}
