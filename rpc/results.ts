/**
 * Result codecs: for each kind of result, how the server writes it (`format`: domain value → JSON)
 * and how a client reads it back (`parse`: JSON → the same domain value, every field checked,
 * `RpcResponseError` naming the first bad one). Written side by side so the two cannot drift;
 * rpc/methods.test.ts round-trips every method through both.
 * @module
 */
import type { Hex } from "../chain/bytes.ts";
import { DecodeError } from "../chain/errors.ts";
import type { BeaconConfig, ChainParams, Tier } from "../chain/params.ts";
import {
  type Action,
  CHALLENGE_STATUS,
  type Challenge,
  type ChallengeStatus,
  type Receipt,
  type SignedTx,
  type SystemTx,
} from "../chain/types.ts";
import { decodeSignedTx } from "../chain/wire/index.ts";
import { hex, type JsonReader, optHex, optQuantity, quantity, toJsonValue } from "./json.ts";
import type {
  AccountInfo,
  BlockRef,
  EthSyncing,
  GenesisInfo,
  NodeInfo,
  NodeInfoPage,
  ReceiptLookup,
  SyncInfo,
  TxLocation,
  TxLookup,
} from "./types.ts";

/** `T`: the domain value; `W`: its JSON form (the typed RPC schema's return type). */
export interface ResultCodec<T, W> {
  /** Server side: domain value → JSON-able. */
  format(value: T): W;
  /** Client side: JSON → domain value; `r` names the method in errors. */
  parse(json: unknown, r: JsonReader): T;
}

function codec<T, W>(format: (value: T) => W, parse: (json: unknown, r: JsonReader) => T): ResultCodec<T, W> {
  return { format, parse };
}

/** "Not found" is undefined in the domain and null on the wire. */
export function nullable<T, W>(c: ResultCodec<T, W>): ResultCodec<T | undefined, W | null> {
  return codec(
    (v) => (v === undefined ? null : c.format(v)),
    (v, r) => (v === null ? undefined : c.parse(v, r)),
  );
}

// --- scalars -------------------------------------------------------------------------------

export const quantityResult = codec<bigint, Hex>(quantity, (v, r) => r.quantity(v, "result"));
export const hash32Result = codec<Uint8Array, Hex>(hex, (v, r) => r.data(v, "result", 32));
export const stringResult = codec<string, string>(
  (v) => v,
  (v, r) => r.string(v, "result"),
);
export const boolResult = codec<boolean, boolean>(
  (v) => v,
  (v, r) => r.bool(v, "result"),
);

// --- transactions --------------------------------------------------------------------------

/** A signed tx's action: `{kind, ...fields}`. */
export function formatAction(action: Action) {
  switch (action.kind) {
    case "register":
      return { kind: action.kind };
    case "challenge":
      return { kind: action.kind, tier: action.tier };
    case "commit":
      return { kind: action.kind, challengeId: quantity(action.challengeId), root: hex(action.root) };
    case "reveal":
      return {
        kind: action.kind,
        challengeId: quantity(action.challengeId),
        tiles: hex(action.tiles),
        proof: hex(action.proof),
      };
    case "transfer":
    case "withdraw":
      return { kind: action.kind, to: hex(action.to), amount: quantity(action.amount) };
  }
}

/** A system tx: `{kind, ...fields}`, the same shape as an action. */
export function formatSystemTx(tx: SystemTx) {
  switch (tx.kind) {
    case "beacon":
      return { kind: tx.kind, round: quantity(tx.round), signature: hex(tx.signature) };
    case "deposit":
      return {
        kind: tx.kind,
        depositId: quantity(tx.depositId),
        to: hex(tx.to),
        amount: quantity(tx.amount),
        l1BlockNumber: quantity(tx.l1BlockNumber),
      };
    case "revoke":
      return {
        kind: tx.kind,
        challengeId: quantity(tx.challengeId),
        l1BlockNumber: quantity(tx.l1BlockNumber),
      };
  }
}

