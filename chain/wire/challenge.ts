/**
 * Codec of the challenge state record. Runs per commit/reveal transaction and per deadline.
 * Optional bigint fields are proto3 `optional` (written iff present, even when zero); optional
 * fixed-size bytes are absent or exactly their size; `expiredFrom` absent is UNSPECIFIED.
 * @module
 */
import { DecodeError } from "../errors.ts";
import type { Challenge, ChallengeStatus } from "../types.ts";
import {
  ADDRESS_BYTES,
  AMOUNT_MAX_BYTES,
  amountFromPb,
  amountToBytes,
  BEACON_SIGNATURE_BYTES,
  decodeCanonical,
  EncodeError,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  HASH_BYTES,
  optFixedFromPb,
  optFixedToPb,
  type PbBytes,
  type PbLong,
  toPlainBytes,
  u32ToPb,
  u64FromPb,
  u64ToPb,
  u64ToPbPresent,
  uintFromBytes,
} from "./codec.ts";
import { PB } from "./schema.ts";
import { readVarint, writeVarint } from "./varint.ts";

// Enum numbers of flops.v1.ChallengeStatus: index = number (0 = UNSPECIFIED).
const STATUS_FROM_PB: readonly (ChallengeStatus | undefined)[] = [
  undefined,
  "REQUESTED",
  "ACTIVE",
  "COMMITTED",
  "SAMPLED",
  "PASSED",
  "FAILED",
  "EXPIRED",
  "CANCELLED",
];
const STATUS_TO_PB = new Map<unknown, number>(
  STATUS_FROM_PB.map((s, i) => [s, i] as const).filter(([s]) => s !== undefined),
);

function statusToPb(s: ChallengeStatus, field: string): number {
  const n = STATUS_TO_PB.get(s);
  if (n === undefined) throw new EncodeError(`${field}: unknown status ${String(s)}`, { field });
  return n;
}

function statusFromPb(n: number, field: string): ChallengeStatus {
  const s = STATUS_FROM_PB[n];
  if (s === undefined) throw new DecodeError(`${field}: invalid value ${n}`, { field });
  return s;
}

// `optional` fields are present iff they are own properties (absent ones read a prototype default).
interface PbChallenge {
  id: PbLong;
  node: PbBytes;
  tier: number;
  status: number;
  expiredFrom: number;
  t0: PbLong;
  r1: PbLong;
  r1Signature: PbBytes;
  activeAt: PbLong;
  tc: PbLong;
  root: PbBytes;
  r2: PbLong;
  r2Signature: PbBytes;
  deadline: PbLong;
  openingsDigest: PbBytes;
  credits: PbBytes;
  settledAt: PbLong;
}

function optU64(v: bigint | undefined, field: string): PbLong | undefined {
  return v === undefined ? undefined : u64ToPbPresent(v, field);
}

function challengeToPb(c: Challenge): object {
  return {
    id: u64ToPb(c.id, "Challenge.id"),
    node: fixedToPb(c.node, ADDRESS_BYTES, "Challenge.node"),
    tier: u32ToPb(c.tier, "Challenge.tier"),
    status: statusToPb(c.status, "Challenge.status"),
    expiredFrom:
      c.expiredFrom === undefined ? undefined : statusToPb(c.expiredFrom, "Challenge.expired_from"),
    t0: u64ToPb(c.t0, "Challenge.t0"),
    r1: u64ToPb(c.r1, "Challenge.r1"),
    r1Signature: optFixedToPb(c.r1Signature, BEACON_SIGNATURE_BYTES, "Challenge.r1_signature"),
    activeAt: optU64(c.activeAt, "Challenge.active_at"),
    tc: optU64(c.tc, "Challenge.tc"),
    root: optFixedToPb(c.root, HASH_BYTES, "Challenge.root"),
    r2: optU64(c.r2, "Challenge.r2"),
    r2Signature: optFixedToPb(c.r2Signature, BEACON_SIGNATURE_BYTES, "Challenge.r2_signature"),
    deadline: u64ToPb(c.deadline, "Challenge.deadline"),
    openingsDigest: optFixedToPb(c.openingsDigest, HASH_BYTES, "Challenge.openings_digest"),
    credits: c.credits === undefined ? undefined : amountToBytes(c.credits, "Challenge.credits"),
    settledAt: optU64(c.settledAt, "Challenge.settled_at"),
  };
}

