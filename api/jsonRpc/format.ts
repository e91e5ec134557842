/**
 * Domain objects → JSON. Rules (Ethereum style, EIP-1474):
 * - bigint → quantity: "0x" + minimal hex ("0x0", "0x1a"); never a JS number, so no precision loss.
 * - Uint8Array → data: "0x" + lower-case hex, two digits per byte.
 * - small domain `number`s (counts, tier ids, streak, tx index) → JSON numbers.
 * - absent optional fields → null, so every object of a kind has the same keys.
 * @module
 */
import { bytesToHex, type Hex } from "../../chain/bytes.ts";
import type { Account, Action, Address, Challenge, Receipt, SignedTx, SystemTx } from "../../chain/types.ts";
import type { BlockRef, NodeView, ReceiptLookup, SyncStatus, TxLocation, TxLookup } from "../ports.ts";

/** A result that is already JSON text: spliced into the response as is (cached blocks, params). */
export class RawJson {
  constructor(readonly json: string) {}
}

export function quantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`;
}

/** Native hex for large payloads (reveal tiles); the table loop wins below ~64 bytes. */
export function hex(bytes: Uint8Array): Hex {
  if (bytes.length <= 64) return bytesToHex(bytes);
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

const optQuantity = (n: bigint | undefined): Hex | null => (n === undefined ? null : quantity(n));
const optHex = (b: Uint8Array | undefined): Hex | null => (b === undefined ? null : hex(b));

export function formatAccount(address: Address, account: Account & { pendingNonce?: bigint }) {
  return {
    address: hex(address),
    nonce: quantity(account.nonce),
    pendingNonce: quantity(account.pendingNonce ?? account.nonce),
    credits: quantity(account.credits),
  };
}

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

function location(loc: TxLocation | null) {
  return loc === null
    ? { blockHash: null, blockNumber: null, transactionIndex: null }
    : { blockHash: hex(loc.blockHash), blockNumber: quantity(loc.blockNumber), transactionIndex: loc.index };
}

function signedTxFields(tx: SignedTx, from: Address) {
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

/** flops_getTransaction. System txs have from/chainId/nonce/signature/raw null. */
export function formatTransaction(t: TxLookup) {
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
}

export function formatReceipt(r: Receipt) {
  return {
    transactionHash: hex(r.txHash),
    status: r.status,
    error: r.error ?? null,
    challengeId: optQuantity(r.challengeId),
    credits: optQuantity(r.credits),
  };
}

/** flops_getTransactionReceipt. */
export function formatReceiptLookup(r: ReceiptLookup) {
  return { ...formatReceipt(r.receipt), ...location(r.location) };
}

/** flops_getNode: the record, plus credits, streak and multiplier settled at the head. */
export function formatNode(v: NodeView) {
  const r = v.record;
  return {
    address: hex(v.address),
    credits: quantity(v.credits),
    multiplierBps: quantity(v.multiplierBps),
    streak: v.streak,
    registeredAt: quantity(r.registeredAt),
    // Meaningful only while the stored streak is positive (chain/types.ts NodeRecord).
    lastLiveEpoch: r.streak > 0 ? quantity(r.lastLiveEpoch) : null,
    currentEpoch: quantity(r.currentEpoch),
    epochWork: quantity(r.epochWork),
    epochFailed: r.epochFailed,
    openChallenges: r.openChallenges,
    passed: r.passed,
    failed: r.failed,
    expired: r.expired,
    cancelled: r.cancelled,
    totalWork: quantity(r.totalWork),
    totalCredits: quantity(r.totalCredits),
    /** Integer ops per second of the last PASSED challenge (informational, PROTOCOL §3). */
    provenThroughput: quantity(r.lastThroughput),
  };
}

/** flops_getChallenge. Times are milliseconds, as on chain. */
export function formatChallenge(c: Challenge) {
  return {
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
  };
}

function formatBlockRef(b: BlockRef) {
  return { number: quantity(b.number), hash: hex(b.hash), timestamp: quantity(b.timestamp) };
}

/** flops_syncStatus. */
export function formatSyncStatus(s: SyncStatus) {
  return {
    unsafeL2: formatBlockRef(s.unsafeL2),
    safeL2: formatBlockRef(s.safeL2),
    finalizedL2: formatBlockRef(s.finalizedL2),
    currentL1: s.currentL1 === undefined ? null : formatBlockRef(s.currentL1),
    headL1: s.headL1 === undefined ? null : formatBlockRef(s.headL1),
    syncing: s.catchingUp !== undefined,
  };
}

/** eth_syncing: false when synced, else the Ethereum progress object. */
export function formatEthSyncing(s: SyncStatus) {
  if (s.catchingUp === undefined) return false;
  return {
    startingBlock: quantity(s.catchingUp.startingBlock),
    currentBlock: quantity(s.unsafeL2.number),
    highestBlock: quantity(s.catchingUp.highestBlock),
  };
}

/**
 * Any plain domain value → JSON-able, by the rules above (used for the params document, whose
 * shape the chain owns). Throws on a value JSON cannot carry, rather than emitting something lossy.
 */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case "bigint":
      if (value < 0n) throw new RangeError("toJsonValue: negative bigint has no quantity form");
      return quantity(value);
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new RangeError("toJsonValue: non-finite number");
      return value;
    case "undefined":
      return null;
    case "object": {
      if (value === null) return null;
      if (value instanceof Uint8Array) return hex(value);
      if (Array.isArray(value)) return value.map(toJsonValue);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
      return out;
    }
    default:
      throw new TypeError(`toJsonValue: cannot encode a ${typeof value}`);
  }
}
