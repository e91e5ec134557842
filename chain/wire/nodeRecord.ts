/**
 * Codec of the node state record. Runs per challenge/commit/reveal transaction. Work and credit
 * totals are amounts (minimal big-endian bytes): they are unbounded sums and pass 2^64 on
 * production tiers.
 *
 * The canonical shape is read and written by hand (as account.ts and challenge.ts do): fields in
 * number order, each written only when not its default, minimal varints, amounts of 1..32 bytes
 * with no leading zero. A value a number cannot hold, an invalid field, or bytes of any other
 * shape take protobufjs' path and `decodeCanonical`, which give the same bytes, value or error:
 * the hand decoder only accepts bytes that are exactly the encoding of what it returns.
 * @module
 */
import type { NodeRecord } from "../types.ts";
import {
  AMOUNT_MAX_BYTES,
  amountFromPb,
  amountToBytes,
  amountToPb,
  decodeCanonical,
  encodeMessage,
  type PbBytes,
  type PbLong,
  s64FromPb,
  s64ToPb,
  u32ToPb,
  u64FromPb,
  u64ToPb,
  uintFromBytes,
} from "./codec.ts";
import { PB } from "./schema.ts";
import { readVarint, writeVarint } from "./varint.ts";

interface PbNodeRecord {
  registeredAt: PbLong;
  streak: number;
  lastLiveEpoch: PbLong;
  currentEpoch: PbLong;
  epochWork: PbBytes;
  epochFailed: boolean;
  openChallenges: number;
  passed: number;
  failed: number;
  expired: number;
  cancelled: number;
  totalWork: PbBytes;
  totalCredits: PbBytes;
  lastThroughput: PbBytes;
}

function nodeRecordToPb(n: NodeRecord): object {
  return {
    registeredAt: u64ToPb(n.registeredAt, "NodeRecord.registered_at"),
    streak: u32ToPb(n.streak, "NodeRecord.streak"),
    lastLiveEpoch: s64ToPb(n.lastLiveEpoch, "NodeRecord.last_live_epoch"),
    currentEpoch: u64ToPb(n.currentEpoch, "NodeRecord.current_epoch"),
    epochWork: amountToPb(n.epochWork, "NodeRecord.epoch_work"),
    epochFailed: n.epochFailed === true ? true : undefined,
    openChallenges: u32ToPb(n.openChallenges, "NodeRecord.open_challenges"),
    passed: u32ToPb(n.passed, "NodeRecord.passed"),
    failed: u32ToPb(n.failed, "NodeRecord.failed"),
    expired: u32ToPb(n.expired, "NodeRecord.expired"),
    cancelled: u32ToPb(n.cancelled, "NodeRecord.cancelled"),
    totalWork: amountToPb(n.totalWork, "NodeRecord.total_work"),
    totalCredits: amountToPb(n.totalCredits, "NodeRecord.total_credits"),
    lastThroughput: amountToPb(n.lastThroughput, "NodeRecord.last_throughput"),
  };
}

function nodeRecordFromPb(m: PbNodeRecord): NodeRecord {
  return {
    registeredAt: u64FromPb(m.registeredAt),
    streak: m.streak,
    lastLiveEpoch: s64FromPb(m.lastLiveEpoch),
    currentEpoch: u64FromPb(m.currentEpoch),
    epochWork: amountFromPb(m.epochWork, "NodeRecord.epoch_work"),
    epochFailed: m.epochFailed,
    openChallenges: m.openChallenges,
    passed: m.passed,
    failed: m.failed,
    expired: m.expired,
    cancelled: m.cancelled,
    totalWork: amountFromPb(m.totalWork, "NodeRecord.total_work"),
    totalCredits: amountFromPb(m.totalCredits, "NodeRecord.total_credits"),
    lastThroughput: amountFromPb(m.lastThroughput, "NodeRecord.last_throughput"),
  };
}

export function encodeNodeRecord(node: NodeRecord): Uint8Array {
  return encodeByHand(node) ?? encodeNodeRecordPb(node);
}