function parseSystemTx(r: JsonReader, v: unknown, path: string): SystemTx {
  const o = r.object(v, path);
  switch (o.kind) {
    case "beacon":
      return {
        kind: "beacon",
        round: r.quantity(o.round, `${path}.round`),
        signature: r.data(o.signature, `${path}.signature`),
      };
    case "deposit":
      return {
        kind: "deposit",
        depositId: r.quantity(o.depositId, `${path}.depositId`),
        to: r.data(o.to, `${path}.to`, 20),
        amount: r.quantity(o.amount, `${path}.amount`),
        l1BlockNumber: r.quantity(o.l1BlockNumber, `${path}.l1BlockNumber`),
      };
    case "revoke":
      return {
        kind: "revoke",
        challengeId: r.quantity(o.challengeId, `${path}.challengeId`),
        l1BlockNumber: r.quantity(o.l1BlockNumber, `${path}.l1BlockNumber`),
      };
    default:
      return r.fail(`${path}.kind`, '"beacon", "deposit" or "revoke"');
  }
}

function location(loc: TxLocation | null) {
  return loc === null
    ? { blockHash: null, blockNumber: null, transactionIndex: null }
    : { blockHash: hex(loc.blockHash), blockNumber: quantity(loc.blockNumber), transactionIndex: loc.index };
}

function parseLocation(r: JsonReader, o: Record<string, unknown>): TxLocation | null {
  if (o.blockHash === null && o.blockNumber === null && o.transactionIndex === null) return null;
  return {
    blockHash: r.data(o.blockHash, "blockHash", 32),
    blockNumber: r.quantity(o.blockNumber, "blockNumber"),
    index: r.int(o.transactionIndex, "transactionIndex"),
  };
}

function signedTxFields(tx: SignedTx, from: Uint8Array) {
  return {
    hash: hex(tx.hash),
    system: false,
    from: hex(from),
    chainId: quantity(tx.body.chainId),
    nonce: quantity(tx.body.nonce),
    action: formatAction(tx.body.action),
    signature: hex(tx.signature),
    raw: hex(tx.raw),
  };
}

/**
 * flops_getTransaction. System txs have from/chainId/nonce/signature/raw null. A client reads a
 * signed tx from `raw` (decoded and hashed by chain/wire, so it is the tx the hash names); the
 * other fields repeat it for readers without a decoder.
 */
export const txResult = codec(
  (t: TxLookup) => {
    if (t.kind === "signed") return { ...signedTxFields(t.tx, t.from), ...location(t.location) };
    return {
      hash: hex(t.hash),
      system: true,
      from: null,
      chainId: null,
      nonce: null,
      action: formatSystemTx(t.tx),
      signature: null,
      raw: null,
      ...location(t.location),
    };
  },
  (v, r): TxLookup => {
    const o = r.object(v);
    const hash = r.data(o.hash, "hash", 32);
    const system = r.bool(o.system, "system");
    const loc = parseLocation(r, o);
    if (system) {
      if (loc === null) return r.fail("blockHash", "a block hash (system txs are always included)");
      return { kind: "system", tx: parseSystemTx(r, o.action, "action"), hash, location: loc };
    }
    let tx: SignedTx;
    try {
      tx = decodeSignedTx(r.data(o.raw, "raw"));
    } catch (e) {
      if (e instanceof DecodeError) return r.fail("raw", "a canonical signed tx");
      throw e;
    }
    if (Buffer.compare(tx.hash, hash) !== 0) r.fail("hash", "keccak256 of raw");
    return { kind: "signed", tx, from: r.data(o.from, "from", 20), location: loc };
  },
);

function formatReceipt(rc: Receipt) {
  return {
    transactionHash: hex(rc.txHash),
    status: rc.status,
    error: rc.error ?? null,
    challengeId: optQuantity(rc.challengeId),
    credits: optQuantity(rc.credits),
  };
}

