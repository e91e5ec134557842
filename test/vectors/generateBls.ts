/**
 * Builds test/vectors/blsVectors.json: the BN254 BLS values the contracts (contracts/test/Bn254.t.sol,
 * OperatorRegistry.t.sol, OutputQuorum.t.sol) check against bridge/operators/bn254Bls.ts: the G2
 * generator and its negation, hashToG1 of chosen digests (zero, above p, several that need more
 * than one try), eight operators' keys from fixed seeds, their signatures over one digest, the
 * signers' aggregates for chosen subsets, a proof of possession for a fixed registry address,
 * and a §6 output message hash. Every uint is a 0x-prefixed 32-byte hex word (forge reads them as
 * bytes32); a G2 point is four words x1, x0, y1, y0 (imaginary part first, as the precompile).
 * Written by `npm run gen` (test/helpers/generatedFiles.ts); deterministic.
 * @module
 */
import { bn254 } from "@noble/curves/bn254.js";
import { type Address, type Hex, keccak256, numberToHex, stringToBytes } from "viem";
import {
  aggregateG1,
  aggregateG2,
  type BlsG1,
  type BlsG2,
  BN254_P,
  hashToG1,
  keyHash,
  keyPairFromSeed,
  outputMessageHash,
  proofOfPossession,
  registrationMessageHash,
  sign,
  toSolG1,
  toSolG2,
} from "../../bridge/operators/bn254Bls.ts";

const OPERATORS = 8;
/** Signer subsets (bit i = operator i signed) whose aggregates the contract tests use. */
const SUBSETS = [0xff, 0x3f, 0xfe, 0x0f, 0x01, 0x07, 0x1f];

const word = (v: bigint): Hex => numberToHex(v, { size: 32 });
const g1Json = (p: BlsG1) => {
  const s = toSolG1(p);
  return { x: word(s.x), y: word(s.y) };
};
const g2Json = (p: BlsG2) => {
  const s = toSolG2(p);
  return { x1: word(s.x[0]), x0: word(s.x[1]), y1: word(s.y[0]), y0: word(s.y[1]) };
};
const tagged = (tag: string, i: number): Hex => keccak256(stringToBytes(`flops/bls-vectors/${tag}/${i}`));

/** Tries hashToG1 needs for `digest` (1 = x = digest mod p already works). */
function tries(digest: Hex): number {
  const x0 = BigInt(digest) % BN254_P;
  const x = toSolG1(hashToG1(digest)).x;
  return Number((x - x0 + BN254_P) % BN254_P) + 1;
}

export function buildBlsVectors() {
  const digests: Hex[] = [word(0n), word((1n << 256n) - 1n), word(BN254_P), word(BN254_P - 1n)];
  // Tagged digests until three of them needed more than one try (about half do).
  let multi = 0;
  for (let i = 0; multi < 3 || digests.length < 12; i++) {
    const d = tagged("hash", i);
    if (tries(d) > 1) multi++;
    digests.push(d);
  }
  const hashCases = digests.map((digest) => ({ digest, ...g1Json(hashToG1(digest)), tries: tries(digest) }));

  const keys = Array.from({ length: OPERATORS }, (_, i) =>
    keyPairFromSeed(Uint8Array.from(Buffer.from(tagged("seed", i).slice(2), "hex"))),
  );
  const message = tagged("message", 0);
  const sigs = keys.map((k) => sign(k.secretKey, message));
  const subsets = SUBSETS.map((mask) => {
    const idx = keys.map((_, i) => i).filter((i) => (mask >> i) & 1);
    return {
      mask,
      apkG2: g2Json(aggregateG2(idx.map((i) => keys[i]!.pubkeyG2))),
      sigma: g1Json(aggregateG1(idx.map((i) => sigs[i]!))),
      apkG1: g1Json(aggregateG1(idx.map((i) => keys[i]!.pubkeyG1))),
    };
  });

  const popRegistry: Address = "0x00000000000000000000000000000000f10b5bb1";
  const popOperator: Address = "0x00000000000000000000000000000000000a11ce";
  const chainId = 31337n;
  const popKey = keys[2]!;
  const output = {
    l1ChainId: chainId,
    outputOracle: "0x000000000000000000000000000000000000face" as Address,
    l2ChainId: 1_042_000n,
    l2BlockNumber: 123_456n,
    outputRoot: tagged("outputRoot", 0),
    l1BlockHash: tagged("l1BlockHash", 0),
  };

  return {
    g2: g2Json(bn254.G2.Point.BASE),
    negG2: g2Json(bn254.G2.Point.BASE.negate()),
    hashToG1Count: hashCases.length,
    hashToG1: hashCases,
    operatorCount: keys.length,
    operators: keys.map((k, i) => ({
      secretKey: word(k.secretKey),
      pubkeyG1: g1Json(k.pubkeyG1),
      pubkeyG2: g2Json(k.pubkeyG2),
      keyHash: keyHash(k.pubkeyG1),
      signature: g1Json(sigs[i]!),
    })),
    message,
    subsetCount: subsets.length,
    subsets,
    pop: {
      chainId: word(chainId),
      registry: popRegistry,
      operator: popOperator,
      operatorIndex: 2,
      messageHash: registrationMessageHash(chainId, popRegistry, popOperator),
      signature: g1Json(proofOfPossession(popKey.secretKey, chainId, popRegistry, popOperator)),
    },
    output: {
      l1ChainId: word(output.l1ChainId),
      outputOracle: output.outputOracle,
      l2ChainId: word(output.l2ChainId),
      l2BlockNumber: word(output.l2BlockNumber),
      outputRoot: output.outputRoot,
      l1BlockHash: output.l1BlockHash,
      messageHash: outputMessageHash(output),
    },
  };
}
