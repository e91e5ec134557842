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
  u32ToPb,
  u64FromPb,
  u64ToPb,
  u64ToPbPresent,
} from "./codec.ts";
import { PB } from "./schema.ts";

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
  return encodeMessage(PB.Challenge, challengeToPb(challenge));
}

/** Decodes canonical Challenge bytes; throws DecodeError on anything else. */
export function decodeChallenge(bytes: Uint8Array): Challenge {
  return decodeCanonical(PB.Challenge, "Challenge", bytes, challengeFromPb, challengeToPb);
}