/** flops_getTransactionReceipt. */
export const receiptResult = codec(
  (l: ReceiptLookup) => ({ ...formatReceipt(l.receipt), ...location(l.location) }),
  (v, r): ReceiptLookup => {
    const o = r.object(v);
    const status = o.status;
    if (status !== "success" && status !== "failed") return r.fail("status", '"success" or "failed"');
    const receipt: Receipt = { txHash: r.data(o.transactionHash, "transactionHash", 32), status };
    // exactOptionalPropertyTypes: absent fields stay absent rather than `undefined`.
    const error = r.optString(o.error, "error");
    if (error !== undefined) receipt.error = error;
    const challengeId = r.optQuantity(o.challengeId, "challengeId");
    if (challengeId !== undefined) receipt.challengeId = challengeId;
    const credits = r.optQuantity(o.credits, "credits");
    if (credits !== undefined) receipt.credits = credits;
    const loc = parseLocation(r, o);
    if (loc === null) return r.fail("blockHash", "a block hash (receipts are of included txs)");
    return { receipt, location: loc };
  },
);

// --- state ---------------------------------------------------------------------------------

/** flops_getAccount. A node without a mempool view may omit pendingNonce: it is then the nonce. */
export const accountResult = codec(
  (a: AccountInfo) => ({
    address: hex(a.address),
    nonce: quantity(a.nonce),
    pendingNonce: quantity(a.pendingNonce),
    credits: quantity(a.credits),
  }),
  (v, r): AccountInfo => {
    const o = r.object(v);
    const nonce = r.quantity(o.nonce, "nonce");
    return {
      address: r.data(o.address, "address", 20),
      nonce,
      pendingNonce: r.optQuantity(o.pendingNonce, "pendingNonce") ?? nonce,
      credits: r.quantity(o.credits, "credits"),
    };
  },
);

function formatNode(n: NodeInfo) {
  return {
    address: hex(n.address),
    credits: quantity(n.credits),
    multiplierBps: quantity(n.multiplierBps),
    streak: n.streak,
    registeredAt: quantity(n.registeredAt),
    lastLiveEpoch: optQuantity(n.lastLiveEpoch),
    currentEpoch: quantity(n.currentEpoch),
    epochWork: quantity(n.epochWork),
    epochFailed: n.epochFailed,
    openChallenges: n.openChallenges,
    passed: n.passed,
    failed: n.failed,
    expired: n.expired,
    cancelled: n.cancelled,
    totalWork: quantity(n.totalWork),
    totalCredits: quantity(n.totalCredits),
    provenThroughput: quantity(n.provenThroughput),
  };
}

function parseNode(r: JsonReader, v: unknown, path: string): NodeInfo {
  const o = r.object(v, path);
  const at = (key: string) => (path === "result" ? key : `${path}.${key}`);
  return {
    address: r.data(o.address, at("address"), 20),
    credits: r.quantity(o.credits, at("credits")),
    multiplierBps: r.quantity(o.multiplierBps, at("multiplierBps")),
    streak: r.int(o.streak, at("streak")),
    registeredAt: r.quantity(o.registeredAt, at("registeredAt")),
    lastLiveEpoch: r.optQuantity(o.lastLiveEpoch, at("lastLiveEpoch")),
    currentEpoch: r.quantity(o.currentEpoch, at("currentEpoch")),
    epochWork: r.quantity(o.epochWork, at("epochWork")),
    epochFailed: r.bool(o.epochFailed, at("epochFailed")),
    openChallenges: r.int(o.openChallenges, at("openChallenges")),
    passed: r.int(o.passed, at("passed")),
    failed: r.int(o.failed, at("failed")),
    expired: r.int(o.expired, at("expired")),
    cancelled: r.int(o.cancelled, at("cancelled")),
    totalWork: r.quantity(o.totalWork, at("totalWork")),
    totalCredits: r.quantity(o.totalCredits, at("totalCredits")),
    provenThroughput: r.quantity(o.provenThroughput, at("provenThroughput")),
  };
}

