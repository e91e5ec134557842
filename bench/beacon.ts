/**
 * Beacon verification cost: the chain's `verifyBeaconRound` (Miller-loop coefficients of −pk and
 * the G2 generator prepared once per key) against noble's one-shot `shortSignatures.verify`, on a
 * real quicknet round. Also the local beacon's signing cost. beacon_verify carries the one-shot
 * figure of the same run as its baseline (`ceiling`, `ratio` = speed-up; bench/ceiling.ts).
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import {
  BEACON_DST,
  beaconRoundMessage,
  createLocalBeacon,
  deriveBeaconSecretKey,
  verifyBeaconRound,
  verifyBeaconRoundUncached,
} from "../chain/beacon/index.ts";
import { hexToBytes } from "../chain/bytes.ts";
import { QUICKNET } from "../chain/params.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

// quicknet round 3 (test/vectors/drandQuicknet.json).
const ROUND = 3n;
const SIGNATURE = hexToBytes(
  "b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64",
);

function timeMs(iterations: number, fn: () => unknown): { mean: number; p50: number; p99: number } {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { mean: samples.reduce((a, b) => a + b, 0) / samples.length, p50: at(0.5), p99: at(0.99) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const n = opts.quick ? 10 : 60;
  if (!verifyBeaconRound(QUICKNET, ROUND, SIGNATURE))
    throw new Error("bench: quicknet vector does not verify");
  // Uncached: verifyBeaconRound answers a round it verified before from its cache.
  const prepared = timeMs(n, () => verifyBeaconRoundUncached(QUICKNET, ROUND, SIGNATURE));
  const sigs = bls12_381.shortSignatures;
  const pk = bls12_381.G2.Point.fromBytes(QUICKNET.publicKey);
  const oneShot = timeMs(n, () =>
    sigs.verify(SIGNATURE, sigs.hash(beaconRoundMessage(ROUND), BEACON_DST), pk),
  );
  const local = createLocalBeacon(deriveBeaconSecretKey(), { genesisTime: 0n, periodSeconds: 3n });
  let r = 1n;
  const sign = timeMs(n, () => local.sign(r++));
  return [
    {
      name: "beacon_verify",
      value: round3(prepared.mean),
      unit: "ms/op",
      ...ceilingFields(round3(prepared.mean), oneShot.mean, "noble one-shot verify, same run", "time"),
      p50: round3(prepared.p50),
      p99: round3(prepared.p99),
      n,
    },
    {
      name: "beacon_verify_noble_oneshot",
      value: round3(oneShot.mean),
      unit: "ms/op",
      p50: round3(oneShot.p50),
      p99: round3(oneShot.p99),
      n,
    },
    {
      name: "beacon_local_sign",
      value: round3(sign.mean),
      unit: "ms/op",
      p50: round3(sign.p50),
      p99: round3(sign.p99),
      n,
    },
  ];
}
