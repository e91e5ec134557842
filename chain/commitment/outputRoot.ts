/**
 * Output root = keccak256(abi.encode(bytes32 version 0, stateRoot, withdrawalsRoot, l2BlockHash))
 * (PROTOCOL §5): what operators attest to on L1.
 * @module
 */
import { keccak256 } from "../hash.ts";

export function outputRoot(
  stateRoot: Uint8Array,
  withdrawalsRoot: Uint8Array,
  l2BlockHash: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(128);
  buf.set(stateRoot, 32);
  buf.set(withdrawalsRoot, 64);
  buf.set(l2BlockHash, 96);
  return keccak256(buf);
}
