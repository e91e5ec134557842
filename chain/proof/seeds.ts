/**
 * Challenge and sample seeds (PROTOCOL §3).
 *
 *   seed       = sha256("flops/seed/v0" ‖ u64be(l2ChainId) ‖ u64be(challengeId) ‖ node[20] ‖ randomness(r1)[32])
 *   sampleSeed = sha256("flops/sample/v0" ‖ seed[32] ‖ root[32] ‖ randomness(r2)[32])
 *
 * Domain tags are ASCII without a terminator or length prefix; every other field has a fixed size,
 * so the concatenation is unambiguous (77 + 13 = 93 bytes and 15 + 96 = 111 bytes of input).
 * @module
 */
import { u64ToBytes } from "../bytes.ts";
import { sha256Parts, utf8 } from "../hash.ts";

export const SEED_TAG = utf8("flops/seed/v0");
export const SAMPLE_TAG = utf8("flops/sample/v0");

function assertLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${name} must be ${length} bytes, got ${bytes.length}`);
}

/** The work seed of a challenge: binds the chain, the challenge, the node and the seed round. */
export function challengeSeed(
  l2ChainId: bigint,
  challengeId: bigint,
  node: Uint8Array,
  randomnessR1: Uint8Array,
): Uint8Array {
  assertLength("node", node, 20);
  assertLength("randomnessR1", randomnessR1, 32);
  return sha256Parts(SEED_TAG, u64ToBytes(l2ChainId), u64ToBytes(challengeId), node, randomnessR1);
}

/** The seed of the sample positions: binds the work seed, the committed root and the sample round. */
export function sampleSeed(seed: Uint8Array, root: Uint8Array, randomnessR2: Uint8Array): Uint8Array {
  assertLength("seed", seed, 32);
  assertLength("root", root, 32);
  assertLength("randomnessR2", randomnessR2, 32);
  return sha256Parts(SAMPLE_TAG, seed, root, randomnessR2);
}
