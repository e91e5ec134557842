/**
 * Assembles the `Attestation` argument of OutputOracle.proposeOutputAttested from the operators'
 * individual signatures: the signers' aggregate signature and G2 key, and every other registered
 * operator's G1 key as a non-signer, sorted by key hash as OutputQuorum requires (strictly
 * ascending, so each at most once).
 * @module
 */
import type { Hex } from "viem";
import {
  aggregateG1,
  aggregateG2,
  type BlsG1,
  type BlsG2,
  keyHash,
  type SolG1,
  type SolG2,
  toSolG1,
  toSolG2,
  verify,
} from "./bn254Bls.ts";

/** One registered operator's keys, and its signature over the message if it signed. */
export interface OperatorVote {
  pubkeyG1: BlsG1;
  pubkeyG2: BlsG2;
  /** Absent (or undefined): did not sign. */
  signature?: BlsG1 | undefined;
}

/** The contracts' `Attestation` struct, ready for viem. */
export interface SolAttestation {
  nonSignerKeys: SolG1[];
  apkG2: SolG2;
  sigma: SolG1;
}

/**
 * The attestation of `votes` (every registered operator once) over `digest`. Each given signature
 * is checked first: a bad one would fail the whole aggregate on L1, so it throws here, naming it.
 */
export function buildAttestation(digest: Hex, votes: readonly OperatorVote[]): SolAttestation {
  const signers = votes.filter((v) => v.signature !== undefined);
  signers.forEach((v, i) => {
    if (!verify(v.pubkeyG2, digest, v.signature as BlsG1)) {
      throw new Error(`signature ${i} (key ${keyHash(v.pubkeyG1)}) does not verify`);
    }
  });
  const nonSigners = votes
    .filter((v) => v.signature === undefined)
    .map((v) => ({ hash: BigInt(keyHash(v.pubkeyG1)), key: v.pubkeyG1 }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  for (let i = 1; i < nonSigners.length; i++) {
    if (nonSigners[i]!.hash === nonSigners[i - 1]!.hash) throw new Error("a key is listed twice");
  }
  return {
    nonSignerKeys: nonSigners.map((n) => toSolG1(n.key)),
    apkG2: toSolG2(aggregateG2(signers.map((v) => v.pubkeyG2))),
    sigma: toSolG1(aggregateG1(signers.map((v) => v.signature as BlsG1))),
  };
}
