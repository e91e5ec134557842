import { hash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSha256SlotKernel,
  MAX_SLOTS,
  type Sha256SlotKernel,
  sha256Slots,
  slotOffset,
} from "./sha256Batch.ts";

function nodeSha(m: Uint8Array): Buffer {
  return hash("sha256", m, "buffer") as unknown as Buffer;
}

const wasm = createSha256SlotKernel("wasm");
const node = createSha256SlotKernel("node");

function batch(msgs: Uint8Array[], k: Sha256SlotKernel = wasm): Buffer[] {
  msgs.forEach((m, i) => {
    k.mem.set(m, slotOffset(i));
  });
  k.hash(msgs.length);
  return msgs.map((_, i) => Buffer.from(k.mem.slice(slotOffset(i), slotOffset(i) + 32)));
}

describe("sha256Batch", () => {
  it("uses the WebAssembly kernel on this runtime", () => {
    expect(sha256Slots.kind).toBe("wasm");
  });

  it("refuses more than MAX_SLOTS at once", () => {
    expect(() => wasm.hash(MAX_SLOTS + 1)).toThrow(RangeError);
  });

  it("matches node:crypto on known vectors", () => {
    const zero = new Uint8Array(65);
    const ff = new Uint8Array(65).fill(0xff);
    const [a, b] = batch([zero, ff]);
    expect(a!.toString("hex")).toBe(nodeSha(zero).toString("hex"));
    expect(b!.toString("hex")).toBe(nodeSha(ff).toString("hex"));
  });

  it("matches node:crypto for every batch size up to a full batch", () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 255, MAX_SLOTS]) {
      const msgs = Array.from({ length: n }, () => new Uint8Array(randomBytes(65)));
      const got = batch(msgs);
      const viaNode = batch(msgs, node);
      msgs.forEach((m, i) => {
        expect(got[i]!.equals(nodeSha(m))).toBe(true);
        expect(viaNode[i]!.equals(nodeSha(m))).toBe(true);
      });
    }
  });

  it("matches node:crypto on arbitrary messages (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 65, maxLength: 65 }), { minLength: 1, maxLength: 40 }),
        (msgs) => {
          const got = batch(msgs);
          return msgs.every((m, i) => got[i]!.equals(nodeSha(m)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
