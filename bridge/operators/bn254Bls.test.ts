import { bn254 } from "@noble/curves/bn254.js";
import { concatHex, encodeAbiParameters, type Hex, keccak256, numberToHex, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { buildAttestation } from "./attestation.ts";
import {
  aggregateG1,
  aggregateG2,
  BN254_P,
  fromSolG1,
  hashToG1,
  keyHash,
  keyPairFromSeed,
  keysMatch,
  outputMessageHash,
  proofOfPossession,
  registrationMessageHash,
  sign,
  toSolG1,
  toSolG2,
  verify,
} from "./bn254Bls.ts";

const seed = (i: number) => new Uint8Array(32).fill(i + 1);
const keys = Array.from({ length: 5 }, (_, i) => keyPairFromSeed(seed(i)));
const MSG: Hex = keccak256(stringToHex("flops/test/bls"));

describe("bn254Bls", () => {
  it("derives a key deterministically from 32 bytes, both halves of one key", () => {
    const again = keyPairFromSeed(seed(0));
    expect(again.secretKey).toBe(keys[0]!.secretKey);
    expect(keys[0]!.secretKey).not.toBe(keys[1]!.secretKey);
    expect(keysMatch(keys[0]!.pubkeyG1, keys[0]!.pubkeyG2)).toBe(true);
    expect(keysMatch(keys[0]!.pubkeyG1, keys[1]!.pubkeyG2)).toBe(false);
    expect(() => keyPairFromSeed(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it("hashes to G1 by try-and-increment from x = digest mod p", () => {
    let multi = 0;
    for (let i = 0; i < 40; i++) {
      const d = keccak256(numberToHex(i, { size: 32 }));
      const p = hashToG1(d);
      p.assertValidity();
      const { x, y } = p.toAffine();
      const x0 = BigInt(d) % BN254_P;
      const steps = (x - x0 + BN254_P) % BN254_P;
      expect(steps).toBeLessThan(40n);
      // Every x passed over has no point: x^3 + 3 is not a square there.
      for (let k = 0n; k < steps; k++) {
        const xs = (x0 + k) % BN254_P;
        const Fp = bn254.fields.Fp;
        const rhs = Fp.add(Fp.mul(Fp.sqr(xs), xs), 3n);
        expect(Fp.eql(Fp.sqr(Fp.pow(rhs, (BN254_P + 1n) / 4n)), rhs)).toBe(false);
      }
      expect(y).toBe(bn254.fields.Fp.pow((x * x * x + 3n) % BN254_P, (BN254_P + 1n) / 4n));
      if (steps > 0n) multi++;
    }
    expect(multi).toBeGreaterThan(5);
  });

  it("signs and verifies; any other message, key or signature fails", () => {
    const sig = sign(keys[0]!.secretKey, MSG);
    expect(verify(keys[0]!.pubkeyG2, MSG, sig)).toBe(true);
    expect(verify(keys[1]!.pubkeyG2, MSG, sig)).toBe(false);
    expect(verify(keys[0]!.pubkeyG2, keccak256(MSG), sig)).toBe(false);
    expect(verify(keys[0]!.pubkeyG2, MSG, sig.add(bn254.G1.Point.BASE))).toBe(false);
    expect(verify(keys[0]!.pubkeyG2, MSG, bn254.G1.Point.ZERO)).toBe(false);
  });

  it("verifies an aggregate under the aggregate G2 key, not under a different signer set", () => {
    const sigs = keys.map((k) => sign(k.secretKey, MSG));
    const apk = aggregateG2(keys.map((k) => k.pubkeyG2));
    expect(verify(apk, MSG, aggregateG1(sigs))).toBe(true);
    expect(verify(apk, MSG, aggregateG1(sigs.slice(1)))).toBe(false);
    expect(verify(aggregateG2(keys.slice(1).map((k) => k.pubkeyG2)), MSG, aggregateG1(sigs.slice(1)))).toBe(
      true,
    );
  });

  it("binds the proof of possession to chain, registry and operator", () => {
    const registry = "0x00000000000000000000000000000000000000aa";
    const op = "0x00000000000000000000000000000000000000bb";
    const pop = proofOfPossession(keys[0]!.secretKey, 31337n, registry, op);
    expect(verify(keys[0]!.pubkeyG2, registrationMessageHash(31337n, registry, op), pop)).toBe(true);
    const other = "0x00000000000000000000000000000000000000cc";
    expect(verify(keys[0]!.pubkeyG2, registrationMessageHash(31337n, registry, other), pop)).toBe(false);
    expect(verify(keys[0]!.pubkeyG2, registrationMessageHash(1n, registry, op), pop)).toBe(false);
  });

  it("hashes the §6 output message as abi.encode of its seven fields", () => {
    const m = {
      l1ChainId: 1n,
      outputOracle: "0x00000000000000000000000000000000000000dd" as const,
      l2ChainId: 7n,
      l2BlockNumber: 99n,
      outputRoot: keccak256("0x01"),
      l1BlockHash: keccak256("0x02"),
    };
    // abi.encode with a string first: the string's offset (7 words = 0xe0), six static words,
    // then its length and padded bytes.
    const word = (v: bigint) => numberToHex(v, { size: 32 });
    const tag = stringToHex("flops/output/v0");
    const manual = concatHex([
      word(0xe0n),
      word(1n),
      word(BigInt(m.outputOracle)),
      word(7n),
      word(99n),
      m.outputRoot,
      m.l1BlockHash,
      word(15n),
      `${tag}${"00".repeat(17)}` as Hex,
    ]);
    expect(outputMessageHash(m)).toBe(keccak256(manual));
    expect(outputMessageHash({ ...m, l2BlockNumber: 100n })).not.toBe(outputMessageHash(m));
  });

  it("encodes points for Solidity with G2 imaginary part first, and round-trips G1", () => {
    const g2 = toSolG2(bn254.G2.Point.BASE);
    expect(g2.x[0]).toBe(11559732032986387107991004021392285783925812861821192530917403151452391805634n);
    expect(g2.x[1]).toBe(10857046999023057135944570762232829481370756359578518086990519993285655852781n);
    expect(toSolG1(bn254.G1.Point.ZERO)).toEqual({ x: 0n, y: 0n });
    expect(fromSolG1(toSolG1(keys[2]!.pubkeyG1)).equals(keys[2]!.pubkeyG1)).toBe(true);
    expect(() => fromSolG1({ x: 1n, y: 3n })).toThrow();
    const { x, y } = toSolG1(keys[2]!.pubkeyG1);
    expect(keyHash(keys[2]!.pubkeyG1)).toBe(
      keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [x, y])),
    );
  });
});

describe("buildAttestation", () => {
  it("aggregates the signers and lists the others by ascending key hash", () => {
    const votes = keys.map((k, i) => ({
      pubkeyG1: k.pubkeyG1,
      pubkeyG2: k.pubkeyG2,
      signature: i < 2 ? undefined : sign(k.secretKey, MSG),
    }));
    const a = buildAttestation(MSG, votes);
    expect(a.nonSignerKeys).toHaveLength(2);
    const hashes = a.nonSignerKeys.map((k) => BigInt(keyHash(fromSolG1(k))));
    expect(hashes[0]! < hashes[1]!).toBe(true);
    expect(new Set(a.nonSignerKeys.map((k) => k.x))).toEqual(
      new Set([toSolG1(keys[0]!.pubkeyG1).x, toSolG1(keys[1]!.pubkeyG1).x]),
    );
    expect(a.sigma).toEqual(toSolG1(aggregateG1(votes.slice(2).map((v) => v.signature!))));
    expect(a.apkG2).toEqual(toSolG2(aggregateG2(keys.slice(2).map((k) => k.pubkeyG2))));
  });

  it("refuses a signature that does not verify, naming it", () => {
    const votes = keys.map((k) => ({
      pubkeyG1: k.pubkeyG1,
      pubkeyG2: k.pubkeyG2,
      signature: sign(keys[0]!.secretKey, MSG),
    }));
    expect(() => buildAttestation(MSG, votes)).toThrow(/signature 1/);
  });
});
