/**
 * Pins the output root of PROTOCOL §5: the value operators attest to on L1 (the L1 work's
 * OutputOracle and challenger compute the same hash in Solidity, so these bytes must not drift).
 */
import { encodeAbiParameters, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../bytes.ts";
import { outputRoot } from "./outputRoot.ts";

const filled = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

describe("outputRoot", () => {
  it("default: a golden vector", () => {
    expect(bytesToHex(outputRoot(filled(0x11), filled(0x22), filled(0x33)))).toBe(
      "0xd50bf2ff34ced71be0d2f0be7c2433c6b39d9c3b16c95daf1ed6f24b7578a3b2",
    );
  });

  it("default: equals keccak256(abi.encode(bytes32 0, stateRoot, withdrawalsRoot, l2BlockHash))", () => {
    const [state, withdrawals, block] = [filled(0xa1), filled(0xb2), filled(0xc3)];
    const words = [new Uint8Array(32), state, withdrawals, block].map((b) => bytesToHex(b));
    const abi = encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
      words as [`0x${string}`, `0x${string}`, `0x${string}`, `0x${string}`],
    );
    expect(bytesToHex(outputRoot(state, withdrawals, block))).toBe(keccak256(abi));
  });

  it("behavior: each input moves the root (no field is dropped or swapped)", () => {
    const base = bytesToHex(outputRoot(filled(1), filled(2), filled(3)));
    expect(bytesToHex(outputRoot(filled(2), filled(1), filled(3)))).not.toBe(base);
    expect(bytesToHex(outputRoot(filled(1), filled(3), filled(2)))).not.toBe(base);
    expect(bytesToHex(outputRoot(filled(1), filled(2), filled(4)))).not.toBe(base);
  });
});
