/** The challenger's FraudProofs slice (fraudAbi.ts) against the compiled artifact. */
import { describe, expect, it } from "vitest";
import { artifactAbi, sliceMismatches } from "../../test/helpers/abiSlice.ts";
import { FRAUD_PROOFS_ABI } from "./fraudAbi.ts";

describe("the challenger's FraudProofs ABI", () => {
  it("matches the artifact: every function and event, outputs and mutability", () => {
    expect(sliceMismatches(artifactAbi("FraudProofs"), FRAUD_PROOFS_ABI)).toEqual([]);
    // The check can fail: a slice with a wrong output is reported.
    const wrong = FRAUD_PROOFS_ABI.map((i) =>
      i.type === "function" && i.name === "demandBond"
        ? { ...i, outputs: [{ name: "", type: "uint64" }] }
        : i,
    );
    expect(sliceMismatches(artifactAbi("FraudProofs"), wrong as never)).toEqual([
      "demandBond: outputs differ",
    ]);
  });
});
