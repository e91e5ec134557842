/**
 * The tile tree's hashes in batches (chain/proof/tileTree.ts defines them: leaf = sha256(0x00 ‖
 * tile), node = sha256(0x01 ‖ left ‖ right)), through a WebAssembly SIMD kernel that hashes four
 * messages per pass and reads them in place (tileSha256Wat.ts): ~0.5 µs a 257-byte leaf and
 * ~0.2 µs a node on the 2-core dev box, against ~1.7 µs and ~1 µs for one node:crypto call each
 * (call overhead and a Buffer per digest dominate there). A product is copied into the kernel's
 * memory a band of tile rows at a time (≤ 1 MiB, at least one tile row: 32·n bytes), so memory
 * stays bounded at any n. Where WebAssembly SIMD is missing, or on a big-endian host (an
 * Int32Array's bytes would not be the tile's little-endian bytes), the same interface runs on
 * node:crypto. Tests compare both against chain/proof's definitions.
 * @module
 */
import { sha256 } from "../chain/hash.ts";
import { HASH_BYTES, leafHash, TILE_DIM, TILE_ENTRIES } from "../chain/proof/index.ts";
import { instantiateWasm } from "../chain/wasmInstance.ts";
import { TILE_SHA256_WASM_BASE64 } from "./tileSha256Wasm.ts";
import { DATA_OFFSET } from "./tileSha256Wat.ts";

export interface TileSha256 {
  /** "wasm": the SIMD kernel; "node": node:crypto, one call per hash. */
  readonly kind: "wasm" | "node";
  /**
   * Leaf hashes of tiles [fromTile, toTile) of `c` (an n×n int32 matrix, row-major; tile t is at
   * tile row ⌊t/(n/8)⌋, tile column t mod (n/8)), 32 bytes each, written to `out` from byte
   * `outOffset` on.
   */
  leaves(
    n: number,
    c: Int32Array,
    fromTile: number,
    toTile: number,
    out: Uint8Array,
    outOffset: number,
  ): void;
  /** parents[32i..32i+32) = sha256(0x01 ‖ children[64i..64i+64)) for every i. */
  nodes(children: Uint8Array, parents: Uint8Array): void;
}

/** Bytes of matrix rows copied into the kernel per call (rounded up to one tile row). */
const BAND_BYTES = 1 << 20;
/** Nodes hashed per kernel call. */
const NODE_CHUNK = 1 << 14;
const PAGE = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The WebAssembly kernel where this runtime compiles it (little-endian hosts), else node:crypto. */
export function createTileSha256(kind?: "wasm" | "node"): TileSha256 {
  const k = kind !== "node" ? wasmTileSha256() : undefined;
  if (k !== undefined) return k;
  if (kind === "wasm") throw new Error("tileSha256: WebAssembly SIMD kernel unavailable");
  return nodeTileSha256();
}

function checkLeaves(
  n: number,
  c: Int32Array,
  fromTile: number,
  toTile: number,
  out: Uint8Array,
  outOffset: number,
) {
  const side = n / TILE_DIM;
  if (!Number.isSafeInteger(side) || side < 1)
    throw new RangeError(`tileSha256: n must be a multiple of 8, got ${n}`);
  if (c.length < n * n) throw new RangeError("tileSha256: matrix shorter than n·n");
  if (
    !(Number.isSafeInteger(fromTile) && Number.isSafeInteger(toTile) && 0 <= fromTile && fromTile <= toTile)
  )
    throw new RangeError(`tileSha256: bad tile range [${fromTile}, ${toTile})`);
  if (toTile > side * side) throw new RangeError(`tileSha256: tile ${toTile - 1} outside the matrix`);
  if (
    !Number.isSafeInteger(outOffset) ||
    outOffset < 0 ||
    outOffset + (toTile - fromTile) * HASH_BYTES > out.length
  )
    throw new RangeError("tileSha256: leaves do not fit the output");
}

function checkNodes(children: Uint8Array, parents: Uint8Array): void {
  if (parents.length % HASH_BYTES !== 0 || children.length !== 2 * parents.length)
    throw new RangeError("tileSha256: children must be twice the parents, in 32-byte hashes");
}

