/**
 * BN254 BLS for the operator quorum, exactly as contracts/src/lib/Bn254.sol checks it: secret keys
 * in the scalar field, public keys on G1 and G2, signatures sk·H(m) on G1, where H is the
 * try-and-increment map of `hashToG1` (not RFC 9380: the EVM has no cheap SSWU for BN254, and both
 * sides must agree bit for bit). Over @noble/curves' `bn254` (the EIP-196/197 curve).
 *
 * What operators sign: `registrationMessageHash` (proof of possession, once per key) and
 * `outputMessageHash` (docs/PROTOCOL.md §6). Points cross to Solidity as `SolG1`/`SolG2`; G2
 * coordinates go imaginary part first, the precompile's order. Golden vectors shared with the
 * contracts: test/vectors/blsVectors.json (test/vectors/generateBls.ts).
 * @module
 */
import { bn254 } from "@noble/curves/bn254.js";
import { type Address, encodeAbiParameters, type Hex, hexToBytes, keccak256 } from "viem";

type G1 = InstanceType<typeof bn254.G1.Point>;
type G2 = InstanceType<typeof bn254.G2.Point>;

export type { G1 as BlsG1, G2 as BlsG2 };

const Fp = bn254.fields.Fp;
/** The base field modulus p. */
export const BN254_P: bigint = Fp.ORDER;
/** The group order r. */
export const BN254_R: bigint = bn254.fields.Fr.ORDER;
// p ≡ 3 (mod 4): a^((p+1)/4) is a square root of a whenever a is a square.
const SQRT_EXP = (BN254_P + 1n) / 4n;

/** A G1 point as the contracts' `Bn254.G1Point` ({x, y}; (0, 0) is infinity). */
export interface SolG1 {
  x: bigint;
  y: bigint;
}
/** A G2 point as `Bn254.G2Point`: each coordinate [imaginary, real]. */
export interface SolG2 {
  x: readonly [bigint, bigint];
  y: readonly [bigint, bigint];
}

/** A secret key with both halves of its public key. */
export interface BlsKeyPair {
  secretKey: bigint;
  pubkeyG1: G1;
  pubkeyG2: G2;
}

const KEYGEN_DOMAIN = new TextEncoder().encode("flops/bls-keygen/v0");

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/**
 * The key pair of a 32-byte seed: sk = (two keccak256 blocks of the seed, 512 bits) mod r, so the
 * reduction's bias is ~2^-258. Throws on a seed of another length or (never in practice) sk = 0.
 */
export function keyPairFromSeed(seed: Uint8Array): BlsKeyPair {
  if (seed.length !== 32) throw new Error(`BLS seed must be 32 bytes, got ${seed.length}`);
  const block = (i: number) => hexToBytes(keccak256(new Uint8Array([...KEYGEN_DOMAIN, ...seed, i]), "hex"));
  const wide = bytesToBigint(new Uint8Array([...block(0), ...block(1)]));
  const secretKey = wide % BN254_R;
  if (secretKey === 0n) throw new Error("BLS seed maps to the zero key");
  return keyPairFromSecret(secretKey);
}

/** The public keys of `secretKey` (1 ≤ sk < r). */
export function keyPairFromSecret(secretKey: bigint): BlsKeyPair {
  if (secretKey <= 0n || secretKey >= BN254_R) throw new Error("BLS secret key out of range");
  return {
    secretKey,
    pubkeyG1: bn254.G1.Point.BASE.multiply(secretKey),
    pubkeyG2: bn254.G2.Point.BASE.multiply(secretKey),
  };
}

/**
 * The G1 point of a 32-byte digest, as Bn254.hashToG1: x = h mod p; while x³ + 3 is not a
 * square, x += 1; y = (x³ + 3)^((p+1)/4) (whichever root that power gives, no sign rule).
 */
export function hashToG1(digest: Hex): G1 {
  let x = BigInt(digest) % BN254_P;
  for (;;) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 3n);
    const y = Fp.pow(rhs, SQRT_EXP);
    if (Fp.sqr(y) === rhs) return bn254.G1.Point.fromAffine({ x, y });
    x = Fp.add(x, 1n);
  }
}

/** sk · H(digest). */
export function sign(secretKey: bigint, digest: Hex): G1 {
  return hashToG1(digest).multiply(secretKey);
}

/** The sum of G1 points (signatures or G1 keys); infinity for none. */
export function aggregateG1(points: readonly G1[]): G1 {
  return points.reduce((a, p) => a.add(p), bn254.G1.Point.ZERO);
}

