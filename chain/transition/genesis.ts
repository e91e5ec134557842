/**
 * Genesis: the state before block 1. Meta starts with challenge id 1, no withdrawals, the
 * deadline cursor just before the genesis second, and the supply of any pre-funded accounts.
 * @module
 */

import { ZERO_HASH } from "../bytes.ts";
import type { StateDb } from "../state/stateDb.ts";
import type { Address, BlockHeader } from "../types.ts";

export interface GenesisOpts {
  /** ms */
  timestamp: bigint;
  alloc?: ReadonlyArray<{ address: Address; credits: bigint }>;
  l1Origin?: BlockHeader["l1Origin"];
}

/** Writes the genesis state into `state` and returns block 0's header (no txs). */
export function initGenesis(state: StateDb, opts: GenesisOpts): BlockHeader {
  let supply = 0n;
  for (const a of opts.alloc ?? []) {
    state.setAccount(a.address, { nonce: 0n, credits: a.credits });
    supply += a.credits;
  }
  state.setMeta({
    nextChallengeId: 1n,
    withdrawalCount: 0n,
    deadlineCursorSec: opts.timestamp / 1000n - 1n,
    supply,
  });
  const roots = state.commit();
  return {
    number: 0n,
    parentHash: ZERO_HASH,
    timestamp: opts.timestamp,
    l1Origin: opts.l1Origin ?? { number: 0n, hash: ZERO_HASH, timestamp: opts.timestamp / 1000n },
    stateRoot: roots.stateRoot,
    withdrawalsRoot: roots.withdrawalsRoot,
    txRoot: ZERO_HASH,
    receiptsRoot: ZERO_HASH,
  };
}
