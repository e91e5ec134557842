/**
 * JSON-RPC result shapes → domain values, for the prover's client. These mirror the formatters
 * of api/jsonRpc/format.ts (EIP-1474 style: bigints as "0x" quantities, bytes as "0x" hex, small
 * counts as JSON numbers, absent optional fields as null). They are duplicated here on purpose:
 * prover/ may not import api/ (docs/ARCHITECTURE.md), and a client should check what it is told
 * rather than trust a shared type. Every parser throws `RpcResponseError` naming the field.
 * @module
 */
import type { Hex } from "../chain/bytes.ts";
import type { BeaconConfig, ChainParams, Tier } from "../chain/params.ts";
import { CHALLENGE_STATUS, type Challenge, type ChallengeStatus } from "../chain/types.ts";
import { RpcResponseError } from "./errors.ts";
import type { AccountView, HeadInfo, NodeInfo, ReceiptInfo } from "./ports.ts";

type Json = Record<string, unknown>;

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
const STATUSES: ReadonlySet<string> = new Set(Object.values(CHALLENGE_STATUS));

/** Field readers bound to one method's result, so errors say where the bad value was. */
export class JsonReader {
  constructor(readonly method: string) {}

  fail(path: string, expected: string): never {
    throw new RpcResponseError(this.method, path, expected);
  }

  object(v: unknown, path = "result"): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, "an object");
    return v as Json;
  }

  quantity(v: unknown, path: string): bigint {
    if (typeof v !== "string" || !QUANTITY.test(v)) this.fail(path, "a hex quantity");
    return BigInt(v);
  }

  optQuantity(v: unknown, path: string): bigint | undefined {
    return v === null || v === undefined ? undefined : this.quantity(v, path);
  }

  data(v: unknown, path: string, byteLength?: number): Uint8Array {
    if (typeof v !== "string" || !DATA.test(v)) this.fail(path, "hex data");
    const bytes = new Uint8Array(Buffer.from(v.slice(2), "hex"));
    if (byteLength !== undefined && bytes.length !== byteLength) this.fail(path, `${byteLength} bytes`);
    return bytes;
  }

  optData(v: unknown, path: string, byteLength?: number): Uint8Array | undefined {
    return v === null || v === undefined ? undefined : this.data(v, path, byteLength);
  }

  int(v: unknown, path: string): number {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(path, "a non-negative integer");
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, "a boolean");
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== "string") this.fail(path, "a string");
    return v;
  }
}

/** Longest genesis text accepted from a node (a real one is a few KiB; alloc makes it grow). */
export const MAX_GENESIS_JSON_BYTES = 4 * 1024 * 1024;

/** flops_getGenesis: `{genesis, hash}` → the genesis text (the served hash is not used: the prover hashes the text). */
export function parseGenesis(v: unknown): string {
  const r: JsonReader = new JsonReader("flops_getGenesis");
  const text = r.string(r.object(v).genesis, "genesis");
  if (Buffer.byteLength(text, "utf8") > MAX_GENESIS_JSON_BYTES)
    r.fail("genesis", `at most ${MAX_GENESIS_JSON_BYTES} bytes`);
  return text;
}

/** flops_getAccount: `{address, nonce, pendingNonce, credits}`. */
export function parseAccount(v: unknown): AccountView {
  const r: JsonReader = new JsonReader("flops_getAccount");
  const o = r.object(v);
  const nonce = r.quantity(o.nonce, "nonce");
  // A node without a mempool view may omit pendingNonce: then it is the account nonce.
  const pendingNonce = r.optQuantity(o.pendingNonce, "pendingNonce") ?? nonce;
  return { nonce, pendingNonce, credits: r.quantity(o.credits, "credits") };
}

/** flops_getNode: the record with streak and multiplier settled at the head, or null. */
export function parseNode(v: unknown): NodeInfo | undefined {
  if (v === null) return undefined;
  const r: JsonReader = new JsonReader("flops_getNode");
  const o = r.object(v);
  return {
    address: r.data(o.address, "address", 20),
    credits: r.quantity(o.credits, "credits"),
    multiplierBps: r.quantity(o.multiplierBps, "multiplierBps"),
    streak: r.int(o.streak, "streak"),
    registeredAt: r.quantity(o.registeredAt, "registeredAt"),
    lastLiveEpoch: r.optQuantity(o.lastLiveEpoch, "lastLiveEpoch"),
    currentEpoch: r.quantity(o.currentEpoch, "currentEpoch"),
    epochWork: r.quantity(o.epochWork, "epochWork"),
    epochFailed: r.bool(o.epochFailed, "epochFailed"),
    openChallenges: r.int(o.openChallenges, "openChallenges"),
    passed: r.int(o.passed, "passed"),
    failed: r.int(o.failed, "failed"),
    expired: r.int(o.expired, "expired"),
    cancelled: r.int(o.cancelled, "cancelled"),
    totalWork: r.quantity(o.totalWork, "totalWork"),
    totalCredits: r.quantity(o.totalCredits, "totalCredits"),
    provenThroughput: r.quantity(o.provenThroughput, "provenThroughput"),
  };
}

