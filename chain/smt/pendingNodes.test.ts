import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256, utf8 } from "../hash.ts";
import { PENDING_REC_BYTES, PendingNodes, REC_HASH, REC_PRE, REF_EMPTY, REF_KNOWN } from "./pendingNodes.ts";
import { smtInternalHash, smtLeafHash } from "./smtHash.ts";
import { words } from "./wordCopy.ts";

const h = (s: string): Uint8Array => sha256(utf8(s));
const EMPTY = new Uint8Array(32);

/** A random node shape: a leaf, an existing (known) hash, an empty subtree, or an internal node. */
type Shape = { leaf: number } | { known: number } | { empty: true } | { left: Shape; right: Shape };
const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ leaf: fc.nat(50) }),
    fc.record({ known: fc.nat(50) }),
    fc.constant({ empty: true as const }),
    fc.record({ left: tie("shape"), right: tie("shape") }),
  ),
})).shape;

/** The shape's hash through node:crypto. */
function reference(s: Shape): Uint8Array {
  if ("leaf" in s) return smtLeafHash(h(`k${s.leaf}`), h(`v${s.leaf}`));
  if ("known" in s) return h(`known${s.known}`);
  if ("empty" in s) return EMPTY;
  return smtInternalHash(reference(s.left), reference(s.right));
}

describe("PendingNodes", () => {
  it("hashes any shape of new nodes over known and empty children like node:crypto (property)", () => {
    const p = new PendingNodes();
    fc.assert(
      fc.property(fc.array(shapeArb, { minLength: 1, maxLength: 6 }), (shapes) => {
        // Reused across runs, as the tree does: stale bytes must never leak into a record.
        p.reset();
        // A node's ref, and the hash behind REF_KNOWN.
        const add = (s: Shape): [number, Uint8Array] => {
          if ("leaf" in s) return [p.leaf(h(`k${s.leaf}`), h(`v${s.leaf}`)), EMPTY];
          if ("known" in s) return [REF_KNOWN, reference(s)];
          if ("empty" in s) return [REF_EMPTY, EMPTY];
          const [l, lHash] = add(s.left);
          const [r, rHash] = add(s.right);
          const known = new Uint8Array(64);
          known.set(lHash, 0);
          known.set(rHash, 32);
          return [p.internal(l, r, words(known), 0, 32, -1), EMPTY];
        };
        const roots = shapes.filter((s) => "leaf" in s || "left" in s).map((s) => [s, add(s)[0]] as const);
        p.hashAll();
        for (const [s, i] of roots) {
          const r = i * PENDING_REC_BYTES;
          expect(p.recs.u8.slice(r + REC_HASH, r + REC_HASH + 32)).toEqual(reference(s));
          expect(sha256(p.recs.u8.slice(r + REC_PRE, r + REC_PRE + 65))).toEqual(reference(s));
        }
      }),
      { numRuns: 300 },
    );
  });
});
