import { afterAll, describe, expect, it } from "vitest";
import {
  createLocalBeacon,
  deriveBeaconSecretKey,
  isBeaconRoundVerified,
  verifyBeaconRoundUncached,
} from "../chain/beacon/index.ts";
import { QUICKNET } from "../chain/params.ts";
import { QUICKNET_VECTORS } from "../test/helpers/drandQuicknet.ts";
import {
  type BeaconPool,
  createBeaconPool,
  offThreadLocalBeacon,
  verifyBeaconRoundOffThread,
} from "./beaconPool.ts";

const opts = { genesisTime: 1_700_000_000n, periodSeconds: 3n };
const key = deriveBeaconSecretKey("flops/beaconPool.test");
const local = createLocalBeacon(key, opts);
const other = createLocalBeacon(deriveBeaconSecretKey("flops/beaconPool.test/other"), opts);

const pool = createBeaconPool();
afterAll(() => pool.close());

describe("the beacon pool's worker", () => {
  it("gives chain/beacon's own verdict on valid and invalid rounds", async () => {
    const v = QUICKNET_VECTORS[0]!;
    const sig5 = local.sign(5n);
    const identity = new Uint8Array(48);
    identity[0] = 0xc0; // the compressed point at infinity
    const cases: Array<[typeof QUICKNET, bigint, Uint8Array]> = [
      [local.config, 5n, sig5], // valid
      [local.config, 6n, sig5], // another round's signature
      [other.config, 5n, sig5], // another key
      [local.config, 5n, identity],
      [local.config, 5n, new Uint8Array(48).fill(0x8a)], // not a point
      [local.config, 0n, sig5], // round 0 has no signature
      [QUICKNET, v.round, v.signature], // a real drand round
    ];
    const got = await Promise.all(cases.map(([c, r, s]) => pool.verify(c, r, s)));
    expect(got).toEqual(cases.map(([c, r, s]) => verifyBeaconRoundUncached(c, r, s)));
    expect(got).toEqual([true, false, false, false, false, false, true]);
  });

  it("signs as the local beacon does, and says whether its signature verifies under the config", async () => {
    const a = await pool.sign(key, local.config, 7n);
    expect(a).toEqual({ signature: local.sign(7n), ok: true });
    // Under a config of another key the same signature does not verify.
    expect((await pool.sign(key, other.config, 7n)).ok).toBe(false);
  });
});

describe("verifyBeaconRoundOffThread", () => {
  it("remembers a worker's yes, so the block build's check is a lookup, and never a no", async () => {
    const good = local.sign(11n);
    expect(isBeaconRoundVerified(local.config, 11n, good)).toBe(false);
    expect(await verifyBeaconRoundOffThread(local.config, 11n, good, () => pool)).toBe(true);
    expect(isBeaconRoundVerified(local.config, 11n, good)).toBe(true);
    expect(await verifyBeaconRoundOffThread(local.config, 12n, good, () => pool)).toBe(false);
    expect(isBeaconRoundVerified(local.config, 12n, good)).toBe(false);
  });

  it("checks on this thread when the worker is gone", async () => {
    const dead = createBeaconPool();
    await dead.close();
    expect(dead.alive).toBe(false);
    const good = local.sign(13n);
    expect(await verifyBeaconRoundOffThread(local.config, 14n, good, () => dead)).toBe(false);
    expect(await verifyBeaconRoundOffThread(local.config, 13n, good, () => dead)).toBe(true);
  });

  it("stops a worker that does not answer in time; the check then runs on this thread", async () => {
    // 1 ms: no worker answers that fast (its start alone takes longer).
    const slow = createBeaconPool(1);
    const good = local.sign(15n);
    expect(await verifyBeaconRoundOffThread(local.config, 15n, good, () => slow)).toBe(true);
    expect(slow.alive).toBe(false);
  });
});

describe("offThreadLocalBeacon", () => {
  it("signs on the worker what the local beacon signs, already verified", async () => {
    const b = offThreadLocalBeacon(key, opts, () => pool);
    expect(b.config).toEqual(local.config);
    const s = await b.signOffThread(21n);
    expect(s).toEqual(local.sign(21n));
    expect(isBeaconRoundVerified(local.config, 21n, s)).toBe(true);
  });

  it("signs on this thread when the worker is gone (unverified: the build checks it)", async () => {
    const dead: BeaconPool = createBeaconPool();
    await dead.close();
    const b = offThreadLocalBeacon(key, opts, () => dead);
    const s = await b.signOffThread(22n);
    expect(s).toEqual(local.sign(22n));
    expect(isBeaconRoundVerified(local.config, 22n, s)).toBe(false);
  });
});
