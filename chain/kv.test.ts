import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type KvOp, kvKey, MemoryKv, OverlayKv } from "./kv.ts";

type Op =
  | { kind: "put"; key: number; value: number }
  | { kind: "del"; key: number }
  | { kind: "get"; key: number };

/** Keys of the shapes a block writes (SMT node keys, flat keys, the obsolete-list keys) and odd ones. */
const POOL: Uint8Array[] = [
  new Uint8Array(0),
  Uint8Array.of(0x04, 0x02),
  ...Array.from({ length: 12 }, (_, i) =>
    Uint8Array.from({ length: 33 }, (_, j) => (j === 0 ? 2 : i * 37 + j)),
  ),
  ...Array.from({ length: 12 }, (_, i) =>
    Uint8Array.from({ length: 22 }, (_, j) => (j < 2 ? 1 : i * 11 + j)),
  ),
  Uint8Array.of(1, 3, 0, 0, 0, 0, 0, 0, 0, 7),
];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      key: fc.nat(POOL.length - 1),
      value: fc.nat(255),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), key: fc.nat(POOL.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("get" as const), key: fc.nat(POOL.length - 1) }) },
);

/** The overlay as it was before BytesMap: a Map keyed by latin1 strings (the reference). */
function modelOps(writes: Map<string, Uint8Array | null>): Array<[string, string, number[] | null]> {
  return [...writes].map(([k, v]) => [v === null ? "del" : "put", k, v === null ? null : [...v]]);
}

function listed(ops: KvOp[]): Array<[string, string, number[] | null]> {
  return ops.map((op) => [op.type, kvKey(op.key), op.type === "put" ? [...op.value] : null]);
}

describe("OverlayKv", () => {
  it("reads its writes over the base and lists the net changes in first-write order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 200 }),
        fc.array(fc.nat(POOL.length - 1), { maxLength: 6 }),
        (ops, inBase) => {
          const base = new MemoryKv();
          for (const i of inBase) base.put(POOL[i]!, Uint8Array.of(0xba, i));
          const overlay = new OverlayKv(base);
          const model = new Map<string, Uint8Array | null>();
          for (const op of ops) {
            // A reused key buffer, scribbled over after each call: the port keeps no key.
            const key = POOL[op.key]!.slice();
            const k = kvKey(key);
            if (op.kind === "put") {
              const value = Uint8Array.of(op.value);
              overlay.put(key, value);
              model.set(k, value);
            } else if (op.kind === "del") {
              overlay.del(key);
              model.set(k, null);
            } else {
              const w = model.get(k);
              const want = w === undefined ? base.get(key) : w === null ? undefined : w;
              expect(overlay.get(key)).toEqual(want);
            }
            key.fill(0xee);
          }
          expect(overlay.size).toBe(model.size);
          expect(listed(overlay.ops())).toEqual(modelOps(model));
          overlay.discard();
          expect(overlay.size).toBe(0);
          expect(overlay.ops()).toEqual([]);
          for (const k of POOL) expect(overlay.get(k)).toEqual(base.get(k));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps the values it is given and hands out keys of its own", () => {
    const overlay = new OverlayKv(new MemoryKv());
    const value = Uint8Array.of(1, 2, 3);
    const key = Uint8Array.of(2, 9, 9);
    overlay.put(key, value);
    const [op] = overlay.ops();
    expect(op).toEqual({ type: "put", key, value });
    expect((op as { value: Uint8Array }).value).toBe(value);
    expect(op!.key).not.toBe(key);
  });

  it("holds a block's worth of writes, grown past its size hint", () => {
    const key = (i: number): Uint8Array => Uint8Array.of(0x02, i >>> 16, (i >>> 8) & 0xff, i & 0xff);
    for (const n of [50_000, 300, 80_000]) {
      const overlay = new OverlayKv(new MemoryKv());
      for (let i = 0; i < n; i++) overlay.put(key(i), Uint8Array.of(i & 0xff));
      for (let i = 0; i < n; i += 97) expect(overlay.get(key(i))).toEqual(Uint8Array.of(i & 0xff));
      const ops = overlay.ops();
      expect(ops.length).toBe(n);
      expect(ops.every((op, i) => kvKey(op.key) === kvKey(key(i)))).toBe(true);
    }
  });
});
