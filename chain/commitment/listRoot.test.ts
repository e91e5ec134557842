import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { u64ToBytes, ZERO_HASH } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { hashedListRoot, listRoot } from "./listRoot.ts";

/**
 * The definition, one node:crypto call per node (PROTOCOL Appendix E), as the chain has always
 * computed it: the top preimage is 73 bytes, 32 zero bytes between the count and the tree.
 */
function referenceListRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return ZERO_HASH;
  let level = items.map((it) => sha256(Uint8Array.of(0, ...it)));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(sha256(Uint8Array.of(1, ...level[i]!, ...(level[i + 1] ?? ZERO_HASH))));
    level = next;
  }
  return sha256(Uint8Array.of(2, ...u64ToBytes(BigInt(items.length)), ...ZERO_HASH, ...level[0]!));
}

const arbItems = (maxLength: number) =>
  fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength });

describe("listRoot", () => {
  it("equals the per-node definition on random lists of 0..300 items", () => {
    fc.assert(
      fc.property(arbItems(300), (items) => {
        expect(listRoot(items)).toEqual(referenceListRoot(items));
      }),
      { numRuns: 150 },
    );
  });

  it("equals it at every size around the kernel's batch of 256 nodes and at powers of two", () => {
    const items = Array.from({ length: 1030 }, (_, i) => sha256(u64ToBytes(BigInt(i))));
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 513, 514, 1023, 1024, 1025, 1030]) {
      expect(listRoot(items.slice(0, n)), `n = ${n}`).toEqual(referenceListRoot(items.slice(0, n)));
    }
  });

  it("hashedListRoot is listRoot over sha256 of each message, short or long", () => {
    const arbMessages = fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 300 });
    fc.assert(
      fc.property(arbMessages, (messages) => {
        expect(hashedListRoot(messages)).toEqual(referenceListRoot(messages.map(sha256)));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps lists of different lengths apart, and the zero root for none", () => {
    const a = sha256(Uint8Array.of(1));
    expect(listRoot([])).toEqual(ZERO_HASH);
    expect(listRoot([a])).not.toEqual(listRoot([a, ZERO_HASH]));
  });

  it("returns a plain Uint8Array it does not reuse", () => {
    const items = [sha256(Uint8Array.of(1)), sha256(Uint8Array.of(2))];
    const first = listRoot(items);
    const copy = Uint8Array.from(first);
    listRoot([sha256(Uint8Array.of(3))]);
    expect(first.constructor).toBe(Uint8Array);
    expect(first).toEqual(copy);
  });
});
