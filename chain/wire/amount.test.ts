/**
 * Amounts are uint256 (PROTOCOL.md Appendix A): every amount field decodes at most 32 bytes and
 * every encoder refuses 2^256 and above. Before this rule an amount was unbounded, and a ~1 Mbit
 * transfer amount cost every node ~190 ms of main-thread CPU to print in an error detail.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbOversizedAmount } from "../../test/helpers/wireArbitraries.ts";
import { DecodeError, MAX_ERROR_MESSAGE_CHARS } from "../errors.ts";
import { newNodeRecord } from "../state/liveness.ts";
import type { Account, Challenge, NodeRecord, Receipt, SystemTx, TxBody, Withdrawal } from "../types.ts";
import { AMOUNT_MAX_BYTES } from "./codec.ts";
import {
  decodeAccount,
  decodeChallenge,
  decodeNodeRecord,
  decodeReceipt,
  decodeSignedTx,
  decodeSystemTx,
  decodeTxBody,
  decodeWithdrawal,
  EncodeError,
  encodeAccount,
  encodeChallenge,
  encodeNodeRecord,
  encodeReceipt,
  encodeSignedTx,
  encodeSystemTx,
  encodeTxBody,
  encodeWithdrawal,
} from "./index.ts";
import { PB } from "./schema.ts";

const UINT256_MAX = (1n << 256n) - 1n;
const fill = (n: number, v = 0xaa): Uint8Array => new Uint8Array(n).fill(v);
/** 2^256: the smallest amount that does not fit, 33 bytes. */
const TWO_256 = Uint8Array.of(1, ...new Uint8Array(32));
const SIGNATURE = fill(65, 0x11).map((b, i) => (i === 64 ? 1 : b));

const NODE: NodeRecord = { ...newNodeRecord(1n, 0n), lastLiveEpoch: -1n };
const CHALLENGE: Challenge = {
  id: 1n,
  node: fill(20),
  tier: 1,
  status: "PASSED",
  t0: 1n,
  r1: 1n,
  deadline: 5n,
  credits: 0n,
};

/**
 * One amount field: its name in errors, a codec for a message holding `amount` there, and the
 * path of the field in the protobufjs object (to write raw bytes our encoders would refuse).
 */
interface AmountField {
  field: string;
  type: keyof typeof PB;
  path: string[];
  encode: (amount: bigint) => Uint8Array;
  decode: (bytes: Uint8Array) => bigint;
}

const transfer = (kind: "transfer" | "withdraw", amount: bigint): TxBody => ({
  chainId: 1n,
  nonce: 0n,
  action: { kind, to: fill(20), amount },
});
const amountOf = (body: TxBody): bigint => (body.action as { amount: bigint }).amount;
const deposit = (amount: bigint): SystemTx => ({
  kind: "deposit",
  depositId: 1n,
  to: fill(20),
  amount,
  l1BlockNumber: 1n,
});
const receipt = (credits: bigint): Receipt => ({ txHash: fill(32), status: "success", credits });
const withdrawal = (amount: bigint): Withdrawal => ({
  index: 1n,
  from: fill(20),
  to: fill(20, 0xbb),
  amount,
  l2BlockNumber: 1n,
});
const nodeField = (key: keyof NodeRecord, field: string, pbKey: string): AmountField => ({
  field: `NodeRecord.${field}`,
  type: "NodeRecord",
  path: [pbKey],
  encode: (a) => encodeNodeRecord({ ...NODE, [key]: a }),
  decode: (b) => decodeNodeRecord(b)[key] as bigint,
});

