import { describe, expect, it } from "vitest";
import { sha256, utf8 } from "../hash.ts";
import { MemoryKv, OverlayKv } from "../kv.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import { SparseMerkleTree } from "./sparseMerkleTree.ts";
import { words } from "./wordCopy.ts";

const h = (s: string): Uint8Array => sha256(utf8(s));
const preimage = (tag: number, s: string): Uint8Array => Uint8Array.of(tag, ...h(`${s}/a`), ...h(`${s}/b`));

describe("SmtNodeCache", () => {
  it("finds what was put, at any offset of the caller's buffers, and copies it in", () => {
    const cache = new SmtNodeCache(8);
    const hashBuf = Uint8Array.of(9, 9, 9, ...h("n1"));
    const pre = Uint8Array.of(7, ...preimage(1, "n1"));
    const at = cache.put(hashBuf, 3, pre, 1);
    expect(cache.mem.slice(at, at + 65)).toEqual(pre.slice(1));
    pre.fill(0); // the cache holds a copy
    expect(cache.find(h("n1"), 0)).toBe(at);
    expect(cache.mem.slice(at, at + 65)).toEqual(preimage(1, "n1"));
    expect(cache.find(h("n2"), 0)).toBe(-1);
  });

  it("putWords stores the same entry as put", () => {
    const a = new SmtNodeCache(8);
    const b = new SmtNodeCache(8);
    const rec = words(new Uint8Array(100));
    rec.u8.set(h("n3"), 0);
    rec.u8.set(preimage(0, "n3"), 32);
    a.putWords(rec, 0, 32);
    b.put(h("n3"), 0, preimage(0, "n3"), 0);
    expect(a.mem).toEqual(b.mem);
    expect(a.find(h("n3"), 0)).toBeGreaterThanOrEqual(0);
  });

  it("evicts on a slot collision and never returns another node's preimage", () => {
    const cache = new SmtNodeCache(0); // one slot
    cache.put(h("x"), 0, preimage(1, "x"), 0);
    cache.put(h("y"), 0, preimage(1, "y"), 0);
    expect(cache.find(h("x"), 0)).toBe(-1);
    const at = cache.find(h("y"), 0);
    expect(cache.mem.slice(at, at + 65)).toEqual(preimage(1, "y"));
    cache.clear();
    expect(cache.find(h("y"), 0)).toBe(-1);
  });

  it("default-size caches share the process's slots; sized ones keep their own", () => {
    const a = new SmtNodeCache();
    const b = new SmtNodeCache();
    expect(a.mem).toBe(b.mem);
    a.put(h("shared"), 0, preimage(1, "shared"), 0);
    expect(b.find(h("shared"), 0)).toBeGreaterThanOrEqual(0);
    const own = new SmtNodeCache(8);
    expect(own.mem).not.toBe(a.mem);
    expect(own.find(h("shared"), 0)).toBe(-1);
  });

  it("a dropped block's nodes in the shared cache never stand in for the store's", () => {
    // Block 1 is applied, then dropped (its overlay discarded); its nodes stay in the shared cache.
    // Block 2 applies the same changes again on the same parent: same root, and every node of it
    // is in block 2's own writes, readable by a tree with no cache at all.
    const base = new MemoryKv();
    const genesis = new OverlayKv(base);
    const keys = Array.from({ length: 64 }, (_, i) => h(`drop/key/${i}`));
    const parent = new SparseMerkleTree(genesis, undefined, { cache: new SmtNodeCache() }).update(
      keys.map((key, i) => ({ key, valueHash: h(`drop/v0/${i}`) })),
    );
    base.apply(genesis.ops());
    const changes = keys.slice(0, 40).map((key, i) => ({ key, valueHash: h(`drop/v1/${i}`) }));
    const dropped = new OverlayKv(base);
    const root1 = new SparseMerkleTree(dropped, parent, { cache: new SmtNodeCache() }).update(changes);
    dropped.discard();
    const kept = new OverlayKv(base);
    const root2 = new SparseMerkleTree(kept, parent, { cache: new SmtNodeCache() }).update(changes);
    expect(root2).toEqual(root1);
    base.apply(kept.ops());
    const cold = new SparseMerkleTree(base, root2, { cache: new SmtNodeCache(0) });
    keys.forEach((key, i) => {
      expect(cold.get(key)).toEqual(h(i < 40 ? `drop/v1/${i}` : `drop/v0/${i}`));
    });
  });
});
