import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_SMALL } from "../chain/params.ts";
import { buildTileTree, HASH_BYTES, leafHash, type ProofTier, tileCount } from "../chain/proof/index.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import type { MatmulJob, WorkEngine } from "./engine/types.ts";
import { createWasmEngine } from "./engine/wasmEngine.ts";
import { freivaldsVectors } from "./freivalds.ts";
import { createLeafHasher, sharedLeafHasher } from "./leafHasher.ts";
import {
  commitProducts,
  computeAndCommit,
  computeProducts,
  type ProductMismatch,
  productTile,
} from "./proveChallenge.ts";
import {
  buildTileTreeBatched,
  hashProductLeaves,
  hashProductLevels,
  subtreeLevels,
  treeLevels,
} from "./tileHashing.ts";
import { createTileSha256 } from "./tileSha256.ts";

const hex = (b: Uint8Array): string => bytesToHex(b);
const randomMatrix = (n: number): Int32Array => new Int32Array(randomBytes(4 * n * n).buffer);

/** Leaf hashes of tiles [from, to) by chain/proof's definition, one tile at a time. */
function referenceLeaves(n: number, c: Int32Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array((to - from) * HASH_BYTES);
  for (let t = from; t < to; t++) out.set(leafHash(productTile(n, [c], t)), (t - from) * HASH_BYTES);
  return out;
}

/** The JS engine, except that product `badJ` (counted per whole product) has one entry off by one. */
function corruptEngine(badJ: number): WorkEngine {
  const js = createJsEngine();
  let j = 0;
  return {
    name: "corrupt",
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const out = await js.multiply(job);
      if (j++ === badJ) out[job.n * 2 + 7]! += 1;
      return out;
    },
    async close(): Promise<void> {},
  };
}

describe("tileSha256 (the batched kernel)", () => {
  const wasm = createTileSha256("wasm");
  const node = createTileSha256("node");

  it("uses the WebAssembly kernel on this runtime", () => {
    expect(createTileSha256().kind).toBe("wasm");
  });

  it("leaf hashes equal sha256(0x00 ‖ tile) for random tiles, whole matrices and ranges inside one", () => {
    for (const n of [8, 16, 24, 64, 256]) {
      const c = randomMatrix(n);
      const count = (n / 8) ** 2;
      const want = referenceLeaves(n, c, 0, count);
      for (const k of [wasm, node]) {
        const got = new Uint8Array(count * HASH_BYTES);
        k.leaves(n, c, 0, count, got, 0);
        expect(hex(got), `${k.kind} n=${n}`).toBe(hex(want));
      }
      // A range starting and ending mid tile-row, written at an offset.
      const from = Math.floor(count / 3);
      const to = Math.max(from, count - 1 - Math.floor(count / 5));
      const part = new Uint8Array(64 + (to - from) * HASH_BYTES);
      wasm.leaves(n, c, from, to, part, 64);
      expect(hex(part.subarray(64))).toBe(hex(want.subarray(from * HASH_BYTES, to * HASH_BYTES)));
      expect(part.subarray(0, 64).every((x) => x === 0)).toBe(true);
    }
  });

  it("hashes a matrix larger than one band (n = 2048: 16 bands of 1 MiB) exactly", () => {
    const n = 2048;
    const c = randomMatrix(n);
    const count = (n / 8) ** 2;
    const got = new Uint8Array(count * HASH_BYTES);
    wasm.leaves(n, c, 0, count, got, 0);
    for (const t of [0, 1, 255, 256, 4095, 4096, 30_000, count - 1]) {
      expect(hex(got.subarray(t * HASH_BYTES, (t + 1) * HASH_BYTES))).toBe(
        hex(referenceLeaves(n, c, t, t + 1)),
      );
    }
  });

  it("node hashes equal sha256(0x01 ‖ left ‖ right) for every batch size around the lane and chunk edges", () => {
    for (const count of [1, 2, 3, 4, 5, 7, 8, 9, 16_383, 16_384, 16_385]) {
      const children = new Uint8Array(randomBytes(2 * count * HASH_BYTES));
      const got = new Uint8Array(count * HASH_BYTES);
      wasm.nodes(children, got);
      const viaNode = new Uint8Array(count * HASH_BYTES);
      node.nodes(children, viaNode);
      expect(hex(got)).toBe(hex(viaNode));
      if (count === 1) expect(hex(got)).toBe(hex(buildTileTree(children).root));
    }
  });

  it("refuses ranges outside the matrix, short matrices and outputs that do not fit", () => {
    const c = randomMatrix(16);
    expect(() => wasm.leaves(16, c, 0, 5, new Uint8Array(5 * 32), 0)).toThrow(RangeError);
    expect(() => wasm.leaves(16, c, 3, 2, new Uint8Array(32), 0)).toThrow(RangeError);
    expect(() => wasm.leaves(16, c, 0, 4, new Uint8Array(3 * 32), 0)).toThrow(RangeError);
    expect(() => wasm.leaves(32, c, 0, 1, new Uint8Array(32), 0)).toThrow(RangeError);
    expect(() => wasm.leaves(12, c, 0, 1, new Uint8Array(32), 0)).toThrow(RangeError);
    expect(() => wasm.nodes(new Uint8Array(96), new Uint8Array(32))).toThrow(RangeError);
  });
});

