// Worker of prover/leafHasher.ts: the background share of one product, off the thread that runs
// the engine: its Freivalds check (when asked) and its leaf hashes and subtree levels
// (tileHashing.ts: sha256(0x00 ‖ tile) per 8×8 tile in (tileRow, tileCol) order, then the nodes
// up to the product's own root). Plain .mjs so it starts without a loader; it registers tsx itself
// to run the TypeScript it shares with the main thread (one definition of the check and hashes).
// The main thread only starts it on a little-endian host, where an Int32Array's bytes are the tile.
// Message in: { id, n, c, check?, hash } (c: the product, n·n Int32Array, on a SharedArrayBuffer
//   or a copy; check: { a, bt, vectors } as freivaldsCheck takes them; hash: false to only check);
// message out: { id, ok: false } (the check failed: nothing hashed), { id, ok: true, subtree? }
//   (subtree: the packed levels of subtreeLevels, transferred; absent without hash) or { id, error }.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
// Listening before the modules load: messages that arrive meanwhile wait for `ready`.
const ready = Promise.all([import("./freivalds.ts"), import("./tileHashing.ts")]);

parentPort.on("message", async ({ id, n, c, check, hash }) => {
  try {
    const [{ freivaldsCheck }, { hashProductLeaves, hashProductLevels, subtreeLevels }] = await ready;
    if (check !== undefined && !freivaldsCheck(check.a, check.bt, c, n, check.vectors)) {
      parentPort.postMessage({ id, ok: false });
      return;
    }
    if (!hash) {
      parentPort.postMessage({ id, ok: true });
      return;
    }
    const perMatrix = (n / 8) ** 2;
    const levels = subtreeLevels(perMatrix);
    hashProductLeaves(n, c, 0, levels[0]);
    hashProductLevels(levels, 0, perMatrix);
    const subtree = levels[0].buffer;
    parentPort.postMessage({ id, ok: true, subtree }, [subtree]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.message ?? e) });
  }
});