const FIELDS: AmountField[] = [
  {
    field: "Transfer.amount",
    type: "TxBody",
    path: ["transfer", "amount"],
    encode: (a) => encodeTxBody(transfer("transfer", a)),
    decode: (b) => amountOf(decodeTxBody(b)),
  },
  {
    field: "Withdraw.amount",
    type: "TxBody",
    path: ["withdraw", "amount"],
    encode: (a) => encodeTxBody(transfer("withdraw", a)),
    decode: (b) => amountOf(decodeTxBody(b)),
  },
  {
    field: "Deposit.amount",
    type: "SystemTx",
    path: ["deposit", "amount"],
    encode: (a) => encodeSystemTx(deposit(a)),
    decode: (b) => (decodeSystemTx(b) as { amount: bigint }).amount,
  },
  {
    field: "Account.credits",
    type: "Account",
    path: ["credits"],
    encode: (a) => encodeAccount({ nonce: 1n, credits: a } satisfies Account),
    decode: (b) => decodeAccount(b).credits,
  },
  {
    field: "Withdrawal.amount",
    type: "Withdrawal",
    path: ["amount"],
    encode: (a) => encodeWithdrawal(withdrawal(a)),
    decode: (b) => decodeWithdrawal(b).amount,
  },
  {
    field: "Receipt.credits",
    type: "Receipt",
    path: ["credits"],
    encode: (a) => encodeReceipt(receipt(a)),
    decode: (b) => decodeReceipt(b).credits!,
  },
  {
    field: "Challenge.credits",
    type: "Challenge",
    path: ["credits"],
    encode: (a) => encodeChallenge({ ...CHALLENGE, credits: a }),
    decode: (b) => decodeChallenge(b).credits!,
  },
  nodeField("epochWork", "epoch_work", "epochWork"),
  nodeField("totalWork", "total_work", "totalWork"),
  nodeField("totalCredits", "total_credits", "totalCredits"),
  nodeField("lastThroughput", "last_throughput", "lastThroughput"),
];

/** The message of `f` holding `amount` as raw bytes, whatever their size (bypasses our encoders). */
function withRawAmount(f: AmountField, amount: Uint8Array): Uint8Array {
  const msg = PB[f.type].toObject(PB[f.type].decode(f.encode(1n)), { longs: Number }) as Record<
    string,
    Record<string, unknown>
  >;
  if (f.path.length === 2) msg[f.path[0]!]![f.path[1]!] = amount;
  else (msg as Record<string, unknown>)[f.path[0]!] = amount;
  return new Uint8Array(PB[f.type].encode(PB[f.type].fromObject(msg)).finish()); // not a Buffer
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error("expected a DecodeError, nothing was thrown");
}

describe.each(FIELDS.map((f) => [f.field, f] as const))("amount bound: %s", (field, f) => {
  it("decodes a 32-byte amount (2^256 − 1) and encodes it back to the same bytes", () => {
    const bytes = withRawAmount(f, fill(32, 0xff));
    expect(f.decode(bytes)).toBe(UINT256_MAX);
    expect(f.encode(UINT256_MAX)).toEqual(bytes);
  });

  it("rejects a 33-byte amount (2^256), naming the field", () => {
    const e = decodeError(() => f.decode(withRawAmount(f, TWO_256)));
    expect(e.message).toBe(`${field}: amount of 33 bytes, above uint256 (at most 32)`);
  });

  it("refuses to encode 2^256 or more", () => {
    fc.assert(
      fc.property(arbOversizedAmount, (amount) => {
        expect(() => f.encode(amount)).toThrow(EncodeError);
        expect(() => f.encode(amount)).toThrow(`${field}: amount above uint256`);
      }),
      { numRuns: 20 },
    );
  });
});

describe("amount bound: properties", () => {
  it("a minimal amount of n bytes decodes iff n ≤ 32", () => {
    const f = FIELDS[0]!;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        (first, rest) => {
          const amount = Uint8Array.of(first, ...rest);
          const bytes = withRawAmount(f, amount);
          if (amount.length <= AMOUNT_MAX_BYTES) expect(f.encode(f.decode(bytes))).toEqual(bytes);
          else expect(() => f.decode(bytes)).toThrow(DecodeError);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("amount bound: a ~1 Mbit transfer amount", () => {
  // What the attack sent: a canonical, signed-looking tx whose amount is 130,000 bytes (just
  // under maxTxBytes). It must fail to decode at once, with a short message.
  const huge = fill(130_000, 0xee);
  const body = PB.TxBody.encode({ chainId: 1, transfer: { to: fill(20), amount: huge } }).finish();
  const raw = PB.Tx.encode({ body, signature: SIGNATURE }).finish();

  it("is refused by decodeSignedTx quickly, with a message under the cap", () => {
    const t0 = performance.now();
    const e = decodeError(() => decodeSignedTx(raw));
    const ms = performance.now() - t0;
    expect(e.message).toBe("Transfer.amount: amount of 130000 bytes, above uint256 (at most 32)");
    expect(e.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(ms).toBeLessThan(100);
  });

  it("cannot be built by the encoders", () => {
    expect(() => encodeSignedTx(body, SIGNATURE)).toThrow(EncodeError);
  });
});
