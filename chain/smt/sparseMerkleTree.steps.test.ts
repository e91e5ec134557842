import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../bytes.ts";
import { sha256, utf8 } from "../hash.ts";
import { MemoryKv, OverlayKv } from "../kv.ts";
import { drainSteps } from "../steps.ts";
import { type SmtChange, SmtNodeCache, SparseMerkleTree } from "./index.ts";

const h = (s: string): Uint8Array => sha256(utf8(s));

/** A stored tree of `n` leaves, and its root. */
function baseTree(n: number, tag = "base"): { kv: MemoryKv; root: Uint8Array } {
  const kv = new MemoryKv();
  const t = new SparseMerkleTree(kv);
  const root = t.update(
    Array.from({ length: n }, (_, i) => ({ key: h(`${tag}-${i}`), valueHash: h(`v-${i}`) })),
  );
  return { kv, root };
}

/** Inserts, updates, deletes, deletes of absent keys and a duplicated key (its last change wins). */
function changesOf(n: number, seed: number): SmtChange[] {
  const out: SmtChange[] = [];
  for (let i = 0; i < n; i++) {
    const kind = (i * 7 + seed) % 4;
    if (kind === 0) out.push({ key: h(`new-${seed}-${i}`), valueHash: h(`nv-${i}`) });
    else if (kind === 1) out.push({ key: h(`base-${i}`), valueHash: h(`uv-${seed}-${i}`) });
    else if (kind === 2) out.push({ key: h(`base-${i}`), valueHash: null });
    else out.push({ key: h(`absent-${i}`), valueHash: null });
  }
  out.push({ key: h("base-1"), valueHash: h("dup-first") }, { key: h("base-1"), valueHash: h("dup-last") });
  return out;
}

/** What an update left: root, obsolete list and the overlay's writes, as comparable strings. */
function outcome(t: SparseMerkleTree, root: Uint8Array, overlay: OverlayKv) {
  return {
    root: bytesToHex(root),
    obsolete: bytesToHex(t.obsolete),
    ops: overlay
      .ops()
      .map((op) => `${bytesToHex(op.key)}=${op.type === "put" ? bytesToHex(op.value) : "del"}`)
      .sort(),
  };
}

describe("SparseMerkleTree.updateSteps", () => {
  const base = baseTree(3000);

  it("paused at every chance, gives update's root, obsolete list and writes", () => {
    const changes = changesOf(2000, 1);
    const o1 = new OverlayKv(base.kv);
    const t1 = new SparseMerkleTree(o1, base.root);
    const r1 = t1.update(changes);

    const o2 = new OverlayKv(base.kv);
    const t2 = new SparseMerkleTree(o2, base.root, { cache: new SmtNodeCache(12) });
    const steps = t2.updateSteps(changes, () => true);
    let pauses = 0;
    let r = steps.next();
    while (!r.done) {
      pauses++;
      r = steps.next();
    }
    // 16 subtrees under depth 4 (and the levels above), the hashing's kernel calls, the writes.
    expect(pauses).toBeGreaterThan(30);
    expect(outcome(t2, r.value, o2)).toEqual(outcome(t1, r1, o1));
    expect(t2.root).toEqual(r1);
  });

  it("lets other trees update and readers read while it is paused", () => {
    const changes = changesOf(1500, 2);
    const want = (() => {
      const o = new OverlayKv(base.kv);
      const t = new SparseMerkleTree(o, base.root);
      return outcome(t, t.update(changes), o);
    })();
    const other = baseTree(500, "other");
    const otherChanges = changesOf(300, 3);
    const otherWant = (() => {
      const o = new OverlayKv(other.kv);
      const t = new SparseMerkleTree(o, other.root);
      return outcome(t, t.update(otherChanges), o);
    })();

    // One cache shared by the paused update and the readers, as the node shares it per tree.
    const cache = new SmtNodeCache(12);
    const o = new OverlayKv(base.kv);
    const t = new SparseMerkleTree(o, base.root, { cache });
    const reader = new SparseMerkleTree(base.kv, base.root, { cache });
    const steps = t.updateSteps(changes, () => true);
    let r = steps.next();
    let i = 0;
    while (!r.done) {
      // A reader at the parent root sees the parent's values, whatever the update has done so far.
      expect(reader.get(h(`base-${i % 3000}`))).toEqual(h(`v-${i % 3000}`));
      if (i === 5) {
        const oo = new OverlayKv(other.kv);
        const ot = new SparseMerkleTree(oo, other.root, { cache: new SmtNodeCache(10) });
        expect(outcome(ot, drainSteps(ot.updateSteps(otherChanges, () => true)), oo)).toEqual(otherWant);
      }
      i++;
      r = steps.next();
    }
    expect(i).toBeGreaterThan(5);
    expect(outcome(t, r.value, o)).toEqual(want);
  });

  it("without stop, never pauses", () => {
    const o = new OverlayKv(base.kv);
    const t = new SparseMerkleTree(o, base.root);
    const r = t.updateSteps(changesOf(500, 4)).next();
    expect(r.done).toBe(true);
  });

  it("agrees with update on random change sets and pause patterns", () => {
    const small = baseTree(200, "base");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.option(fc.integer({ min: 0, max: 9 }))), {
          minLength: 1,
          maxLength: 120,
        }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
        (raw, pattern) => {
          const changes = raw.map(([k, v]) => ({
            key: h(`base-${k}`),
            valueHash: v === null ? null : h(`val-${v}`),
          }));
          const o1 = new OverlayKv(small.kv);
          const t1 = new SparseMerkleTree(o1, small.root);
          const want = outcome(t1, t1.update(changes), o1);
          let p = 0;
          const o2 = new OverlayKv(small.kv);
          const t2 = new SparseMerkleTree(o2, small.root);
          const got = drainSteps(t2.updateSteps(changes, () => pattern[p++ % pattern.length]!));
          expect(outcome(t2, got, o2)).toEqual(want);
        },
      ),
      { numRuns: 60 },
    );
  });
});
