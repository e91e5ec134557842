import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, equalBytes, hexToBytes } from "../bytes.ts";
import { sha256, utf8 } from "../hash.ts";
import { MemoryKv, OverlayKv } from "../kv.ts";
import {
  decodeSmtProof,
  encodeSmtProof,
  keyBit,
  SMT_EMPTY_ROOT,
  type SmtChange,
  SmtNodeCache,
  type SmtProof,
  SparseMerkleTree,
  smtInternalHash,
  smtLeafHash,
  verifySmtProof,
} from "./index.ts";

/** The tree's definition, written the slow and obvious way (node:crypto hashing). */
function referenceRoot(entries: Array<[Uint8Array, Uint8Array]>, depth = 0): Uint8Array {
  if (entries.length === 0) return SMT_EMPTY_ROOT;
  if (entries.length === 1) return smtLeafHash(entries[0]![0], entries[0]![1]);
  const left = entries.filter(([k]) => keyBit(k, depth) === 0);
  const right = entries.filter(([k]) => keyBit(k, depth) === 1);
  return smtInternalHash(referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
}

function rootOfMap(m: Map<string, [Uint8Array, Uint8Array]>): Uint8Array {
  return referenceRoot([...m.values()]);
}

const h = (s: string): Uint8Array => sha256(utf8(s));

/** Key with a single bit set (bit 0 = MSB of byte 0), optionally over a base key. */
function withBit(base: Uint8Array, bit: number): Uint8Array {
  const k = base.slice();
  k[bit >> 3]! ^= 0x80 >> (bit & 7);
  return k;
}

/**
 * A pool of keys with long shared prefixes (keys differing in one late bit, bit 255 included) as
 * well as random ones, so property runs reach deep chains and depth-256 leaves.
 */
const BASE = h("pool-base");
const POOL: Uint8Array[] = [
  BASE,
  withBit(BASE, 255),
  withBit(BASE, 254),
  withBit(BASE, 200),
  withBit(withBit(BASE, 200), 255),
  withBit(BASE, 9),
  withBit(BASE, 0),
  withBit(BASE, 1),
  new Uint8Array(32),
  new Uint8Array(32).fill(0xff),
  withBit(new Uint8Array(32), 255),
  ...Array.from({ length: 13 }, (_, i) => h(`pool-${i}`)),
];

const opArb = fc.record({
  key: fc.nat({ max: POOL.length - 1 }),
  value: fc.option(fc.nat({ max: 5 }), { nil: null, freq: 4 }),
});

function toChange(op: { key: number; value: number | null }): SmtChange {
  return { key: POOL[op.key]!, valueHash: op.value === null ? null : h(`v${op.value}`) };
}

/**
 * A proof as hex strings: vitest's toEqual walks a Uint8Array index by index through its generic
 * matcher, which made deep-equal of proofs (up to 256 siblings) most of the property tests' time.
 */
function proofHex(p: SmtProof): { siblings: string[]; leaf?: { key: string; valueHash: string } } {
  const siblings = p.siblings.map(bytesToHex);
  return p.leaf
    ? { siblings, leaf: { key: bytesToHex(p.leaf.key), valueHash: bytesToHex(p.leaf.valueHash) } }
    : { siblings };
}

function checkAllProofs(
  tree: SparseMerkleTree,
  present: Map<string, [Uint8Array, Uint8Array]>,
  root?: Uint8Array,
) {
  const r = root ?? tree.root;
  for (const key of POOL) {
    const entry = present.get(bytesToHex(key));
    const proof = tree.prove(key, r);
    const bytes = encodeSmtProof(proof);
    expect(proofHex(decodeSmtProof(bytes))).toEqual(proofHex(proof));
    if (entry) {
      expect(tree.get(key, r)).toEqual(entry[1]);
      expect(verifySmtProof(r, key, entry[1], proof)).toBe(true);
      expect(verifySmtProof(r, key, null, proof)).toBe(false);
      expect(verifySmtProof(r, key, h("other value"), proof)).toBe(false);
    } else {
      expect(tree.get(key, r)).toBeUndefined();
      expect(verifySmtProof(r, key, null, proof)).toBe(true);
      expect(verifySmtProof(r, key, h("v0"), proof)).toBe(false);
    }
  }
}

describe("SparseMerkleTree: structure", () => {
  it("the empty tree has the zero root and proves every key absent", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    expect(tree.root).toEqual(new Uint8Array(32));
    const proof = tree.prove(h("a"));
    expect(proof).toEqual({ siblings: [] });
    expect(verifySmtProof(tree.root, h("a"), null, proof)).toBe(true);
    expect(encodeSmtProof(proof)).toEqual(Uint8Array.of(0, 0, 0));
  });

  it("a lone key is the root itself (compact form), whatever its bits", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    const key = new Uint8Array(32).fill(0xff);
    tree.update([{ key, valueHash: h("v") }]);
    expect(tree.root).toEqual(smtLeafHash(key, h("v")));
    expect(tree.prove(key).siblings).toHaveLength(0);
  });

  it("two keys that differ only in the last bit sit at depth 256", () => {
    const kv = new MemoryKv();
    const tree = new SparseMerkleTree(kv);
    const a = new Uint8Array(32);
    const b = withBit(a, 255);
    tree.update([
      { key: b, valueHash: h("b") },
      { key: a, valueHash: h("a") },
    ]);
    let expected = smtInternalHash(smtLeafHash(a, h("a")), smtLeafHash(b, h("b")));
    for (let d = 254; d >= 0; d--) expected = smtInternalHash(expected, SMT_EMPTY_ROOT);
    expect(tree.root).toEqual(expected);
    const proof = tree.prove(b);
    expect(proof.siblings).toHaveLength(256);
    const bytes = encodeSmtProof(proof);
    expect(bytes.length).toBe(3 + 32 + 32); // header, 256-bit bitmap, one non-empty sibling
    expect(verifySmtProof(tree.root, b, h("b"), decodeSmtProof(bytes))).toBe(true);
    // Deleting one moves the other back up to the root.
    tree.update([{ key: a, valueHash: null }]);
    expect(tree.root).toEqual(smtLeafHash(b, h("b")));
  });

  it("matches a golden root and golden proofs", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    const changes = Array.from({ length: 16 }, (_, i) => ({
      key: h(`flops/smt/golden/key/${i}`),
      valueHash: h(`flops/smt/golden/value/${i}`),
    }));
    tree.update(changes);
    expect(bytesToHex(tree.root)).toBe(GOLDEN_ROOT);
    expect(bytesToHex(encodeSmtProof(tree.prove(changes[3]!.key)))).toBe(GOLDEN_INCLUSION_3);
    expect(bytesToHex(encodeSmtProof(tree.prove(h("flops/smt/golden/absent"))))).toBe(GOLDEN_EXCLUSION);
    expect(referenceRoot(changes.map((c) => [c.key, c.valueHash]))).toEqual(hexToBytes(GOLDEN_ROOT));
  });
});

