/**
 * The fixed messages of the wire golden vectors (test/vectors/wire.json). generateWire.ts writes
 * their bytes and hashes; wire.test.ts re-encodes them and compares, so the encoding cannot drift
 * silently. Changing a case here means regenerating wire.json (and reviewing its diff).
 * Signatures are byte patterns, not valid signatures: the wire layer does not check them.
 * @module
 */
import { bytesToHex } from "../../chain/bytes.ts";
import type {
  Account,
  Block,
  BlockHeader,
  Challenge,
  NodeRecord,
  Receipt,
  SignedTx,
  SystemTx,
  TxBody,
  Withdrawal,
} from "../../chain/types.ts";
import {
  decodeAccount,
  decodeBatch,
  decodeBlock,
  decodeBlockHeader,
  decodeChallenge,
  decodeNodeRecord,
  decodeReceipt,
  decodeSignedTx,
  decodeSystemTx,
  decodeTxBody,
  decodeWithdrawal,
  encodeAccount,
  encodeBatch,
  encodeBlock,
  encodeBlockHeader,
  encodeChallenge,
  encodeNodeRecord,
  encodeReceipt,
  encodeSignedTx,
  encodeSystemTx,
  encodeTxBody,
  encodeWithdrawal,
} from "../../chain/wire/index.ts";
import { PB } from "../../chain/wire/schema.ts";

/** n bytes (seed + 7·i) mod 256: distinct, deterministic, easy to spot in hex. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + 7 * i) & 0xff;
  return out;
}

const U64_MAX = (1n << 64n) - 1n;
/** The largest amount (PROTOCOL.md Appendix A: amounts are uint256, at most 32 bytes). */
const UINT256_MAX = (1n << 256n) - 1n;
const CHAIN_ID = 0xf10b5n;
const ETHER = 10n ** 18n;

/** A tx signature pattern ending in v = 1. */
function sig65(seed: number): Uint8Array {
  const s = pattern(65, seed);
  s[64] = 1;
  return s;
}

function signed(body: TxBody, seed: number): SignedTx {
  return decodeSignedTx(encodeSignedTx(encodeTxBody(body), sig65(seed)));
}

export type WireCase =
  | { name: string; message: "TxBody"; value: TxBody }
  | { name: string; message: "Tx"; value: { body: TxBody; signature: Uint8Array } }
  | { name: string; message: "SystemTx"; value: SystemTx }
  | { name: string; message: "BlockHeader"; value: BlockHeader }
  | { name: string; message: "Block"; value: Block }
  | { name: string; message: "Receipt"; value: Receipt }
  | { name: string; message: "Batch"; value: Uint8Array[] }
  | { name: string; message: "Account"; value: Account }
  | { name: string; message: "NodeRecord"; value: NodeRecord }
  | { name: string; message: "Challenge"; value: Challenge }
  | { name: string; message: "Withdrawal"; value: Withdrawal };

const TRANSFER: TxBody = {
  chainId: CHAIN_ID,
  nonce: 3n,
  action: { kind: "transfer", to: pattern(20, 0x22), amount: (3n * ETHER) / 2n },
};
const CHALLENGE_TX: TxBody = { chainId: CHAIN_ID, nonce: 1n, action: { kind: "challenge", tier: 1 } };

const GENESIS_HEADER: BlockHeader = {
  number: 0n,
  parentHash: new Uint8Array(32),
  timestamp: 1_700_000_000_000n,
  l1Origin: { number: 0n, hash: pattern(32, 0x01), timestamp: 1_700_000_000n },
  stateRoot: pattern(32, 0x02),
  withdrawalsRoot: new Uint8Array(32),
  txRoot: new Uint8Array(32),
  receiptsRoot: new Uint8Array(32),
};

const HEADER: BlockHeader = {
  number: 1234n,
  parentHash: pattern(32, 0x10),
  timestamp: 1_700_000_123_456n,
  l1Origin: { number: 19_000_000n, hash: pattern(32, 0x20), timestamp: 1_700_000_120n },
  stateRoot: pattern(32, 0x30),
  withdrawalsRoot: pattern(32, 0x40),
  txRoot: pattern(32, 0x50),
  receiptsRoot: pattern(32, 0x60),
};

