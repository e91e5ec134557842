/**
 * The L2 side of the credits bridge, read from a node's store: output roots and their preimages,
 * withdrawal records with the tx that made each, and withdrawal proofs against any stored block
 * (flops_outputAtBlock, flops_getWithdrawalByTx, flops_getWithdrawals, flops_getWithdrawalProof).
 *
 * - Withdrawal records are read from the flat state at the head (`0x01 ‖ 0x07 ‖ u64 index`): a
 *   record never changes once written, and index i belongs to the i-th successful withdraw tx.
 * - A withdrawal's tx is found without an index of its own: indices grow with block numbers, so the
 *   first index of block n is a binary search over the records (log2(count) reads), and the tx is
 *   the k-th successful withdraw tx of that block.
 * - Proofs are made against the block's own withdrawals root: the SMT never deletes a node
 *   (chain/smt/README.md "Storage"), so every root a stored block names stays provable. Pruning
 *   (issue 9 item 10) must keep the nodes of roots that outputs not yet final name.
 * - Listing by address has no index: each call reads at most {@link MAX_SCAN_PER_PAGE} records and
 *   hands back a cursor, so a hostile caller costs a bounded amount per request.
 * @module
 */
import { equalBytes, u64ToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../../chain/commitment/withdrawalLeaf.ts";
import { RollupError } from "../../chain/errors.ts";
import { type KvReader, OverlayKv } from "../../chain/kv.ts";
import { encodeSmtProof, SmtNodeCache, SparseMerkleTree, verifySmtProof } from "../../chain/smt/index.ts";
import { flatKey, KV_PREFIX, NS } from "../../chain/state/keys.ts";
import { decodeMeta } from "../../chain/state/records.ts";
import type { Address, Hash32, Withdrawal } from "../../chain/types.ts";
import { decodeWithdrawal } from "../../chain/wire/index.ts";
import type { OutputInfo, WithdrawalInfo, WithdrawalPage, WithdrawalProofInfo } from "../../rpc/types.ts";
import type { StoredBlockData } from "../../store/chainStore.ts";

/** Records read by one flops_getWithdrawals call at most (~10 ms of level reads). */
export const MAX_SCAN_PER_PAGE = 10_000;

/** The parts of the chain store the reader uses (store/chainStore.ts ChainStore). */
export interface WithdrawalStore {
  readonly kv: KvReader;
  getBlock(number: bigint): StoredBlockData | undefined;
  getTxLocation(hash: Hash32): { blockNumber: bigint; index: number } | undefined;
}

export interface WithdrawalReader {
  outputAt(blockNumber: bigint): OutputInfo | undefined;
  proof(index: bigint, blockNumber: bigint): WithdrawalProofInfo | undefined;
  byTx(hash: Hash32): WithdrawalInfo | undefined;
  list(address: Address, page: { limit: number; cursor?: string }): WithdrawalPage;
}

const META_KEY = flatKey(NS.META, Uint8Array.of(0));

export interface WithdrawalReaderOpts {
  /** Records one `list` call reads at most; default {@link MAX_SCAN_PER_PAGE}. */
  maxScan?: number;
}

export function createWithdrawalReader(
  store: WithdrawalStore,
  opts: WithdrawalReaderOpts = {},
): WithdrawalReader {
  const maxScan = BigInt(opts.maxScan ?? MAX_SCAN_PER_PAGE);
  // One small cache for every proof: nodes are content-addressed, so entries never go stale.
  const cache = new SmtNodeCache(12);

  const count = (): bigint => {
    const v = store.kv.get(META_KEY);
    return v === undefined ? 0n : decodeMeta(v).withdrawalCount;
  };
  const record = (index: bigint): Withdrawal | undefined => {
    const v = store.kv.get(flatKey(NS.WITHDRAWAL, u64ToBytes(index)));
    return v === undefined ? undefined : decodeWithdrawal(v);
  };
  const mustRecord = (index: bigint): Withdrawal => {
    const w = record(index);
    if (w === undefined) throw inconsistent(`withdrawal ${index} is below the count but not stored`);
    return w;
  };

  /** The first withdrawal index made in block `n` or later (= count when none). */
  const firstIndexFrom = (n: bigint, total: bigint): bigint => {
    let lo = 0n;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (mustRecord(mid).l2BlockNumber < n) lo = mid + 1n;
      else hi = mid;
    }
    return lo;
  };

  /** The successful withdraw txs of a block, in order: positions in `block.txs`. */
  const withdrawTxs = (b: StoredBlockData): number[] => {
    const nSys = b.block.systemTxs.length;
    const out: number[] = [];
    b.block.txs.forEach((tx, i) => {
      if (tx.body.action.kind === "withdraw" && b.receipts[nSys + i]?.status === "success") out.push(i);
    });
    return out;
  };

  /** The record with its tx; `first`: the first index of its block, when the caller knows it. */
  const withTx = (w: Withdrawal, first?: bigint): WithdrawalInfo => {
    const b = store.getBlock(w.l2BlockNumber);
    if (b === undefined)
      throw inconsistent(`withdrawal ${w.index} names block ${w.l2BlockNumber}, not stored`);
    const k = w.index - (first ?? firstIndexFrom(w.l2BlockNumber, count()));
    const i = withdrawTxs(b)[Number(k)];
    if (i === undefined)
      throw inconsistent(`block ${w.l2BlockNumber} has no withdraw tx for withdrawal ${w.index}`);
    return { ...w, txHash: b.block.txs[i]!.hash };
  };

  const outputAt = (blockNumber: bigint): OutputInfo | undefined => {
    const b = store.getBlock(blockNumber);
    if (b === undefined) return undefined;
    const h = b.block.header;
    return {
      outputRoot: outputRoot(h.stateRoot, h.withdrawalsRoot, b.hash),
      block: { number: h.number, hash: b.hash, timestamp: h.timestamp },
      stateRoot: h.stateRoot,
      withdrawalsRoot: h.withdrawalsRoot,
    };
  };

  return {
    outputAt,

    proof(index, blockNumber) {
      const output = outputAt(blockNumber);
      if (output === undefined) return undefined;
      const w = record(index);
      if (w === undefined || w.l2BlockNumber > blockNumber) return undefined;
      const root = output.withdrawalsRoot;
      const tree = new SparseMerkleTree(new OverlayKv(store.kv), root, {
        prefix: KV_PREFIX.SMT_WITHDRAWALS,
        cache,
      });
      const key = withdrawalKey(index);
      const proof = tree.prove(key);
      // The record and the tree are written in the same batch: a mismatch is a broken store.
      if (!verifySmtProof(root, key, withdrawalLeaf(w), proof)) {
        throw inconsistent(`withdrawal ${index} is not in block ${blockNumber}'s withdrawals tree`);
      }
      return { withdrawal: withTx(w), output, proof: encodeSmtProof(proof) };
    },

    byTx(hash) {
      const loc = store.getTxLocation(hash);
      if (loc === undefined) return undefined;
      const b = store.getBlock(loc.blockNumber);
      if (b === undefined) return undefined;
      const i = loc.index - b.block.systemTxs.length;
      const tx = b.block.txs[i];
      if (tx === undefined || tx.body.action.kind !== "withdraw") return undefined;
      const k = withdrawTxs(b).indexOf(i);
      if (k < 0) return undefined; // a failed withdraw made no withdrawal
      const index = firstIndexFrom(loc.blockNumber, count()) + BigInt(k);
      const w = mustRecord(index);
      const a = tx.body.action;
      if (
        w.l2BlockNumber !== loc.blockNumber ||
        !equalBytes(w.from, b.senders[i]!) ||
        !equalBytes(w.to, a.to) ||
        w.amount !== a.amount
      ) {
        throw inconsistent(`withdrawal ${index} does not match tx ${Buffer.from(hash).toString("hex")}`);
      }
      return { ...w, txHash: tx.hash };
    },

    list(address, { limit, cursor }) {
      const total = count();
      let i = parseCursor(cursor) ?? 0n;
      if (i > total) i = total;
      const end = i + maxScan < total ? i + maxScan : total;
      const withdrawals: WithdrawalInfo[] = [];
      // First index of the current record's block: found once, then followed as blocks change.
      let block = -1n;
      let first = 0n;
      for (; i < end && withdrawals.length < limit; i++) {
        const w = mustRecord(i);
        if (w.l2BlockNumber !== block) {
          first = block < 0n ? firstIndexFrom(w.l2BlockNumber, total) : i;
          block = w.l2BlockNumber;
        }
        if (equalBytes(w.from, address) || equalBytes(w.to, address)) withdrawals.push(withTx(w, first));
      }
      return { withdrawals, nextCursor: i < total ? i.toString(10) : null };
    },
  };
}

/** A cursor is the decimal index to read next; anything else starts over (as flops_listNodes). */
function parseCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined || !/^(0|[1-9][0-9]{0,19})$/.test(cursor)) return undefined;
  const n = BigInt(cursor);
  return n < 2n ** 64n ? n : undefined;
}

function inconsistent(message: string): RollupError {
  return new RollupError("STORE_INCONSISTENT", `withdrawals: ${message}`);
}