function challengeFromPb(m: PbChallenge): Challenge {
  const c: Challenge = {
    id: u64FromPb(m.id),
    node: fixedFromPb(m.node, ADDRESS_BYTES, "Challenge.node"),
    tier: m.tier,
    status: statusFromPb(m.status, "Challenge.status"),
    t0: u64FromPb(m.t0),
    r1: u64FromPb(m.r1),
    deadline: u64FromPb(m.deadline),
  };
  // Optional members are set only when present: exactOptionalPropertyTypes, and deep equality
  // with the encoded value.
  if (m.expiredFrom !== 0) c.expiredFrom = statusFromPb(m.expiredFrom, "Challenge.expired_from");
  const r1Signature = optFixedFromPb(m.r1Signature, BEACON_SIGNATURE_BYTES, "Challenge.r1_signature");
  if (r1Signature !== undefined) c.r1Signature = r1Signature;
  if (Object.hasOwn(m, "activeAt")) c.activeAt = u64FromPb(m.activeAt);
  if (Object.hasOwn(m, "tc")) c.tc = u64FromPb(m.tc);
  const root = optFixedFromPb(m.root, HASH_BYTES, "Challenge.root");
  if (root !== undefined) c.root = root;
  if (Object.hasOwn(m, "r2")) c.r2 = u64FromPb(m.r2);
  const r2Signature = optFixedFromPb(m.r2Signature, BEACON_SIGNATURE_BYTES, "Challenge.r2_signature");
  if (r2Signature !== undefined) c.r2Signature = r2Signature;
  const openingsDigest = optFixedFromPb(m.openingsDigest, HASH_BYTES, "Challenge.openings_digest");
  if (openingsDigest !== undefined) c.openingsDigest = openingsDigest;
  if (Object.hasOwn(m, "credits")) c.credits = amountFromPb(m.credits, "Challenge.credits");
  if (Object.hasOwn(m, "settledAt")) c.settledAt = u64FromPb(m.settledAt);
  return c;
}

export function encodeChallenge(challenge: Challenge): Uint8Array {
  return encodeByHand(challenge) ?? encodeChallengePb(challenge);
}

/** Decodes canonical Challenge bytes; throws DecodeError on anything else. */
export function decodeChallenge(bytes: Uint8Array): Challenge {
  return (
    (bytes instanceof Uint8Array && decodeByHand(toPlainBytes(bytes, "Challenge"))) ||
    decodeChallengePb(bytes)
  );
}

/** encodeChallenge through protobufjs: the definition the hand encoder follows (and its tests). */
export function encodeChallengePb(challenge: Challenge): Uint8Array {
  return encodeMessage(PB.Challenge, challengeToPb(challenge));
}

/** decodeChallenge through protobufjs and decodeCanonical (the definition; every non-usual input). */
export function decodeChallengePb(bytes: Uint8Array): Challenge {
  return decodeCanonical(PB.Challenge, "Challenge", bytes, challengeFromPb, challengeToPb);
}

// ---------------------------------------------------------------------------------------------
// By hand: the record is read and written on every challenge, commit and reveal and for every
// challenge a beacon round or a deadline moves, so its canonical shape is read and written
// directly (field tags below, in field order). Anything else (a value a number cannot hold, an
// unknown status, a wrong size, any other byte shape) takes protobufjs' path above, which gives
// the same bytes, value or error: the hand decoder accepts only bytes that are exactly the
// encoding of what it returns.
// ---------------------------------------------------------------------------------------------

const TAG = {
  id: 0x08,
  node: 0x12,
  tier: 0x18,
  status: 0x20,
  expiredFrom: 0x28,
  t0: 0x30,
  r1: 0x38,
  r1Signature: 0x42,
  activeAt: 0x48,
  tc: 0x50,
  root: 0x5a,
  r2: 0x60,
  r2Signature: 0x6a,
  deadline: 0x70,
  openingsDigest: 0x7a,
} as const;
// Fields 16 and 17 have two-byte tags: (16 << 3 | 2) and (17 << 3 | 0) as varints.
const CREDITS_TAG = [0x82, 0x01] as const;
const SETTLED_AT_TAG = [0x88, 0x01] as const;

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const AMOUNT_LIMIT = 1n << 256n;
/** Larger than any challenge the hand encoder writes (~330 bytes with every field at its largest). */
const scratch = new Uint8Array(512);

const isSafeU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= SAFE_MAX;
const isOptSafeU64 = (v: unknown): boolean => v === undefined || isSafeU64(v);
const hasSize = (b: unknown, size: number): boolean => b instanceof Uint8Array && b.length === size;
const hasOptSize = (b: unknown, size: number): boolean => b === undefined || hasSize(b, size);

