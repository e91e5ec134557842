import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { DecodeError } from "../../chain/errors.ts";
import { keccak256 } from "../../chain/hash.ts";
import { blockHash, systemTxHash } from "../../chain/wire/index.ts";
import type { InvalidWireVector, WireVector } from "./generateWire.ts";
import { decodeCase, encodeCase, INVALID_WIRE_CASES, jsonView, WIRE_CASES } from "./wireCases.ts";

const file = JSON.parse(readFileSync(new URL("./wire.json", import.meta.url), "utf8")) as {
  vectors: WireVector[];
  invalid: InvalidWireVector[];
};
const byName = new Map(file.vectors.map((v) => [v.name, v]));
const invalidByName = new Map(file.invalid.map((v) => [v.name, v]));

describe("wire golden vectors (test/vectors/wire.json)", () => {
  it("has exactly one vector per case", () => {
    expect(file.vectors.map((v) => v.name)).toEqual(WIRE_CASES.map((c) => c.name));
  });

  it.each(WIRE_CASES.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const v = byName.get(name)!;
    expect(v.message).toBe(c.message);
    expect(v.value).toEqual(jsonView(c.value));
    // The encoding of the case is byte for byte the pinned one, and decodes back to the case.
    const bytes = encodeCase(c);
    expect(bytesToHex(bytes)).toBe(v.hex);
    expect(decodeCase(c, hexToBytes(v.hex))).toEqual(c.value);
    expect(bytesToHex(keccak256(bytes))).toBe(v.keccak256);
    if (c.message === "SystemTx") expect(bytesToHex(systemTxHash(c.value))).toBe(v.keccak256);
    if (c.message === "BlockHeader") expect(bytesToHex(blockHash(c.value))).toBe(v.keccak256);
  });

  it("has exactly one invalid vector per invalid case", () => {
    expect(file.invalid.map((v) => v.name)).toEqual(INVALID_WIRE_CASES.map((c) => c.name));
  });

  it.each(INVALID_WIRE_CASES.map((c) => [c.name, c] as const))("invalid: %s", (name, c) => {
    const v = invalidByName.get(name)!;
    expect(v.message).toBe(c.message);
    expect(v.hex).toBe(bytesToHex(c.bytes));
    expect(v.error).toBe(c.error);
    let thrown: unknown;
    try {
      decodeCase(c, hexToBytes(v.hex));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DecodeError);
    expect((thrown as DecodeError).message).toBe(v.error);
  });
});