// Keys sha256("flops/smt/golden/key/<i>"), values sha256("flops/smt/golden/value/<i>"), i = 0..15.
const GOLDEN_ROOT = "0xa2d07a0bce42c48fa3602cce39f98f73a6ac8c65daf5b0e31ffb84fbbb229c91";
// Inclusion of key 3: depth 5, all five siblings non-empty.
const GOLDEN_INCLUSION_3 =
  "0x000005f81c070e648287cea33946497b76daffba36366517c1c6ba38518dffa1a938e5948b1f09c470680321ff6e91429fcbeb8d18" +
  "f6138dc1f24f194b6682e8d9affd2953a571128f09017f7c13477f2ac0ad79e8296819f5c6aab360720453adbceaf276d4d81f244234" +
  "a09ee8a7d3eb78acfd23c4ece9399774cad63eacdef4a0f18adbee788d142aef013d38adc37cfe7f19f652c4b84e6b228fb9ec1b568c" +
  "cc4136";
// Exclusion of sha256("flops/smt/golden/absent"): ends at another key's leaf at depth 6; siblings at
// depths 2 and 4 are empty (bitmap 0xd4).
const GOLDEN_EXCLUSION =
  "0x010006d41c070e648287cea33946497b76daffba36366517c1c6ba38518dffa1a938e594bc508482325e7b0ef8eeac810bcd7c9f9a" +
  "5caf4732afdf6223c612e01476f00367d62846e697bbf17250a1bac77ea9bad97033d53717860e39fb2e2e3abcf12fb48b104f6b47b2" +
  "97b0e2ec5c0ce63fbcc2d535ac5fb2cb5fb826c0a9dadf7909f2c6f291d22bae76efe0106182cffb390a480ffbebac679537dc42dfab" +
  "0ebd123feb99b9b93d35bee1da0ae8dcd52917e2c020d878d26c687b929bf1c20290ab";