const BEACON: SystemTx = { kind: "beacon", round: 1_234_567n, signature: pattern(48, 0x70) };
const DEPOSIT: SystemTx = {
  kind: "deposit",
  depositId: 0n,
  to: pattern(20, 0x80),
  amount: 25n * ETHER,
  l1BlockNumber: 19_000_001n,
};

const BLOCK: Block = {
  header: HEADER,
  systemTxs: [BEACON, DEPOSIT],
  txs: [signed(CHALLENGE_TX, 0x90), signed(TRANSFER, 0xa0)],
};

export const WIRE_CASES: readonly WireCase[] = [
  {
    name: "txbody-register",
    message: "TxBody",
    value: { chainId: CHAIN_ID, nonce: 0n, action: { kind: "register" } },
  },
  { name: "txbody-challenge", message: "TxBody", value: CHALLENGE_TX },
  {
    name: "txbody-commit",
    message: "TxBody",
    value: {
      chainId: CHAIN_ID,
      nonce: 2n,
      action: { kind: "commit", challengeId: 42n, root: pattern(32, 0x11) },
    },
  },
  {
    name: "txbody-reveal",
    message: "TxBody",
    value: {
      chainId: CHAIN_ID,
      nonce: 3n,
      action: { kind: "reveal", challengeId: 42n, tiles: pattern(512, 0x12), proof: pattern(96, 0x13) },
    },
  },
  { name: "txbody-transfer", message: "TxBody", value: TRANSFER },
  {
    name: "txbody-withdraw-amount-above-u64",
    message: "TxBody",
    value: {
      chainId: CHAIN_ID,
      nonce: 4n,
      action: { kind: "withdraw", to: pattern(20, 0x14), amount: 1n << 64n },
    },
  },
  {
    name: "txbody-max-values",
    message: "TxBody",
    value: {
      chainId: U64_MAX,
      nonce: U64_MAX,
      action: { kind: "transfer", to: new Uint8Array(20).fill(0xff), amount: UINT256_MAX },
    },
  },
  {
    name: "txbody-withdraw-max-amount",
    message: "TxBody",
    value: {
      chainId: CHAIN_ID,
      nonce: 5n,
      action: { kind: "withdraw", to: pattern(20, 0x14), amount: UINT256_MAX },
    },
  },
  { name: "tx-transfer", message: "Tx", value: { body: TRANSFER, signature: sig65(0x15) } },
  {
    name: "tx-register",
    message: "Tx",
    value: { body: { chainId: 1n, nonce: 0n, action: { kind: "register" } }, signature: sig65(0x16) },
  },
  { name: "systemtx-beacon", message: "SystemTx", value: BEACON },
  { name: "systemtx-deposit", message: "SystemTx", value: DEPOSIT },
  { name: "systemtx-deposit-max-amount", message: "SystemTx", value: { ...DEPOSIT, amount: UINT256_MAX } },
  {
    name: "systemtx-revoke",
    message: "SystemTx",
    value: { kind: "revoke", challengeId: 42n, l1BlockNumber: 19_000_002n },
  },
  { name: "header-genesis", message: "BlockHeader", value: GENESIS_HEADER },
  { name: "header", message: "BlockHeader", value: HEADER },
  { name: "block-empty", message: "Block", value: { header: GENESIS_HEADER, systemTxs: [], txs: [] } },
  { name: "block", message: "Block", value: BLOCK },
  { name: "receipt-success", message: "Receipt", value: { txHash: pattern(32, 0x17), status: "success" } },
  {
    name: "receipt-challenge",
    message: "Receipt",
    value: { txHash: pattern(32, 0x18), status: "success", challengeId: 0n },
  },
  {
    name: "receipt-failed",
    message: "Receipt",
    value: {
      txHash: pattern(32, 0x19),
      status: "failed",
      error: "DEADLINE_PASSED",
      challengeId: 42n,
      credits: 0n,
    },
  },
  {
    name: "batch",
    message: "Batch",
    value: [encodeBlock({ header: GENESIS_HEADER, systemTxs: [], txs: [] }), encodeBlock(BLOCK)],
  },
  { name: "account-empty", message: "Account", value: { nonce: 0n, credits: 0n } },
  { name: "account", message: "Account", value: { nonce: 7n, credits: 123_456_789n * ETHER + 1n } },
  { name: "account-max-credits", message: "Account", value: { nonce: 7n, credits: UINT256_MAX } },
  {
    name: "node-fresh",
    message: "NodeRecord",
    value: {
      registeredAt: 12n,
      streak: 0,
      lastLiveEpoch: -1n,
      currentEpoch: 0n,
      epochWork: 0n,
      epochFailed: false,
      openChallenges: 0,
      passed: 0,
      failed: 0,
      expired: 0,
      cancelled: 0,
      totalWork: 0n,
      totalCredits: 0n,
      lastThroughput: 0n,
    },
  },
  {
    name: "node-busy",
    message: "NodeRecord",
    value: {
      registeredAt: 12n,
      streak: 5,
      lastLiveEpoch: 99n,
      currentEpoch: 100n,
      epochWork: 68_719_476_736n,
      epochFailed: true,
      openChallenges: 2,
      passed: 40,
      failed: 1,
      expired: 3,
      cancelled: 4,
      totalWork: 1n << 70n,
      totalCredits: 1_500n * ETHER,
      lastThroughput: 19_088_743_424n,
    },
  },
  {
    name: "challenge-requested",
    message: "Challenge",
    value: {
      id: 1n,
      node: pattern(20, 0x1a),
      tier: 1,
      status: "REQUESTED",
      t0: 1_700_000_000_000n,
      r1: 100n,
      deadline: 1_700_000_060_000n,
    },
  },
  {
    name: "challenge-passed",
    message: "Challenge",
    value: {
      id: 42n,
      node: pattern(20, 0x1b),
      tier: 1,
      status: "PASSED",
      t0: 1_700_000_000_000n,
      r1: 100n,
      r1Signature: pattern(48, 0x1c),
      activeAt: 1_700_000_003_000n,
      tc: 1_700_000_010_000n,
      root: pattern(32, 0x1d),
      r2: 104n,
      r2Signature: pattern(48, 0x1e),
      deadline: 1_700_000_035_000n,
      openingsDigest: pattern(32, 0x1f),
      credits: 68n * ETHER,
      settledAt: 1240n,
    },
  },
  {
    name: "challenge-expired-after-commit",
    message: "Challenge",
    value: {
      id: 43n,
      node: pattern(20, 0x21),
      tier: 100,
      status: "EXPIRED",
      expiredFrom: "COMMITTED",
      t0: 0n,
      r1: 1n,
      r1Signature: pattern(48, 0x23),
      activeAt: 0n,
      tc: 5_000n,
      root: pattern(32, 0x24),
      r2: 3n,
      deadline: 25_000n,
    },
  },
  {
    name: "withdrawal",
    message: "Withdrawal",
    value: {
      index: 0n,
      from: pattern(20, 0x25),
      to: pattern(20, 0x26),
      amount: 5n * ETHER,
      l2BlockNumber: 1235n,
    },
  },
];