describe("prover tile hashing", () => {
  it("the batched tree equals chain/proof's buildTileTree level by level (1 … 2^12 leaves)", () => {
    for (const count of [1, 2, 4, 256, 512, 4096]) {
      const leaves = randomBytes(count * HASH_BYTES);
      const want = buildTileTree(leaves);
      const got = buildTileTreeBatched(leaves);
      expect(got.depth).toBe(want.depth);
      for (const [h, l] of got.levels.entries()) expect(hex(l)).toBe(hex(want.levels[h]!));
    }
    expect(() => buildTileTreeBatched(new Uint8Array(3 * HASH_BYTES))).toThrow(RangeError);
  });

  it("a product's subtree levels are the tree's levels over its tiles", () => {
    const n = 64;
    const perMatrix = (n / 8) ** 2;
    const c = randomMatrix(n);
    const levels = treeLevels(2 * perMatrix);
    hashProductLeaves(n, c, 1, levels[0]!);
    hashProductLevels(levels, 1, perMatrix);
    const want = buildTileTree(referenceLeaves(n, c, 0, perMatrix));
    for (const [h, l] of want.levels.entries()) {
      expect(hex(levels[h]!.subarray(l.length, 2 * l.length)), `level ${h}`).toBe(hex(l));
    }
    expect(subtreeLevels(perMatrix).map((l) => l.length)).toEqual(want.levels.map((l) => l.length));
  });

  it("leaf hashes are sha256(0x00 ‖ tile) of every tile, and the overlapped path (main thread or worker) gives the same root", async () => {
    const seed = new Uint8Array(32).fill(5);
    const products = await computeProducts(TIER_SMALL, seed, createJsEngine());
    const { tree, root } = commitProducts(TIER_SMALL, products);
    for (let t = 0; t < tileCount(TIER_SMALL); t += 17) {
      const want = leafHash(productTile(TIER_SMALL.n, products, t));
      expect(hex(tree.levels[0]!.subarray(t * HASH_BYTES, (t + 1) * HASH_BYTES))).toBe(hex(want));
    }
    expect(hex(root)).toBe(hex(buildTileTree(tree.levels[0]!).root));
    for (const leafWorker of [false, true]) {
      const overlapped = await computeAndCommit(TIER_SMALL, seed, await createWasmEngine(), { leafWorker });
      expect(hex(overlapped.root)).toBe(hex(root));
      for (const [h, l] of overlapped.tree.levels.entries()) expect(hex(l)).toBe(hex(tree.levels[h]!));
    }
  });

  it("with the worker, a corrupted product (middle or last) is caught, recomputed and the right root committed", async () => {
    const tier: ProofTier = { n: 64, m: 4, k: 8 };
    const seed = new Uint8Array(32).fill(9);
    const want = await computeAndCommit(tier, seed, createJsEngine(), { leafWorker: false });
    for (const badJ of [0, 2, 3]) {
      const seen: ProductMismatch[] = [];
      const got = await computeAndCommit(tier, seed, corruptEngine(badJ), {
        leafWorker: true,
        fallbacks: [createJsEngine()],
        onMismatch: (m) => seen.push(m),
      });
      expect(hex(got.root), `bad product ${badJ}`).toBe(hex(want.root));
      expect(seen).toEqual([{ j: badJ, engine: "corrupt", recomputedWith: "js", alsoFailed: [] }]);
      expect(hex(new Uint8Array(got.products[badJ]!.buffer))).toBe(
        hex(new Uint8Array(want.products[badJ]!.buffer)),
      );
    }
    // The check is what saves it: unchecked, the same engine commits another root.
    const unchecked = await computeAndCommit(tier, seed, corruptEngine(3), {
      leafWorker: true,
      verify: false,
    });
    expect(hex(unchecked.root)).not.toBe(hex(want.root));
  });

  it("a worker that dies mid-challenge leaves its products to the main thread: same root", async () => {
    const tier: ProofTier = { n: 64, m: 4, k: 8 };
    const seed = new Uint8Array(32).fill(11);
    const want = await computeAndCommit(tier, seed, createJsEngine(), { leafWorker: false });
    const js = createJsEngine();
    let calls = 0;
    const killing: WorkEngine = {
      name: "js",
      async multiply(job: MatmulJob): Promise<Int32Array> {
        // Product 0's job is with the worker now: kill the worker under it.
        if (calls++ === 1) await sharedLeafHasher()?.close();
        return js.multiply(job);
      },
      async close(): Promise<void> {},
    };
    const got = await computeAndCommit(tier, seed, killing, { leafWorker: true });
    expect(hex(got.root)).toBe(hex(want.root));
    expect(sharedLeafHasher()?.alive).toBe(true); // a new one for the next challenge
  });

  it("the leaf worker checks and hashes a product exactly as the main thread does, and refuses work once closed", async () => {
    const n = 256;
    const perMatrix = (n / 8) ** 2;
    const js = createJsEngine();
    const a = Int8Array.from({ length: n * n }, (_, i) => ((i * 7919) % 255) - 127);
    const bt = Int8Array.from({ length: n * n }, (_, i) => ((i * 104_729) % 251) - 125);
    const c = await js.multiply({ n, a, bt });
    const want = subtreeLevels(perMatrix);
    hashProductLeaves(n, c, 0, want[0]!);
    hashProductLevels(want, 0, perMatrix);
    const hasher = createLeafHasher()!;
    const got = await hasher.run({ n, c, check: { a, bt, vectors: freivaldsVectors(n) } });
    expect(got.ok).toBe(true);
    if (got.ok) expect(got.subtree?.map(hex)).toEqual(want.map(hex));
    expect(c.length).toBe(n * n); // the caller's product is copied, not transferred away
    expect(await hasher.run({ n, c, check: { a, bt, vectors: freivaldsVectors(n) }, hash: false })).toEqual({
      ok: true,
      subtree: undefined,
    });
    c[5 * n + 3]! += 1;
    expect(await hasher.run({ n, c, check: { a, bt, vectors: freivaldsVectors(n) } })).toEqual({ ok: false });
    await hasher.close();
    expect(hasher.alive).toBe(false);
    await expect(hasher.run({ n, c })).rejects.toThrow(/closed/);
  });
});
