/**
 * Codec of the node state record. Runs per challenge/commit/reveal transaction. Work and credit
 * totals are amounts (minimal big-endian bytes): they are unbounded sums and pass 2^64 on
 * production tiers.
 * @module
 */
import type { NodeRecord } from "../types.ts";
import {
  amountFromPb,
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
} from "./codec.ts";
import { PB } from "./schema.ts";

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
  return encodeMessage(PB.NodeRecord, nodeRecordToPb(node));
}

/** Decodes canonical NodeRecord bytes; throws DecodeError on anything else. */
export function decodeNodeRecord(bytes: Uint8Array): NodeRecord {
  return decodeCanonical(PB.NodeRecord, "NodeRecord", bytes, nodeRecordFromPb, nodeRecordToPb);
}
