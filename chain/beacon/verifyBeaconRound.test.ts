import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QUICKNET_VECTOR_CHAIN, QUICKNET_VECTORS, quicknetVector } from "../../test/helpers/drandQuicknet.ts";
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { type BeaconConfig, QUICKNET } from "../params.ts";
import {
  assertBeaconPublicKey,
  BEACON_DST,
  beaconRandomness,
  beaconRoundMessage,
  createLocalBeacon,
  deriveBeaconSecretKey,
  isBeaconPublicKey,
  MAX_BEACON_ROUND,
  verifyBeaconRound,
  verifyBeaconRoundUncached,
} from "./index.ts";

function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] = out[index]! ^ (1 << bit);
  return out;
}

describe("real quicknet rounds", () => {
  it("has the vectors' chain info in params.QUICKNET", () => {
    expect(bytesToHex(QUICKNET.publicKey)).toBe(`0x${QUICKNET_VECTOR_CHAIN.publicKey}`);
    expect(QUICKNET.genesisTime).toBe(BigInt(QUICKNET_VECTOR_CHAIN.genesisTime));
    expect(QUICKNET.periodSeconds).toBe(BigInt(QUICKNET_VECTOR_CHAIN.period));
    expect(QUICKNET.scheme).toBe("bls-unchained-g1-rfc9380");
    expect(BEACON_DST).toBe("BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_");
  });

  it("uses at least 3 real rounds", () => {
    expect(QUICKNET_VECTORS.length).toBeGreaterThanOrEqual(3);
  });

  for (const v of QUICKNET_VECTORS) {
    it(`verifies round ${v.round} and its published randomness`, () => {
      expect(verifyBeaconRound(QUICKNET, v.round, v.signature)).toBe(true);
      expect(bytesToHex(beaconRandomness(v.signature))).toBe(bytesToHex(v.randomness));
    });
  }

  it("signs sha256 of the round as u64 big-endian", () => {
    expect(bytesToHex(beaconRoundMessage(1n))).toBe(bytesToHex(sha256(hexToBytes("0000000000000001"))));
    expect(bytesToHex(beaconRoundMessage(0x0102030405060708n))).toBe(
      bytesToHex(sha256(hexToBytes("0102030405060708"))),
    );
  });
});

describe("rejections", () => {
  const v = quicknetVector(3);

  it("rejects a tampered signature", () => {
    // The last byte changes x but keeps a well-formed encoding more often than not; every bit of
    // it must still fail, whether at decoding or at the pairing check.
    for (let bit = 0; bit < 8; bit++) {
      expect(verifyBeaconRound(QUICKNET, v.round, flipBit(v.signature, 47, bit))).toBe(false);
    }
    // The sort flag: the same x with the other y, i.e. −signature.
    expect(verifyBeaconRound(QUICKNET, v.round, flipBit(v.signature, 0, 5))).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round, flipBit(v.signature, 20))).toBe(false);
  });

  it("rejects a signature for another round", () => {
    expect(verifyBeaconRound(QUICKNET, v.round + 1n, v.signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round - 1n, v.signature)).toBe(false);
    const other = quicknetVector(2);
    expect(verifyBeaconRound(QUICKNET, v.round, other.signature)).toBe(false);
  });

  it("rejects rounds outside [1, 2^64) without throwing", () => {
    expect(verifyBeaconRound(QUICKNET, 0n, v.signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, -3n, v.signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, MAX_BEACON_ROUND + 1n, v.signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, 3 as unknown as bigint, v.signature)).toBe(false);
  });

  it("rejects a valid round under another key", () => {
    const local = createLocalBeacon(deriveBeaconSecretKey(), { genesisTime: 0n, periodSeconds: 3n });
    expect(verifyBeaconRound(local.config, v.round, v.signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round, local.sign(v.round))).toBe(false);
  });

  it("rejects garbage signatures without throwing", () => {
    const garbage: Uint8Array[] = [
      new Uint8Array(0),
      v.signature.subarray(0, 47),
      concatBytes(v.signature, Uint8Array.of(0)),
      concatBytes(v.signature, v.signature),
      new Uint8Array(48),
      new Uint8Array(48).fill(0xff),
      // The compressed identity: well-formed, and must never pass.
      concatBytes(Uint8Array.of(0xc0), new Uint8Array(47)),
      // Compression bit cleared: uncompressed encodings are not signatures.
      flipBit(v.signature, 0, 7),
    ];
    for (const g of garbage) expect(verifyBeaconRound(QUICKNET, v.round, g)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round, "0xabc" as unknown as Uint8Array)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round, undefined as unknown as Uint8Array)).toBe(false);
  });

  it("rejects random 48-byte strings without throwing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (bytes) => {
        expect(verifyBeaconRound(QUICKNET, v.round, bytes)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it("rejects every round under an invalid public key or scheme", () => {
    const bad: BeaconConfig[] = [
      { ...QUICKNET, publicKey: new Uint8Array(96) },
      { ...QUICKNET, publicKey: QUICKNET.publicKey.subarray(0, 48) },
      { ...QUICKNET, publicKey: flipBit(QUICKNET.publicKey, 95) },
      // The G2 identity would accept the G1 identity for every round.
      { ...QUICKNET, publicKey: concatBytes(Uint8Array.of(0xc0), new Uint8Array(95)) },
      { ...QUICKNET, scheme: "pedersen-bls-unchained" as BeaconConfig["scheme"] },
    ];
    for (const config of bad) {
      expect(verifyBeaconRound(config, v.round, v.signature)).toBe(false);
      expect(verifyBeaconRound(config, v.round, concatBytes(Uint8Array.of(0xc0), new Uint8Array(47)))).toBe(
        false,
      );
    }
  });

  it("does not reuse a cached key after the key bytes change", () => {
    const publicKey = Uint8Array.from(QUICKNET.publicKey);
    const config: BeaconConfig = { ...QUICKNET, publicKey };
    expect(verifyBeaconRound(config, v.round, v.signature)).toBe(true);
    const local = createLocalBeacon(deriveBeaconSecretKey("other"), { genesisTime: 0n, periodSeconds: 3n });
    publicKey.set(local.config.publicKey);
    expect(verifyBeaconRound(config, v.round, v.signature)).toBe(false);
    expect(verifyBeaconRound(config, v.round, local.sign(v.round))).toBe(true);
  });
});

