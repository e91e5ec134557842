/**
 * `SparseMerkleTree.obsolete`, the list the store's garbage collector builds on (README
 * "Storage"): after each update it must name every node of the old tree that the new tree lacks,
 * nothing outside the old tree, and nothing of the new tree that the update did not write again.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256, utf8 } from "../hash.ts";
import { kvKey, MemoryKv, OverlayKv } from "../kv.ts";
import { SMT_EMPTY_ROOT, SMT_LEAF_TAG } from "./smtHash.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import { SparseMerkleTree } from "./sparseMerkleTree.ts";

const PREFIX = 0x02;

/** Keys with long shared prefixes (deep splits, chains) as well as random ones. */
const POOL: Uint8Array[] = [];
for (let i = 0; i < 8; i++) POOL.push(sha256(utf8(`obsolete/key/${i}`)));
for (let i = 0; i < 8; i++) {
  const k = POOL[0]!.slice();
  k[31] = i; // differ in the last byte only: subtrees ~250 levels deep
  POOL.push(k);
}
for (let i = 0; i < 8; i++) {
  const k = sha256(utf8(`obsolete/near/${i}`));
  k.set(POOL[1]!.subarray(0, 3)); // share 24 bits with key 1
  POOL.push(k);
}
/** Few values, so a leaf is often rebuilt exactly as it was before. */
const VALUES = [0, 1, 2].map((i) => sha256(utf8(`obsolete/value/${i}`)));

/** Hex-free set of the stored node hashes reachable from `root`. */
function reachable(kv: MemoryKv, root: Uint8Array): Set<string> {
  const out = new Set<string>();
  const todo = [root];
  while (todo.length) {
    const h = todo.pop()!;
    if (kvKey(h) === kvKey(SMT_EMPTY_ROOT)) continue;
    out.add(kvKey(h));
    const k = new Uint8Array(33);
    k[0] = PREFIX;
    k.set(h, 1);
    const v = kv.get(k)!;
    if (v[0] === SMT_LEAF_TAG) continue;
    todo.push(v.slice(1, 33), v.slice(33, 65));
  }
  return out;
}

const change = fc.record({
  key: fc.integer({ min: 0, max: POOL.length - 1 }),
  value: fc.integer({ min: -1, max: VALUES.length - 1 }), // -1 deletes
});

describe("SparseMerkleTree.obsolete", () => {
  it("lists exactly the old tree's nodes that the new tree lacks, plus nodes it wrote again", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(change, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 25 }),
        (blocks) => {
          const base = new MemoryKv();
          const overlay = new OverlayKv(base);
          const tree = new SparseMerkleTree(overlay, undefined, {
            prefix: PREFIX,
            cache: new SmtNodeCache(4),
          });
          for (const block of blocks) {
            const before = reachable(base, tree.root);
            tree.update(
              block.map((c) => ({ key: POOL[c.key]!, valueHash: c.value < 0 ? null : VALUES[c.value]! })),
            );
            const written = new Set(overlay.ops().map((op) => kvKey(op.key.subarray(1))));
            base.apply(overlay.ops());
            overlay.discard();
            const after = reachable(base, tree.root);
            const listed = new Set<string>();
            const o = tree.obsolete;
            expect(o.length % 32).toBe(0);
            for (let i = 0; i < o.length; i += 32) listed.add(kvKey(o.subarray(i, i + 32)));
            // One expect per rule and block, on the offending nodes (an expect per node, ~10^5 of
            // them over the runs, took most of this test's time).
            const listedNotBefore = [...listed].filter((x) => !before.has(x));
            const listedKeptUnwritten = [...listed].filter((x) => after.has(x) && !written.has(x));
            const droppedNotListed = [...before].filter((x) => !after.has(x) && !listed.has(x));
            expect({ listedNotBefore, listedKeptUnwritten, droppedNotListed }).toEqual({
              listedNotBefore: [],
              listedKeptUnwritten: [],
              droppedNotListed: [],
            });
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("is empty after an update that changes nothing stored, and after an empty update", () => {
    const tree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: PREFIX });
    tree.update([{ key: POOL[0]!, valueHash: VALUES[0]! }]);
    expect(tree.obsolete.length).toBe(0); // the old tree was empty
    tree.update([{ key: POOL[0]!, valueHash: VALUES[0]! }]); // same value: the leaf stays
    expect(tree.obsolete.length).toBe(0);
    tree.update([{ key: POOL[1]!, valueHash: VALUES[1]! }]); // a new split: the old leaf stays below it
    expect(tree.obsolete.length).toBe(0);
    tree.update([]);
    expect(tree.obsolete.length).toBe(0);
    tree.update([{ key: POOL[1]!, valueHash: null }]); // the root and the deleted leaf go
    expect(tree.obsolete.length).toBe(64);
  });
});
