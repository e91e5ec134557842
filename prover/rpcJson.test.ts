import { describe, expect, it } from "vitest";
import {
  formatAccount,
  formatChallenge,
  formatNode,
  formatReceiptLookup,
  formatSyncStatus,
  toJsonValue,
} from "../api/jsonRpc/format.ts";
import { fakeHash, fakeNodeRecord } from "../api/testBackend.ts";
import { defaultParams, QUICKNET } from "../chain/params.ts";
import { CHALLENGE_STATUS, type Challenge } from "../chain/types.ts";
import { RpcResponseError } from "./errors.ts";
import {
  parseAccount,
  parseChallenge,
  parseNode,
  parseParams,
  parseReceipt,
  parseSyncStatus,
} from "./rpcJson.ts";

// The server's formatters (api/) and the client's parsers (prover/) are written apart, on
// purpose; these round trips keep them in agreement.
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const address = new Uint8Array(20).fill(7);

describe("rpcJson parsers read what the API formats", () => {
  it("params", () => {
    const params = defaultParams(QUICKNET);
    expect(parseParams(json(toJsonValue(params)))).toEqual(params);
  });

  it("challenges in every state, optional fields absent rather than undefined", () => {
    const requested: Challenge = {
      id: 9n,
      node: address,
      tier: 1,
      status: CHALLENGE_STATUS.REQUESTED,
      t0: 1000n,
      r1: 5n,
      deadline: 70_000n,
    };
    const expired: Challenge = {
      ...requested,
      status: CHALLENGE_STATUS.EXPIRED,
      expiredFrom: CHALLENGE_STATUS.SAMPLED,
      r1Signature: new Uint8Array(48).fill(1),
      activeAt: 5000n,
      tc: 9000n,
      root: fakeHash("root"),
      r2: 12n,
      r2Signature: new Uint8Array(48).fill(2),
      settledAt: 44n,
    };
    const passed: Challenge = {
      ...expired,
      status: CHALLENGE_STATUS.PASSED,
      openingsDigest: fakeHash("digest"),
      credits: 10n ** 19n,
    };
    delete passed.expiredFrom;
    for (const c of [requested, expired, passed]) {
      const parsed = parseChallenge(json(formatChallenge(c)));
      expect(parsed).toEqual(c);
      expect(Object.keys(parsed!).sort()).toEqual(Object.keys(c).sort());
    }
    expect(parseChallenge(null)).toBeUndefined();
  });

  it("nodes, accounts, receipts and sync status", () => {
    const record = fakeNodeRecord();
    const view = { address, record, credits: 5n, streak: 3, multiplierBps: 13_000n };
    expect(parseNode(json(formatNode(view)))).toMatchObject({
      address,
      credits: 5n,
      streak: 3,
      multiplierBps: 13_000n,
      passed: record.passed,
      lastLiveEpoch: record.lastLiveEpoch,
      provenThroughput: record.lastThroughput,
    });
    expect(
      parseNode(json(formatNode({ ...view, record: { ...record, streak: 0 } })))?.lastLiveEpoch,
    ).toBeUndefined();
    expect(parseAccount(json(formatAccount(address, { nonce: 2n, pendingNonce: 4n, credits: 9n })))).toEqual({
      nonce: 2n,
      pendingNonce: 4n,
      credits: 9n,
    });
    const location = { blockNumber: 12n, blockHash: fakeHash("b"), index: 1 };
    const failed = {
      txHash: fakeHash("t"),
      status: "failed" as const,
      error: "DEADLINE_PASSED: late",
      challengeId: 3n,
    };
    expect(parseReceipt(json(formatReceiptLookup({ receipt: failed, location })))).toEqual({
      ...failed,
      blockNumber: 12n,
      blockHash: location.blockHash,
    });
    const ref = { number: 3n, hash: fakeHash("h"), timestamp: 99n };
    const sync = {
      unsafeL2: ref,
      safeL2: ref,
      finalizedL2: ref,
      headL1: ref,
      catchingUp: { startingBlock: 0n, highestBlock: 9n },
    };
    expect(parseSyncStatus(json(formatSyncStatus(sync)))).toEqual({
      ...sync,
      currentL1: undefined,
      catchingUp: undefined,
      syncing: true,
    });
  });

  it("names the field of a malformed answer", () => {
    expect(() => parseAccount({ nonce: "12", credits: "0x1" })).toThrow(RpcResponseError);
    expect(() => parseAccount({ nonce: "12", credits: "0x1" })).toThrow(
      "flops_getAccount: nonce is not a hex quantity",
    );
    expect(() =>
      parseChallenge({
        ...(json(
          formatChallenge({ id: 1n, node: address, tier: 1, status: "ACTIVE", t0: 0n, r1: 1n, deadline: 2n }),
        ) as object),
        status: "DONE",
      }),
    ).toThrow("flops_getChallenge: status is not a challenge status");
    expect(() => parseReceipt({ transactionHash: "0x12" })).toThrow(/status/);
  });
});
