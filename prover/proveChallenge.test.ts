import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_SMALL, TIER_TINY } from "../chain/params.ts";
import { Chacha20Reader, entryCount, type ProofTier, verifyOpenings } from "../chain/proof/index.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import { createWasmEngine } from "./engine/wasmEngine.ts";
import {
  buildReveal,
  commitProducts,
  computeProducts,
  type ProvedChallenge,
  proveChallenge,
} from "./proveChallenge.ts";

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const r2Of = (i: number): Uint8Array => {
  const r = new Uint8Array(32);
  new DataView(r.buffer).setUint32(0, i);
  r[31] = 0x5a;
  return r;
};

function check(p: ProvedChallenge, r2: Uint8Array) {
  const o = buildReveal(p, r2);
  return verifyOpenings({ tier: p.tier, seed: p.seed, root: p.root, randomnessR2: r2 }, o.tiles, o.proof);
}

describe("proveChallenge", () => {
  it("golden tiny-tier root (independent Python reference), same from both engines", async () => {
    const want = "0xce6a6e1fd30a62ec1f476d268e2733e48a5b14314f4884943fed0cf3ba2c4173";
    const js = await proveChallenge(TIER_TINY, SEED, createJsEngine());
    const wasm = await proveChallenge(TIER_TINY, SEED, await createWasmEngine());
    expect(bytesToHex(js.root)).toBe(want);
    expect(bytesToHex(wasm.root)).toBe(want);
  });

  it("an honest prover's reveals verify (tiny, small, and n = 256 with k = 32)", async () => {
    const wasm = await createWasmEngine();
    const tiers: ProofTier[] = [TIER_TINY, TIER_SMALL, { n: 256, m: 2, k: 32 }];
    for (const tier of tiers) {
      const p = await proveChallenge(tier, SEED, wasm);
      for (let i = 0; i < 10; i++) expect(check(p, r2Of(i))).toEqual({ ok: true });
    }
  });

  it("JS and WASM engines commit to the same root at n = 128", async () => {
    const tier = { n: 128, m: 2, k: 16 };
    const seed = new Uint8Array(32).fill(0xc3);
    const a = await proveChallenge(tier, seed, createJsEngine());
    const b = await proveChallenge(tier, seed, await createWasmEngine());
    expect(bytesToHex(a.root)).toBe(bytesToHex(b.root));
  });

  it("a reveal built for another sample round or another root fails", async () => {
    const p = await proveChallenge(TIER_SMALL, SEED, createJsEngine());
    const q = await proveChallenge(TIER_SMALL, new Uint8Array(32).fill(1), createJsEngine());
    const ctx = { tier: TIER_SMALL, seed: SEED, root: p.root, randomnessR2: r2Of(1) };
    const forOtherRound = buildReveal(p, r2Of(2));
    expect(verifyOpenings(ctx, forOtherRound.tiles, forOtherRound.proof).ok).toBe(false);
    const forOtherRoot = buildReveal(q, r2Of(1));
    expect(verifyOpenings(ctx, forOtherRoot.tiles, forOtherRoot.proof).ok).toBe(false);
  });

  describe("a prover faking a fraction f of entries is caught with probability 1 − (1 − f)^k", () => {
    // The cheater commits to products in which exactly ⌊f·N⌋ entries (chosen by a seeded stream)
    // are off by one, so every Merkle path is valid and only the recomputed dot products can
    // catch it. Over R sample rounds the number of passes is Binomial(R, (1 − f)^k) with
    // f = faked/N exactly (samples are uniform, with replacement); we allow 4.5 standard
    // deviations (a false alarm about once in 150 000 runs; all seeds are fixed anyway).
    const cases = [
      { f: 0.1, k: 8 },
      { f: 0.1, k: 16 },
      { f: 0.3, k: 8 },
    ];
    for (const { f, k } of cases) {
      it(`f = ${f}, k = ${k}`, async () => {
        const tier: ProofTier = { n: 64, m: 2, k };
        const N = entryCount(tier);
        const faked = Math.floor(f * N);
        const rounds = 500;
        let passes = 0;
        let total = 0;
        for (const cheaterSeed of [1, 2, 3]) {
          const seed = new Uint8Array(32).fill(cheaterSeed);
          const products = await computeProducts(tier, seed, createJsEngine());
          // Choose `faked` distinct entries from a seeded stream (a partial Fisher–Yates shuffle).
          const order = Array.from({ length: N }, (_, i) => i);
          const rng = new Chacha20Reader(new Uint8Array(32).fill(100 + cheaterSeed), new Uint8Array(12));
          for (let i = 0; i < faked; i++) {
            const pick = i + Number(rng.nextUintLe(4) % BigInt(N - i));
            [order[i], order[pick]] = [order[pick]!, order[i]!];
            const e = order[i]!;
            const j = Math.floor(e / (tier.n * tier.n));
            products[j]![e % (tier.n * tier.n)]! += 1;
          }
          const { root, tree } = commitProducts(tier, products);
          const cheater: ProvedChallenge = { tier, seed, products, tree, root };
          for (let i = 0; i < rounds; i++) {
            if (check(cheater, r2Of(i)).ok) passes++;
            total++;
          }
        }
        const p = (1 - faked / N) ** k;
        const sd = Math.sqrt((p * (1 - p)) / total);
        const observed = passes / total;
        expect(Math.abs(observed - p)).toBeLessThanOrEqual(4.5 * sd + 1 / total);
        // And, as the security claim reads: caught at close to 1 − (1 − f)^k.
        expect(1 - observed).toBeGreaterThan(1 - p - 4.5 * sd - 1 / total);
      });
    }
  });
});
