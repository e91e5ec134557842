import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes } from "../bytes.ts";
import { TIER_SMALL, TIER_TINY } from "../params.ts";
import { HASH_BYTES, type ProofTier, TILE_BYTES, tileCount, tileLocation } from "./geometry.ts";
import { buildOpenings, openingsDigest } from "./openings.ts";
import { prgMatrix, TAG_A, TAG_B } from "./prg.ts";
import { openedTiles, samplePositions } from "./sample.ts";
import { sampleSeed } from "./seeds.ts";
import { buildTileTree, leafHash, type TileTree } from "./tileTree.ts";
import { verifyOpenings } from "./verify.ts";

/** A minimal honest prover built from chain/proof alone (naive product; tiny tiers only). */
function honest(tier: ProofTier, seed: Uint8Array): { tiles: Uint8Array[]; tree: TileTree } {
  const { n, m } = tier;
  const products: Int32Array[] = [];
  for (let j = 0; j < m; j++) {
    const a = prgMatrix(seed, TAG_A, j, n);
    const bt = prgMatrix(seed, TAG_B, j, n);
    const c = new Int32Array(n * n);
    for (let r = 0; r < n; r++)
      for (let col = 0; col < n; col++) {
        let s = 0;
        for (let x = 0; x < n; x++) s += a[r * n + x]! * bt[col * n + x]!;
        c[r * n + col] = s;
      }
    products.push(c);
  }
  const tiles: Uint8Array[] = [];
  for (let t = 0; t < tileCount(tier); t++) {
    const { j, tileRow, tileCol } = tileLocation(n, t);
    const tile = new Uint8Array(TILE_BYTES);
    const dv = new DataView(tile.buffer);
    for (let r = 0; r < 8; r++)
      for (let col = 0; col < 8; col++)
        dv.setInt32((r * 8 + col) * 4, products[j]![(tileRow * 8 + r) * n + tileCol * 8 + col]!, true);
    tiles.push(tile);
  }
  return { tiles, tree: buildTileTree(concatBytes(...tiles.map(leafHash))) };
}

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const R2 = new Uint8Array(32).fill(2);

function reveal(tier: ProofTier, seed: Uint8Array, r2: Uint8Array) {
  const h = honest(tier, seed);
  const positions = samplePositions(tier, sampleSeed(seed, h.tree.root, r2));
  const o = buildOpenings(h.tree, positions, (t) => h.tiles[t]!);
  return { ...h, ...o, positions, ctx: { tier, seed, root: h.tree.root, randomnessR2: r2 } };
}