function wasmTileSha256(): TileSha256 | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const exports = instantiateWasm(TILE_SHA256_WASM_BASE64);
  if (exports === undefined) return undefined;
  const memory = exports.memory as { buffer: ArrayBuffer; grow(pages: number): number };
  const leavesFn = exports.leaves as (
    src: number,
    side: number,
    rowStride: number,
    first: number,
    count: number,
    dst: number,
  ) => void;
  const nodesFn = exports.nodes as (src: number, count: number, dst: number) => void;
  let mem = new Uint8Array(memory.buffer);
  const ensure = (bytes: number): void => {
    if (bytes <= mem.length) return;
    memory.grow(Math.ceil((bytes - mem.length) / PAGE));
    // Growing detaches the old buffer: take a view of the new one.
    mem = new Uint8Array(memory.buffer);
  };
  return {
    kind: "wasm",
    leaves(n, c, fromTile, toTile, out, outOffset): void {
      checkLeaves(n, c, fromTile, toTile, out, outOffset);
      const side = n / TILE_DIM;
      const tileRowBytes = TILE_DIM * n * 4;
      const rowsPerBand = Math.max(1, Math.floor(BAND_BYTES / tileRowBytes));
      const matrix = new Uint8Array(c.buffer, c.byteOffset, n * n * 4);
      let t = fromTile;
      while (t < toTile) {
        const tileRow = Math.floor(t / side);
        const endRow = Math.min(tileRow + rowsPerBand, Math.ceil(toTile / side));
        const count = Math.min(toTile, endRow * side) - t;
        const bandBytes = (endRow - tileRow) * tileRowBytes;
        const digests = DATA_OFFSET + bandBytes;
        ensure(digests + rowsPerBand * side * HASH_BYTES);
        mem.set(matrix.subarray(tileRow * tileRowBytes, endRow * tileRowBytes), DATA_OFFSET);
        leavesFn(DATA_OFFSET, side, n * 4, t - tileRow * side, count, digests);
        out.set(mem.subarray(digests, digests + count * HASH_BYTES), outOffset + (t - fromTile) * HASH_BYTES);
        t += count;
      }
    },
    nodes(children, parents): void {
      checkNodes(children, parents);
      const total = parents.length / HASH_BYTES;
      ensure(DATA_OFFSET + NODE_CHUNK * 3 * HASH_BYTES);
      for (let i = 0; i < total; i += NODE_CHUNK) {
        const count = Math.min(NODE_CHUNK, total - i);
        const dst = DATA_OFFSET + 2 * count * HASH_BYTES;
        mem.set(children.subarray(2 * i * HASH_BYTES, 2 * (i + count) * HASH_BYTES), DATA_OFFSET);
        nodesFn(DATA_OFFSET, count, dst);
        parents.set(mem.subarray(dst, dst + count * HASH_BYTES), i * HASH_BYTES);
      }
    },
  };
}

function nodeTileSha256(): TileSha256 {
  const words = new Int32Array(TILE_ENTRIES);
  const tile = new Uint8Array(words.buffer);
  const dv = new DataView(words.buffer);
  const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
  nodeInput[0] = 0x01;
  return {
    kind: "node",
    leaves(n, c, fromTile, toTile, out, outOffset): void {
      checkLeaves(n, c, fromTile, toTile, out, outOffset);
      const side = n / TILE_DIM;
      for (let t = fromTile; t < toTile; t++) {
        const tileRow = Math.floor(t / side);
        let src = tileRow * TILE_DIM * n + (t - tileRow * side) * TILE_DIM;
        for (let r = 0; r < TILE_DIM; r++) {
          // The tile's bytes are its entries as int32 little-endian, whatever the host's order.
          if (LITTLE_ENDIAN) words.set(c.subarray(src, src + TILE_DIM), r * TILE_DIM);
          else for (let x = 0; x < TILE_DIM; x++) dv.setInt32((r * TILE_DIM + x) * 4, c[src + x]!, true);
          src += n;
        }
        out.set(leafHash(tile), outOffset + (t - fromTile) * HASH_BYTES);
      }
    },
    nodes(children, parents): void {
      checkNodes(children, parents);
      for (let i = 0; i < parents.length / HASH_BYTES; i++) {
        nodeInput.set(children.subarray(2 * i * HASH_BYTES, 2 * (i + 1) * HASH_BYTES), 1);
        parents.set(sha256(nodeInput), i * HASH_BYTES);
      }
    },
  };
}