/**
 * Bytes every decoder must reject, with the exact DecodeError message. Built with raw protobufjs,
 * since our encoders refuse to write them. Each is otherwise canonical, so the named rule is the
 * only reason for the rejection.
 */
export interface InvalidWireCase {
  name: string;
  message: WireCase["message"];
  bytes: Uint8Array;
  error: string;
}

/** 2^256 as minimal big-endian bytes: 33 bytes, one past the uint256 bound. */
const AMOUNT_2_256 = Uint8Array.of(1, ...new Uint8Array(32));
const AMOUNT_33_BYTES_ERROR = (field: string) => `${field}: amount of 33 bytes, above uint256 (at most 32)`;

/** A raw protobufjs encoding as a plain Uint8Array (protobufjs may hand back a Node Buffer). */
function rawPb(type: keyof typeof PB, obj: object): Uint8Array {
  return new Uint8Array(PB[type].encode(obj).finish());
}

const TRANSFER_2_256 = rawPb("TxBody", {
  chainId: Number(CHAIN_ID),
  nonce: 3,
  transfer: { to: pattern(20, 0x22), amount: AMOUNT_2_256 },
});

export const INVALID_WIRE_CASES: readonly InvalidWireCase[] = [
  {
    name: "txbody-transfer-amount-33-bytes",
    message: "TxBody",
    bytes: TRANSFER_2_256,
    error: AMOUNT_33_BYTES_ERROR("Transfer.amount"),
  },
  {
    name: "txbody-withdraw-amount-33-bytes",
    message: "TxBody",
    bytes: rawPb("TxBody", {
      chainId: Number(CHAIN_ID),
      nonce: 4,
      withdraw: { to: pattern(20, 0x14), amount: new Uint8Array(33).fill(0xff) },
    }),
    error: AMOUNT_33_BYTES_ERROR("Withdraw.amount"),
  },
  {
    name: "tx-transfer-amount-33-bytes",
    message: "Tx",
    bytes: rawPb("Tx", { body: TRANSFER_2_256, signature: sig65(0x15) }),
    error: AMOUNT_33_BYTES_ERROR("Transfer.amount"),
  },
  {
    name: "systemtx-deposit-amount-33-bytes",
    message: "SystemTx",
    bytes: rawPb("SystemTx", {
      deposit: { depositId: 0, to: pattern(20, 0x80), amount: AMOUNT_2_256, l1BlockNumber: 19_000_001 },
    }),
    error: AMOUNT_33_BYTES_ERROR("Deposit.amount"),
  },
  {
    name: "account-credits-33-bytes",
    message: "Account",
    bytes: rawPb("Account", { nonce: 7, credits: AMOUNT_2_256 }),
    error: AMOUNT_33_BYTES_ERROR("Account.credits"),
  },
  {
    name: "withdrawal-amount-33-bytes",
    message: "Withdrawal",
    bytes: rawPb("Withdrawal", {
      index: 0,
      from: pattern(20, 0x25),
      to: pattern(20, 0x26),
      amount: AMOUNT_2_256,
      l2BlockNumber: 1235,
    }),
    error: AMOUNT_33_BYTES_ERROR("Withdrawal.amount"),
  },
];

