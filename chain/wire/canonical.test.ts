import { describe, expect, it } from "vitest";
import { concatBytes, hexToBytes } from "../bytes.ts";
import { DecodeError } from "../errors.ts";
import type { Challenge, NodeRecord, Receipt, TxBody } from "../types.ts";
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
  EncodeError,
  encodeAccount,
  encodeBlock,
  encodeBlockHeader,
  encodeChallenge,
  encodeNodeRecord,
  encodeReceipt,
  encodeSignedTx,
  encodeSystemTx,
  encodeTxBody,
} from "./index.ts";
import { PB } from "./schema.ts";

/** Bytes from spaced hex ("08 01 1a 00"). */
const h = (s: string): Uint8Array => hexToBytes(s.replace(/\s+/g, ""));
const fill = (n: number, v = 0xaa): Uint8Array => new Uint8Array(n).fill(v);
/** Raw protobufjs encoding: bypasses every check of our codecs, to build bad inputs. */
const raw = (type: keyof typeof PB, obj: object): Uint8Array => PB[type].encode(obj).finish();

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error("expected a DecodeError, nothing was thrown");
}

function encodeError(fn: () => unknown): EncodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EncodeError);
    return e as EncodeError;
  }
  throw new Error("expected an EncodeError, nothing was thrown");
}

// TxBody {chain_id: 1, register: {}} is 08 01 1a 00.
const REGISTER = h("08 01 1a 00");

describe("canonical form of TxBody", () => {
  it("decodes the canonical bytes", () => {
    expect(decodeTxBody(REGISTER)).toEqual({ chainId: 1n, nonce: 0n, action: { kind: "register" } });
    expect(encodeTxBody({ chainId: 1n, nonce: 0n, action: { kind: "register" } })).toEqual(REGISTER);
  });

  it.each([
    ["an explicitly encoded default (nonce = 0)", "08 01 10 00 1a 00"],
    ["fields out of order", "1a 00 08 01"],
    ["a duplicated field", "08 01 08 01 1a 00"],
    ["a duplicated field with another value (last one wins in protobuf)", "08 02 08 01 1a 00"],
    ["a non-minimal varint value", "08 81 00 1a 00"],
    ["a non-minimal varint tag", "88 00 01 1a 00"],
    ["a non-minimal length", "08 01 1a 80 00"],
    ["an unknown varint field", "08 01 1a 00 78 01"],
    ["an unknown length-delimited field", "08 01 1a 00 7a 01 00"],
    ["a known field with the wrong wire type", "0a 01 01 1a 00"],
    ["two members of the oneof", "08 01 1a 00 22 02 08 05"],
    ["an unknown field inside a nested message", "08 01 1a 02 08 01"],
    ["an explicit zero inside a nested message", "08 01 22 02 08 00"],
    ["an explicitly empty amount", `08 01 3a 18 0a 14 ${"01".repeat(20)} 12 00`],
  ])("rejects %s", (_what, hex) => {
    expect(decodeError(() => decodeTxBody(h(hex))).message).toBe("TxBody: non-canonical encoding");
  });

  it.each([
    ["trailing garbage (tag 0)", "08 01 1a 00 00"],
    ["a trailing truncated field", "08 01 1a 00 08"],
    ["a truncated length-delimited field", "08 01 1a 05 00"],
    ["an 11-byte varint", "08 ff ff ff ff ff ff ff ff ff ff 01 1a 00"],
    ["wire type 7", "08 01 1a 00 0f"],
    ["an unterminated group", "08 01 1a 00 0b"],
  ])("rejects %s as malformed", (_what, hex) => {
    expect(decodeError(() => decodeTxBody(h(hex))).message).toMatch(/^TxBody: malformed protobuf \(.+\)$/);
  });

  it("rejects a body with no action", () => {
    expect(decodeError(() => decodeTxBody(h("08 01"))).message).toBe("TxBody: no action set");
    expect(decodeError(() => decodeTxBody(new Uint8Array(0))).message).toBe("TxBody: no action set");
  });

  it("rejects a u64 above 2^64 − 1 (10-byte varint with high bits)", () => {
    decodeError(() => decodeTxBody(h("08 ff ff ff ff ff ff ff ff ff 7f 1a 00")));
  });

  it("checks fixed sizes and amounts, naming the field", () => {
    const transfer = (to: Uint8Array, amount: Uint8Array) =>
      raw("TxBody", { chainId: 1, transfer: { to, amount } });
    expect(decodeError(() => decodeTxBody(transfer(fill(3), h("01")))).message).toBe(
      "Transfer.to: expected 20 bytes, got 3",
    );
    expect(decodeError(() => decodeTxBody(transfer(fill(21), h("01")))).message).toBe(
      "Transfer.to: expected 20 bytes, got 21",
    );
    expect(decodeError(() => decodeTxBody(transfer(fill(20), h("00 01")))).message).toBe(
      "Transfer.amount: leading zero byte in amount (non-canonical)",
    );
    const withdraw = raw("TxBody", { withdraw: { amount: h("05") } });
    expect(decodeError(() => decodeTxBody(withdraw)).message).toBe("Withdraw.to: expected 20 bytes, got 0");
    const commit = raw("TxBody", { commit: { challengeId: 3, root: fill(31) } });
    expect(decodeError(() => decodeTxBody(commit)).message).toBe("Commit.root: expected 32 bytes, got 31");
  });

  it("keeps a transfer of zero (amount absent) distinct from a missing recipient", () => {
    const body: TxBody = { chainId: 5n, nonce: 1n, action: { kind: "transfer", to: fill(20), amount: 0n } };
    expect(decodeTxBody(encodeTxBody(body))).toEqual(body);
  });

  it("rejects inputs that are not bytes", () => {
    for (const bad of [null, undefined, "08011a00", [8, 1, 26, 0], 42]) {
      expect(decodeError(() => decodeTxBody(bad as unknown as Uint8Array)).message).toMatch(
        /^TxBody: expected a Uint8Array, got /,
      );
      expect(decodeError(() => decodeSignedTx(bad as unknown as Uint8Array)).message).toMatch(
        /^Tx: expected a Uint8Array/,
      );
    }
  });

  it("wraps protobufjs errors with the cause", () => {
    const e = decodeError(() => decodeTxBody(h("08 01 1a 05 00")));
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.code).toBe("DECODE_ERROR");
  });
});

