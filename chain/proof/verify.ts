/**
 * The reveal check (PROTOCOL §3, step 5): the whole of what the state machine runs on a `reveal`.
 * Any failure makes the challenge FAILED; an L1 fraud proof (§6.2) re-runs one sample of it.
 *
 * Steps, cheapest first:
 *   1. inputs have their fixed sizes (seed, root, randomness 32 bytes; tier provable)
 *   2. sampleSeed = sha256("flops/sample/v0" ‖ seed ‖ root ‖ randomnessR2); k positions; the opened
 *      set S = distinct sampled tiles ascending
 *   3. |tiles| = 256·|S| and |proof| = 32·multiproofSize(S, depth)  (exact: no trailing bytes)
 *   4. the root recomputed from leaf(tile) for S and the proof equals `root`
 *   5. for each sample, in draw order: the tile's entry (row, col) equals
 *      dot(row r of A_j, column c of B_j) recomputed from the seed
 * @module
 */
import { equalBytes } from "../bytes.ts";
import { HASH_BYTES, type ProofTier, TILE_BYTES, tierProblem, tileEntry, treeDepth } from "./geometry.ts";
import { computeEntry, PrgRowGenerator } from "./prg.ts";
import { openedTiles, samplePositions } from "./sample.ts";
import { sampleSeed } from "./seeds.ts";
import { leafHash, rootFromMultiproof } from "./tileTree.ts";

export interface RevealContext {
  tier: ProofTier;
  /** The challenge's work seed (seeds.challengeSeed). */
  seed: Uint8Array;
  /** The committed root. */
  root: Uint8Array;
  /** randomness(r2) of the sample round (32 bytes). */
  randomnessR2: Uint8Array;
}

export type VerifyResult =
  | { ok: true }
  /** `sample`: index (draw order) of the first failing sample, when the failure is an entry. */
  | { ok: false; reason: string; sample?: number };

/** Checks a reveal's `tiles` and `proof` (see module doc). Never throws on bad input. */
export function verifyOpenings(ctx: RevealContext, tiles: Uint8Array, proof: Uint8Array): VerifyResult {
  const { tier, seed, root, randomnessR2 } = ctx;
  const tp = tierProblem(tier);
  if (tp !== undefined) return { ok: false, reason: `invalid tier: ${tp}` };
  if (seed.length !== 32) return { ok: false, reason: "seed must be 32 bytes" };
  if (root.length !== HASH_BYTES) return { ok: false, reason: "root must be 32 bytes" };
  if (randomnessR2.length !== 32) return { ok: false, reason: "randomnessR2 must be 32 bytes" };

  const positions = samplePositions(tier, sampleSeed(seed, root, randomnessR2));
  const opened = openedTiles(positions);
  if (tiles.length !== opened.length * TILE_BYTES) {
    return {
      ok: false,
      reason: `tiles must be ${opened.length * TILE_BYTES} bytes (${opened.length} tiles), got ${tiles.length}`,
    };
  }

  const leaves = opened.map((_, i) => leafHash(tiles.subarray(i * TILE_BYTES, (i + 1) * TILE_BYTES)));
  const got = rootFromMultiproof(opened, leaves, proof, treeDepth(tier));
  if (typeof got === "string") return { ok: false, reason: got };
  if (!equalBytes(got, root)) return { ok: false, reason: "tiles and proof do not match the committed root" };

  // Slot of each opened tile in `tiles` (both ascending), for the entry lookups.
  const slot = new Map<number, number>();
  for (let i = 0; i < opened.length; i++) slot.set(opened[i]!, i);
  const gen = new PrgRowGenerator(seed, tier.n);
  for (let s = 0; s < positions.length; s++) {
    const p = positions[s]!;
    const i = slot.get(p.tile)!;
    const claimed = tileEntry(tiles.subarray(i * TILE_BYTES, (i + 1) * TILE_BYTES), p.row, p.col);
    const expected = computeEntry(gen, p.j, p.r, p.c);
    if (claimed !== expected) {
      return {
        ok: false,
        reason: `sample ${s}: C_${p.j}[${p.r}][${p.c}] is ${expected}, tile ${p.tile} says ${claimed}`,
        sample: s,
      };
    }
  }
  return { ok: true };
}