/** Encodes a case with the codec of its message. */
export function encodeCase(c: WireCase): Uint8Array {
  switch (c.message) {
    case "TxBody":
      return encodeTxBody(c.value);
    case "Tx":
      return encodeSignedTx(encodeTxBody(c.value.body), c.value.signature);
    case "SystemTx":
      return encodeSystemTx(c.value);
    case "BlockHeader":
      return encodeBlockHeader(c.value);
    case "Block":
      return encodeBlock(c.value);
    case "Receipt":
      return encodeReceipt(c.value);
    case "Batch":
      return encodeBatch(c.value);
    case "Account":
      return encodeAccount(c.value);
    case "NodeRecord":
      return encodeNodeRecord(c.value);
    case "Challenge":
      return encodeChallenge(c.value);
    case "Withdrawal":
      return encodeWithdrawal(c.value);
  }
}

/** Decodes bytes with the codec of the case's message, in the case's value form. */
export function decodeCase(c: Pick<WireCase, "message">, bytes: Uint8Array): unknown {
  switch (c.message) {
    case "TxBody":
      return decodeTxBody(bytes);
    case "Tx": {
      const tx = decodeSignedTx(bytes);
      return { body: tx.body, signature: tx.signature };
    }
    case "SystemTx":
      return decodeSystemTx(bytes);
    case "BlockHeader":
      return decodeBlockHeader(bytes);
    case "Block":
      return decodeBlock(bytes);
    case "Receipt":
      return decodeReceipt(bytes);
    case "Batch":
      return decodeBatch(bytes);
    case "Account":
      return decodeAccount(bytes);
    case "NodeRecord":
      return decodeNodeRecord(bytes);
    case "Challenge":
      return decodeChallenge(bytes);
    case "Withdrawal":
      return decodeWithdrawal(bytes);
  }
}

/**
 * A JSON view of a domain value, for readers of wire.json in other languages: bigints as decimal
 * strings, bytes as 0x hex, signed txs as their hash and raw bytes.
 */
export function jsonView(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(jsonView);
  if (v !== null && typeof v === "object") {
    if ("raw" in v && "hash" in v && "bodyBytes" in v) {
      const tx = v as SignedTx;
      return { hash: bytesToHex(tx.hash), raw: bytesToHex(tx.raw) };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonView(x)]));
  }
  return v;
}
