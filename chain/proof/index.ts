/**
 * The compute-proof spec (PROTOCOL §3): PRG and work definition, seeds, tile tree and multiproofs,
 * sample selection, reveal payloads and the reveal check. Pure: no I/O, clock or randomness.
 * @module
 */
export {
  CHACHA_BLOCK_BYTES,
  Chacha20Reader,
  chacha20BlocksInto,
  chacha20Keystream,
  chacha20KeystreamNative,
  keyWords,
  nonceFromWords,
  nonceWords,
} from "./chacha20.ts";
export {
  assertTier,
  entryCount,
  HASH_BYTES,
  type ProofTier,
  TILE_BYTES,
  TILE_DIM,
  TILE_ENTRIES,
  tierProblem,
  tileCount,
  tileEntry,
  tileLocation,
  tilesPerMatrix,
  treeDepth,
} from "./geometry.ts";
export { buildOpenings, type Openings, openingsDigest } from "./openings.ts";
export { computeEntry, dotInt8, PrgRowGenerator, prgMatrix, prgNonce, TAG_A, TAG_B } from "./prg.ts";
export {
  type DrawSource,
  openedTiles,
  SAMPLE_DRAW_BYTES,
  type SamplePosition,
  samplePositions,
  uniformBelow,
} from "./sample.ts";
export { challengeSeed, SAMPLE_TAG, SEED_TAG, sampleSeed } from "./seeds.ts";
export {
  buildMultiproof,
  buildTileTree,
  leafHash,
  multiproofSize,
  nodeHash,
  rootFromMultiproof,
  sortedDistinct,
  type TileTree,
  treeNode,
} from "./tileTree.ts";
export { type RevealContext, type VerifyResult, verifyOpenings } from "./verify.ts";