describe("verified-round cache", () => {
  const v = QUICKNET_VECTORS[0]!;

  it("answers the same again, and never for bytes changed after a success", () => {
    const signature = Uint8Array.from(v.signature);
    expect(verifyBeaconRound(QUICKNET, v.round, signature)).toBe(true);
    expect(verifyBeaconRound(QUICKNET, v.round, signature)).toBe(true);
    signature[47] = signature[47]! ^ 1;
    expect(verifyBeaconRound(QUICKNET, v.round, signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round, signature)).toBe(false);
    expect(verifyBeaconRound(QUICKNET, v.round + 1n, v.signature)).toBe(false);
    expect(verifyBeaconRoundUncached(QUICKNET, v.round, v.signature)).toBe(true);
    expect(verifyBeaconRoundUncached(QUICKNET, v.round, signature)).toBe(false);
    expect(verifyBeaconRoundUncached(QUICKNET, 0n, v.signature)).toBe(false);
  });

  it("keeps rounds apart per key", () => {
    const local = createLocalBeacon(deriveBeaconSecretKey("cache"), { genesisTime: 0n, periodSeconds: 3n });
    const sig = local.sign(5n);
    expect(verifyBeaconRound(local.config, 5n, sig)).toBe(true);
    expect(verifyBeaconRound({ ...local.config, publicKey: QUICKNET.publicKey }, 5n, sig)).toBe(false);
  });
});

describe("public key checks", () => {
  it("accepts quicknet's key and says why others fail", () => {
    expect(isBeaconPublicKey(QUICKNET.publicKey)).toBe(true);
    expect(() => assertBeaconPublicKey(QUICKNET.publicKey)).not.toThrow();
    expect(isBeaconPublicKey(new Uint8Array(96))).toBe(false);
    expect(() => assertBeaconPublicKey(new Uint8Array(95))).toThrow(/96 bytes, got 95/);
    expect(() => assertBeaconPublicKey(concatBytes(Uint8Array.of(0xc0), new Uint8Array(95)))).toThrow(
      /infinity/,
    );
  });

  it("randomness is sha256 of the signature bytes", () => {
    const v = quicknetVector(1);
    expect(equalBytes(beaconRandomness(v.signature), sha256(v.signature))).toBe(true);
  });
});
