/**
 * The hand-written paths of the hottest codecs (account.ts, challenge.ts, nodeRecord.ts,
 * receipt.ts's encoder) against the
 * protobufjs definition they replace: same bytes out, and on any input, canonical or hostile, the
 * same value or the same error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  arbAccount,
  arbChallenge,
  arbNodeRecord,
  arbReceipt,
  arbSignedTx,
  arbTxBody,
} from "../../test/helpers/wireArbitraries.ts";
import type { Account, Challenge, NodeRecord, Receipt, TxBody } from "../types.ts";
import { decodeAccount, encodeAccount } from "./account.ts";
import { decodeChallenge, decodeChallengePb, encodeChallenge, encodeChallengePb } from "./challenge.ts";
import {
  amountFromPb,
  amountToBytes,
  amountToPb,
  decodeCanonical,
  fixedToPb,
  HASH_BYTES,
  type PbBytes,
  type PbLong,
  stringToPb,
  u64FromPb,
  u64ToPb,
  u64ToPbPresent,
} from "./codec.ts";
import { decodeNodeRecord, decodeNodeRecordPb, encodeNodeRecord, encodeNodeRecordPb } from "./nodeRecord.ts";
import { encodeReceipt } from "./receipt.ts";
import { PB } from "./schema.ts";
import { decodeSignedTx, decodeSignedTxPb, decodeTxBody, decodeTxBodyPb, encodeTxBody } from "./signedTx.ts";
import { txBodyByHand, txByHand } from "./signedTxByHand.ts";

const RUNS = 2000;

/** A plain Uint8Array copy (protobufjs may hand back a Node Buffer). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b);

// The protobufjs definitions, as account.ts and receipt.ts had them before the hand paths.
const accountToPb = (a: Account): object => ({
  nonce: u64ToPb(a.nonce, "Account.nonce"),
  credits: amountToPb(a.credits, "Account.credits"),
});
const accountFromPb = (m: { nonce: PbLong; credits: PbBytes }): Account => ({
  nonce: u64FromPb(m.nonce),
  credits: amountFromPb(m.credits, "Account.credits"),
});
const refEncodeAccount = (a: Account): Uint8Array => plain(PB.Account.encode(accountToPb(a)).finish());
const refDecodeAccount = (b: Uint8Array): Account =>
  decodeCanonical(PB.Account, "Account", b, accountFromPb, accountToPb);
const refEncodeReceipt = (r: Receipt): Uint8Array =>
  plain(
    PB.Receipt.encode({
      txHash: fixedToPb(r.txHash, HASH_BYTES, "Receipt.tx_hash"),
      status: r.status === "success" ? 1 : 2,
      error: r.error === undefined ? undefined : stringToPb(r.error, "Receipt.error"),
      challengeId:
        r.challengeId === undefined ? undefined : u64ToPbPresent(r.challengeId, "Receipt.challenge_id"),
      credits: r.credits === undefined ? undefined : amountToBytes(r.credits, "Receipt.credits"),
    }).finish(),
  );

/** The value, or the error's class and message. */
function outcome<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Hostile variants of a valid encoding: every byte changed, truncated, extended, or spliced. */
const arbMutated = (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
      const out = plain(b);
      if (out.length > 0) out[i % out.length] = v;
      return out;
    }),
    fc.tuple(valid, fc.nat()).map(([b, n]) => b.slice(0, b.length === 0 ? 0 : n % b.length)),
    fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat()).map(([b, extra, at]) => {
      const i = b.length === 0 ? 0 : at % (b.length + 1);
      return Uint8Array.from([...b.subarray(0, i), ...extra, ...b.subarray(i)]);
    }),
  );

/** Short byte strings built from the tags and boundary bytes an account's shape is made of. */
const arbAccountLike = fc
  .array(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x20, 0x21), { maxLength: 40 })
  .map((a) => Uint8Array.from(a));

