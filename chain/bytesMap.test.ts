import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BytesMap } from "./bytesMap.ts";
import { kvKey } from "./kv.ts";

type Op = { kind: "set"; key: number; value: number } | { kind: "del"; key: number };

/** Keys of assorted lengths (0 to 40 bytes), some sharing prefixes or differing only in length. */
const POOL: Uint8Array[] = [
  new Uint8Array(0),
  Uint8Array.of(0),
  Uint8Array.of(0, 0),
  Uint8Array.of(1),
  ...Array.from({ length: 40 }, (_, i) =>
    Uint8Array.from({ length: (i * 7) % 41 }, (_, j) => (i * 31 + j) & 0xff),
  ),
  new Uint8Array(33),
  new Uint8Array(33).fill(0xff),
];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      key: fc.nat(POOL.length - 1),
      value: fc.nat(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("del" as const), key: fc.nat(POOL.length - 1) }) },
);

describe("BytesMap", () => {
  it("behaves as a Map keyed by the bytes, insertion order included (property)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), fc.boolean(), (ops, untrustedKeys) => {
        const m = new BytesMap<number>({ untrustedKeys });
        const model = new Map<string, number>();
        for (const op of ops) {
          if (op.kind === "set") {
            // The map must copy the key: the caller may reuse its buffer.
            const key = POOL[op.key]!.slice();
            m.set(key, op.value);
            key.fill(0xaa);
            model.set(kvKey(POOL[op.key]!), op.value);
          } else {
            expect(m.delete(POOL[op.key]!)).toBe(model.delete(kvKey(POOL[op.key]!)));
          }
          expect(m.size).toBe(model.size);
        }
        for (const k of POOL) {
          expect(m.get(k)).toBe(model.get(kvKey(k)));
        }
        expect([...m.entries()].map(([k, v]) => [kvKey(k), v])).toEqual([...model.entries()]);
        const seen: Array<[string, number]> = [];
        m.forEach((v, k) => {
          seen.push([kvKey(k), v]);
        });
        expect(seen).toEqual([...model.entries()]);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps every entry across growth and compaction, from any initial size", () => {
    for (const expected of [0, 1000, 1 << 17]) {
      for (const untrustedKeys of [false, true])
        keepsEveryEntry(new BytesMap<number>({ expected, untrustedKeys }));
    }
  });
});

/** Sets, deletes and sets again past several growths; every entry stays, in insertion order. */
function keepsEveryEntry(m: BytesMap<number>): void {
  const key = (i: number): Uint8Array => Uint8Array.of(0x02, i >>> 16, (i >>> 8) & 0xff, i & 0xff);
  for (let i = 0; i < 50_000; i++) m.set(key(i), i);
  for (let i = 0; i < 50_000; i += 2) m.delete(key(i));
  for (let i = 50_000; i < 120_000; i++) m.set(key(i), i);
  expect(m.size).toBe(95_000);
  for (let i = 0; i < 120_000; i++) expect(m.get(key(i))).toBe(i < 50_000 && i % 2 === 0 ? undefined : i);
  const order = [...m.entries()].map(([, v]) => v);
  expect(order).toEqual([...order].sort((a, b) => a - b));
}