/** Decodes canonical NodeRecord bytes; throws DecodeError on anything else. */
export function decodeNodeRecord(bytes: Uint8Array): NodeRecord {
  return (bytes instanceof Uint8Array && decodeByHand(bytes)) || decodeNodeRecordPb(bytes);
}

/** encodeNodeRecord through protobufjs: the definition the hand encoder follows (and its tests). */
export function encodeNodeRecordPb(node: NodeRecord): Uint8Array {
  return encodeMessage(PB.NodeRecord, nodeRecordToPb(node));
}

/** decodeNodeRecord through protobufjs and decodeCanonical (the definition; every unusual input). */
export function decodeNodeRecordPb(bytes: Uint8Array): NodeRecord {
  return decodeCanonical(PB.NodeRecord, "NodeRecord", bytes, nodeRecordFromPb, nodeRecordToPb);
}

// --- by hand ------------------------------------------------------------------------------------

/** Field tags, field number << 3 | wire type (0 varint, 2 length-delimited). */
const TAG = {
  registeredAt: 0x08,
  streak: 0x10,
  lastLiveEpoch: 0x18,
  currentEpoch: 0x20,
  epochWork: 0x2a,
  epochFailed: 0x30,
  openChallenges: 0x38,
  passed: 0x40,
  failed: 0x48,
  expired: 0x50,
  cancelled: 0x58,
  totalWork: 0x62,
  totalCredits: 0x6a,
  lastThroughput: 0x72,
} as const;

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** |lastLiveEpoch| bound of the hand path: its zigzag form (2|v| or 2|v| - 1) stays a safe integer. */
const ZIGZAG_MAX = BigInt(2 ** 52);
const AMOUNT_LIMIT = 1n << 256n;
/** Larger than any record the hand encoder writes (~190 bytes with every field at its largest). */
const scratch = new Uint8Array(256);

const isSafeU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= SAFE_MAX;
const isU32 = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const isAmount = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v < AMOUNT_LIMIT;

function encodeByHand(n: NodeRecord): Uint8Array | undefined {
  if (
    !isSafeU64(n.registeredAt) ||
    !isU32(n.streak) ||
    !(typeof n.lastLiveEpoch === "bigint" && n.lastLiveEpoch > -ZIGZAG_MAX && n.lastLiveEpoch < ZIGZAG_MAX) ||
    !isSafeU64(n.currentEpoch) ||
    !isAmount(n.epochWork) ||
    !isU32(n.openChallenges) ||
    !isU32(n.passed) ||
    !isU32(n.failed) ||
    !isU32(n.expired) ||
    !isU32(n.cancelled) ||
    !isAmount(n.totalWork) ||
    !isAmount(n.totalCredits) ||
    !isAmount(n.lastThroughput)
  )
    return undefined;
  const b = scratch;
  let p = varintOut(b, 0, TAG.registeredAt, Number(n.registeredAt));
  p = varintOut(b, p, TAG.streak, n.streak);
  const live = Number(n.lastLiveEpoch);
  p = varintOut(b, p, TAG.lastLiveEpoch, live < 0 ? -2 * live - 1 : 2 * live);
  p = varintOut(b, p, TAG.currentEpoch, Number(n.currentEpoch));
  p = amountOut(b, p, TAG.epochWork, n.epochWork);
  // protobufjs' path writes the flag for `true` only (nodeRecordToPb).
  if (n.epochFailed === true) {
    b[p++] = TAG.epochFailed;
    b[p++] = 1;
  }
  p = varintOut(b, p, TAG.openChallenges, n.openChallenges);
  p = varintOut(b, p, TAG.passed, n.passed);
  p = varintOut(b, p, TAG.failed, n.failed);
  p = varintOut(b, p, TAG.expired, n.expired);
  p = varintOut(b, p, TAG.cancelled, n.cancelled);
  p = amountOut(b, p, TAG.totalWork, n.totalWork);
  p = amountOut(b, p, TAG.totalCredits, n.totalCredits);
  p = amountOut(b, p, TAG.lastThroughput, n.lastThroughput);
  // Not slice(): in Node 20 it costs several times a fresh array and a set.
  const out = new Uint8Array(p);
  out.set(b.subarray(0, p));
  return out;
}