describe("SparseMerkleTree: updates", () => {
  it("gives the reference root for any operations, in any batch split (property)", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.array(fc.nat({ max: 8 }), { maxLength: 10 }),
        (ops, cuts) => {
          const model = new Map<string, [Uint8Array, Uint8Array]>();
          for (const op of ops) {
            const c = toChange(op);
            if (c.valueHash === null) model.delete(bytesToHex(c.key));
            else model.set(bytesToHex(c.key), [c.key, c.valueHash]);
          }
          const expected = rootOfMap(model);
          // One batch.
          const one = new SparseMerkleTree(new MemoryKv());
          one.update(ops.map(toChange));
          expect(one.root).toEqual(expected);
          // Random batch boundaries, and a tiny cache so that reads go to the store.
          const split = new SparseMerkleTree(new MemoryKv(), undefined, { cache: new SmtNodeCache(1) });
          let i = 0;
          for (const cut of cuts) {
            split.update(ops.slice(i, i + cut).map(toChange));
            i += cut;
          }
          split.update(ops.slice(i).map(toChange));
          expect(split.root).toEqual(expected);
          checkAllProofs(split, model);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives the same root for the same set written in any order (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: POOL.length - 1 }), { minLength: 1 }),
        fc.func(fc.integer()),
        (idx, rank) => {
          const changes = idx.map((i) => ({ key: POOL[i]!, valueHash: h(`val${i}`) }));
          const a = new SparseMerkleTree(new MemoryKv());
          for (const c of changes) a.update([c]);
          const shuffled = [...changes].sort((x, y) => rank(bytesToHex(x.key)) - rank(bytesToHex(y.key)));
          const b = new SparseMerkleTree(new MemoryKv());
          b.update(shuffled);
          expect(a.root).toEqual(b.root);
          // Deleting everything, in yet another order, gives the empty root back.
          b.update([...shuffled].reverse().map((c) => ({ key: c.key, valueHash: null })));
          expect(b.root).toEqual(SMT_EMPTY_ROOT);
          for (const c of changes) a.update([{ key: c.key, valueHash: null }]);
          expect(a.root).toEqual(SMT_EMPTY_ROOT);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the last change wins for a key repeated in a batch; deleting absent keys is a no-op", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    const k = h("k");
    tree.update([
      { key: k, valueHash: h("1") },
      { key: h("gone"), valueHash: null },
      { key: k, valueHash: h("2") },
    ]);
    expect(tree.root).toEqual(smtLeafHash(k, h("2")));
    const before = tree.root;
    tree.update([{ key: h("absent"), valueHash: null }]);
    expect(tree.root).toEqual(before);
    expect(tree.update([])).toEqual(before);
    // Re-writing the same value changes nothing.
    tree.update([{ key: k, valueHash: h("2") }]);
    expect(tree.root).toEqual(before);
  });

  it("rebuilds under an existing leaf when several changes land next to it", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    tree.update([{ key: POOL[0]!, valueHash: h("a") }]);
    const changes = [1, 2, 3, 4].map((i) => ({ key: POOL[i]!, valueHash: h(`x${i}`) }));
    tree.update([...changes, { key: POOL[0]!, valueHash: null }]);
    expect(tree.root).toEqual(referenceRoot(changes.map((c) => [c.key, c.valueHash])));
  });

  it("rejects keys and values that are not 32 bytes", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    expect(() => tree.update([{ key: new Uint8Array(31), valueHash: null }])).toThrow(/key must be 32 bytes/);
    expect(() => tree.update([{ key: h("k"), valueHash: new Uint8Array(33) }])).toThrow(/valueHash/);
    expect(() => tree.get(new Uint8Array(0))).toThrow(/key/);
    expect(() => new SparseMerkleTree(new MemoryKv(), new Uint8Array(3))).toThrow(/root/);
    expect(() => new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 256 })).toThrow(/prefix/);
  });

  it("stores nodes content-addressed under its prefix: prefix ‖ hash -> preimage(65) ‖ zero stamp(8)", () => {
    const kv = new MemoryKv();
    const tree = new SparseMerkleTree(kv, undefined, { prefix: 0x07 });
    tree.update([
      { key: POOL[0]!, valueHash: h("a") },
      { key: POOL[12]!, valueHash: h("b") },
    ]);
    for (const [k, v] of kv.map) {
      expect(k.charCodeAt(0)).toBe(0x07);
      expect(v.length).toBe(73);
      const hash = Uint8Array.from(k.slice(1), (c) => c.charCodeAt(0));
      expect(sha256(v.subarray(0, 65))).toEqual(hash);
      expect(v.subarray(65)).toEqual(new Uint8Array(8)); // the store writes the birth block here
    }
    const root = tree.root;
    expect(kv.get(Uint8Array.of(0x07, ...root))?.[0]).toBe(0x01);
  });

  it("fails loudly on a root whose nodes are not stored", () => {
    const tree = new SparseMerkleTree(new MemoryKv(), h("nowhere"), { cache: new SmtNodeCache(0) });
    expect(() => tree.get(h("k"))).toThrow(/is not stored/);
    expect(() => tree.update([{ key: h("k"), valueHash: h("v") }])).toThrow(/is not stored/);
    expect(tree.root).toEqual(h("nowhere"));
  });
});

