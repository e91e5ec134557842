/**
 * Result codec of `flops_getChallengeProof`: a challenge record as it stood in one L2 block's
 * state, with its SMT proof under that block's state root and the block's output preimage: what
 * FraudProofs' invalid-compute and availability calls take (PROTOCOL §6.2, §6.3). A challenger
 * asks the signers of an output it disagrees with; their answers are input from anyone, so
 * `parse` re-checks everything it can: the output root against its preimage, the record's canonical
 * encoding and id, and the proof (inclusion of sha256(record), or exclusion when the record is
 * null) under the preimage's state root.
 * @module
 */
import { u64ToBytes } from "../chain/bytes.ts";
import { DecodeError } from "../chain/errors.ts";
import { sha256 } from "../chain/hash.ts";
import { decodeSmtProof, verifySmtProof } from "../chain/smt/index.ts";
import { NS, smtKey } from "../chain/state/keys.ts";
import { decodeChallenge } from "../chain/wire/challenge.ts";
import { formatOutput, MAX_SMT_PROOF_BYTES, parseOutput } from "./bridgeResults.ts";
import { hex, quantity } from "./json.ts";
import type { ResultCodec } from "./results.ts";
import type { OutputInfo } from "./types.ts";

/** A record is a few hundred bytes (two 96-byte rounds, roots, digests, numbers); 4 KiB is ample. */
export const MAX_CHALLENGE_RECORD_BYTES = 4096;

export interface ChallengeProofInfo {
  challengeId: bigint;
  /** The record's canonical bytes (encodeChallenge) at `output.block`; null: none in that state. */
  record: Uint8Array | null;
  output: OutputInfo;
  /** Appendix D wire form: inclusion of sha256(record), or exclusion, under output.stateRoot. */
  proof: Uint8Array;
}

/** The state SMT's key of challenge `id` (ChallengeRecord.key on L1). */
export function challengeSmtKey(id: bigint): Uint8Array {
  return smtKey(NS.CHALLENGE, u64ToBytes(id));
}

/** Whether `p` proves its record (or its absence) under its own output's state root. */
export function verifyChallengeProof(p: ChallengeProofInfo): boolean {
  try {
    if (p.record !== null && decodeChallenge(p.record).id !== p.challengeId) return false;
    return verifySmtProof(
      p.output.stateRoot,
      challengeSmtKey(p.challengeId),
      p.record === null ? null : sha256(p.record),
      decodeSmtProof(p.proof),
    );
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
}

/** flops_getChallengeProof. */
export const challengeProofResult: ResultCodec<ChallengeProofInfo, Record<string, unknown>> = {
  format: (p) => ({
    challengeId: quantity(p.challengeId),
    record: p.record === null ? null : hex(p.record),
    output: formatOutput(p.output),
    proof: hex(p.proof),
  }),
  parse: (v, r) => {
    const o = r.object(v, "result");
    const challengeId = r.quantity(o.challengeId, "challengeId");
    if (challengeId >= 2n ** 64n) r.fail("challengeId", "below 2^64");
    let record: Uint8Array | null = null;
    if (o.record !== null) {
      if (typeof o.record !== "string" || o.record.length > 2 + 2 * MAX_CHALLENGE_RECORD_BYTES) {
        r.fail("record", `null or hex data of at most ${MAX_CHALLENGE_RECORD_BYTES} bytes`);
      }
      record = r.data(o.record, "record");
    }
    const output = parseOutput(r, o.output, "output");
    if (typeof o.proof !== "string" || o.proof.length > 2 + 2 * MAX_SMT_PROOF_BYTES) {
      r.fail("proof", `hex data of at most ${MAX_SMT_PROOF_BYTES} bytes`);
    }
    const proof = r.data(o.proof, "proof");
    const p = { challengeId, record, output, proof };
    if (!verifyChallengeProof(p)) {
      r.fail("proof", "an SMT proof of the record (or its absence) under output.stateRoot");
    }
    return p;
  },
};
