/**
 * verify_reveal_ms: one reveal check at the devnet tier (n = 2048, m = 4, k = 32), the state
 * machine's cost per `reveal` tx. Proves one devnet challenge first (~1.5 s, WASM engine), then
 * checks honest reveals for distinct sample rounds, each a fresh sample set.
 */
import { TIER_DEVNET } from "../chain/params.ts";
import { verifyOpenings } from "../chain/proof/index.ts";
import { createWasmEngine } from "../prover/engine/wasmEngine.ts";
import { buildReveal, proveChallenge } from "../prover/proveChallenge.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const seed = new Uint8Array(32).fill(0x17);
  const engine = await createWasmEngine();
  const proved = await proveChallenge(TIER_DEVNET, seed, engine);
  await engine.close();

  const reveals = opts.quick ? 40 : 200;
  const times: number[] = [];
  let tileBytes = 0;
  let proofBytes = 0;
  const warm = 20;
  for (let i = 0; i < warm + reveals; i++) {
    const r2 = new Uint8Array(32);
    new DataView(r2.buffer).setUint32(0, i);
    const { tiles, proof } = buildReveal(proved, r2);
    const ctx = { tier: TIER_DEVNET, seed, root: proved.root, randomnessR2: r2 };
    const t0 = performance.now();
    const res = verifyOpenings(ctx, tiles, proof);
    const dt = performance.now() - t0;
    if (!res.ok) throw new Error(`verifyReveal bench: honest reveal failed: ${res.reason}`);
    if (i < warm) continue;
    times.push(dt);
    tileBytes += tiles.length;
    proofBytes += proof.length;
  }
  times.sort((x, y) => x - y);
  const q = (f: number): number =>
    Number(times[Math.min(times.length - 1, Math.floor(f * times.length))]!.toFixed(3));
  return [
    {
      name: "verify_reveal_ms",
      value: q(0.5),
      unit: "ms",
      tier: TIER_DEVNET.name,
      k: TIER_DEVNET.k,
      p90_ms: q(0.9),
      max_ms: q(1),
      reveals,
      avg_tiles_bytes: Math.round(tileBytes / reveals),
      avg_proof_bytes: Math.round(proofBytes / reveals),
    },
  ];
}