describe("account codec by hand", () => {
  it("encodes as protobufjs does", () => {
    fc.assert(
      fc.property(arbAccount, (a) => {
        expect(encodeAccount(a)).toEqual(refEncodeAccount(a));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses what protobufjs' path refuses, with the same error", () => {
    const bad = [
      { nonce: -1n, credits: 0n },
      { nonce: 1n << 64n, credits: 0n },
      { nonce: 1n, credits: -1n },
    ];
    bad.push({ nonce: 1n, credits: 1n << 256n }, { nonce: 1 as unknown as bigint, credits: 0n });
    bad.push({ nonce: 0n, credits: 1 as unknown as bigint });
    for (const a of bad) expect(outcome(() => encodeAccount(a))).toEqual(outcome(() => refEncodeAccount(a)));
  });

  it("decodes every input to the same value or error as decodeCanonical", () => {
    const valid = arbAccount.map(refEncodeAccount);
    const inputs = fc.oneof(valid, arbMutated(valid), arbAccountLike, fc.uint8Array({ maxLength: 48 }));
    fc.assert(
      fc.property(inputs, (b) => {
        expect(outcome(() => decodeAccount(b))).toEqual(outcome(() => refDecodeAccount(b)));
      }),
      { numRuns: 5 * RUNS },
    );
  });

  it("takes the edge cases of the hand path the same way", () => {
    const cases = [
      "",
      "08",
      "0800",
      "0801",
      "088001",
      "08ff7f",
      "08807f",
      "08ff00",
      "08ffffffffffff7f",
      "08ffffffffffffff7f",
      "08ffffffffffffffff01",
      "1200",
      "120100",
      "120101",
      "12020001",
      "0801120101",
      "120101 0801",
      "08010801",
      "1201010801",
      `1221${"01".repeat(33)}`,
      `1220${"ff".repeat(32)}`,
      `1220${"00".repeat(32)}`,
      `12 20${"ff".repeat(31)}`,
      "0801 12",
      "1a00",
    ];
    for (const hex of cases) {
      const b = Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
      expect(
        outcome(() => decodeAccount(b)),
        hex,
      ).toEqual(outcome(() => refDecodeAccount(b)));
      expect(
        outcome(() => decodeAccount(Buffer.from(b))),
        hex,
      ).toEqual(outcome(() => refDecodeAccount(b)));
    }
  });
});

describe("receipt encoder by hand", () => {
  it("encodes as protobufjs does", () => {
    fc.assert(
      fc.property(arbReceipt, (r) => {
        expect(encodeReceipt(r)).toEqual(refEncodeReceipt(r));
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves the refusals to protobufjs' path", () => {
    const r: Receipt = { txHash: new Uint8Array(32), status: "success" };
    expect(() => encodeReceipt({ ...r, status: "pending" as Receipt["status"] })).toThrow(/unknown status/);
    expect(() => encodeReceipt({ ...r, txHash: new Uint8Array(31) })).toThrow(/expected 32 bytes/);
    expect(() => encodeReceipt({ ...r, challengeId: 1n << 64n })).toThrow(/u64 out of range/);
    expect(() => encodeReceipt({ ...r, credits: -1n })).toThrow(/negative amount/);
    expect(() => encodeReceipt({ ...r, error: "\uD800" })).toThrow(/lone surrogate/);
    const long = { ...r, error: "é".repeat(100), challengeId: 1n << 60n, credits: 1n << 255n };
    expect(encodeReceipt(long)).toEqual(refEncodeReceipt(long));
  });
});

/** Byte strings built from the challenge's tags and boundary bytes. */
const arbChallengeLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x00, 0x01, 0x02, 0x09, 0x7f, 0x80, 0xff, 0x08, 0x12, 0x14, 0x18, 0x20, 0x28, 0x30),
      fc.constantFrom(0x38, 0x42, 0x48, 0x50, 0x5a, 0x60, 0x6a, 0x70, 0x7a, 0x82, 0x88),
    ),
    { maxLength: 60 },
  )
  .map((a) => Uint8Array.from(a));

const U64_FIELDS = ["id", "t0", "r1", "activeAt", "tc", "r2", "deadline", "settledAt"] as const;
/** Challenges with every u64 below 2^40, as real ones are: the shape the hand decoder takes. */
const arbSmallChallenge = arbChallenge.map((c) => {
  const out: Challenge = { ...c };
  for (const f of U64_FIELDS) if (out[f] !== undefined) out[f] = out[f]! % (1n << 40n);
  return out;
});
const arbAnyChallenge = fc.oneof(arbChallenge, arbSmallChallenge);

describe("challenge codec by hand", () => {
  it("encodes as protobufjs does", () => {
    fc.assert(
      fc.property(arbAnyChallenge, (c) => {
        expect(encodeChallenge(c)).toEqual(encodeChallengePb(c));
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes every input to the same value or error as decodeCanonical", () => {
    const valid = arbAnyChallenge.map(encodeChallengePb);
    const inputs = fc.oneof(valid, arbMutated(valid), arbChallengeLike);
    fc.assert(
      fc.property(inputs, (b) => {
        expect(outcome(() => decodeChallenge(b))).toEqual(outcome(() => decodeChallengePb(b)));
        expect(outcome(() => decodeChallenge(Buffer.from(b)))).toEqual(outcome(() => decodeChallengePb(b)));
      }),
      { numRuns: 5 * RUNS },
    );
  });

  it("decodes bytes fields as plain views into the input", () => {
    fc.assert(
      fc.property(arbSmallChallenge, (c) => {
        const b = encodeChallengePb(c);
        const d = decodeChallenge(Buffer.from(b));
        expect(d.node.constructor).toBe(Uint8Array);
        expect(d).toEqual(decodeChallengePb(b));
      }),
      { numRuns: 200 },
    );
  });

  it("leaves the refusals to protobufjs' path", () => {
    const c = fc.sample(arbChallenge, { numRuns: 1, seed: 1 })[0]!;
    const bad = [
      { ...c, status: "DONE" as Challenge["status"] },
      { ...c, expiredFrom: "DONE" as Challenge["status"] },
      { ...c, node: new Uint8Array(19) },
      { ...c, id: -1n },
      { ...c, deadline: 1n << 64n },
      { ...c, tier: 2 ** 32 },
      { ...c, root: new Uint8Array(31) },
      { ...c, credits: 1n << 256n },
    ];
    for (const x of bad)
      expect(outcome(() => encodeChallenge(x))).toEqual(outcome(() => encodeChallengePb(x)));
    for (const x of bad) expect(outcome(() => encodeChallenge(x))).toHaveProperty("error");
  });
});

/** Byte strings built from the node record's tags and boundary bytes. */
const arbNodeRecordLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x18, 0x20, 0x2a, 0x30),
      fc.constantFrom(0x38, 0x40, 0x48, 0x50, 0x58, 0x62, 0x6a, 0x72, 0x78, 0x21),
    ),
    { maxLength: 60 },
  )
  .map((a) => Uint8Array.from(a));

/** Records with u64s below 2^40 and |lastLiveEpoch| below 2^30, as real ones are: the hand path's shape. */
const arbSmallNodeRecord = arbNodeRecord.map(
  (n): NodeRecord => ({
    ...n,
    registeredAt: n.registeredAt % (1n << 40n),
    currentEpoch: n.currentEpoch % (1n << 40n),
    lastLiveEpoch: n.lastLiveEpoch % (1n << 30n),
  }),
);
const arbAnyNodeRecord = fc.oneof(arbNodeRecord, arbSmallNodeRecord);

describe("node record codec by hand", () => {
  it("encodes as protobufjs does", () => {
    fc.assert(
      fc.property(arbAnyNodeRecord, (n) => {
        expect(encodeNodeRecord(n)).toEqual(plain(encodeNodeRecordPb(n)));
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes every input to the same value or error as decodeCanonical", () => {
    const valid = arbAnyNodeRecord.map(encodeNodeRecordPb);
    const inputs = fc.oneof(valid, arbMutated(valid), arbNodeRecordLike, fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(inputs, (b) => {
        expect(outcome(() => decodeNodeRecord(b))).toEqual(outcome(() => decodeNodeRecordPb(b)));
        expect(outcome(() => decodeNodeRecord(Buffer.from(b)))).toEqual(outcome(() => decodeNodeRecordPb(b)));
      }),
      { numRuns: 5 * RUNS },
    );
  });

  it("takes the edge cases of the hand path the same way", () => {
    const cases = [
      "",
      "0800",
      "1000",
      "1800",
      "1801",
      "1802",
      "18ffffffffffff7f",
      "18ffffffffffffff7f",
      "10ffffffff0f",
      "1080808080 10",
      "2a00",
      "2a0100",
      "2a0101",
      `2a21${"01".repeat(33)}`,
      `2a20${"ff".repeat(32)}`,
      "3000",
      "3001",
      "3002",
      "30013001",
      "7201 01",
      "720101 0801",
      "0801 0801",
      "7801",
      "0801 2a",
    ];
    for (const hex of cases) {
      const b = Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
      expect(
        outcome(() => decodeNodeRecord(b)),
        hex,
      ).toEqual(outcome(() => decodeNodeRecordPb(b)));
    }
  });

  it("leaves the refusals to protobufjs' path", () => {
    const n = fc.sample(arbSmallNodeRecord, { numRuns: 1, seed: 1 })[0]!;
    const bad: NodeRecord[] = [
      { ...n, registeredAt: -1n },
      { ...n, currentEpoch: 1n << 64n },
      { ...n, lastLiveEpoch: 1n << 63n },
      { ...n, streak: 2 ** 32 },
      { ...n, passed: -1 },
      { ...n, failed: 1.5 },
      { ...n, epochWork: -1n },
      { ...n, totalCredits: 1n << 256n },
      { ...n, cancelled: undefined as unknown as number },
    ];
    for (const x of bad)
      expect(outcome(() => encodeNodeRecord(x))).toEqual(outcome(() => encodeNodeRecordPb(x)));
    for (const x of bad) expect(outcome(() => encodeNodeRecord(x))).toHaveProperty("error");
    // Values past the hand path's number range still encode, through protobufjs.
    const big = { ...n, registeredAt: (1n << 64n) - 1n, lastLiveEpoch: -(1n << 63n) };
    expect(encodeNodeRecord(big)).toEqual(plain(encodeNodeRecordPb(big)));
    expect(decodeNodeRecord(encodeNodeRecord(big))).toEqual(big);
  });
});

describe("signed tx decoder by hand", () => {
  const SAFE = (1n << 53n) - 1n;
  const safeBody = (b: TxBody): boolean =>
    b.chainId <= SAFE &&
    b.nonce <= SAFE &&
    (!("challengeId" in b.action) || (b.action as { challengeId: bigint }).challengeId <= SAFE);
  const validBody = arbTxBody.map((b) => plain(encodeTxBody(b)));
  const validTx = arbSignedTx.map((t) => plain(t.raw));
  /** Byte strings made of the tags, lengths and boundary bytes a tx's shape is made of. */
  const arbTxLike = fc
    .array(
      fc.constantFrom(
        0x00,
        0x01,
        0x08,
        0x0a,
        0x0f,
        0x10,
        0x12,
        0x14,
        0x1a,
        0x20,
        0x22,
        0x2a,
        0x32,
        0x3a,
        0x41,
        0x42,
        0x7f,
        0x80,
        0xff,
      ),
      { maxLength: 60 },
    )
    .map((a) => Uint8Array.from(a));

  it("takes every canonical body of safe-integer fields, with the value protobufjs' path gives", () => {
    fc.assert(
      fc.property(arbTxBody, (b) => {
        const bytes = plain(encodeTxBody(b));
        const hand = txBodyByHand(bytes);
        if (safeBody(b)) expect(hand).toEqual(decodeTxBodyPb(bytes));
        else expect(hand).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    // The devnet's chain id needs an 8-byte varint: still the hand path.
    const devnet = plain(
      encodeTxBody({ chainId: 4240497951637135n, nonce: 7n, action: { kind: "register" } }),
    );
    expect(txBodyByHand(devnet)).toEqual(decodeTxBodyPb(devnet));
  });

  it("decodes every body to the same value or error as protobufjs' path", () => {
    const inputs = fc.oneof(validBody, arbMutated(validBody), arbTxLike, fc.uint8Array({ maxLength: 80 }));
    fc.assert(
      fc.property(inputs, (b) => {
        expect(outcome(() => decodeTxBody(b))).toEqual(outcome(() => decodeTxBodyPb(b)));
      }),
      { numRuns: 5 * RUNS },
    );
  });

  it("decodes every raw tx to the same value or error as protobufjs' path, and takes the canonical ones", () => {
    const inputs = fc.oneof(validTx, arbMutated(validTx), arbTxLike, fc.uint8Array({ maxLength: 120 }));
    fc.assert(
      fc.property(inputs, (b) => {
        const hand = outcome(() => decodeSignedTx(b));
        expect(hand).toEqual(outcome(() => decodeSignedTxPb(b)));
        if ("value" in hand && safeBody(hand.value.body)) expect(txByHand(b)).toBeDefined();
      }),
      { numRuns: 5 * RUNS },
    );
  });

  it("takes the edge cases of the hand path the same way", () => {
    const sig = "12 41".concat(" 00".repeat(65));
    const cases = [
      "1a00",
      "08011a00",
      "0800 1a00",
      "0801 0801 1a00",
      "1001 0801 1a00",
      "1a01 00",
      "2200",
      "220208 00",
      "22020801",
      "2206 08ffffffff0f",
      "2206 0880808080 10",
      "2a22 1220".concat(" 11".repeat(32)),
      "2a24 0801 1220".concat(" 11".repeat(32)),
      "2a23 1221".concat(" 11".repeat(33)),
      "3200",
      "32021200",
      "3203 120111",
      "3a16 0a14".concat(" 22".repeat(20)),
      "3a19 0a14".concat(" 22".repeat(20), " 1201 00"),
      "4219 0a14".concat(" 22".repeat(20), " 1201 05"),
      "08 ffffffffffffff0f 1a00",
      "08 ffffffffffffff7f 1a00",
      "08 ffffffffffffffff01 1a00",
      "1a00 2200",
      "1a00 00",
      // Varints with a trailing 0x00 group (non-minimal): values, lengths.
      "088100 1a00",
      "10ff00 1a00",
      "1a8000",
      "2203 088100",
      "2a24 088100 1220".concat(" 11".repeat(32)),
      "3205 12810011",
    ];
    for (const c of cases) {
      const body = Uint8Array.from(Buffer.from(c.replaceAll(" ", ""), "hex"));
      expect(
        outcome(() => decodeTxBody(body)),
        c,
      ).toEqual(outcome(() => decodeTxBodyPb(body)));
      const lenHex = body.length.toString(16).padStart(2, "0");
      const tx = Uint8Array.from(Buffer.from(`0a${lenHex}${c}${sig}`.replaceAll(" ", ""), "hex"));
      if (body.length < 128)
        expect(
          outcome(() => decodeSignedTx(tx)),
          c,
        ).toEqual(outcome(() => decodeSignedTxPb(tx)));
    }
  });
});