describe("canonical form of Tx", () => {
  const sig = fill(65, 7);
  const tx = encodeSignedTx(REGISTER, sig);

  it("is body then signature, and decodes to views of the exact bytes", () => {
    expect(tx).toEqual(concatBytes(h("0a 04"), REGISTER, h("12 41"), sig));
    const d = decodeSignedTx(tx);
    expect(d.bodyBytes).toEqual(REGISTER);
    expect(d.bodyBytes.buffer).toBe(tx.buffer);
    expect(d.raw).toBe(tx);
    expect(d.body.action).toEqual({ kind: "register" });
  });

  it("rejects a wrong signature length, a missing body, a non-canonical body, and field order", () => {
    expect(
      decodeError(() => decodeSignedTx(raw("Tx", { body: REGISTER, signature: fill(64) }))).message,
    ).toBe("Tx.signature: expected 65 bytes, got 64");
    expect(decodeError(() => decodeSignedTx(raw("Tx", { signature: sig }))).message).toBe("Tx.body: missing");
    expect(
      decodeError(() => decodeSignedTx(raw("Tx", { body: h("1a 00 08 01"), signature: sig }))).message,
    ).toBe("TxBody: non-canonical encoding");
    const swapped = concatBytes(h("12 41"), sig, h("0a 04"), REGISTER);
    expect(decodeError(() => decodeSignedTx(swapped)).message).toBe("Tx: non-canonical encoding");
    expect(decodeError(() => decodeSignedTx(concatBytes(tx, h("00")))).message).toMatch(
      /^Tx: malformed protobuf/,
    );
  });

  it("encodeSignedTx refuses what decodeSignedTx would reject", () => {
    expect(encodeError(() => encodeSignedTx(REGISTER, fill(64))).message).toBe(
      "Tx.signature: expected 65 bytes, got 64 bytes",
    );
    expect(encodeError(() => encodeSignedTx(h("1a 00 08 01"), sig)).message).toMatch(
      /^Tx.body: not a canonical TxBody/,
    );
  });
});

