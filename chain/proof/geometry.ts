/**
 * Shapes of the compute proof: tiers, tiles, entries (PROTOCOL §3).
 *
 * C_j (n×n int32) is cut into 8×8 tiles; all tiles of all C_j, in (j, tileRow, tileCol) order,
 * are the leaves of one tree:
 *   tileIndex  = j·(n/8)² + tileRow·(n/8) + tileCol
 *   tile bytes = the 64 entries, row-major, each int32 little-endian (256 bytes)
 *   entryIndex = tileIndex·64 + row·8 + col          (row, col ∈ [0, 8) inside the tile)
 *   entry (entryIndex) = C_j[tileRow·8 + row][tileCol·8 + col]
 * Tile count m·(n/8)² is a power of two, so the tree is perfect: depth = log2(m·(n/8)²).
 * @module
 */
import type { Tier } from "../params.ts";

export const TILE_DIM = 8;
export const TILE_ENTRIES = 64;
/** 64 int32 entries, little-endian, row-major. */
export const TILE_BYTES = 256;
export const HASH_BYTES = 32;

/** The part of a tier the proof depends on. */
export type ProofTier = Pick<Tier, "n" | "m" | "k">;

function isPow2(x: number): boolean {
  return Number.isSafeInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

/** Why `tier` cannot be proven, or undefined if it can (n, m powers of two, 8 ≤ n < 2^17, k ≥ 1). */
export function tierProblem(tier: ProofTier): string | undefined {
  const { n, m, k } = tier;
  if (!isPow2(n) || n < 8 || n >= 1 << 17) return `n must be a power of two in [8, 2^17), got ${n}`;
  // m ≤ 2^16 keeps m·n² < 2^50 (entry indexes exact as JS numbers); far above any real tier.
  if (!isPow2(m) || m > 1 << 16) return `m must be a power of two in [1, 2^16], got ${m}`;
  if (!Number.isSafeInteger(k) || k < 1 || k > 1 << 16) return `k must be an integer in [1, 2^16], got ${k}`;
  return undefined;
}

/** Throws a RangeError if the tier is not provable. */
export function assertTier(tier: ProofTier): void {
  const p = tierProblem(tier);
  if (p !== undefined) throw new RangeError(`tier: ${p}`);
}

/** (n/8)²: tiles per matrix C_j. */
export function tilesPerMatrix(n: number): number {
  const t = n / TILE_DIM;
  return t * t;
}

/** m·(n/8)²: leaves of the tile tree. */
export function tileCount(tier: Pick<ProofTier, "n" | "m">): number {
  return tier.m * tilesPerMatrix(tier.n);
}

/** m·n²: entries sampled from. */
export function entryCount(tier: Pick<ProofTier, "n" | "m">): number {
  return tier.m * tier.n * tier.n;
}

/** log2(tile count): the tile tree's depth (0 when there is a single tile). */
export function treeDepth(tier: Pick<ProofTier, "n" | "m">): number {
  return Math.round(Math.log2(tileCount(tier)));
}

/** Where tile `tileIndex` lies: matrix j and the tile's row/column in units of 8. */
export function tileLocation(n: number, tileIndex: number): { j: number; tileRow: number; tileCol: number } {
  const side = n / TILE_DIM;
  const perMatrix = side * side;
  const j = Math.floor(tileIndex / perMatrix);
  const inMatrix = tileIndex - j * perMatrix;
  const tileRow = Math.floor(inMatrix / side);
  return { j, tileRow, tileCol: inMatrix - tileRow * side };
}

/** Entry `row`,`col` (each in [0,8)) of a 256-byte tile, as int32. */
export function tileEntry(tile: Uint8Array, row: number, col: number): number {
  const o = (row * TILE_DIM + col) * 4;
  return tile[o]! | (tile[o + 1]! << 8) | (tile[o + 2]! << 16) | (tile[o + 3]! << 24);
}
