import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, u64ToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { sha256 } from "../../chain/hash.ts";
import { encodeChallenge } from "../../chain/wire/challenge.ts";
import { deployFraudVerifier, type FraudVerifierL1 } from "../../test/helpers/fraudVerifierL1.ts";
import {
  buildFraudState,
  FRAUD_L2_CHAIN_ID,
  type FraudCase,
  type FraudState,
  TINY,
} from "../../test/vectors/fraudCases.ts";
import { buildInvalidComputeProof, type InvalidComputeClaim, signatureY } from "./invalidComputeProof.ts";

// A real cheating reveal (one entry of a tiny-tier product changed, the root committed over the
// changed product) and an honest one, in one state tree; checked by the TypeScript builder and by
// the Solidity verifier running on the embedded L1.
let state: FraudState;
let l1: FraudVerifierL1;

beforeAll(async () => {
  state = buildFraudState();
  l1 = await deployFraudVerifier(FRAUD_L2_CHAIN_ID);
}, 60_000);
afterAll(async () => {
  await l1?.close();
});

function input(fc: FraudCase, recordProof: Uint8Array) {
  return {
    l2ChainId: FRAUD_L2_CHAIN_ID,
    tier: TINY,
    record: fc.record,
    recordProof,
    preimage: state.preimage,
    tiles: fc.tiles,
    proof: fc.proof,
  };
}

/** What a challenger would send for any record, fraud or not (the builder refuses non-fraud). */
function forcedClaim(fc: FraudCase, recordProof: Uint8Array, sampleIndex: number): InvalidComputeClaim {
  const p = state.preimage;
  return {
    outputRoot: outputRoot(p.stateRoot, p.withdrawalsRoot, p.l2BlockHash),
    preimage: p,
    record: encodeChallenge(fc.record),
    recordProof,
    beaconY: concatBytes(signatureY(fc.record.r1Signature!), signatureY(fc.record.r2Signature!)),
    tiles: fc.tiles,
    proof: fc.proof,
    sampleIndex,
  };
}

describe("invalid-compute fraud proof (tiny tier, real reveals)", () => {
  it("a cheating reveal yields a claim naming the changed entry's sample, and L1 accepts it", async () => {
    const built = buildInvalidComputeProof(input(state.cheating, state.proofs.cheating));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.claim.record).toEqual(encodeChallenge(state.cheating.record));
    const res = await l1.call(built.claim);
    expect(res).toEqual({
      ok: true,
      recordKey: bytesToHex(sha256(concatBytes(Uint8Array.of(3), u64ToBytes(7n)))),
      node: bytesToHex(new Uint8Array(20).fill(0xaa)),
    });
  });

  it("an honest reveal yields no claim, and L1 rejects every sample of it as correct", async () => {
    const built = buildInvalidComputeProof(input(state.honest, state.proofs.honest));
    expect(built).toEqual({ ok: false, reason: "every sample is correct: no fraud" });
    for (let s = 0; s < TINY.k; s++) {
      const res = await l1.call(forcedClaim(state.honest, state.proofs.honest, s));
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error).toMatch(/^SampleCorrect\(/);
    }
  });

  it("a FAILED record yields no claim, and L1 refuses it", async () => {
    expect(buildInvalidComputeProof(input(state.failed, state.proofs.failed))).toEqual({
      ok: false,
      reason: "record is FAILED, not PASSED",
    });
    const built = buildInvalidComputeProof(input(state.cheating, state.proofs.cheating));
    if (!built.ok) throw new Error(built.reason);
    const res = await l1.call(forcedClaim(state.failed, state.proofs.failed, built.claim.sampleIndex));
    expect(res).toEqual({ ok: false, error: "RecordNotPassed(6)" });
  });

  it("openings other than the recorded ones yield no claim, and L1 refuses them", async () => {
    const tiles = state.cheating.tiles.slice();
    tiles[0] = tiles[0]! ^ 1;
    const changed = { ...state.cheating, tiles };
    expect(buildInvalidComputeProof(input(changed, state.proofs.cheating))).toEqual({
      ok: false,
      reason: "openings do not match the record's digest",
    });
    const res = await l1.call(forcedClaim(changed, state.proofs.cheating, 0));
    expect(res).toEqual({ ok: false, error: "OpeningsDigestMismatch()" });
  });

  it("a claim against another state root is refused on L1", async () => {
    const built = buildInvalidComputeProof({
      ...input(state.cheating, state.proofs.honest),
    });
    if (!built.ok) throw new Error(built.reason);
    expect(await l1.call(built.claim)).toEqual({ ok: false, error: "RecordNotProven()" });
  });

  it("fits one L1 transaction at the tiny tier", async () => {
    const built = buildInvalidComputeProof(input(state.cheating, state.proofs.cheating));
    if (!built.ok) throw new Error(built.reason);
    const gas = await l1.estimateGas(built.claim);
    expect(gas).toBeGreaterThan(21_000n);
    expect(gas).toBeLessThan(16_777_216n);
  });
});