describe("canonical form of SystemTx", () => {
  it("rejects an empty oneof, wrong sizes, and two members", () => {
    expect(decodeError(() => decodeSystemTx(new Uint8Array(0))).message).toBe("SystemTx: no kind set");
    const beacon = raw("SystemTx", { beacon: { round: 9, signature: fill(47) } });
    expect(decodeError(() => decodeSystemTx(beacon)).message).toBe(
      "Beacon.signature: expected 48 bytes, got 47",
    );
    const deposit = raw("SystemTx", { deposit: { depositId: 1, to: fill(19), amount: h("01") } });
    expect(decodeError(() => decodeSystemTx(deposit)).message).toBe("Deposit.to: expected 20 bytes, got 19");
    const two = concatBytes(
      encodeSystemTx({ kind: "revoke", challengeId: 1n, l1BlockNumber: 2n }),
      h("0a 00"),
    );
    decodeError(() => decodeSystemTx(two));
    const beaconAndRevoke = concatBytes(
      encodeSystemTx({ kind: "beacon", round: 1n, signature: fill(48) }),
      encodeSystemTx({ kind: "revoke", challengeId: 1n, l1BlockNumber: 2n }),
    );
    expect(decodeError(() => decodeSystemTx(beaconAndRevoke)).message).toBe(
      "SystemTx: non-canonical encoding",
    );
  });

  it("encodes a revoke of challenge 0 at L1 block 0 as an empty member", () => {
    expect(encodeSystemTx({ kind: "revoke", challengeId: 0n, l1BlockNumber: 0n })).toEqual(h("1a 00"));
    expect(decodeSystemTx(h("1a 00"))).toEqual({ kind: "revoke", challengeId: 0n, l1BlockNumber: 0n });
  });
});

const HEADER = {
  number: 1n,
  parentHash: fill(32, 1),
  timestamp: 1_700_000_000_000n,
  l1Origin: { number: 10n, hash: fill(32, 2), timestamp: 1_700_000_000n },
  stateRoot: fill(32, 3),
  withdrawalsRoot: fill(32, 4),
  txRoot: fill(32, 5),
  receiptsRoot: fill(32, 6),
};

describe("canonical form of BlockHeader and Block", () => {
  it("requires l1_origin and every root", () => {
    const headerPb = PB.BlockHeader.decode(encodeBlockHeader(HEADER)) as unknown as Record<string, unknown>;
    const noOrigin = raw("BlockHeader", { ...headerPb, l1Origin: undefined });
    expect(decodeError(() => decodeBlockHeader(noOrigin)).message).toBe("BlockHeader.l1_origin: missing");
    const noParent = raw("BlockHeader", { ...headerPb, parentHash: undefined });
    expect(decodeError(() => decodeBlockHeader(noParent)).message).toBe(
      "BlockHeader.parent_hash: expected 32 bytes, got 0",
    );
    const shortOriginHash = raw("BlockHeader", { ...headerPb, l1Origin: { number: 1, hash: fill(8) } });
    expect(decodeError(() => decodeBlockHeader(shortOriginHash)).message).toBe(
      "L1Origin.hash: expected 32 bytes, got 8",
    );
  });

  it("says where a block's bad part is", () => {
    const header = encodeBlockHeader(HEADER);
    const tx = encodeSignedTx(REGISTER, fill(65));
    const badTx = raw("Tx", { body: REGISTER, signature: fill(3) });
    expect(decodeError(() => decodeBlock(raw("Block", { txs: [tx] }))).message).toBe("Block.header: missing");
    const withBadTx = raw("Block", { header: PB.BlockHeader.decode(header), txs: [tx, badTx] });
    const e = decodeError(() => decodeBlock(withBadTx));
    expect(e.message).toBe("Block.txs[1]: Tx.signature: expected 65 bytes, got 3");
    expect(e.cause).toBeInstanceOf(DecodeError);
    const withEmptyTx = raw("Block", { header: PB.BlockHeader.decode(header), txs: [new Uint8Array(0)] });
    expect(decodeError(() => decodeBlock(withEmptyTx)).message).toBe("Block.txs[0]: empty");
    const withBadSys = raw("Block", {
      header: PB.BlockHeader.decode(header),
      systemTxs: [{ beacon: { round: 1, signature: fill(2) } }],
    });
    expect(decodeError(() => decodeBlock(withBadSys)).message).toBe(
      "Block.system_txs[0]: Beacon.signature: expected 48 bytes, got 2",
    );
  });

  it("writes tx raw bytes as they are, and a block without txs has only header and system txs", () => {
    const empty = encodeBlock({ header: HEADER, systemTxs: [], txs: [] });
    expect(decodeBlock(empty)).toEqual({ header: HEADER, systemTxs: [], txs: [] });
    const header = encodeBlockHeader(HEADER);
    expect(header.length).toBe(223); // a 2-byte length varint: df 01
    expect(empty).toEqual(concatBytes(h("0a df 01"), header));
  });

  it("rejects a batch entry out of place but keeps entries as raw bytes", () => {
    expect(decodeBatch(new Uint8Array(0))).toEqual([]);
    expect(decodeBatch(h("0a 01 ff 0a 00"))).toEqual([h("ff"), new Uint8Array(0)]);
    expect(decodeError(() => decodeBatch(h("0a 01 ff 10 00"))).message).toBe("Batch: non-canonical encoding");
  });
});