/** flops_getNode: the record, plus credits, streak and multiplier settled at the head. */
export const nodeResult = codec(formatNode, (v, r) => parseNode(r, v, "result"));

/** flops_listNodes. */
export const nodePageResult = codec(
  (p: NodeInfoPage) => ({ nodes: p.nodes.map(formatNode), nextCursor: p.nextCursor }),
  (v, r): NodeInfoPage => {
    const o = r.object(v);
    const nodes = r.array(o.nodes, "nodes").map((n, i) => parseNode(r, n, `nodes[${i}]`));
    const nextCursor = o.nextCursor === null ? null : r.string(o.nextCursor, "nextCursor");
    return { nodes, nextCursor };
  },
);

const STATUSES: ReadonlySet<string> = new Set(Object.values(CHALLENGE_STATUS));
const challengeStatus = (r: JsonReader, v: unknown, path: string): ChallengeStatus =>
  r.oneOf<ChallengeStatus>(v, path, STATUSES, "a challenge status");

/** flops_getChallenge. Times are milliseconds, as on chain. */
export const challengeResult = codec(
  (c: Challenge) => ({
    id: quantity(c.id),
    node: hex(c.node),
    tier: c.tier,
    status: c.status,
    expiredFrom: c.expiredFrom ?? null,
    t0: quantity(c.t0),
    r1: quantity(c.r1),
    r1Signature: optHex(c.r1Signature),
    activeAt: optQuantity(c.activeAt),
    tc: optQuantity(c.tc),
    root: optHex(c.root),
    r2: optQuantity(c.r2),
    r2Signature: optHex(c.r2Signature),
    deadline: quantity(c.deadline),
    openingsDigest: optHex(c.openingsDigest),
    credits: optQuantity(c.credits),
    settledAt: optQuantity(c.settledAt),
  }),
  (v, r): Challenge => {
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
  },
);

// --- sync ----------------------------------------------------------------------------------

function formatBlockRef(b: BlockRef) {
  return { number: quantity(b.number), hash: hex(b.hash), timestamp: quantity(b.timestamp) };
}

function parseBlockRef(r: JsonReader, v: unknown, path: string): BlockRef {
  const o = r.object(v, path);
  return {
    number: r.quantity(o.number, `${path}.number`),
    hash: r.data(o.hash, `${path}.hash`, 32),
    timestamp: r.quantity(o.timestamp, `${path}.timestamp`),
  };
}

/** flops_syncStatus. */
export const syncResult = codec(
  (s: SyncInfo) => ({
    unsafeL2: formatBlockRef(s.unsafeL2),
    safeL2: formatBlockRef(s.safeL2),
    finalizedL2: formatBlockRef(s.finalizedL2),
    currentL1: s.currentL1 === undefined ? null : formatBlockRef(s.currentL1),
    headL1: s.headL1 === undefined ? null : formatBlockRef(s.headL1),
    safeL1: s.safeL1 === undefined ? null : formatBlockRef(s.safeL1),
    finalizedL1: s.finalizedL1 === undefined ? null : formatBlockRef(s.finalizedL1),
    syncing: s.syncing,
  }),
  (v, r): SyncInfo => {
    const o = r.object(v);
    const opt = (x: unknown, path: string) =>
      x === null || x === undefined ? undefined : parseBlockRef(r, x, path);
    return {
      unsafeL2: parseBlockRef(r, o.unsafeL2, "unsafeL2"),
      safeL2: parseBlockRef(r, o.safeL2, "safeL2"),
      finalizedL2: parseBlockRef(r, o.finalizedL2, "finalizedL2"),
      currentL1: opt(o.currentL1, "currentL1"),
      headL1: opt(o.headL1, "headL1"),
      safeL1: opt(o.safeL1, "safeL1"),
      finalizedL1: opt(o.finalizedL1, "finalizedL1"),
      syncing: r.bool(o.syncing, "syncing"),
    };
  },
);