function challengeStatus(r: JsonReader, v: unknown, path: string): ChallengeStatus {
  if (typeof v !== "string" || !STATUSES.has(v)) r.fail(path, "a challenge status");
  return v as ChallengeStatus;
}

/** flops_getChallenge → the chain's Challenge record (times in ms), or null. */
export function parseChallenge(v: unknown): Challenge | undefined {
  if (v === null) return undefined;
  const r: JsonReader = new JsonReader("flops_getChallenge");
  const o = r.object(v);
  const c: Challenge = {
    id: r.quantity(o.id, "id"),
    node: r.data(o.node, "node", 20),
    tier: r.int(o.tier, "tier"),
    status: challengeStatus(r, o.status, "status"),
    t0: r.quantity(o.t0, "t0"),
    r1: r.quantity(o.r1, "r1"),
    deadline: r.quantity(o.deadline, "deadline"),
  };
  // exactOptionalPropertyTypes: absent fields stay absent rather than `undefined`.
  if (o.expiredFrom !== null && o.expiredFrom !== undefined) {
    c.expiredFrom = challengeStatus(r, o.expiredFrom, "expiredFrom");
  }
  const r1Signature = r.optData(o.r1Signature, "r1Signature", 48);
  if (r1Signature) c.r1Signature = r1Signature;
  const activeAt = r.optQuantity(o.activeAt, "activeAt");
  if (activeAt !== undefined) c.activeAt = activeAt;
  const tc = r.optQuantity(o.tc, "tc");
  if (tc !== undefined) c.tc = tc;
  const root = r.optData(o.root, "root", 32);
  if (root) c.root = root;
  const r2 = r.optQuantity(o.r2, "r2");
  if (r2 !== undefined) c.r2 = r2;
  const r2Signature = r.optData(o.r2Signature, "r2Signature", 48);
  if (r2Signature) c.r2Signature = r2Signature;
  const openingsDigest = r.optData(o.openingsDigest, "openingsDigest", 32);
  if (openingsDigest) c.openingsDigest = openingsDigest;
  const credits = r.optQuantity(o.credits, "credits");
  if (credits !== undefined) c.credits = credits;
  const settledAt = r.optQuantity(o.settledAt, "settledAt");
  if (settledAt !== undefined) c.settledAt = settledAt;
  return c;
}

/** flops_getTransactionReceipt, or null while pending/unknown. */
export function parseReceipt(v: unknown): ReceiptInfo | undefined {
  if (v === null) return undefined;
  const r: JsonReader = new JsonReader("flops_getTransactionReceipt");
  const o = r.object(v);
  const status = o.status;
  if (status !== "success" && status !== "failed") r.fail("status", '"success" or "failed"');
  const receipt: ReceiptInfo = {
    txHash: r.data(o.transactionHash, "transactionHash", 32),
    status,
    blockNumber: r.quantity(o.blockNumber, "blockNumber"),
    blockHash: r.data(o.blockHash, "blockHash", 32),
  };
  if (o.error !== null && o.error !== undefined) receipt.error = r.string(o.error, "error");
  const challengeId = r.optQuantity(o.challengeId, "challengeId");
  if (challengeId !== undefined) receipt.challengeId = challengeId;
  const credits = r.optQuantity(o.credits, "credits");
  if (credits !== undefined) receipt.credits = credits;
  return receipt;
}

/** A block reference in flops_syncStatus: L2 timestamps in ms, L1 in seconds. */
export interface BlockRefInfo {
  number: bigint;
  hash: Uint8Array;
  timestamp: bigint;
}