describe("canonical form of Receipt", () => {
  const base: Receipt = { txHash: fill(32), status: "success" };

  it("keeps optional fields present even when zero or empty", () => {
    const r: Receipt = { ...base, status: "failed", error: "", challengeId: 0n, credits: 0n };
    const bytes = encodeReceipt(r);
    expect(bytes.subarray(34)).toEqual(h("10 02 1a 00 20 00 2a 00"));
    expect(decodeReceipt(bytes)).toEqual(r);
    expect(decodeReceipt(encodeReceipt(base))).toEqual(base);
  });

  it("rejects UNSPECIFIED and unknown statuses, and invalid UTF-8", () => {
    expect(decodeError(() => decodeReceipt(raw("Receipt", { txHash: fill(32) }))).message).toBe(
      "Receipt.status: invalid value 0",
    );
    expect(decodeError(() => decodeReceipt(raw("Receipt", { txHash: fill(32), status: 3 }))).message).toBe(
      "Receipt.status: invalid value 3",
    );
    expect(decodeError(() => decodeReceipt(raw("Receipt", { txHash: fill(32), status: -1 }))).message).toBe(
      "Receipt.status: invalid value -1",
    );
    const badUtf8 = concatBytes(encodeReceipt(base), h("1a 02 c3 28"));
    decodeError(() => decodeReceipt(badUtf8));
    const overlong = concatBytes(encodeReceipt(base), h("1a 02 c0 af"));
    decodeError(() => decodeReceipt(overlong));
  });

  it("refuses to encode a string with a lone surrogate", () => {
    expect(encodeError(() => encodeReceipt({ ...base, error: "a\uD800b" })).message).toBe(
      "Receipt.error: string has a lone surrogate",
    );
  });
});

const NODE: NodeRecord = {
  registeredAt: 0n,
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
};

describe("canonical form of state records", () => {
  it("encodes an empty account as no bytes, and rejects explicit zeros", () => {
    expect(encodeAccount({ nonce: 0n, credits: 0n })).toEqual(new Uint8Array(0));
    expect(decodeAccount(new Uint8Array(0))).toEqual({ nonce: 0n, credits: 0n });
    expect(encodeAccount({ nonce: 1n, credits: 256n })).toEqual(h("08 01 12 02 01 00"));
    expect(decodeError(() => decodeAccount(h("08 00"))).message).toBe("Account: non-canonical encoding");
    expect(decodeError(() => decodeAccount(h("12 00"))).message).toBe("Account: non-canonical encoding");
  });

  it("encodes lastLiveEpoch −1 as zigzag 1 and rejects a non-canonical bool", () => {
    expect(encodeNodeRecord(NODE)).toEqual(h("18 01"));
    expect(decodeNodeRecord(h("18 01"))).toEqual(NODE);
    expect(decodeNodeRecord(h("18 01 30 01"))).toEqual({ ...NODE, epochFailed: true });
    expect(decodeError(() => decodeNodeRecord(h("18 01 30 02"))).message).toBe(
      "NodeRecord: non-canonical encoding",
    );
    expect(decodeError(() => decodeNodeRecord(h("18 01 30 00"))).message).toBe(
      "NodeRecord: non-canonical encoding",
    );
  });

  const CHALLENGE: Challenge = {
    id: 1n,
    node: fill(20),
    tier: 1,
    status: "REQUESTED",
    t0: 5n,
    r1: 7n,
    deadline: 9n,
  };

  it("keeps Challenge's optional fields exact, and rejects bad statuses and sizes", () => {
    const full: Challenge = {
      ...CHALLENGE,
      status: "EXPIRED",
      expiredFrom: "COMMITTED",
      r1Signature: fill(48),
      activeAt: 0n,
      tc: 0n,
      root: fill(32),
      r2: 0n,
      openingsDigest: fill(32),
      credits: 0n,
      settledAt: 0n,
    };
    expect(decodeChallenge(encodeChallenge(full))).toEqual(full);
    expect(decodeChallenge(encodeChallenge(CHALLENGE))).toEqual(CHALLENGE);
    const pb = PB.Challenge.decode(encodeChallenge(CHALLENGE)) as unknown as Record<string, unknown>;
    expect(decodeError(() => decodeChallenge(raw("Challenge", { ...pb, status: 0 }))).message).toBe(
      "Challenge.status: invalid value 0",
    );
    expect(decodeError(() => decodeChallenge(raw("Challenge", { ...pb, status: 9 }))).message).toBe(
      "Challenge.status: invalid value 9",
    );
    expect(decodeError(() => decodeChallenge(raw("Challenge", { ...pb, expiredFrom: 12 }))).message).toBe(
      "Challenge.expired_from: invalid value 12",
    );
    expect(
      decodeError(() => decodeChallenge(raw("Challenge", { ...pb, r2Signature: fill(96) }))).message,
    ).toBe("Challenge.r2_signature: expected 48 bytes, got 96");
    // expired_from = UNSPECIFIED written explicitly (field 5, value 0).
    const explicitUnspecified = encodeChallenge(CHALLENGE);
    const i = explicitUnspecified.indexOf(0x30); // t0's tag follows status; insert before it
    const bytes = concatBytes(
      explicitUnspecified.subarray(0, i),
      h("28 00"),
      explicitUnspecified.subarray(i),
    );
    expect(decodeError(() => decodeChallenge(bytes)).message).toBe("Challenge: non-canonical encoding");
  });

  it("rejects a withdrawal with a short address", () => {
    const w = raw("Withdrawal", { index: 1, from: fill(20), to: fill(10), amount: h("01") });
    expect(decodeError(() => decodeWithdrawal(w)).message).toBe("Withdrawal.to: expected 20 bytes, got 10");
  });
});

