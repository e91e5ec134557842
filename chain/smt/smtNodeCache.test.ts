import { describe, expect, it } from "vitest";
import { bytesToHex } from "../bytes.ts";
import { sha256, utf8 } from "../hash.ts";
import { MemoryKv, OverlayKv } from "../kv.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import { type SmtChange, SparseMerkleTree } from "./sparseMerkleTree.ts";
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

describe("SmtNodeCache: the tree's top by position", () => {
  it("sizes the positional region from the slot count; a one-slot cache has none", () => {
    expect(new SmtNodeCache().topDepth).toBe(16);
    expect(new SmtNodeCache(16).topDepth).toBe(12);
    expect(new SmtNodeCache(8).topDepth).toBe(4);
    expect(new SmtNodeCache(3).topDepth).toBe(-1);
    expect(new SmtNodeCache(0).topDepth).toBe(-1);
  });

  it("findAt answers only for the hash stored in that slot; copyToTop moves a hashed entry there", () => {
    const cache = new SmtNodeCache(8);
    const at = cache.putAt(5, h("p5"), 0, preimage(1, "p5"), 0);
    expect(cache.findAt(5, h("p5"), 0)).toBe(at);
    expect(cache.findAt(6, h("p5"), 0)).toBe(-1);
    expect(cache.findAt(5, h("other"), 0)).toBe(-1);
    expect(cache.find(h("p5"), 0)).toBe(-1); // the regions are apart
    const hashed = cache.put(h("q"), 0, preimage(0, "q"), 0);
    const moved = cache.copyToTop(7, hashed);
    expect(cache.findAt(7, h("q"), 0)).toBe(moved);
    expect(bytesToHex(cache.mem.slice(moved, moved + 65))).toBe(bytesToHex(preimage(0, "q")));
  });

  it("an update files the new top by position: the root in slot 0, each child under its parent", () => {
    // Walks the top levels from the root by position, expecting every node in its slot: the new
    // ones, and stored leaves that an insert moved down or a delete moved up.
    const walk = (cache: SmtNodeCache, root: Uint8Array): { nodes: number; leaves: number } => {
      let level: Array<{ pos: number; hash: Uint8Array }> = [{ pos: 0, hash: root }];
      let nodes = 0;
      let leaves = 0;
      for (let d = 0; d <= cache.topDepth; d++) {
        const next: typeof level = [];
        for (const { pos, hash } of level) {
          const at = cache.findAt(pos, hash, 0);
          expect(at, `depth ${d} slot ${pos}`).toBeGreaterThanOrEqual(0);
          nodes++;
          if (cache.mem[at] !== 1) {
            leaves++;
            continue;
          }
          for (const side of [0, 1]) {
            const child = cache.mem.slice(at + 1 + 32 * side, at + 33 + 32 * side);
            if (child.some((b) => b !== 0)) next.push({ pos: 2 * pos + 1 + side, hash: child });
          }
        }
        level = next;
      }
      return { nodes, leaves };
    };
    for (const n of [12, 24, 200]) {
      const cache = new SmtNodeCache(8); // top depth 4
      const kv = new MemoryKv();
      const keys = Array.from({ length: n }, (_, i) => h(`top/${n}/key/${i}`));
      const tree = new SparseMerkleTree(kv, undefined, { cache });
      const genesis = keys.map((key, i) => ({ key, valueHash: h(`v/${i}`) }));
      let { nodes, leaves } = walk(cache, tree.update(genesis));
      // More blocks: each deletes some keys, inserts one, changes some and leaves the rest (so
      // that stored leaves move up and down unchanged).
      for (let b = 1; b <= 6; b++) {
        const changes: SmtChange[] = keys
          .map((key, i) => ({ key, valueHash: (i + b) % 4 === 0 ? null : h(`v${b}/${i}`) }))
          .filter((_, i) => (i + b) % 4 === 0 || (i * 7 + b) % 3 === 0);
        changes.push({ key: h(`top/${n}/new/${b}`), valueHash: h(`v${b}/new`) });
        const w = walk(cache, tree.update(changes));
        nodes += w.nodes;
        leaves += w.leaves;
      }
      expect(nodes).toBeGreaterThan(8 * 7);
      // The small trees' leaves sit within the top: new ones, and ones the deletes moved up.
      if (n < 200) expect(leaves).toBeGreaterThan(7);
    }
  });

  it("slots holding another tree's nodes cost a lookup, never a wrong root or read", () => {
    // Two trees take turns on one small cache (their tops collide in every slot); their roots and
    // reads match trees with caches of their own, and trees with no cache at all.
    const shared = new SmtNodeCache(8);
    const base = new MemoryKv();
    const roots = { a: undefined as Uint8Array | undefined, b: undefined as Uint8Array | undefined };
    const own = { a: new SmtNodeCache(8), b: new SmtNodeCache(8) };
    for (let block = 0; block < 6; block++) {
      for (const t of ["a", "b"] as const) {
        const changes = Array.from({ length: 40 }, (_, i) => ({
          key: h(`${t}/key/${(block * 17 + i) % 90}`),
          valueHash: i % 9 === 8 && block > 0 ? null : h(`${t}/v/${block}/${i}`),
        }));
        const o1 = new OverlayKv(base);
        const viaShared = new SparseMerkleTree(o1, roots[t], { cache: shared }).update(changes);
        const o2 = new OverlayKv(base);
        const viaOwn = new SparseMerkleTree(o2, roots[t], { cache: own[t] }).update(changes);
        const o3 = new OverlayKv(base);
        const viaNone = new SparseMerkleTree(o3, roots[t], { cache: new SmtNodeCache(0) }).update(changes);
        expect(bytesToHex(viaShared)).toBe(bytesToHex(viaOwn));
        expect(bytesToHex(viaShared)).toBe(bytesToHex(viaNone));
        base.apply(o1.ops());
        roots[t] = viaShared;
      }
    }
    for (const t of ["a", "b"] as const) {
      const viaShared = new SparseMerkleTree(base, roots[t], { cache: shared });
      const cold = new SparseMerkleTree(base, roots[t], { cache: new SmtNodeCache(0) });
      for (let i = 0; i < 90; i++) {
        const key = h(`${t}/key/${i}`);
        expect(bytesToHex(viaShared.get(key) ?? new Uint8Array(0))).toBe(
          bytesToHex(cold.get(key) ?? new Uint8Array(0)),
        );
        expect(viaShared.prove(key)).toEqual(cold.prove(key));
      }
    }
  });
});
