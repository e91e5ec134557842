import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../bytes.ts";
import { DecodeError } from "../errors.ts";
import { keccak256 } from "../hash.ts";
import type { TxBody } from "../types.ts";
import { decodeSignedTx, encodeSignedTx, encodeTxBody } from "./index.ts";

// The README's example, run as it is written: the block between the markers must be the README's.
const signature = new Uint8Array(65).fill(1);

function example(): void {
  // README:begin
  const body: TxBody = { chainId: 0xf10b5n, nonce: 0n, action: { kind: "register" } };
  const bodyBytes = encodeTxBody(body); // what the signing hash covers
  const raw = encodeSignedTx(bodyBytes, signature); // signature: 65 bytes r ‖ s ‖ v
  const tx = decodeSignedTx(raw); // throws DecodeError unless raw is canonical
  expect(tx.body).toEqual(body);
  expect(tx.hash).toEqual(keccak256(raw)); // the tx id
  expect(() => decodeSignedTx(concatBytes(raw, Uint8Array.of(0)))).toThrow(DecodeError);
  // README:end
}

describe("chain/wire/README.md", () => {
  it("shows the code this test runs", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const shown = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const self = readFileSync(new URL(import.meta.url), "utf8");
    const run = /\/\/ README:begin\n([\s\S]*?)\s*\/\/ README:end/.exec(self)?.[1];
    const dedent = (s: string) =>
      s
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
        .join("\n");
    expect(shown).toBeDefined();
    expect(dedent(run ?? "")).toBe(dedent(shown ?? ""));
    example();
  });
});
