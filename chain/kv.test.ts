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

type FOp = Op | { kind: "file"; key: number; value: number };

const fileArb: fc.Arbitrary<FOp> = fc.oneof(
  { weight: 3, arbitrary: opArb },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("file" as const),
      key: fc.nat(POOL.length - 1),
      value: fc.nat(255),
    }),
  },
);

/**
 * Runs `ops` on an overlay over a base holding `inBase`, beside the reference model (a Map keyed by
 * latin1 strings, last write wins; "file" is putContent, a put for the model), checking every read.
 */
function drive(ops: readonly FOp[], inBase: readonly number[]) {
  const base = new MemoryKv();
  for (const i of inBase) base.put(POOL[i]!, Uint8Array.of(0xba, i));
  const overlay = new OverlayKv(base);
  const model = new Map<string, Uint8Array | null>();
  const want = (key: Uint8Array): Uint8Array | undefined => {
    const w = model.get(kvKey(key));
    return w === undefined ? base.get(key) : w === null ? undefined : w;
  };
  for (const op of ops) {
    // A reused key buffer, scribbled over after each call: the port keeps no key.
    const key = POOL[op.key]!.slice();
    if (op.kind === "put" || op.kind === "file") {
      const value = Uint8Array.of(op.value);
      if (op.kind === "put") overlay.put(key, value);
      else overlay.putContent(key, value);
      model.set(kvKey(key), value);
    } else if (op.kind === "del") {
      overlay.del(key);
      model.set(kvKey(key), null);
    } else expect(overlay.get(key)).toEqual(want(key));
    key.fill(0xee);
  }
  return { base, overlay, model, want };
}

/** After discard() the overlay reads through to its base and lists nothing. */
function expectDiscarded(overlay: OverlayKv, base: MemoryKv): void {
  overlay.discard();
  expect(overlay.size).toBe(0);
  expect(overlay.ops()).toEqual([]);
  for (const k of POOL) expect(overlay.get(k)).toEqual(base.get(k));
}

describe("OverlayKv", () => {
  it("reads its writes over the base and lists the net changes in first-write order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 200 }),
        fc.array(fc.nat(POOL.length - 1), { maxLength: 6 }),
        (ops, inBase) => {
          const { base, overlay, model } = drive(ops, inBase);
          expect(overlay.size).toBe(model.size);
          expect(listed(overlay.ops())).toEqual(modelOps(model));
          expectDiscarded(overlay, base);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("files content writes unindexed with put's exact semantics (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fileArb, { maxLength: 200 }),
        fc.array(fc.nat(POOL.length - 1), { maxLength: 6 }),
        (ops, inBase) => {
          const { base, overlay, want } = drive(ops, inBase);
          // The batch, applied in its order over the base, leaves exactly the model's state.
          const after = new MemoryKv();
          for (const k of POOL) {
            const v = base.get(k);
            if (v !== undefined) after.put(k, v);
          }
          after.apply(overlay.ops());
          for (const k of POOL) expect(after.get(k)).toEqual(want(k));
          expectDiscarded(overlay, base);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lists a tree update's filed nodes as puts without putting them in its map", () => {
    const overlay = new OverlayKv(new MemoryKv());
    overlay.put(Uint8Array.of(1, 1), Uint8Array.of(1));
    const nodes = Array.from({ length: 5000 }, (_, i) => Uint8Array.of(0x02, i >>> 8, i & 0xff, 7));
    for (const k of nodes) overlay.putContent(k, k.subarray(1));
    // A write under another first byte leaves them filed; the ops list them after the map's.
    overlay.put(Uint8Array.of(4, 2), Uint8Array.of(2));
    const ops = overlay.ops();
    expect(ops).toHaveLength(5002);
    expect(ops.slice(0, 2).map((o) => o.key[0])).toEqual([1, 4]);
    expect(ops.slice(2).every((o, i) => o.type === "put" && kvKey(o.key) === kvKey(nodes[i]!))).toBe(true);
    // A read under their first byte indexes them: found, and listed once.
    expect(overlay.get(nodes[4321]!)).toEqual(nodes[4321]!.subarray(1));
    expect(overlay.ops()).toHaveLength(5002);
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