/** flops_syncStatus (the OP Stack vocabulary). */
export interface SyncInfo {
  unsafeL2: BlockRefInfo;
  safeL2: BlockRefInfo;
  finalizedL2: BlockRefInfo;
  /** L1 block derivation has reached; undefined on a node that does not follow L1. */
  currentL1: BlockRefInfo | undefined;
  headL1: BlockRefInfo | undefined;
  syncing: boolean;
}

function blockRef(r: JsonReader, v: unknown, path: string): BlockRefInfo {
  const o = r.object(v, path);
  return {
    number: r.quantity(o.number, `${path}.number`),
    hash: r.data(o.hash, `${path}.hash`, 32),
    timestamp: r.quantity(o.timestamp, `${path}.timestamp`),
  };
}

export function parseSyncStatus(v: unknown): SyncInfo {
  const r: JsonReader = new JsonReader("flops_syncStatus");
  const o = r.object(v);
  return {
    unsafeL2: blockRef(r, o.unsafeL2, "unsafeL2"),
    safeL2: blockRef(r, o.safeL2, "safeL2"),
    finalizedL2: blockRef(r, o.finalizedL2, "finalizedL2"),
    currentL1:
      o.currentL1 === null || o.currentL1 === undefined ? undefined : blockRef(r, o.currentL1, "currentL1"),
    headL1: o.headL1 === null || o.headL1 === undefined ? undefined : blockRef(r, o.headL1, "headL1"),
    syncing: r.bool(o.syncing, "syncing"),
  };
}

/** The unsafe head from flops_syncStatus. */
export function headFromSync(s: SyncInfo): HeadInfo {
  return { number: s.unsafeL2.number, timestampMs: s.unsafeL2.timestamp };
}

function smallInt(r: JsonReader, v: unknown, path: string): number {
  return r.int(v, path);
}

function parseTier(r: JsonReader, v: unknown, path: string): Tier {
  const o = r.object(v, path);
  return {
    id: smallInt(r, o.id, `${path}.id`),
    name: r.string(o.name, `${path}.name`),
    n: smallInt(r, o.n, `${path}.n`),
    m: smallInt(r, o.m, `${path}.m`),
    k: smallInt(r, o.k, `${path}.k`),
    commitWindowMs: r.quantity(o.commitWindowMs, `${path}.commitWindowMs`),
    revealWindowMs: r.quantity(o.revealWindowMs, `${path}.revealWindowMs`),
  };
}

function parseBeacon(r: JsonReader, v: unknown): BeaconConfig {
  const o = r.object(v, "beacon");
  if (o.scheme !== "bls-unchained-g1-rfc9380") r.fail("beacon.scheme", '"bls-unchained-g1-rfc9380"');
  return {
    publicKey: r.data(o.publicKey, "beacon.publicKey", 96),
    genesisTime: r.quantity(o.genesisTime, "beacon.genesisTime"),
    periodSeconds: r.quantity(o.periodSeconds, "beacon.periodSeconds"),
    scheme: "bls-unchained-g1-rfc9380",
  };
}

/** flops_getParams: the ChainParams document, bigints as quantities and bytes as hex. */
export function parseParams(v: unknown): ChainParams {
  const r: JsonReader = new JsonReader("flops_getParams");
  const o = r.object(v);
  const tiers: unknown = o.tiers;
  if (!Array.isArray(tiers)) r.fail("tiers", "an array");
  const q = (key: string): bigint => r.quantity(o[key], key);
  return {
    l2ChainId: q("l2ChainId"),
    beacon: parseBeacon(r, o.beacon),
    tiers: tiers.map((t: unknown, i: number) => parseTier(r, t, `tiers[${i}]`)),
    maxBatchDelayMs: q("maxBatchDelayMs"),
    maxSequencerDriftMs: q("maxSequencerDriftMs"),
    roundTimeoutMs: q("roundTimeoutMs"),
    maxBlockGapMs: q("maxBlockGapMs"),
    epochMs: q("epochMs"),
    minLiveWork: q("minLiveWork"),
    stepBps: q("stepBps"),
    capBps: q("capBps"),
    flopsPerCredit: q("flopsPerCredit"),
    maxBlockBytes: smallInt(r, o.maxBlockBytes, "maxBlockBytes"),
    maxTxBytes: smallInt(r, o.maxTxBytes, "maxTxBytes"),
    maxRevealsPerBlock: smallInt(r, o.maxRevealsPerBlock, "maxRevealsPerBlock"),
    maxOpenChallenges: smallInt(r, o.maxOpenChallenges, "maxOpenChallenges"),
  };
}

/** A 0x-hex string of bytes (lower case). */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
