/**
 * fast-check arbitraries of every domain type the wire codecs handle, biased towards the edges of
 * each encoding (0, varint byte boundaries, 2^53, 2^64 − 1, the uint256 bound of amounts).
 * TEST-ONLY: imports fast-check (a devDependency); never import this from production code.
 * @module
 */
import fc from "fast-check";
import type protobuf from "protobufjs";
import type {
  Account,
  Action,
  Block,
  BlockHeader,
  Challenge,
  ChallengeStatus,
  NodeRecord,
  Receipt,
  SignedTx,
  SystemTx,
  TxBody,
  Withdrawal,
} from "../../chain/types.ts";
import { CHALLENGE_STATUS } from "../../chain/types.ts";
import { decodeAccount, encodeAccount } from "../../chain/wire/account.ts";
import { decodeBatch, encodeBatch } from "../../chain/wire/batch.ts";
import { decodeBlock, decodeBlockHeader, encodeBlock, encodeBlockHeader } from "../../chain/wire/block.ts";
import { decodeChallenge, encodeChallenge } from "../../chain/wire/challenge.ts";
import { decodeNodeRecord, encodeNodeRecord } from "../../chain/wire/nodeRecord.ts";
import { decodeReceipt, encodeReceipt } from "../../chain/wire/receipt.ts";
import { PB } from "../../chain/wire/schema.ts";
import { decodeSignedTx, decodeTxBody, encodeSignedTx, encodeTxBody } from "../../chain/wire/signedTx.ts";
import { decodeSystemTx, encodeSystemTx } from "../../chain/wire/systemTx.ts";
import { decodeWithdrawal, encodeWithdrawal } from "../../chain/wire/withdrawal.ts";

const U64_MAX = (1n << 64n) - 1n;

/** uint64 values, with the varint and number-precision boundaries over-represented. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 16383n, 16384n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n),
  fc.constantFrom((1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, U64_MAX - 1n, U64_MAX),
  fc.bigInt({ min: 0n, max: 1n << 20n }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);

/** sint64 values (NodeRecord.lastLiveEpoch: −1 means never live). */
export const arbS64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, -64n, 63n, -(1n << 63n), (1n << 63n) - 1n, -(1n << 53n), 1n << 53n),
  fc.bigInt({ min: -(1n << 20n), max: 1n << 20n }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
);

/** uint32 values. */
export const arbU32: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 127, 128, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** Amounts: uint256 (credits have 18 decimals; work sums pass 2^64). */
export const arbAmount: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(
    0n,
    1n,
    255n,
    256n,
    (1n << 48n) - 1n,
    1n << 48n,
    10n ** 18n,
    U64_MAX,
    (1n << 248n) - 1n,
    1n << 248n,
    (1n << 256n) - 1n,
  ),
  fc.bigInt({ min: 0n, max: 1n << 64n }),
  fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
);

/** Amounts the wire refuses: 2^256 and above (33 bytes or more). */
export const arbOversizedAmount: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(1n << 256n, (1n << 264n) - 1n),
  fc.bigInt({ min: 1n << 256n, max: 1n << 1024n }),
);

export const arbBytes = (size: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: size, maxLength: size });
export const arbAddress = arbBytes(20);
export const arbHash = arbBytes(32);
export const arbTxSignature = arbBytes(65);
export const arbBeaconSignature = arbBytes(48);
export const arbVarBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 600 });

export const arbAction: fc.Arbitrary<Action> = fc.oneof(
  fc.constant({ kind: "register" as const }),
  fc.record({ kind: fc.constant("challenge" as const), tier: arbU32 }),
  fc.record({ kind: fc.constant("commit" as const), challengeId: arbU64, root: arbHash }),
  fc.record({
    kind: fc.constant("reveal" as const),
    challengeId: arbU64,
    tiles: arbVarBytes,
    proof: arbVarBytes,
  }),
  fc.record({ kind: fc.constant("transfer" as const), to: arbAddress, amount: arbAmount }),
  fc.record({ kind: fc.constant("withdraw" as const), to: arbAddress, amount: arbAmount }),
);

export const arbTxBody: fc.Arbitrary<TxBody> = fc.record({
  chainId: arbU64,
  nonce: arbU64,
  action: arbAction,
});

export const arbSystemTx: fc.Arbitrary<SystemTx> = fc.oneof(
  fc.record({ kind: fc.constant("beacon" as const), round: arbU64, signature: arbBeaconSignature }),
  fc.record({
    kind: fc.constant("deposit" as const),
    depositId: arbU64,
    to: arbAddress,
    amount: arbAmount,
    l1BlockNumber: arbU64,
  }),
  fc.record({ kind: fc.constant("revoke" as const), challengeId: arbU64, l1BlockNumber: arbU64 }),
);

export const arbBlockHeader: fc.Arbitrary<BlockHeader> = fc.record({
  number: arbU64,
  parentHash: arbHash,
  timestamp: arbU64,
  l1Origin: fc.record({ number: arbU64, hash: arbHash, timestamp: arbU64 }),
  stateRoot: arbHash,
  withdrawalsRoot: arbHash,
  txRoot: arbHash,
  receiptsRoot: arbHash,
});

/** A block without txs (txs need encoding first; see arbBlock in the tests that build them). */
export const arbBlockShell: fc.Arbitrary<Omit<Block, "txs">> = fc.record({
  header: arbBlockHeader,
  systemTxs: fc.array(arbSystemTx, { maxLength: 4 }),
});

