// Worker of prover/leafHasher.ts: the leaf hashes of one product, sha256(0x00 ‖ tile) per 8×8
// tile in (tileRow, tileCol) order (chain/proof/tileTree.ts `leafHash`; tiles as in geometry.ts:
// 64 int32 little-endian, row-major). Plain .mjs so the worker needs no TypeScript loader; the
// main thread only starts it on a little-endian host, where an Int32Array's bytes are the tile.
// Message in: { id, n, c } (c: the product, an n·n Int32Array, transferred);
// message out: { id, leaves } ((n/8)² · 32 bytes, transferred) or { id, error }.
import { hash } from "node:crypto";
import { parentPort } from "node:worker_threads";

const TILE_DIM = 8;
const input = new Uint8Array(1 + 256); // input[0] stays 0x00, the leaf prefix
const words = new Int32Array(64);
const tile = new Uint8Array(words.buffer);

parentPort.on("message", ({ id, n, c }) => {
  try {
    const side = n / TILE_DIM;
    const leaves = new Uint8Array(side * side * 32);
    for (let t = 0; t < side * side; t++) {
      const tileRow = Math.floor(t / side);
      let src = tileRow * TILE_DIM * n + (t - tileRow * side) * TILE_DIM;
      for (let r = 0; r < TILE_DIM; r++) {
        words.set(c.subarray(src, src + TILE_DIM), r * TILE_DIM);
        src += n;
      }
      input.set(tile, 1);
      leaves.set(hash("sha256", input, "buffer"), t * 32);
    }
    parentPort.postMessage({ id, leaves }, [leaves.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.message ?? e) });
  }
});