function encodeByHand(c: Challenge): Uint8Array | undefined {
  const status = STATUS_TO_PB.get(c.status);
  const expiredFrom = c.expiredFrom === undefined ? 0 : STATUS_TO_PB.get(c.expiredFrom);
  if (
    status === undefined ||
    expiredFrom === undefined ||
    !isSafeU64(c.id) ||
    !hasSize(c.node, ADDRESS_BYTES) ||
    !(Number.isInteger(c.tier) && c.tier >= 0 && c.tier <= 0xffffffff) ||
    !isSafeU64(c.t0) ||
    !isSafeU64(c.r1) ||
    !hasOptSize(c.r1Signature, BEACON_SIGNATURE_BYTES) ||
    !isOptSafeU64(c.activeAt) ||
    !isOptSafeU64(c.tc) ||
    !hasOptSize(c.root, HASH_BYTES) ||
    !isOptSafeU64(c.r2) ||
    !hasOptSize(c.r2Signature, BEACON_SIGNATURE_BYTES) ||
    !isSafeU64(c.deadline) ||
    !hasOptSize(c.openingsDigest, HASH_BYTES) ||
    !(
      c.credits === undefined ||
      (typeof c.credits === "bigint" && c.credits >= 0n && c.credits < AMOUNT_LIMIT)
    ) ||
    !isOptSafeU64(c.settledAt)
  )
    return undefined;
  const b = scratch;
  let p = u64Out(b, 0, TAG.id, c.id, false);
  p = bytesOut(b, p, TAG.node, c.node);
  if (c.tier !== 0) {
    b[p++] = TAG.tier;
    p = writeVarint(b, p, c.tier);
  }
  b[p++] = TAG.status;
  b[p++] = status;
  if (expiredFrom !== 0) {
    b[p++] = TAG.expiredFrom;
    b[p++] = expiredFrom;
  }
  p = u64Out(b, p, TAG.t0, c.t0, false);
  p = u64Out(b, p, TAG.r1, c.r1, false);
  if (c.r1Signature !== undefined) p = bytesOut(b, p, TAG.r1Signature, c.r1Signature);
  if (c.activeAt !== undefined) p = u64Out(b, p, TAG.activeAt, c.activeAt, true);
  if (c.tc !== undefined) p = u64Out(b, p, TAG.tc, c.tc, true);
  if (c.root !== undefined) p = bytesOut(b, p, TAG.root, c.root);
  if (c.r2 !== undefined) p = u64Out(b, p, TAG.r2, c.r2, true);
  if (c.r2Signature !== undefined) p = bytesOut(b, p, TAG.r2Signature, c.r2Signature);
  p = u64Out(b, p, TAG.deadline, c.deadline, false);
  if (c.openingsDigest !== undefined) p = bytesOut(b, p, TAG.openingsDigest, c.openingsDigest);
  if (c.credits !== undefined) {
    b[p++] = CREDITS_TAG[0];
    b[p++] = CREDITS_TAG[1];
    const amount = amountToBytes(c.credits, "Challenge.credits");
    b[p++] = amount.length;
    b.set(amount, p);
    p += amount.length;
  }
  if (c.settledAt !== undefined) {
    b[p++] = SETTLED_AT_TAG[0];
    b[p++] = SETTLED_AT_TAG[1];
    p = writeVarint(b, p, Number(c.settledAt));
  }
  // Not slice(): in Node 20 it costs several times a fresh array and a set.
  const out = new Uint8Array(p);
  out.set(b.subarray(0, p));
  return out;
}

/** A u64 field (a safe integer): written when non-zero, or always when `optional`. */
function u64Out(b: Uint8Array, p: number, tag: number, v: bigint, optional: boolean): number {
  if (v === 0n && !optional) return p;
  b[p] = tag;
  return writeVarint(b, p + 1, Number(v));
}

/** A non-empty bytes field of at most 127 bytes (a one-byte length). */
function bytesOut(b: Uint8Array, p: number, tag: number, v: Uint8Array): number {
  b[p] = tag;
  b[p + 1] = v.length;
  b.set(v, p + 2);
  return p + 2 + v.length;
}

/** The read position of decodeByHand (one decode at a time: decoding is synchronous). */
const cur = { pos: 0 };
const ABSENT = -1;
const BAD = -2;

/** The varint field with this tag at the cursor: its value (cursor moved past it), ABSENT or BAD. */
function varintField(b: Uint8Array, tag: number, tag2?: number): number {
  const p = cur.pos;
  if (b[p] !== tag) return ABSENT;
  if (tag2 !== undefined && b[p + 1] !== tag2) return ABSENT;
  const v = readVarint(b, tag2 === undefined ? p + 1 : p + 2, b.length, cur);
  return v < 0 ? BAD : v;
}

