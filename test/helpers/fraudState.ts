/**
 * A dishonest majority's state for a fraud test: the honest state of one L2 block with a single
 * record changed (a FAILED cheating reveal recorded PASSED, with credits). Only that leaf differs,
 * so the honest proof's siblings give the tampered root, and the same proof bytes prove the
 * tampered record under it: what dishonest operators would serve for what they signed.
 */
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { sha256 } from "../../chain/hash.ts";
import { decodeSmtProof, smtRootFromProof } from "../../chain/smt/index.ts";
import { decodeChallenge, encodeChallenge } from "../../chain/wire/challenge.ts";
import { type ChallengeProofInfo, challengeSmtKey } from "../../rpc/challengeProofResults.ts";

/** `honest` (a FAILED record's proof) as the dishonest state holds it: PASSED with `credits`. */
export function tamperedRecordState(honest: ChallengeProofInfo, credits = 1_000_000n): ChallengeProofInfo {
  if (honest.record === null) throw new Error("fraudState: the record is not in that state");
  const record = encodeChallenge({ ...decodeChallenge(honest.record), status: "PASSED", credits });
  const stateRoot = smtRootFromProof(
    challengeSmtKey(honest.challengeId),
    sha256(record),
    decodeSmtProof(honest.proof),
  );
  if (stateRoot === undefined) throw new Error("fraudState: a malformed proof");
  const o = honest.output;
  return {
    challengeId: honest.challengeId,
    record,
    output: { ...o, stateRoot, outputRoot: outputRoot(stateRoot, o.withdrawalsRoot, o.block.hash) },
    proof: honest.proof,
  };
}
