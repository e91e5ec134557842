/**
 * Equivocation evidence from what operators serve (PROTOCOL §6 fraud proof 1): the challenger asks
 * each operator node for its signature over every posted output's L2 block
 * (`flops_getOutputSignature`) and keeps, per (operator, L2 block, L1 block hash), the first
 * verified signed root. A second verified signature over another root for the same pair is an
 * equivocation FraudProofs.proveEquivocation slashes. Only signatures that verify against the
 * operator's registered key are kept (an unverified answer proves nothing and costs nothing).
 * Entries are dropped once their block is below the oldest output still open.
 * @module
 */
import type { Hex } from "viem";
import { bytesToHex } from "../../chain/bytes.ts";
import type { OutputSignatureInfo } from "../../rpc/operatorResults.ts";
import { type BlsG1, keysMatch, outputMessageHash, verify } from "../operators/bn254Bls.ts";
import { G1_FROM, g2From } from "../operators/signatureCollector.ts";

/** One verified signature: what proveEquivocation takes of it. */
export interface SeenSignature {
  operator: Hex;
  l2BlockNumber: bigint;
  l1BlockHash: Hex;
  root: Hex;
  signature: Uint8Array;
  pubkeyG2: Uint8Array;
}

export interface EquivocationWatchOpts {
  l1ChainId: bigint;
  oracle: Hex;
  l2ChainId: bigint;
}

/** At most this many signatures are kept (one per operator and open output block). */
export const MAX_SEEN_SIGNATURES = 65_536;

export class EquivocationWatch {
  private readonly seen = new Map<string, SeenSignature>();

  constructor(private readonly o: EquivocationWatchOpts) {}

  /**
   * Checks `a` against the operator's registered G1 key; a verified signature over a root other
   * than the one kept for its (operator, block, L1 hash) is returned with that one.
   */
  observe(
    a: OutputSignatureInfo,
    registeredG1: BlsG1 | undefined,
  ): { first: SeenSignature; second: SeenSignature } | undefined {
    if (registeredG1 === undefined) return undefined;
    const root = bytesToHex(a.outputRoot).toLowerCase() as Hex;
    const l1BlockHash = bytesToHex(a.l1BlockHash).toLowerCase() as Hex;
    try {
      const g2 = g2From(a.pubkeyG2);
      if (!keysMatch(registeredG1, g2)) return undefined;
      const digest = outputMessageHash({
        l1ChainId: this.o.l1ChainId,
        outputOracle: this.o.oracle,
        l2ChainId: this.o.l2ChainId,
        l2BlockNumber: a.l2BlockNumber,
        outputRoot: root,
        l1BlockHash,
      });
      if (!verify(g2, digest, G1_FROM(a.signature))) return undefined;
    } catch {
      return undefined; // a point off the curve: not a signature
    }
    const operator = bytesToHex(a.operator).toLowerCase() as Hex;
    const key = `${operator}:${a.l2BlockNumber}:${l1BlockHash}`;
    const s: SeenSignature = {
      operator,
      l2BlockNumber: a.l2BlockNumber,
      l1BlockHash,
      root,
      signature: a.signature,
      pubkeyG2: a.pubkeyG2,
    };
    const first = this.seen.get(key);
    if (first === undefined) {
      if (this.seen.size < MAX_SEEN_SIGNATURES) this.seen.set(key, s);
      return undefined;
    }
    return first.root === root ? undefined : { first, second: s };
  }

  /** Drops what was kept for blocks below `l2`. */
  forgetBelow(l2: bigint): void {
    for (const [k, s] of this.seen) if (s.l2BlockNumber < l2) this.seen.delete(k);
  }
}