/** A varint field (a safe integer), written when non-zero. */
function varintOut(b: Uint8Array, p: number, tag: number, v: number): number {
  if (v === 0) return p;
  b[p] = tag;
  return writeVarint(b, p + 1, v);
}

/** An amount field (below 2^256: one length byte), written when non-zero. */
function amountOut(b: Uint8Array, p: number, tag: number, v: bigint): number {
  if (v === 0n) return p;
  const amount = amountToBytes(v, "NodeRecord");
  b[p] = tag;
  b[p + 1] = amount.length;
  b.set(amount, p + 2);
  return p + 2 + amount.length;
}

/** The read position of decodeByHand (one decode at a time: decoding is synchronous). */
const cur = { pos: 0 };
const BAD = -1;

/**
 * The varint field with this tag at the cursor: its value (cursor moved past it), 0 when absent,
 * BAD when not minimal, too long for the hand path, or an explicit zero (not canonical).
 */
function varintField(b: Uint8Array, tag: number): number {
  const p = cur.pos;
  if (b[p] !== tag) return 0;
  const v = readVarint(b, p + 1, b.length, cur);
  return v <= 0 ? BAD : v;
}

/** A u32 field: as varintField, and BAD above 2^32 - 1. */
function u32Field(b: Uint8Array, tag: number): number {
  const v = varintField(b, tag);
  return v > 0xffffffff ? BAD : v;
}

/** The amount field with this tag at the cursor: its value, 0n when absent, null when not canonical. */
function amountField(b: Uint8Array, tag: number): bigint | null {
  const p = cur.pos;
  if (b[p] !== tag) return 0n;
  const len = b[p + 1];
  const start = p + 2;
  // 1..32 bytes (a one-byte length), no leading zero, within the input.
  if (len === undefined || len === 0 || len > AMOUNT_MAX_BYTES || start + len > b.length || b[start] === 0)
    return null;
  cur.pos = start + len;
  return uintFromBytes(b, start, start + len);
}

/** The record when `b` has exactly the canonical shape (safe-integer values), else undefined. */
function decodeByHand(b: Uint8Array): NodeRecord | undefined {
  cur.pos = 0;
  const registeredAt = varintField(b, TAG.registeredAt);
  const streak = u32Field(b, TAG.streak);
  const zigzag = varintField(b, TAG.lastLiveEpoch);
  const currentEpoch = varintField(b, TAG.currentEpoch);
  const epochWork = amountField(b, TAG.epochWork);
  let epochFailed = false;
  if (b[cur.pos] === TAG.epochFailed && b[cur.pos + 1] === 1) {
    epochFailed = true;
    cur.pos += 2;
  }
  const openChallenges = u32Field(b, TAG.openChallenges);
  const passed = u32Field(b, TAG.passed);
  const failed = u32Field(b, TAG.failed);
  const expired = u32Field(b, TAG.expired);
  const cancelled = u32Field(b, TAG.cancelled);
  const totalWork = amountField(b, TAG.totalWork);
  const totalCredits = amountField(b, TAG.totalCredits);
  const lastThroughput = amountField(b, TAG.lastThroughput);
  // A bad field stops the reading where it is, so the end is not reached either; checked all at once.
  if (
    cur.pos !== b.length ||
    registeredAt === BAD ||
    streak === BAD ||
    zigzag === BAD ||
    currentEpoch === BAD ||
    epochWork === null ||
    openChallenges === BAD ||
    passed === BAD ||
    failed === BAD ||
    expired === BAD ||
    cancelled === BAD ||
    totalWork === null ||
    totalCredits === null ||
    lastThroughput === null
  )
    return undefined;
  // Members in nodeRecordFromPb's order.
  return {
    registeredAt: BigInt(registeredAt),
    streak,
    lastLiveEpoch: BigInt(zigzag % 2 === 1 ? -(zigzag + 1) / 2 : zigzag / 2),
    currentEpoch: BigInt(currentEpoch),
    epochWork,
    epochFailed,
    openChallenges,
    passed,
    failed,
    expired,
    cancelled,
    totalWork,
    totalCredits,
    lastThroughput,
  };
}
