import { describe, expect, it } from "vitest";
import { bytesToHex, equalBytes, u256ToBytes } from "../bytes.ts";
import {
  BEACON_SCHEME,
  beaconRandomness,
  createLocalBeacon,
  DEV_BEACON_SEED,
  deriveBeaconSecretKey,
  isBeaconPublicKey,
  MAX_BEACON_ROUND,
  verifyBeaconRound,
} from "./index.ts";

const OPTS = { genesisTime: 1_700_000_000n, periodSeconds: 2n };
// Order of the BLS12-381 scalar field.
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

describe("deriveBeaconSecretKey", () => {
  it("pins the devnet key (checked against an independent Python computation of the formula)", () => {
    expect(DEV_BEACON_SEED).toBe("flops/devnet-beacon/v0");
    expect(bytesToHex(deriveBeaconSecretKey())).toBe(
      "0x0d47cb168cc0830b3be8faaf7b69cb67ff12c0661461b2781c5d06106fb70e8c",
    );
  });

  it("is deterministic and seed-separated", () => {
    expect(equalBytes(deriveBeaconSecretKey("a"), deriveBeaconSecretKey("a"))).toBe(true);
    expect(equalBytes(deriveBeaconSecretKey("a"), deriveBeaconSecretKey("b"))).toBe(false);
    expect(deriveBeaconSecretKey("").length).toBe(32);
  });
});

describe("createLocalBeacon", () => {
  const beacon = createLocalBeacon(deriveBeaconSecretKey(), OPTS);

  it("has a quicknet-format config of its own", () => {
    expect(beacon.config.scheme).toBe(BEACON_SCHEME);
    expect(beacon.config.genesisTime).toBe(OPTS.genesisTime);
    expect(beacon.config.periodSeconds).toBe(OPTS.periodSeconds);
    expect(beacon.config.publicKey.length).toBe(96);
    expect(isBeaconPublicKey(beacon.config.publicKey)).toBe(true);
    // Pinned so a library upgrade cannot silently change the devnet's beacon key.
    expect(bytesToHex(beacon.config.publicKey)).toBe(
      "0x8b6ded6aa6b5515e9f2a47ef21dfcf18921548059ee508a85bd4cb473191db03949a2aa1c69984bcb941ec6d85f86d6c1761118831bd82e6e648d413b7c5030a2b65573e95056488e18d6a0bfad7dd3c84af018980e7fcef795edf117894bc8b",
    );
  });

  it("signs rounds that verify, and only for their own round", () => {
    for (const round of [1n, 2n, 3n, 1000n, MAX_BEACON_ROUND]) {
      const sig = beacon.sign(round);
      expect(sig.length).toBe(48);
      expect(verifyBeaconRound(beacon.config, round, sig)).toBe(true);
      if (round < MAX_BEACON_ROUND) expect(verifyBeaconRound(beacon.config, round + 1n, sig)).toBe(false);
    }
  });

  it("is deterministic: the same key signs the same bytes", () => {
    const again = createLocalBeacon(deriveBeaconSecretKey(), OPTS);
    expect(bytesToHex(again.sign(7n))).toBe(bytesToHex(beacon.sign(7n)));
    expect(bytesToHex(beacon.sign(1n))).toBe(
      "0xa118ca7e134472e37e134d4c8ee487703a66014ef3e011a78753a3aebb2e562d64e34433067cb05759191709a3891dba",
    );
    expect(bytesToHex(beaconRandomness(beacon.sign(7n)))).not.toBe(
      bytesToHex(beaconRandomness(beacon.sign(8n))),
    );
  });

  it("keeps its own copy of the key", () => {
    const sk = deriveBeaconSecretKey("copy");
    const b = createLocalBeacon(sk, OPTS);
    const before = b.sign(5n);
    sk.fill(0);
    expect(bytesToHex(b.sign(5n))).toBe(bytesToHex(before));
  });

  it("rejects bad keys, periods and rounds", () => {
    expect(() => createLocalBeacon(new Uint8Array(31), OPTS)).toThrow(RangeError);
    expect(() => createLocalBeacon(new Uint8Array(32), OPTS)).toThrow(/\[1, r\)/);
    expect(() => createLocalBeacon(u256ToBytes(R), OPTS)).toThrow(/\[1, r\)/);
    expect(() => createLocalBeacon(u256ToBytes(R - 1n), OPTS)).not.toThrow();
    expect(() => createLocalBeacon(deriveBeaconSecretKey(), { ...OPTS, periodSeconds: 0n })).toThrow(
      RangeError,
    );
    expect(() => beacon.sign(0n)).toThrow(RangeError);
    expect(() => beacon.sign(MAX_BEACON_ROUND + 1n)).toThrow(RangeError);
  });
});
