/**
 * The withdrawals tree: an SMT keyed by sha256(u64be index) whose value hash is the withdrawal
 * leaf, sha256(abi.encode(uint256 index, address from, address to, uint256 amount,
 * uint256 l2BlockNumber)) — 5 words, so the L1 Portal recomputes it with one sha256 precompile call.
 * @module
 */
import { u64ToBytes, u256ToBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import type { Withdrawal } from "../types.ts";

export function withdrawalKey(index: bigint): Uint8Array {
  return sha256(u64ToBytes(index));
}

export function withdrawalLeaf(w: Withdrawal): Uint8Array {
  const buf = new Uint8Array(160);
  buf.set(u256ToBytes(w.index), 0);
  buf.set(w.from, 32 + 12);
  buf.set(w.to, 64 + 12);
  buf.set(u256ToBytes(w.amount), 96);
  buf.set(u256ToBytes(w.l2BlockNumber), 128);
  return sha256(buf);
}
