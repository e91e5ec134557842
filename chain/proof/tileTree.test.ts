import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import {
  buildMultiproof,
  buildTileTree,
  leafHash,
  multiproofSize,
  nodeHash,
  rootFromMultiproof,
  treeNode,
} from "./tileTree.ts";

/** 2^depth deterministic leaf hashes. */
function leavesOf(depth: number, salt = 0): Uint8Array {
  const out = new Uint8Array(2 ** depth * 32);
  for (let i = 0; i < 2 ** depth; i++) out.set(sha256(Uint8Array.of(salt, i & 255, i >> 8)), i * 32);
  return out;
}
const leafAt = (leaves: Uint8Array, i: number): Uint8Array => leaves.subarray(i * 32, (i + 1) * 32);

describe("tile tree", () => {
  it("leaf = sha256(0x00 ‖ tile), node = sha256(0x01 ‖ l ‖ r)", () => {
    const tile = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToHex(leafHash(tile))).toBe(bytesToHex(sha256(concatBytes(Uint8Array.of(0), tile))));
    const l = sha256(Uint8Array.of(1));
    const r = sha256(Uint8Array.of(2));
    expect(bytesToHex(nodeHash(l, r))).toBe(bytesToHex(sha256(concatBytes(Uint8Array.of(1), l, r))));
    expect(() => leafHash(new Uint8Array(255))).toThrow(RangeError);
  });

  it("builds levels up to the root; one leaf is its own root", () => {
    const leaves = leavesOf(3);
    const tree = buildTileTree(leaves);
    expect(tree.depth).toBe(3);
    expect(tree.levels.map((l) => l.length)).toEqual([256, 128, 64, 32]);
    const n01 = nodeHash(leafAt(leaves, 0), leafAt(leaves, 1));
    expect(bytesToHex(treeNode(tree, 1, 0))).toBe(bytesToHex(n01));
    const one = buildTileTree(leavesOf(0));
    expect(one.depth).toBe(0);
    expect(bytesToHex(one.root)).toBe(bytesToHex(leavesOf(0)));
    expect(() => buildTileTree(new Uint8Array(96))).toThrow(RangeError);
  });

  it("canonical order: leaves {1,2,3} of 8 → [level0 #0, level2 #1]", () => {
    const tree = buildTileTree(leavesOf(3));
    const proof = buildMultiproof(tree, [1, 2, 3]);
    expect(bytesToHex(proof)).toBe(bytesToHex(concatBytes(treeNode(tree, 0, 0), treeNode(tree, 2, 1))));
    expect(multiproofSize([1, 2, 3], 3)).toBe(2);
  });

  it("canonical order: leaves {0,5} of 8 → [L0#1, L0#4, L1#1, L1#3] (level by level, ascending)", () => {
    const tree = buildTileTree(leavesOf(3));
    const want = concatBytes(
      treeNode(tree, 0, 1),
      treeNode(tree, 0, 4),
      treeNode(tree, 1, 1),
      treeNode(tree, 1, 3),
    );
    expect(bytesToHex(buildMultiproof(tree, [0, 5]))).toBe(bytesToHex(want));
  });

  it("all leaves need no proof; one leaf needs one hash per level", () => {
    expect(multiproofSize([0, 1, 2, 3], 2)).toBe(0);
    expect(multiproofSize([6], 10)).toBe(10);
  });

  it("multiproofs verify for random subsets; any altered byte or length fails", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 7 })
          .chain((depth) =>
            fc.tuple(
              fc.constant(depth),
              fc.uniqueArray(fc.integer({ min: 0, max: 2 ** depth - 1 }), { minLength: 1, maxLength: 12 }),
            ),
          ),
        fc.nat(),
        ([depth, idx], flip) => {
          const leaves = leavesOf(depth, 9);
          const tree = buildTileTree(leaves);
          const sorted = [...idx].sort((a, b) => a - b);
          const proof = buildMultiproof(tree, sorted);
          expect(proof.length).toBe(32 * multiproofSize(sorted, depth));
          const hashes = sorted.map((i) => leafAt(leaves, i));
          const root = rootFromMultiproof(sorted, hashes, proof, depth);
          expect(typeof root).not.toBe("string");
          expect(bytesToHex(root as Uint8Array)).toBe(bytesToHex(tree.root));
          if (proof.length > 0) {
            const bad = proof.slice();
            const at = flip % bad.length;
            bad[at] = bad[at]! ^ 1;
            expect(bytesToHex(rootFromMultiproof(sorted, hashes, bad, depth) as Uint8Array)).not.toBe(
              bytesToHex(tree.root),
            );
          }
          expect(
            typeof rootFromMultiproof(sorted, hashes, concatBytes(proof, new Uint8Array(32)), depth),
          ).toBe("string");
          if (proof.length > 0) {
            expect(
              typeof rootFromMultiproof(sorted, hashes, proof.subarray(0, proof.length - 1), depth),
            ).toBe("string");
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a leaf hash at a neighbouring index does not verify (positional tree)", () => {
    const leaves = leavesOf(4);
    const tree = buildTileTree(leaves);
    const proof = buildMultiproof(tree, [6]);
    const moved = rootFromMultiproof([7], [leafAt(leaves, 6)], proof, 4);
    expect(bytesToHex(moved as Uint8Array)).not.toBe(bytesToHex(tree.root));
  });
});
