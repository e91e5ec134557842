/**
 * Sample positions (PROTOCOL §3): k entries drawn with replacement, uniformly, from the m·n² entries
 * of all C_j, by rejection sampling on the ChaCha20 keystream of the sample seed.
 *
 *   stream = ChaCha20 keystream, key = sampleSeed, nonce = 12 zero bytes, counter from 0
 *   N      = m·n² (entries), L = 2^64 − (2^64 mod N) (the largest multiple of N ≤ 2^64)
 *   repeat k times:
 *     repeat: v = next 8 stream bytes as u64 little-endian
 *     until v < L                       (values ≥ L are rejected and consumed)
 *     entryIndex = v mod N
 *     tile = entryIndex >> 6, row = (entryIndex >> 3) & 7, col = entryIndex & 7
 * Rejection removes modulo bias: every residue has exactly L/N preimages below L. For a power-of-two
 * N (every tier today) L = 2^64 and nothing is ever rejected, but the rule is part of the definition.
 * The opened set = the distinct sampled tiles, ascending.
 * @module
 */
import { Chacha20Reader } from "./chacha20.ts";
import { entryCount, type ProofTier, TILE_DIM, TILE_ENTRIES, tileLocation } from "./geometry.ts";

/** Bytes per draw of the protocol's sampler (u64 LE). */
export const SAMPLE_DRAW_BYTES = 8;

/** A sampled entry: its tile and place in the tile, and (derived) its place in C_j. */
export interface SamplePosition {
  /** Tile index in (j, tileRow, tileCol) order. */
  tile: number;
  /** Row and column inside the 8×8 tile. */
  row: number;
  col: number;
  /** Derived: matrix j, and the entry's row r and column c in C_j (r, c ∈ [0, n)). */
  j: number;
  r: number;
  c: number;
}

/** A source of little-endian unsigned draws of a fixed byte width (the keystream in the protocol). */
export interface DrawSource {
  nextUintLe(width: number): bigint;
}

/**
 * A uniform integer in [0, bound) from `widthBytes`-byte draws, rejecting draws ≥ the largest
 * multiple of `bound` that fits in 2^(8·widthBytes). Exposed with a width parameter so the absence of
 * bias can be tested exhaustively on 1-byte draws; the protocol uses width 8.
 */
export function uniformBelow(src: DrawSource, bound: bigint, widthBytes: number): bigint {
  const range = 1n << BigInt(8 * widthBytes);
  if (bound <= 0n || bound > range)
    throw new RangeError(`uniformBelow: bound ${bound} outside (0, 2^${8 * widthBytes}]`);
  const limit = range - (range % bound);
  for (;;) {
    const v = src.nextUintLe(widthBytes);
    if (v < limit) return v % bound;
  }
}

const ZERO_NONCE = new Uint8Array(12);

/** The tier's k sample positions for a sample seed (see module doc), in draw order. */
export function samplePositions(tier: ProofTier, sampleSeedBytes: Uint8Array): SamplePosition[] {
  const reader = new Chacha20Reader(sampleSeedBytes, ZERO_NONCE);
  const bound = BigInt(entryCount(tier));
  const out: SamplePosition[] = [];
  for (let s = 0; s < tier.k; s++) {
    // entry indexes are < m·n² < 2^50 (geometry.tierProblem), so a JS number holds them exactly.
    const e = Number(uniformBelow(reader, bound, SAMPLE_DRAW_BYTES));
    const tile = Math.floor(e / TILE_ENTRIES);
    const inTile = e - tile * TILE_ENTRIES;
    const row = inTile >> 3;
    const col = inTile & 7;
    const { j, tileRow, tileCol } = tileLocation(tier.n, tile);
    out.push({ tile, row, col, j, r: tileRow * TILE_DIM + row, c: tileCol * TILE_DIM + col });
  }
  return out;
}

/** The opened tiles: distinct sampled tile indexes, ascending. */
export function openedTiles(positions: readonly SamplePosition[]): number[] {
  return [...new Set(positions.map((p) => p.tile))].sort((a, b) => a - b);
}
