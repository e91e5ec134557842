/**
 * The invalid-compute fraud proof's calldata (PROTOCOL §6.2): for a PASSED challenge record in an
 * output's state and the openings its digest names, finds the first failing sample with the chain's
 * own reveal check (chain/proof/verify.ts) and assembles the pieces that
 * `InvalidComputeProof.verifyInvalidCompute(Claim)` re-checks on L1 (contracts/src/fraud/).
 *
 * Honest openings yield no claim: only a sample that fails step 5 of the reveal check is provable
 * here (a record whose openings fail earlier steps cannot be PASSED under a correct state
 * transition, and is not this proof's case).
 *
 * BLS points go to L1 in the EIP-2537 encoding (each base-field element 64 bytes: 16 zero bytes ‖
 * 48 big-endian; Fp2 = c0 ‖ c1). The record keeps signatures compressed; the claim carries their
 * y coordinates so L1 needs no square root.
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { encodeFunctionData, type Hex } from "viem";
import { beaconRandomness } from "../../chain/beacon/verifyBeaconRound.ts";
import { bytesToHex, concatBytes, equalBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { ProofTier } from "../../chain/proof/geometry.ts";
import { openingsDigest } from "../../chain/proof/openings.ts";
import { challengeSeed } from "../../chain/proof/seeds.ts";
import { verifyOpenings } from "../../chain/proof/verify.ts";
import type { Challenge } from "../../chain/types.ts";
import { encodeChallenge } from "../../chain/wire/challenge.ts";

/** The output root's preimage (chain/commitment/outputRoot.ts). */
export interface OutputPreimage {
  stateRoot: Uint8Array;
  withdrawalsRoot: Uint8Array;
  l2BlockHash: Uint8Array;
}

/** The Solidity `InvalidComputeProof.Claim`, as bytes. */
export interface InvalidComputeClaim {
  outputRoot: Uint8Array;
  preimage: OutputPreimage;
  /** The record's exact state bytes (encodeChallenge). */
  record: Uint8Array;
  /** Appendix D wire form of the record's inclusion proof under preimage.stateRoot. */
  recordProof: Uint8Array;
  /** y of the r1 signature ‖ y of the r2 signature, 48 bytes each, big-endian. */
  beaconY: Uint8Array;
  tiles: Uint8Array;
  proof: Uint8Array;
  sampleIndex: number;
}

export interface InvalidComputeInput {
  l2ChainId: bigint;
  /** The record's tier (n, m, k) from the genesis. */
  tier: ProofTier;
  record: Challenge;
  recordProof: Uint8Array;
  preimage: OutputPreimage;
  tiles: Uint8Array;
  proof: Uint8Array;
}

export type InvalidComputeResult = { ok: true; claim: InvalidComputeClaim } | { ok: false; reason: string };

const FP_BYTES = 48;

function fpBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(FP_BYTES);
  let v = x;
  for (let i = FP_BYTES - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** 16 zero bytes ‖ 48-byte big-endian: one base-field element as EIP-2537 encodes it. */
function fp64(x: bigint): Uint8Array {
  return concatBytes(new Uint8Array(16), fpBytes(x));
}

/** The y coordinate (48 bytes) of a compressed G1 signature; throws on an invalid encoding. */
export function signatureY(signature: Uint8Array): Uint8Array {
  return fpBytes(bls12_381.G1.Point.fromBytes(signature).toAffine().y);
}

/** A compressed G2 public key (96 bytes) in the EIP-2537 encoding (256 bytes), as the contract pins it. */
export function g2Eip2537(compressed: Uint8Array): Uint8Array {
  const p = bls12_381.G2.Point.fromBytes(compressed).toAffine();
  return concatBytes(fp64(p.x.c0), fp64(p.x.c1), fp64(p.y.c0), fp64(p.y.c1));
}

/**
 * Builds the claim, or says why there is none (honest openings, a record that is not PASSED, a
 * digest that is not the record's, a failure that is not a wrong entry).
 */
export function buildInvalidComputeProof(input: InvalidComputeInput): InvalidComputeResult {
  const { record: c, tiles, proof } = input;
  if (c.status !== "PASSED") return { ok: false, reason: `record is ${c.status}, not PASSED` };
  if (
    c.r1Signature === undefined ||
    c.r2Signature === undefined ||
    c.root === undefined ||
    c.openingsDigest === undefined
  ) {
    return { ok: false, reason: "record lacks rounds, root or digest" };
  }
  if (!equalBytes(openingsDigest(tiles, proof), c.openingsDigest)) {
    return { ok: false, reason: "openings do not match the record's digest" };
  }
  const seed = challengeSeed(input.l2ChainId, c.id, c.node, beaconRandomness(c.r1Signature));
  const verdict = verifyOpenings(
    { tier: input.tier, seed, root: c.root, randomnessR2: beaconRandomness(c.r2Signature) },
    tiles,
    proof,
  );
  if (verdict.ok) return { ok: false, reason: "every sample is correct: no fraud" };
  if (verdict.sample === undefined) {
    return { ok: false, reason: `the reveal fails before step 5 (${verdict.reason}): not provable here` };
  }
  const { stateRoot, withdrawalsRoot, l2BlockHash } = input.preimage;
  return {
    ok: true,
    claim: {
      outputRoot: outputRoot(stateRoot, withdrawalsRoot, l2BlockHash),
      preimage: input.preimage,
      record: encodeChallenge(c),
      recordProof: input.recordProof,
      beaconY: concatBytes(signatureY(c.r1Signature), signatureY(c.r2Signature)),
      tiles,
      proof,
      sampleIndex: verdict.sample,
    },
  };
}

/** ABI of the verifier's entry point and its errors (contracts/src/fraud/InvalidComputeProof.sol). */
export const INVALID_COMPUTE_ABI = [
  {
    type: "function",
    name: "verifyInvalidCompute",
    stateMutability: "view",
    inputs: [
      {
        name: "c",
        type: "tuple",
        components: [
          { name: "outputRoot", type: "bytes32" },
          {
            name: "preimage",
            type: "tuple",
            components: [
              { name: "stateRoot", type: "bytes32" },
              { name: "withdrawalsRoot", type: "bytes32" },
              { name: "l2BlockHash", type: "bytes32" },
            ],
          },
          { name: "record", type: "bytes" },
          { name: "recordProof", type: "bytes" },
          { name: "beaconY", type: "bytes" },
          { name: "tiles", type: "bytes" },
          { name: "proof", type: "bytes" },
          { name: "sampleIndex", type: "uint256" },
        ],
      },
    ],
    outputs: [
      { name: "recordKey", type: "bytes32" },
      { name: "node", type: "address" },
    ],
  },
] as const;

/** The claim as the ABI's tuple (hex strings). */
export function claimTuple(c: InvalidComputeClaim) {
  return {
    outputRoot: bytesToHex(c.outputRoot) as Hex,
    preimage: {
      stateRoot: bytesToHex(c.preimage.stateRoot) as Hex,
      withdrawalsRoot: bytesToHex(c.preimage.withdrawalsRoot) as Hex,
      l2BlockHash: bytesToHex(c.preimage.l2BlockHash) as Hex,
    },
    record: bytesToHex(c.record) as Hex,
    recordProof: bytesToHex(c.recordProof) as Hex,
    beaconY: bytesToHex(c.beaconY) as Hex,
    tiles: bytesToHex(c.tiles) as Hex,
    proof: bytesToHex(c.proof) as Hex,
    sampleIndex: BigInt(c.sampleIndex),
  };
}

/** Calldata of `verifyInvalidCompute(claim)`. */
export function encodeInvalidComputeCall(c: InvalidComputeClaim): Hex {
  return encodeFunctionData({
    abi: INVALID_COMPUTE_ABI,
    functionName: "verifyInvalidCompute",
    args: [claimTuple(c)],
  });
}
