/**
 * Asks the operators' nodes for a record's state proof (`flops_getChallengeProof`) under one L2
 * block: the challenger's way into a state only the signers hold. Each answer is input from
 * anyone: capped in bytes (a record and a 256-deep proof fit well under the cap), timed out, and
 * parsed by the result codec, which re-checks the preimage and the proof; a node that errs, lies
 * or stalls is just not an answer (FraudProofs.demandRecord is the backstop).
 * @module
 */

import { cappedFetch } from "../../rpc/cappedFetch.ts";
import type { ChallengeProofInfo } from "../../rpc/challengeProofResults.ts";
import { encodeParams, parseResult } from "../../rpc/method.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import type { SignerProofs } from "./challenger.ts";

/** A record (≤ 4 KiB as hex ×2) and an SMT proof (≤ 8.3 KiB as hex ×2) with JSON around them. */
export const MAX_CHALLENGE_PROOF_ANSWER_BYTES = 64 * 1024;
/** At most this many operator URLs are asked (`--challenger.operator-rpcs`). */
export const MAX_CHALLENGER_OPERATOR_URLS = 64;

export function httpSignerProofs(urls: readonly string[], timeoutMs = 3000): SignerProofs {
  const fetchCapped = cappedFetch(fetch, MAX_CHALLENGE_PROOF_ANSWER_BYTES);
  const spec = FLOPS_RPC.getChallengeProof;
  const ask = async (url: string, id: bigint, n: bigint): Promise<ChallengeProofInfo | undefined> => {
    try {
      const res = await fetchCapped(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: spec.name,
          params: encodeParams(spec, [id, n]),
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: unknown };
      return parseResult(spec, body.result ?? null) ?? undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async proofs(id, n) {
      const answers = await Promise.all(
        urls.slice(0, MAX_CHALLENGER_OPERATOR_URLS).map((u) => ask(u, id, n)),
      );
      return answers.filter((a): a is ChallengeProofInfo => a !== undefined && a.challengeId === id);
    },
  };
}