describe("verifyOpenings", () => {
  it("golden: tiny tier root and openings digest (independent Python reference)", () => {
    const r = reveal(TIER_TINY, SEED, R2);
    expect(bytesToHex(r.tree.root)).toBe(
      "0xce6a6e1fd30a62ec1f476d268e2733e48a5b14314f4884943fed0cf3ba2c4173",
    );
    expect(openedTiles(r.positions)).toEqual([0, 1, 2, 4, 5, 6]);
    expect(r.tiles.length).toBe(6 * 256);
    expect(r.proof.length).toBe(64);
    expect(bytesToHex(openingsDigest(r.tiles, r.proof))).toBe(
      "0x76023008b525ebc66b3c42991252fd2847dd3883fdc1391f60c5c387e666677b",
    );
    expect(verifyOpenings(r.ctx, r.tiles, r.proof)).toEqual({ ok: true });
  });

  it("honest reveals verify for many sample rounds (tiny and small tiers)", () => {
    for (const tier of [TIER_TINY, TIER_SMALL]) {
      const h = honest(tier, SEED);
      for (let i = 0; i < 20; i++) {
        const r2 = new Uint8Array(32).fill(i);
        const positions = samplePositions(tier, sampleSeed(SEED, h.tree.root, r2));
        const o = buildOpenings(h.tree, positions, (t) => h.tiles[t]!);
        const ctx = { tier, seed: SEED, root: h.tree.root, randomnessR2: r2 };
        expect(verifyOpenings(ctx, o.tiles, o.proof)).toEqual({ ok: true });
      }
    }
  });

  const r = reveal(TIER_SMALL, SEED, R2);
  const fails = (tiles: Uint8Array, proof: Uint8Array, ctx = r.ctx): string => {
    const res = verifyOpenings(ctx, tiles, proof);
    expect(res.ok).toBe(false);
    return res.ok ? "" : res.reason;
  };

  it("a wrong Merkle path fails", () => {
    expect(r.proof.length).toBeGreaterThan(0);
    for (const at of [0, r.proof.length - 1, 32 * Math.floor(r.proof.length / 64)]) {
      const bad = r.proof.slice();
      bad[at] = bad[at]! ^ 0x80;
      expect(fails(r.tiles, bad)).toMatch(/do not match the committed root/);
    }
  });

  it("a wrong proof length fails before hashing", () => {
    expect(fails(r.tiles, concatBytes(r.proof, new Uint8Array(HASH_BYTES)))).toMatch(/proof must be/);
    expect(fails(r.tiles, r.proof.subarray(0, r.proof.length - HASH_BYTES))).toMatch(/proof must be/);
    expect(fails(r.tiles, concatBytes(r.proof, Uint8Array.of(0)))).toMatch(/proof must be/);
  });

  it("a wrong entry in a revealed tile fails (the tile no longer hashes to the committed leaf)", () => {
    const p = r.positions[0]!;
    const tiles = r.tiles.slice();
    const slot = openedTiles(r.positions).indexOf(p.tile);
    const o = slot * TILE_BYTES + (p.row * 8 + p.col) * 4;
    tiles[o] = tiles[o]! ^ 1;
    expect(fails(tiles, r.proof)).toMatch(/committed root/);
  });

  it("an entry that is wrong inside a correctly committed tile fails with its sample index", () => {
    const h = honest(TIER_SMALL, SEED);
    // Fake every entry of every tile (+1) and commit to the fakes: the tree is consistent, so only
    // the recomputed dot products can catch it.
    const fakeTiles = h.tiles.map((t) => {
      const f = t.slice();
      const dv = new DataView(f.buffer);
      for (let e = 0; e < 64; e++) dv.setInt32(e * 4, dv.getInt32(e * 4, true) + 1, true);
      return f;
    });
    const tree = buildTileTree(concatBytes(...fakeTiles.map(leafHash)));
    const positions = samplePositions(TIER_SMALL, sampleSeed(SEED, tree.root, R2));
    const o = buildOpenings(tree, positions, (t) => fakeTiles[t]!);
    const res = verifyOpenings(
      { tier: TIER_SMALL, seed: SEED, root: tree.root, randomnessR2: R2 },
      o.tiles,
      o.proof,
    );
    expect(res).toMatchObject({ ok: false, sample: 0 });
    expect(res.ok ? "" : res.reason).toMatch(/^sample 0: C_\d+\[\d+\]\[\d+\] is -?\d+, tile \d+ says -?\d+$/);
  });

  it("a wrong tile count fails", () => {
    expect(fails(r.tiles.subarray(0, r.tiles.length - TILE_BYTES), r.proof)).toMatch(/tiles must be/);
    expect(fails(concatBytes(r.tiles, new Uint8Array(TILE_BYTES)), r.proof)).toMatch(/tiles must be/);
    expect(fails(r.tiles.subarray(1), r.proof)).toMatch(/tiles must be/);
    expect(fails(new Uint8Array(0), new Uint8Array(0))).toMatch(/tiles must be/);
  });

  it("a reveal built for another root, seed or sample round fails", () => {
    const other = reveal(TIER_SMALL, new Uint8Array(32).fill(9), R2);
    // Other seed's honest reveal checked against this challenge.
    fails(other.tiles, other.proof);
    // This reveal under another committed root / randomness / seed.
    fails(r.tiles, r.proof, { ...r.ctx, root: other.tree.root });
    fails(r.tiles, r.proof, { ...r.ctx, randomnessR2: new Uint8Array(32).fill(3) });
    fails(r.tiles, r.proof, { ...r.ctx, seed: new Uint8Array(32).fill(9) });
  });

  it("malformed context fails without throwing", () => {
    expect(fails(r.tiles, r.proof, { ...r.ctx, seed: new Uint8Array(31) })).toMatch(/seed/);
    expect(fails(r.tiles, r.proof, { ...r.ctx, root: new Uint8Array(0) })).toMatch(/root/);
    expect(fails(r.tiles, r.proof, { ...r.ctx, randomnessR2: new Uint8Array(33) })).toMatch(/randomness/);
    expect(fails(r.tiles, r.proof, { ...r.ctx, tier: { n: 48, m: 2, k: 8 } })).toMatch(/invalid tier/);
    expect(fails(r.tiles, r.proof, { ...r.ctx, tier: { n: 64, m: 3, k: 8 } })).toMatch(/invalid tier/);
    expect(fails(r.tiles, r.proof, { ...r.ctx, tier: { n: 64, m: 2, k: 0 } })).toMatch(/invalid tier/);
  });
});