describe("SparseMerkleTree: proofs", () => {
  it("proves at older roots after later updates and deletes", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    const history: Array<{ root: Uint8Array; model: Map<string, [Uint8Array, Uint8Array]> }> = [];
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    for (let round = 0; round < 6; round++) {
      const changes = POOL.filter((_, i) => (i + round) % 3 === 0).map((key, i) => ({
        key,
        valueHash: (i + round) % 4 === 0 ? null : h(`r${round}-${i}`),
      }));
      tree.update(changes);
      for (const c of changes) {
        if (c.valueHash === null) model.delete(bytesToHex(c.key));
        else model.set(bytesToHex(c.key), [c.key, c.valueHash]);
      }
      history.push({ root: tree.root, model: new Map(model) });
    }
    for (const { root, model: m } of history) checkAllProofs(tree, m, root);
  });

  it("covers both exclusion cases: an empty slot and another key's leaf", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    tree.update([
      { key: POOL[0]!, valueHash: h("a") },
      { key: POOL[6]!, valueHash: h("b") }, // differs from POOL[0] at bit 0
      { key: POOL[7]!, valueHash: h("c") }, // differs from POOL[0] at bit 1
    ]);
    const shared = withBit(POOL[0]!, 100); // same path as POOL[0] down to its leaf
    const other = tree.prove(shared);
    expect(other.leaf?.key).toEqual(POOL[0]);
    expect(verifySmtProof(tree.root, shared, null, other)).toBe(true);
    const bytes = encodeSmtProof(other);
    expect(bytes[0]).toBe(1);
    expect(decodeSmtProof(bytes)).toEqual(other);
    // An empty slot: a tree of two keys that split only at bit 9 leaves half of it empty at depth 0.
    const t2 = new SparseMerkleTree(new MemoryKv());
    t2.update([
      { key: POOL[0]!, valueHash: h("a") },
      { key: POOL[5]!, valueHash: h("b") },
    ]);
    const absent = withBit(POOL[0]!, 0);
    const empty = t2.prove(absent);
    expect(empty.leaf).toBeUndefined();
    expect(empty.siblings).toHaveLength(1);
    expect(verifySmtProof(t2.root, absent, null, empty)).toBe(true);
  });

  it("rejects tampered proofs", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    tree.update(POOL.map((key, i) => ({ key, valueHash: h(`t${i}`) })));
    const root = tree.root;
    const key = POOL[3]!;
    const value = h("t3");
    const proof = tree.prove(key);
    expect(verifySmtProof(root, key, value, proof)).toBe(true);
    for (let d = 0; d < proof.siblings.length; d++) {
      const bad: SmtProof = { siblings: proof.siblings.map((s, i) => (i === d ? withBit(s, 77) : s)) };
      expect(verifySmtProof(root, key, value, bad)).toBe(false);
    }
    expect(verifySmtProof(root, key, value, { siblings: proof.siblings.slice(1) })).toBe(false);
    expect(verifySmtProof(root, key, value, { siblings: [...proof.siblings, SMT_EMPTY_ROOT] })).toBe(false);
    expect(verifySmtProof(withBit(root, 3), key, value, proof)).toBe(false);
    expect(verifySmtProof(root, withBit(key, 255), value, proof)).toBe(false);
    // An inclusion proof carries no leaf; one that does is rejected.
    expect(verifySmtProof(root, key, value, { ...proof, leaf: { key, valueHash: value } })).toBe(false);
    // An exclusion proof cannot name the asked key itself as "the other leaf".
    const absent = withBit(POOL[15]!, 200); // on the path of POOL[15]'s (shallow) leaf
    const excl = tree.prove(absent);
    expect(excl.leaf?.key).toEqual(POOL[15]);
    expect(verifySmtProof(root, absent, null, excl)).toBe(true);
    expect(verifySmtProof(root, absent, null, { ...excl, leaf: { key: absent, valueHash: h("x") } })).toBe(
      false,
    );
    expect(verifySmtProof(root, absent, null, { ...excl, leaf: { key: POOL[15]!, valueHash: h("x") } })).toBe(
      false,
    );
    expect(verifySmtProof(root, absent, null, { siblings: excl.siblings })).toBe(false);
    expect(verifySmtProof(root, absent, h("t15"), excl)).toBe(false);
    // The other leaf must lie on the asked key's path.
    const far = withBit(POOL[15]!, 0);
    expect(verifySmtProof(root, far, null, excl)).toBe(false);
    // Every single-bit flip of the encoded proof is rejected, by the decoder or the verifier.
    const bytes = encodeSmtProof(proof);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      let ok = false;
      try {
        ok = verifySmtProof(root, key, value, decodeSmtProof(flipped));
      } catch {
        ok = false;
      }
      expect(ok).toBe(false);
    }
  });

  it("decodes canonically only", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    tree.update(POOL.map((key, i) => ({ key, valueHash: h(`t${i}`) })));
    const bytes = encodeSmtProof(tree.prove(POOL[1]!));
    expect(() => decodeSmtProof(new Uint8Array([...bytes, 0]))).toThrow(/length/);
    expect(() => decodeSmtProof(bytes.subarray(0, bytes.length - 1))).toThrow(/length/);
    expect(() => decodeSmtProof(Uint8Array.of(2, 0, 0))).toThrow(/flag/);
    expect(() => decodeSmtProof(Uint8Array.of(0, 1, 1, ...new Uint8Array(33)))).toThrow(/depth/);
    expect(() => decodeSmtProof(Uint8Array.of(0, 0))).toThrow(/header/);
    // depth 3, padding bit set
    expect(() => decodeSmtProof(Uint8Array.of(0, 0, 3, 0x10))).toThrow(/padding/);
    // depth 1, sibling marked non-empty but zero
    expect(() => decodeSmtProof(Uint8Array.of(0, 0, 1, 0x80, ...new Uint8Array(32)))).toThrow(
      /empty sibling/,
    );
  });

  it("stays under 1 KB at 100,000 keys", () => {
    const tree = new SparseMerkleTree(new MemoryKv());
    const keys = Array.from({ length: 100_000 }, (_, i) => h(`k${i}`));
    tree.update(keys.map((key, i) => ({ key, valueHash: h(`v${i}`) })));
    let max = 0;
    for (let i = 0; i < 2000; i++) {
      const incl = encodeSmtProof(tree.prove(keys[i * 50]!));
      const excl = encodeSmtProof(tree.prove(h(`absent${i}`)));
      max = Math.max(max, incl.length, excl.length);
    }
    expect(max).toBeLessThan(1024);
    const p = tree.prove(keys[7]!);
    expect(verifySmtProof(tree.root, keys[7]!, h("v7"), p)).toBe(true);
  });
});