/** The sum of G2 keys; infinity for none. */
export function aggregateG2(points: readonly G2[]): G2 {
  return points.reduce((a, p) => a.add(p), bn254.G2.Point.ZERO);
}

/**
 * Whether e(sig, G2) == e(H(digest), pubkeyG2). False (not a throw) for infinity or an invalid
 * point, as the contract's pairing check answers.
 */
export function verify(pubkeyG2: G2, digest: Hex, signature: G1): boolean {
  try {
    signature.assertValidity();
    pubkeyG2.assertValidity();
    if (signature.is0() || pubkeyG2.is0()) return false;
    const gt = bn254.pairingBatch([
      { g1: signature, g2: bn254.G2.Point.BASE.negate() },
      { g1: hashToG1(digest), g2: pubkeyG2 },
    ]);
    return bn254.fields.Fp12.eql(gt, bn254.fields.Fp12.ONE);
  } catch {
    return false;
  }
}

/** Whether `g1` and `g2` are one key's two halves: e(g1, G2) == e(G1, g2). */
export function keysMatch(g1: G1, g2: G2): boolean {
  if (g1.is0() || g2.is0()) return false;
  const gt = bn254.pairingBatch([
    { g1, g2: bn254.G2.Point.BASE.negate() },
    { g1: bn254.G1.Point.BASE, g2 },
  ]);
  return bn254.fields.Fp12.eql(gt, bn254.fields.Fp12.ONE);
}

/** A G1 point in the contracts' form. */
export function toSolG1(p: G1): SolG1 {
  if (p.is0()) return { x: 0n, y: 0n };
  const a = p.toAffine();
  return { x: a.x, y: a.y };
}

/** A G2 point in the contracts' form (imaginary part first). */
export function toSolG2(p: G2): SolG2 {
  if (p.is0()) return { x: [0n, 0n], y: [0n, 0n] };
  const a = p.toAffine();
  return { x: [a.x.c1, a.x.c0], y: [a.y.c1, a.y.c0] };
}

/** The G1 point of a contract-form one; throws when it is not on the curve. */
export function fromSolG1(p: SolG1): G1 {
  if (p.x === 0n && p.y === 0n) return bn254.G1.Point.ZERO;
  const pt = bn254.G1.Point.fromAffine({ x: p.x, y: p.y });
  pt.assertValidity();
  return pt;
}

/** How the registry names a G1 key: keccak256(abi.encode(x, y)) (Bn254.hashG1). */
export function keyHash(pubkeyG1: G1): Hex {
  const { x, y } = toSolG1(pubkeyG1);
  return keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [x, y]));
}

/** OperatorRegistry.REGISTRATION_DOMAIN. */
export const REGISTRATION_DOMAIN = "flops/operator-registration/v0";
/** OutputQuorum.OUTPUT_DOMAIN (docs/PROTOCOL.md §6). */
export const OUTPUT_DOMAIN = "flops/output/v0";

/** keccak256(abi.encode(REGISTRATION_DOMAIN, chainId, registry, operator)): the PoP message. */
export function registrationMessageHash(chainId: bigint, registry: Address, operator: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "uint256" }, { type: "address" }, { type: "address" }],
      [REGISTRATION_DOMAIN, chainId, registry, operator],
    ),
  );
}

/** The proof of possession `operator` sends with its key to the registry at `registry` on `chainId`. */
export function proofOfPossession(
  secretKey: bigint,
  chainId: bigint,
  registry: Address,
  operator: Address,
): G1 {
  return sign(secretKey, registrationMessageHash(chainId, registry, operator));
}

/** The fields of docs/PROTOCOL.md §6's output message. */
export interface OutputMessage {
  l1ChainId: bigint;
  outputOracle: Address;
  l2ChainId: bigint;
  l2BlockNumber: bigint;
  outputRoot: Hex;
  l1BlockHash: Hex;
}

/**
 * keccak256(abi.encode("flops/output/v0", l1ChainId, outputOracle, l2ChainId, l2BlockNumber,
 * outputRoot, l1BlockHash)): what operators sign for an output (OutputOracle.outputMessageHash).
 */
export function outputMessageHash(m: OutputMessage): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "string" },
        { type: "uint256" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [OUTPUT_DOMAIN, m.l1ChainId, m.outputOracle, m.l2ChainId, m.l2BlockNumber, m.outputRoot, m.l1BlockHash],
    ),
  );
}
