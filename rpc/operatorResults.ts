/**
 * Result codec of `flops_getOutputSignature` (an operator node's signature over one output,
 * bridge/operators/outputSigner.ts), `format` and `parse` side by side as in results.ts. `parse`
 * checks lengths only: whether the points are on the curve, the key is the registered one and the
 * signature verifies is the aggregator's to check (bridge/operators/signatureCollector.ts), since
 * an operator's answer is input from anyone.
 * @module
 */
import { hex, quantity } from "./json.ts";
import type { ResultCodec } from "./results.ts";

/** One operator's signature over one output, as `flops_getOutputSignature` serves it. */
export interface OutputSignatureInfo {
  l2BlockNumber: bigint;
  outputRoot: Uint8Array;
  l1BlockHash: Uint8Array;
  l1BlockNumber: bigint;
  /** The G1 signature, x ‖ y (64 bytes, big-endian). */
  signature: Uint8Array;
  /** The G2 key in the contracts' order: x.imaginary ‖ x.real ‖ y.imaginary ‖ y.real (128 bytes). */
  pubkeyG2: Uint8Array;
  /** The operator's L1 address (its EigenLayer operator, the registry's owner of this key). */
  operator: Uint8Array;
}

/** flops_getOutputSignature. */
export const outputSignatureResult: ResultCodec<
  OutputSignatureInfo,
  Record<keyof OutputSignatureInfo, `0x${string}`>
> = {
  format: (s) => ({
    l2BlockNumber: quantity(s.l2BlockNumber),
    outputRoot: hex(s.outputRoot),
    l1BlockHash: hex(s.l1BlockHash),
    l1BlockNumber: quantity(s.l1BlockNumber),
    signature: hex(s.signature),
    pubkeyG2: hex(s.pubkeyG2),
    operator: hex(s.operator),
  }),
  parse: (v, r) => {
    const o = r.object(v, "result");
    return {
      l2BlockNumber: r.quantity(o.l2BlockNumber, "l2BlockNumber"),
      outputRoot: r.data(o.outputRoot, "outputRoot", 32),
      l1BlockHash: r.data(o.l1BlockHash, "l1BlockHash", 32),
      l1BlockNumber: r.quantity(o.l1BlockNumber, "l1BlockNumber"),
      signature: r.data(o.signature, "signature", 64),
      pubkeyG2: r.data(o.pubkeyG2, "pubkeyG2", 128),
      operator: r.data(o.operator, "operator", 20),
    };
  },
};
