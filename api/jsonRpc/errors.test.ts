import { describe, expect, it } from "vitest";
import { MAX_ERROR_MESSAGE_CHARS } from "../../chain/errors.ts";
import { RPC_CODE } from "../../rpc/errorCodes.ts";
import { cappedError, domainError, errorResponseJson, rpcError } from "./errors.ts";

/** The `error` member of an error response. */
function errorOf(json: string): { code: number; message: string; data?: Record<string, unknown> } {
  return JSON.parse(json).error;
}

describe("error text sent to clients is capped", () => {
  it("caps a rejected submission's message and data.message (the 315,301-char refusal)", () => {
    const detail = `insufficient credits: balance 0, amount ${"9".repeat(315_279)}`;
    const error = errorOf(errorResponseJson(1, domainError("INSUFFICIENT_CREDITS", detail).toJson()));
    expect(error.code).toBe(RPC_CODE.TRANSACTION_REJECTED);
    expect(error.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(error.message).toMatch(
      /^insufficient credits: insufficient credits: balance 0, amount 9+… \(\d+ chars\)$/,
    );
    expect(error.data).toMatchObject({ code: "INSUFFICIENT_CREDITS" });
    expect(error.data!.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(error.data!.message).toMatch(/… \(315319 chars\)$/);
  });

  it("caps any message that echoes client input, and string data", () => {
    const key = "k".repeat(100_000);
    const error = errorOf(
      errorResponseJson("x", rpcError("INVALID_PARAMS", `invalid params: no param ${key}`, key).toJson()),
    );
    expect(error.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(error.data as unknown as string).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
  });

  it("leaves short errors as they are (the same object)", () => {
    const small = rpcError("INVALID_PARAMS", "invalid params", { param: "tx", index: 0 }).toJson();
    expect(cappedError(small)).toBe(small);
    expect(errorOf(errorResponseJson(null, small))).toEqual(small);
    const noData = { code: -32000, message: "m".repeat(MAX_ERROR_MESSAGE_CHARS) };
    expect(cappedError(noData)).toBe(noData);
  });
});
