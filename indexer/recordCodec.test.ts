import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord } from "./recordCodec.ts";

describe("recordCodec", () => {
  it("default: bigints and bytes round-trip, Node Buffers included (protobufjs decodes bytes as Buffers)", () => {
    const rec = { a: 2n ** 70n, b: Uint8Array.of(1, 2), c: Buffer.from([3, 4]), d: "x", e: [5n], f: -3n };
    const back = decodeRecord<typeof rec>(encodeRecord(rec));
    expect(back).toEqual({
      a: 2n ** 70n,
      b: Uint8Array.of(1, 2),
      c: Uint8Array.of(3, 4),
      d: "x",
      e: [5n],
      f: -3n,
    });
    expect(back.c).toBeInstanceOf(Uint8Array);
  });
});
