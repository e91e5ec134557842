/**
 * The beacon rounds a challenge's randomness comes from, checked before the prover uses them.
 * The prover reads the rounds from its node (the challenge record carries them), and the node is
 * not trusted: a forged seed round makes the prover commit work the chain will not accept, a
 * forged sample round makes it reveal the wrong tiles; either ends as a FAILED challenge. So each
 * round must verify (BLS, chain/beacon) against the beacon key of the *pinned* genesis
 * (genesisTrust.ts), and lie after the input it randomizes (PROTOCOL §2: the seed round follows
 * the request, the sample round the commit). A round that does not is refused with
 * `BAD_BEACON_ROUND`, and nothing is committed or revealed with it.
 * @module
 */
import { beaconRandomness, roundTimeMs, verifyBeaconRound } from "../chain/beacon/index.ts";
import type { ChainParams } from "../chain/params.ts";
import type { Challenge } from "../chain/types.ts";
import { ProverError } from "./errors.ts";

type Which = "seed" | "sample";

function refuse(ch: Challenge, which: Which, round: bigint | undefined, why: string): never {
  const action = which === "seed" ? "committed" : "revealed";
  throw new ProverError(
    "BAD_BEACON_ROUND",
    `challenge ${ch.id}: ${which} round ${round ?? "?"} ${why}; the node's answer is forged or broken, so nothing is ${action} with it`,
    { challengeId: ch.id.toString(), which, round: round?.toString() ?? null },
  );
}

function check(
  params: ChainParams,
  ch: Challenge,
  which: Which,
  round: bigint | undefined,
  signature: Uint8Array | undefined,
  after: bigint | undefined,
): Uint8Array {
  if (round === undefined || signature === undefined) refuse(ch, which, round, "is missing from the record");
  // Cheap checks first: a round from before its input was fixed is known randomness, not fresh.
  if (after === undefined || roundTimeMs(params.beacon, round) <= after) {
    refuse(ch, which, round, `is not after the ${which === "seed" ? "request" : "commit"}`);
  }
  if (!verifyBeaconRound(params.beacon, round, signature)) {
    refuse(ch, which, round, "does not verify against the genesis beacon key");
  }
  return beaconRandomness(signature);
}

/** randomness(r1) of an ACTIVE-or-later challenge, once r1 is verified; else throws BAD_BEACON_ROUND. */
export function verifiedSeedRandomness(params: ChainParams, ch: Challenge): Uint8Array {
  return check(params, ch, "seed", ch.r1, ch.r1Signature, ch.t0);
}

/** randomness(r2) of a SAMPLED challenge, once r2 is verified; else throws BAD_BEACON_ROUND. */
export function verifiedSampleRandomness(params: ChainParams, ch: Challenge): Uint8Array {
  return check(params, ch, "sample", ch.r2, ch.r2Signature, ch.tc);
}
