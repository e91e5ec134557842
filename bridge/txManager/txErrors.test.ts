import { describe, expect, it } from "vitest";
import { MAX_ERROR_MESSAGE_CHARS } from "../../chain/errors.ts";
import { classifyL1Error, L1TxError, toL1TxError } from "./txErrors.ts";

/** A viem-shaped error: the node's text sits in `details` of a wrapped cause. */
function nodeError(text: string): Error {
  const inner = Object.assign(new Error(text), { details: text });
  return new Error("Transaction creation failed.", { cause: inner });
}

describe("txErrors", () => {
  it("reads the phrases of geth, reth and Anvil", () => {
    const cases: Array<[string, string]> = [
      ["already known", "ALREADY_KNOWN"],
      ["transaction already imported", "ALREADY_KNOWN"],
      ["nonce too low", "NONCE_TOO_LOW"],
      ["replacement transaction underpriced", "REPLACEMENT_UNDERPRICED"],
      ["max fee per gas less than block base fee", "FEE_BELOW_BASE_FEE"],
      ["Insufficient funds for gas * price + value", "INSUFFICIENT_FUNDS"],
      ["execution reverted", "ESTIMATE_REVERTED"],
      ["intrinsic gas too low", "TX_REJECTED"],
      ["connect ECONNREFUSED 127.0.0.1:8545", "RPC_UNAVAILABLE"],
    ];
    for (const [text, code] of cases) expect(classifyL1Error(nodeError(text)), text).toBe(code);
  });

  it("kinds follow the code; insufficient funds is critical with a clear message", () => {
    const e = toL1TxError(nodeError("insufficient funds for gas * price + value"), "broadcast");
    expect(e).toBeInstanceOf(L1TxError);
    expect(e.kind).toBe("critical");
    expect(e.message).toMatch(/fund the sender's L1 account/);
    expect(toL1TxError(new Error("socket hang up"), "x").kind).toBe("temporary");
    expect(toL1TxError(nodeError("nonce too low"), "x").kind).toBe("reset");
  });

  it("a node's huge error text is read through a bounded prefix and the message capped", () => {
    const huge = `${"x".repeat(1_000_000)} insufficient funds`;
    // The phrase lies beyond the prefix that is read: unknown, hence temporary, and cheap.
    expect(classifyL1Error(nodeError(huge))).toBe("RPC_UNAVAILABLE");
    expect(toL1TxError(nodeError(huge), "broadcast").message.length).toBeLessThanOrEqual(
      MAX_ERROR_MESSAGE_CHARS,
    );
  });
});
