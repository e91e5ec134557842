/**
 * `TxPool`: the embedded L1's pending transactions. Txs wait here for the next block; a block takes
 * several, each sender's in nonce order, senders by effective tip (geth's price-and-nonce order).
 *
 * Admission rules (their messages are geth's, so viem and the tx manager classify them as on a
 * real node): a nonce below the account's is "nonce too low"; a nonce more than maxTxsPerSender
 * ahead is "nonce too high"; the same hash twice is "already known"; a second tx with a pending
 * nonce replaces the first only with both fee fields at least priceBumpPercent higher, else
 * "replacement transaction underpriced"; a full pool is "txpool is full"; a sender who cannot
 * pay gasLimit * maxFeePerGas + value gets geth's "insufficient funds" text. Fee-cap-below-base-fee
 * and the stateless checks (size, chain id, signature, gas) are the caller's (embeddedL1 admitTx).
 *
 * The pool holds only validated txs and is bounded in count (maxTxs, maxTxsPerSender); each tx
 * is bounded in bytes by the caller.
 * @module
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import type { Hex } from "viem";
import { err, ok, type Result } from "../../chain/errors.ts";

export interface PoolTx {
  tx: TypedTransaction;
  raw: Uint8Array;
  hash: Hex;
  /** Lower-case 0x address. */
  sender: Hex;
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface TxPoolOpts {
  /** Most txs in the pool. */
  maxTxs: number;
  /** Most txs per sender, and how far ahead of the account nonce a tx may be. */
  maxTxsPerSender: number;
  /** A replacement must raise both fee fields by at least this percentage (geth: 10). */
  priceBumpPercent: number;
}

export const DEFAULT_TX_POOL_OPTS: Readonly<TxPoolOpts> = {
  maxTxs: 4096,
  maxTxsPerSender: 64,
  priceBumpPercent: 10,
};

/** The account state admission reads. */
export interface PoolAccount {
  nonce: bigint;
  balance: bigint;
}

/** The tip a tx pays over `baseFee` (0 if its fee cap is below it). */
export function effectiveTip(tx: PoolTx, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee;
  if (room <= 0n) return 0n;
  if (room < tx.maxPriorityFeePerGas) return room;
  return tx.maxPriorityFeePerGas;
}

export class TxPool {
  private readonly opts: TxPoolOpts;
  private readonly bySender = new Map<Hex, Map<bigint, PoolTx>>();
  private readonly byHash = new Map<Hex, PoolTx>();

  constructor(opts: Partial<TxPoolOpts> = {}) {
    this.opts = { ...DEFAULT_TX_POOL_OPTS, ...opts };
  }

  get size(): number {
    return this.byHash.size;
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash);
  }

  senders(): Hex[] {
    return [...this.bySender.keys()];
  }

  /** The next nonce `sender` would use: the first nonce from `stateNonce` on that the pool lacks. */
  pendingNonce(sender: Hex, stateNonce: bigint): bigint {
    const mine = this.bySender.get(sender);
    let nonce = stateNonce;
    while (mine?.has(nonce)) nonce++;
    return nonce;
  }

  /** Admits `ptx` (already decoded and checked statelessly) or says why not. */
  add(ptx: PoolTx, account: PoolAccount): Result<{ replaced?: Hex }, string> {
    if (this.byHash.has(ptx.hash)) return err("already known");
    if (ptx.nonce < account.nonce) {
      return err(`nonce too low: next nonce ${account.nonce}, tx nonce ${ptx.nonce}`);
    }
    if (ptx.nonce >= account.nonce + BigInt(this.opts.maxTxsPerSender)) {
      return err(`nonce too high: next nonce ${account.nonce}, tx nonce ${ptx.nonce}`);
    }
    const cost = ptx.tx.gasLimit * ptx.maxFeePerGas + ptx.tx.value;
    if (cost > account.balance) {
      return err(
        `insufficient funds for gas * price + value: address ${ptx.sender} have ${account.balance} want ${cost}`,
      );
    }
    const mine = this.bySender.get(ptx.sender);
    const old = mine?.get(ptx.nonce);
    if (old !== undefined) {
      const bump = BigInt(100 + this.opts.priceBumpPercent);
      if (
        ptx.maxFeePerGas * 100n < old.maxFeePerGas * bump ||
        ptx.maxPriorityFeePerGas * 100n < old.maxPriorityFeePerGas * bump
      ) {
        return err("replacement transaction underpriced");
      }
      mine!.set(ptx.nonce, ptx);
      this.byHash.delete(old.hash);
      this.byHash.set(ptx.hash, ptx);
      return ok({ replaced: old.hash });
    }
    if (this.byHash.size >= this.opts.maxTxs) return err("txpool is full");
    if ((mine?.size ?? 0) >= this.opts.maxTxsPerSender) return err("txpool is full for this sender");
    if (mine === undefined) this.bySender.set(ptx.sender, new Map([[ptx.nonce, ptx]]));
    else mine.set(ptx.nonce, ptx);
    this.byHash.set(ptx.hash, ptx);
    return ok({});
  }

  remove(hash: Hex): void {
    const ptx = this.byHash.get(hash);
    if (ptx === undefined) return;
    this.byHash.delete(hash);
    const mine = this.bySender.get(ptx.sender);
    mine?.delete(ptx.nonce);
    if (mine?.size === 0) this.bySender.delete(ptx.sender);
  }

  /** Drops `sender`'s txs with nonces below `stateNonce` (included in a block, or made stale). */
  dropBelow(sender: Hex, stateNonce: bigint): void {
    const mine = this.bySender.get(sender);
    if (mine === undefined) return;
    for (const [nonce, ptx] of mine) if (nonce < stateNonce) this.remove(ptx.hash);
  }

  /**
   * The txs a block at `baseFee` may take, in inclusion order: per sender the run of consecutive
   * nonces from its account nonce (`nonces`), stopping at a tx whose fee cap is below the base fee;
   * across senders, highest effective tip first (ties: lower sender address, so replay is exact).
   */
  ordered(nonces: ReadonlyMap<Hex, bigint>, baseFee: bigint): PoolTx[] {
    const runs: PoolTx[][] = [];
    for (const [sender, mine] of this.bySender) {
      const run: PoolTx[] = [];
      let nonce = nonces.get(sender) ?? 0n;
      for (
        let ptx = mine.get(nonce);
        ptx !== undefined && ptx.maxFeePerGas >= baseFee;
        ptx = mine.get(++nonce)
      ) {
        run.push(ptx);
      }
      if (run.length > 0) runs.push(run);
    }
    const out: PoolTx[] = [];
    const heads = runs.map(() => 0);
    for (;;) {
      let best = -1;
      for (let i = 0; i < runs.length; i++) {
        const head = runs[i]![heads[i]!];
        if (head === undefined) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const current = runs[best]![heads[best]!]!;
        const a = effectiveTip(head, baseFee);
        const b = effectiveTip(current, baseFee);
        if (a > b || (a === b && head.sender < current.sender)) best = i;
      }
      if (best < 0) return out;
      out.push(runs[best]![heads[best]!]!);
      heads[best]!++;
    }
  }

  /** A copy (for evm_snapshot): same txs, independent maps. */
  clone(): TxPool {
    const copy = new TxPool(this.opts);
    for (const [sender, mine] of this.bySender) copy.bySender.set(sender, new Map(mine));
    for (const [hash, ptx] of this.byHash) copy.byHash.set(hash, ptx);
    return copy;
  }
}
