/**
 * Asks the operators' nodes what the challenger needs from them: a record's state proof
 * (`flops_getChallengeProof`) under one L2 block, the challenger's way into a state only the
 * signers hold, and their signatures over one block (`flops_getOutputSignature`), its evidence of
 * equivocation. Each answer is input from anyone: capped in bytes, timed out, parsed by the result
 * codec (which re-checks a proof's preimage and SMT proof); a node that errs, lies or stalls is
 * just not an answer (FraudProofs.demandRecord is the backstop).
 * @module
 */
import { cappedFetch } from "../../rpc/cappedFetch.ts";
import type { ChallengeProofInfo } from "../../rpc/challengeProofResults.ts";
import { type AnyMethodSpec, encodeParams, parseResult } from "../../rpc/method.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import type { OutputSignatureInfo } from "../../rpc/operatorResults.ts";
import type { ChallengerModules, SignerProofs } from "./challenger.ts";

/** A record (≤ 4 KiB as hex ×2) and an SMT proof (≤ 8.3 KiB as hex ×2) with JSON around them. */
export const MAX_CHALLENGE_PROOF_ANSWER_BYTES = 64 * 1024;
/** At most this many operator URLs are asked (`--operator-rpcs`). */
export const MAX_CHALLENGER_OPERATOR_URLS = 64;

/** Every URL's parsed answer to one call (undefined where it failed, erred or was null). */
function askAll<R>(
  urls: readonly string[],
  timeoutMs: number,
): (spec: AnyMethodSpec, params: readonly unknown[]) => Promise<Array<R | undefined>> {
  const fetchCapped = cappedFetch(fetch, MAX_CHALLENGE_PROOF_ANSWER_BYTES);
  const ask = async (
    url: string,
    spec: AnyMethodSpec,
    params: readonly unknown[],
  ): Promise<R | undefined> => {
    try {
      const res = await fetchCapped(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: spec.name,
          params: encodeParams(spec, params as never),
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: unknown };
      return (parseResult(spec, body.result ?? null) as R | null) ?? undefined;
    } catch {
      return undefined;
    }
  };
  return (spec, params) =>
    Promise.all(urls.slice(0, MAX_CHALLENGER_OPERATOR_URLS).map((u) => ask(u, spec, params)));
}

export function httpSignerProofs(urls: readonly string[], timeoutMs = 3000): SignerProofs {
  const ask = askAll<ChallengeProofInfo>(urls, timeoutMs);
  return {
    async proofs(id, n) {
      const answers = await ask(FLOPS_RPC.getChallengeProof, [id, n]);
      return answers.filter((a): a is ChallengeProofInfo => a !== undefined && a.challengeId === id);
    },
  };
}

export function httpOutputSignatures(
  urls: readonly string[],
  timeoutMs = 3000,
): NonNullable<ChallengerModules["signatures"]> {
  const ask = askAll<OutputSignatureInfo>(urls, timeoutMs);
  return {
    async fetch(n) {
      const answers = await ask(FLOPS_RPC.getOutputSignature, [n]);
      return answers.filter((a): a is OutputSignatureInfo => a !== undefined && a.l2BlockNumber === n);
    },
  };
}
