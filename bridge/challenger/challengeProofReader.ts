/**
 * `flops_getChallengeProof` over a node's store: challenge `id`'s record as it stood after block
 * `n`, its SMT proof under that block's state root, and the block's output preimage
 * (rpc/challengeProofResults.ts). Operators must serve this for every output they sign while its
 * challenge window is open (PROTOCOL §6): it is how a challenger gets the attested state's record
 * to prove invalid compute, and what FraudProofs.demandRecord forces onto L1 when they do not.
 *
 * The state of block n is the head's state with the undo records of the blocks above laid over
 * (store/pastState.ts), so a request costs the state changes of the blocks between n and the head:
 * bounded by {@link MAX_PROOF_DEPTH_BLOCKS}, older blocks answer null. The view of the last block
 * asked is kept and refreshed (a challenger asks about the same output for many records). SMT
 * nodes of an old root may be pruned (node/statePruning.ts keeps everything above the newest
 * final output): such a block answers null as well.
 * @module
 */

import { u64ToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { RollupError } from "../../chain/errors.ts";
import { OverlayKv } from "../../chain/kv.ts";
import { encodeSmtProof, SmtNodeCache, SparseMerkleTree } from "../../chain/smt/index.ts";
import { flatKey, KV_PREFIX, NS } from "../../chain/state/keys.ts";
import {
  type ChallengeProofInfo,
  challengeSmtKey,
  verifyChallengeProof,
} from "../../rpc/challengeProofResults.ts";
import type { ChainStore } from "../../store/chainStore.ts";
import { PastStateKv } from "../../store/pastState.ts";

/**
 * How far below its head a node proves records: ~4.5 h of 2 s blocks, longer than the devnet's
 * window by far. A production window of days needs an archive of flat state (docs/NEXT.md).
 */
export const MAX_PROOF_DEPTH_BLOCKS = 8192n;

export type ChallengeProofStore = Pick<ChainStore, "kv" | "head" | "getBlock" | "undoEntries">;

export interface ChallengeProofReader {
  proof(id: bigint, blockNumber: bigint): ChallengeProofInfo | undefined;
}

export function createChallengeProofReader(
  store: ChallengeProofStore,
  opts: { maxDepth?: bigint } = {},
): ChallengeProofReader {
  const maxDepth = opts.maxDepth ?? MAX_PROOF_DEPTH_BLOCKS;
  const cache = new SmtNodeCache(12);
  let view: PastStateKv | undefined;

  const viewAt = (n: bigint): PastStateKv => {
    if (view?.cursor === n) view.refresh();
    else view = new PastStateKv(store, n);
    return view;
  };

  return {
    proof(id, n) {
      const head = store.head()?.header.number ?? 0n;
      if (id >= 2n ** 64n || n > head || head - n > maxDepth) return undefined;
      const b = store.getBlock(n);
      if (b === undefined) return undefined;
      const h = b.block.header;
      let state: PastStateKv;
      try {
        state = viewAt(n);
      } catch (e) {
        if (e instanceof RollupError && e.code === "STORE_REWIND") return undefined;
        throw e;
      }
      const record = state.get(flatKey(NS.CHALLENGE, u64ToBytes(id))) ?? null;
      const tree = new SparseMerkleTree(new OverlayKv(state), h.stateRoot, {
        prefix: KV_PREFIX.SMT_STATE,
        cache,
      });
      let proof: Uint8Array;
      try {
        proof = encodeSmtProof(tree.prove(challengeSmtKey(id)));
      } catch (e) {
        // A node of that root pruned (node/statePruning.ts): too old to prove here.
        if (e instanceof RollupError && e.code === "SMT_MISSING_NODE") return undefined;
        throw e;
      }
      const info: ChallengeProofInfo = {
        challengeId: id,
        record: record === null ? null : Uint8Array.from(record),
        output: {
          outputRoot: outputRoot(h.stateRoot, h.withdrawalsRoot, b.hash),
          block: { number: h.number, hash: b.hash, timestamp: h.timestamp },
          stateRoot: h.stateRoot,
          withdrawalsRoot: h.withdrawalsRoot,
        },
        proof,
      };
      // The flat record and the tree are written in one batch: a mismatch is a broken store.
      if (!verifyChallengeProof(info)) {
        throw new RollupError("STORE_INCONSISTENT", `challenge ${id} does not match block ${n}'s state root`);
      }
      return info;
    },
  };
}
