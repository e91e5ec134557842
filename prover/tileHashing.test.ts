import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_SMALL } from "../chain/params.ts";
import { buildTileTree, HASH_BYTES, leafHash, tileCount } from "../chain/proof/index.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import { createWasmEngine } from "./engine/wasmEngine.ts";
import { createLeafHasher } from "./leafHasher.ts";
import { commitProducts, computeAndCommit, computeProducts, productTile } from "./proveChallenge.ts";
import { buildTileTreeBatched, hashProductLeaves } from "./tileHashing.ts";

describe("prover tile hashing", () => {
  it("the batched tree equals chain/proof's buildTileTree level by level (1 … 2^11 leaves)", () => {
    for (const count of [1, 2, 4, 256, 512, 2048]) {
      const leaves = randomBytes(count * HASH_BYTES);
      const want = buildTileTree(leaves);
      const got = buildTileTreeBatched(leaves);
      expect(got.depth).toBe(want.depth);
      for (const [h, l] of got.levels.entries()) expect(bytesToHex(l)).toBe(bytesToHex(want.levels[h]!));
    }
    expect(() => buildTileTreeBatched(new Uint8Array(3 * HASH_BYTES))).toThrow(RangeError);
  });

  it("leaf hashes are sha256(0x00 ‖ tile) of every tile, and the overlapped path (main thread or worker) gives the same root", async () => {
    const seed = new Uint8Array(32).fill(5);
    const products = await computeProducts(TIER_SMALL, seed, createJsEngine());
    const { tree, root } = commitProducts(TIER_SMALL, products);
    for (let t = 0; t < tileCount(TIER_SMALL); t += 17) {
      const want = leafHash(productTile(TIER_SMALL.n, products, t));
      expect(bytesToHex(tree.levels[0]!.subarray(t * HASH_BYTES, (t + 1) * HASH_BYTES))).toBe(
        bytesToHex(want),
      );
    }
    expect(bytesToHex(root)).toBe(bytesToHex(buildTileTree(tree.levels[0]!).root));
    for (const leafWorker of [false, true]) {
      const overlapped = await computeAndCommit(TIER_SMALL, seed, await createWasmEngine(), { leafWorker });
      expect(bytesToHex(overlapped.root)).toBe(bytesToHex(root));
    }
  });

  it("the leaf worker hashes a product exactly as the main thread does, and refuses work once closed", async () => {
    const n = 256;
    const c = Int32Array.from({ length: n * n }, (_, i) => (i * 2654435761) | 0);
    const want = new Uint8Array((n / 8) ** 2 * HASH_BYTES);
    hashProductLeaves(n, c, 0, want);
    const hasher = createLeafHasher()!;
    expect(bytesToHex(await hasher.hash(n, c))).toBe(bytesToHex(want));
    expect(c[1]).toBe(-1640531535); // the caller's product is copied, not transferred away
    await hasher.close();
    expect(hasher.alive).toBe(false);
    await expect(hasher.hash(n, c)).rejects.toThrow(/closed/);
  });
});