describe("encoders refuse values they cannot encode", () => {
  const body = (action: TxBody["action"], nonce = 0n): TxBody => ({ chainId: 1n, nonce, action });

  it.each([
    [
      "a u64 of 2^64",
      () => encodeTxBody(body({ kind: "register" }, 1n << 64n)),
      "TxBody.nonce: u64 out of range",
    ],
    ["a negative u64", () => encodeTxBody(body({ kind: "register" }, -1n)), "TxBody.nonce: u64 out of range"],
    [
      "a negative amount",
      () => encodeTxBody(body({ kind: "transfer", to: fill(20), amount: -5n })),
      "Transfer.amount: negative amount",
    ],
    [
      "a short address",
      () => encodeTxBody(body({ kind: "withdraw", to: fill(19), amount: 1n })),
      "Withdraw.to: expected 20 bytes, got 19 bytes",
    ],
    [
      "a u32 of 2^32",
      () => encodeTxBody(body({ kind: "challenge", tier: 2 ** 32 })),
      "TxBody.challenge.tier: u32",
    ],
    [
      "a fractional u32",
      () => encodeTxBody(body({ kind: "challenge", tier: 1.5 })),
      "TxBody.challenge.tier: u32",
    ],
    [
      "an unknown action",
      () => encodeTxBody(body({ kind: "mint" } as unknown as TxBody["action"])),
      "TxBody.action: unknown kind mint",
    ],
    [
      "a number where a bigint belongs",
      () => encodeAccount({ nonce: 1 as unknown as bigint, credits: 0n }),
      "bigint",
    ],
    [
      "an s64 below −2^63",
      () => encodeNodeRecord({ ...NODE, lastLiveEpoch: -(1n << 63n) - 1n }),
      "s64 out of range",
    ],
    [
      "an unknown challenge status",
      () =>
        encodeChallenge({
          id: 1n,
          node: fill(20),
          tier: 1,
          status: "DONE" as Challenge["status"],
          t0: 0n,
          r1: 0n,
          deadline: 0n,
        }),
      "Challenge.status: unknown status DONE",
    ],
    [
      "a block tx without raw bytes",
      () => encodeBlock({ header: HEADER, systemTxs: [], txs: [{ raw: new Uint8Array(0) } as never] }),
      "Block.txs[0]: missing raw bytes",
    ],
    [
      "a block header with a short root",
      () => encodeBlock({ header: { ...HEADER, txRoot: fill(3) }, systemTxs: [], txs: [] }),
      "Block.header: BlockHeader.tx_root: expected 32 bytes",
    ],
  ])("%s", (_what, fn, message) => {
    expect(encodeError(fn).message).toContain(message);
  });
});