/** eth_syncing: false when synced, else the Ethereum progress object. */
export const ethSyncingResult = codec(
  (s: EthSyncing) =>
    s === false
      ? false
      : {
          startingBlock: quantity(s.startingBlock),
          currentBlock: quantity(s.currentBlock),
          highestBlock: quantity(s.highestBlock),
        },
  (v, r): EthSyncing => {
    if (v === false) return false;
    const o = r.object(v);
    return {
      startingBlock: r.quantity(o.startingBlock, "startingBlock"),
      currentBlock: r.quantity(o.currentBlock, "currentBlock"),
      highestBlock: r.quantity(o.highestBlock, "highestBlock"),
    };
  },
);

// --- documents -----------------------------------------------------------------------------

/** Longest genesis text a client accepts (a real one is a few KiB; alloc makes it grow). */
export const MAX_GENESIS_JSON_BYTES = 4 * 1024 * 1024;

/** flops_getGenesis. */
export const genesisResult = codec(
  (g: GenesisInfo) => ({ genesis: g.genesis, hash: hex(g.hash) }),
  (v, r): GenesisInfo => {
    const o = r.object(v);
    const genesis = r.string(o.genesis, "genesis");
    if (Buffer.byteLength(genesis, "utf8") > MAX_GENESIS_JSON_BYTES)
      r.fail("genesis", `at most ${MAX_GENESIS_JSON_BYTES} bytes`);
    return { genesis, hash: r.data(o.hash, "hash", 32) };
  },
);

function parseTier(r: JsonReader, v: unknown, path: string): Tier {
  const o = r.object(v, path);
  return {
    id: r.int(o.id, `${path}.id`),
    name: r.string(o.name, `${path}.name`),
    n: r.int(o.n, `${path}.n`),
    m: r.int(o.m, `${path}.m`),
    k: r.int(o.k, `${path}.k`),
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
export const paramsResult = codec(
  (p: ChainParams) => toJsonValue(p),
  (v, r): ChainParams => {
    const o = r.object(v);
    const q = (key: string): bigint => r.quantity(o[key], key);
    return {
      l2ChainId: q("l2ChainId"),
      beacon: parseBeacon(r, o.beacon),
      tiers: r.array(o.tiers, "tiers").map((t, i) => parseTier(r, t, `tiers[${i}]`)),
      maxBatchDelayMs: q("maxBatchDelayMs"),
      maxSequencerDriftMs: q("maxSequencerDriftMs"),
      roundTimeoutMs: q("roundTimeoutMs"),
      maxBlockGapMs: q("maxBlockGapMs"),
      epochMs: q("epochMs"),
      minLiveWork: q("minLiveWork"),
      stepBps: q("stepBps"),
      capBps: q("capBps"),
      flopsPerCredit: q("flopsPerCredit"),
      maxBlockBytes: r.int(o.maxBlockBytes, "maxBlockBytes"),
      maxTxBytes: r.int(o.maxTxBytes, "maxTxBytes"),
      maxRevealsPerBlock: r.int(o.maxRevealsPerBlock, "maxRevealsPerBlock"),
      maxOpenChallenges: r.int(o.maxOpenChallenges, "maxOpenChallenges"),
      l1BlockTimeMs: q("l1BlockTimeMs"),
      sequencingWindow: q("sequencingWindow"),
      channelTimeout: q("channelTimeout"),
      maxChannelBytes: r.int(o.maxChannelBytes, "maxChannelBytes"),
      recordTtlMs: q("recordTtlMs"),
    };
  },
);

/**
 * An Ethereum-shaped block (eth_getBlockBy*): the server writes it from its byte-bounded cache
 * (api/jsonRpc/ethBlock.ts), so `format` only passes the JSON through; a client gets the object,
 * checked to be one (viem's own actions read its fields).
 */
export const ethBlockResult = codec(
  (b: Record<string, unknown>) => b,
  (v, r) => r.object(v),
);
