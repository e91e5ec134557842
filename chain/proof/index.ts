/**
 * The compute-proof spec (PROTOCOL §3): PRG and work definition, seeds, tile tree and multiproofs,
 * sample selection, reveal payloads and the reveal check. Pure: no I/O, clock or randomness.
 * @module
 */
export { Chacha20Reader } from "./chacha20.ts";
export {
  assertTier,
  entryCount,
  HASH_BYTES,
  type ProofTier,
  TILE_BYTES,
  TILE_DIM,
  TILE_ENTRIES,
  tileCount,
  tileLocation,
} from "./geometry.ts";
export { buildOpenings, type Openings, openingsDigest } from "./openings.ts";
export { prgMatrix, TAG_A, TAG_B } from "./prg.ts";
export { samplePositions } from "./sample.ts";
export { challengeSeed, sampleSeed } from "./seeds.ts";
export { buildTileTree, leafHash, type TileTree } from "./tileTree.ts";
export { verifyOpenings } from "./verify.ts";