describe("SparseMerkleTree: over an overlay", () => {
  it("rolls back with setRoot after the block's writes are discarded", () => {
    const base = new MemoryKv();
    const overlay = new OverlayKv(base);
    const cache = new SmtNodeCache(4);
    const tree = new SparseMerkleTree(overlay, undefined, { cache });
    tree.update([
      { key: POOL[0]!, valueHash: h("a") },
      { key: POOL[12]!, valueHash: h("b") },
    ]);
    base.apply(overlay.ops());
    overlay.discard();
    const committed = tree.root;
    tree.update([{ key: POOL[13]!, valueHash: h("c") }]);
    overlay.discard(); // the block failed
    tree.setRoot(committed);
    expect(equalBytes(tree.get(POOL[0]!)!, h("a"))).toBe(true);
    // A fresh tree with a fresh cache reads everything it needs from the committed store.
    const reopened = new SparseMerkleTree(base, committed, { cache: new SmtNodeCache(0) });
    expect(reopened.get(POOL[12]!)).toEqual(h("b"));
    reopened.update([{ key: POOL[13]!, valueHash: h("c") }]);
    expect(reopened.root).toEqual(
      referenceRoot([
        [POOL[0]!, h("a")],
        [POOL[12]!, h("b")],
        [POOL[13]!, h("c")],
      ]),
    );
  });
});
