/**
 * Reveal payloads (PROTOCOL §3; chain/types.ts Action "reveal"):
 *   tiles  = the opened tiles (distinct sampled tiles, ascending index), 256 bytes each, concatenated
 *   proof  = the canonical multiproof of those tiles' leaves (tileTree.ts), 32 bytes per hash
 *   openingsDigest = sha256(tiles ‖ proof)   (what a PASSED record stores; PROTOCOL §3, §6)
 * @module
 */
import { sha256Parts } from "../hash.ts";
import { TILE_BYTES } from "./geometry.ts";
import { openedTiles, type SamplePosition } from "./sample.ts";
import { buildMultiproof, type TileTree } from "./tileTree.ts";

export interface Openings {
  tiles: Uint8Array;
  proof: Uint8Array;
}

/** sha256(tiles ‖ proof). */
export function openingsDigest(tiles: Uint8Array, proof: Uint8Array): Uint8Array {
  return sha256Parts(tiles, proof);
}

/**
 * Builds the reveal for sampled positions from the prover's tree and a tile accessor
 * (`getTile(tileIndex)` → the tile's 256 bytes, exactly what was hashed into the leaf).
 */
export function buildOpenings(
  tree: TileTree,
  positions: readonly SamplePosition[],
  getTile: (tileIndex: number) => Uint8Array,
): Openings {
  const opened = openedTiles(positions);
  const tiles = new Uint8Array(opened.length * TILE_BYTES);
  opened.forEach((t, i) => {
    const tile = getTile(t);
    if (tile.length !== TILE_BYTES) throw new RangeError(`buildOpenings: tile ${t} is ${tile.length} bytes`);
    tiles.set(tile, i * TILE_BYTES);
  });
  return { tiles, proof: buildMultiproof(tree, opened) };
}