/** A required-when-non-zero u64: its value (0 when absent), or BAD for an explicit zero. */
function u64Field(b: Uint8Array, tag: number): number {
  const v = varintField(b, tag);
  return v === ABSENT ? 0 : v === 0 ? BAD : v;
}

/** The fixed-size bytes field with this tag at the cursor: a view, undefined when absent, null when bad. */
function fixedField(b: Uint8Array, tag: number, size: number): Uint8Array | undefined | null {
  const p = cur.pos;
  if (b[p] !== tag) return undefined;
  if (b[p + 1] !== size || p + 2 + size > b.length) return null;
  cur.pos = p + 2 + size;
  return b.subarray(p + 2, p + 2 + size);
}

/** The enum field with this tag at the cursor: its status, undefined when absent, null when bad. */
function statusField(b: Uint8Array, tag: number): ChallengeStatus | undefined | null {
  const p = cur.pos;
  if (b[p] !== tag) return undefined;
  const s = p + 2 <= b.length ? STATUS_FROM_PB[b[p + 1]!] : undefined;
  cur.pos = p + 2;
  return s ?? null;
}

/** The optional amount (two-byte tag) at the cursor: its value, undefined when absent, null when bad. */
function creditsField(b: Uint8Array): bigint | undefined | null {
  const p = cur.pos;
  if (b[p] !== CREDITS_TAG[0] || b[p + 1] !== CREDITS_TAG[1]) return undefined;
  const len = b[p + 2];
  const start = p + 3;
  // A length up to 32 is one byte; no leading zero; an empty amount is a present zero.
  if (len === undefined || len > AMOUNT_MAX_BYTES || start + len > b.length || (len > 0 && b[start] === 0))
    return null;
  cur.pos = start + len;
  return uintFromBytes(b, start, start + len);
}

/** The challenge when `b` has exactly the canonical shape (safe-integer values), else undefined. */
function decodeByHand(b: Uint8Array): Challenge | undefined {
  cur.pos = 0;
  const id = u64Field(b, TAG.id);
  const node = fixedField(b, TAG.node, ADDRESS_BYTES);
  if (id === BAD || !node) return undefined;
  const tier = varintField(b, TAG.tier);
  if (tier === BAD || tier === 0 || tier > 0xffffffff) return undefined;
  const status = statusField(b, TAG.status);
  if (!status) return undefined;
  const expiredFrom = statusField(b, TAG.expiredFrom);
  const t0 = u64Field(b, TAG.t0);
  const r1 = u64Field(b, TAG.r1);
  const r1Signature = fixedField(b, TAG.r1Signature, BEACON_SIGNATURE_BYTES);
  const activeAt = varintField(b, TAG.activeAt);
  const tc = varintField(b, TAG.tc);
  const root = fixedField(b, TAG.root, HASH_BYTES);
  const r2 = varintField(b, TAG.r2);
  const r2Signature = fixedField(b, TAG.r2Signature, BEACON_SIGNATURE_BYTES);
  const deadline = u64Field(b, TAG.deadline);
  const openingsDigest = fixedField(b, TAG.openingsDigest, HASH_BYTES);
  const credits = creditsField(b);
  const settledAt = varintField(b, SETTLED_AT_TAG[0], SETTLED_AT_TAG[1]);
  // A bad field stops the reading where it is, so the end is not reached either; checked all at once.
  if (
    cur.pos !== b.length ||
    expiredFrom === null ||
    t0 === BAD ||
    r1 === BAD ||
    r1Signature === null ||
    activeAt === BAD ||
    tc === BAD ||
    root === null ||
    r2 === BAD ||
    r2Signature === null ||
    deadline === BAD ||
    openingsDigest === null ||
    credits === null ||
    settledAt === BAD
  )
    return undefined;
  // Members in challengeFromPb's order, optional ones only when present.
  const c: Challenge = {
    id: BigInt(id),
    node,
    tier: tier === ABSENT ? 0 : tier,
    status,
    t0: BigInt(t0),
    r1: BigInt(r1),
    deadline: BigInt(deadline),
  };
  if (expiredFrom !== undefined) c.expiredFrom = expiredFrom;
  if (r1Signature !== undefined) c.r1Signature = r1Signature;
  if (activeAt !== ABSENT) c.activeAt = BigInt(activeAt);
  if (tc !== ABSENT) c.tc = BigInt(tc);
  if (root !== undefined) c.root = root;
  if (r2 !== ABSENT) c.r2 = BigInt(r2);
  if (r2Signature !== undefined) c.r2Signature = r2Signature;
  if (openingsDigest !== undefined) c.openingsDigest = openingsDigest;
  if (credits !== undefined) c.credits = credits;
  if (settledAt !== ABSENT) c.settledAt = BigInt(settledAt);
  return c;
}