export const arbReceipt: fc.Arbitrary<Receipt> = fc.record(
  {
    txHash: arbHash,
    status: fc.constantFrom("success" as const, "failed" as const),
    error: fc.string({ unit: "binary", maxLength: 40 }),
    challengeId: arbU64,
    credits: arbAmount,
  },
  { requiredKeys: ["txHash", "status"] },
);

export const arbAccount: fc.Arbitrary<Account> = fc.record({ nonce: arbU64, credits: arbAmount });

export const arbNodeRecord: fc.Arbitrary<NodeRecord> = fc.record({
  registeredAt: arbU64,
  streak: arbU32,
  lastLiveEpoch: arbS64,
  currentEpoch: arbU64,
  epochWork: arbAmount,
  epochFailed: fc.boolean(),
  openChallenges: arbU32,
  passed: arbU32,
  failed: arbU32,
  expired: arbU32,
  cancelled: arbU32,
  totalWork: arbAmount,
  totalCredits: arbAmount,
  lastThroughput: arbAmount,
});

export const arbChallengeStatus: fc.Arbitrary<ChallengeStatus> = fc.constantFrom(
  ...Object.values(CHALLENGE_STATUS),
);

export const arbChallenge: fc.Arbitrary<Challenge> = fc.record(
  {
    id: arbU64,
    node: arbAddress,
    tier: arbU32,
    status: arbChallengeStatus,
    expiredFrom: arbChallengeStatus,
    t0: arbU64,
    r1: arbU64,
    r1Signature: arbBeaconSignature,
    activeAt: arbU64,
    tc: arbU64,
    root: arbHash,
    r2: arbU64,
    r2Signature: arbBeaconSignature,
    deadline: arbU64,
    openingsDigest: arbHash,
    credits: arbAmount,
    settledAt: arbU64,
  },
  { requiredKeys: ["id", "node", "tier", "status", "t0", "r1", "deadline"] },
);

export const arbWithdrawal: fc.Arbitrary<Withdrawal> = fc.record({
  index: arbU64,
  from: arbAddress,
  to: arbAddress,
  amount: arbAmount,
  l2BlockNumber: arbU64,
});

// ---------------------------------------------------------------------------------------------
// The codec table: one entry per encoded message kind, for the generic property tests.
// ---------------------------------------------------------------------------------------------

/** A signed tx built from a body and a (not necessarily valid) signature, through the codecs. */
export const arbSignedTx: fc.Arbitrary<SignedTx> = fc
  .tuple(arbTxBody, arbTxSignature)
  .map(([body, signature]) => decodeSignedTx(encodeSignedTx(encodeTxBody(body), signature)));

export const arbBlock: fc.Arbitrary<Block> = fc
  .tuple(arbBlockShell, fc.array(arbSignedTx, { maxLength: 3 }))
  .map(([shell, txs]) => ({ ...shell, txs }));

export const arbBatch: fc.Arbitrary<Uint8Array[]> = fc.array(arbBlock.map(encodeBlock), { maxLength: 3 });

export interface WireCodec<T> {
  /** The protobuf message name. */
  name: string;
  type: protobuf.Type;
  arb: fc.Arbitrary<T>;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function codec<T>(c: WireCodec<T>): WireCodec<unknown> {
  return c as WireCodec<unknown>;
}

/** SignedTx encodes from its parts; its round trip compares parts, raw and hash. */
export const WIRE_CODECS: readonly WireCodec<unknown>[] = [
  codec({ name: "TxBody", type: PB.TxBody, arb: arbTxBody, encode: encodeTxBody, decode: decodeTxBody }),
  codec({
    name: "Tx",
    type: PB.Tx,
    arb: arbSignedTx,
    encode: (tx: SignedTx) => encodeSignedTx(tx.bodyBytes, tx.signature),
    decode: decodeSignedTx,
  }),
  codec({
    name: "SystemTx",
    type: PB.SystemTx,
    arb: arbSystemTx,
    encode: encodeSystemTx,
    decode: decodeSystemTx,
  }),
  codec({
    name: "BlockHeader",
    type: PB.BlockHeader,
    arb: arbBlockHeader,
    encode: encodeBlockHeader,
    decode: decodeBlockHeader,
  }),
  codec({ name: "Block", type: PB.Block, arb: arbBlock, encode: encodeBlock, decode: decodeBlock }),
  codec({ name: "Receipt", type: PB.Receipt, arb: arbReceipt, encode: encodeReceipt, decode: decodeReceipt }),
  codec({ name: "Batch", type: PB.Batch, arb: arbBatch, encode: encodeBatch, decode: decodeBatch }),
  codec({ name: "Account", type: PB.Account, arb: arbAccount, encode: encodeAccount, decode: decodeAccount }),
  codec({
    name: "NodeRecord",
    type: PB.NodeRecord,
    arb: arbNodeRecord,
    encode: encodeNodeRecord,
    decode: decodeNodeRecord,
  }),
  codec({
    name: "Challenge",
    type: PB.Challenge,
    arb: arbChallenge,
    encode: encodeChallenge,
    decode: decodeChallenge,
  }),
  codec({
    name: "Withdrawal",
    type: PB.Withdrawal,
    arb: arbWithdrawal,
    encode: encodeWithdrawal,
    decode: decodeWithdrawal,
  }),
];
