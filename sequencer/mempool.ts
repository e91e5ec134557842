/**
 * The mempool: admitted signed txs waiting for a block, per sender in nonce order.
 *
 * Admission rules (each rejection has a code): a known hash (ALREADY_KNOWN), a nonce below the
 * account's next nonce (NONCE_TOO_LOW), a nonce more than `maxNonceGap` ahead (NONCE_TOO_HIGH),
 * a full pool (MEMPOOL_FULL), a sender at `maxPerSender` (SENDER_LIMIT). A tx with the nonce of a
 * pending one replaces it (the sender changed its mind: there are no fees to bump), at most
 * `maxReplacements` times per (sender, nonce), so one sender cannot churn the pool for free.
 *
 * Selection: executable txs only (contiguous nonces from the account's next nonce), senders
 * interleaved by arrival (first come, first served), each sender's txs in nonce order.
 * @module
 */
import { bytesToHex } from "../chain/bytes.ts";
import type { Address, SignedTx } from "../chain/types.ts";

export const MEMPOOL_REJECT = {
  ALREADY_KNOWN: "ALREADY_KNOWN",
  NONCE_TOO_LOW: "NONCE_TOO_LOW",
  NONCE_TOO_HIGH: "NONCE_TOO_HIGH",
  MEMPOOL_FULL: "MEMPOOL_FULL",
  SENDER_LIMIT: "SENDER_LIMIT",
  REPLACEMENT_LIMIT: "REPLACEMENT_LIMIT",
} as const;
export type MempoolReject = (typeof MEMPOOL_REJECT)[keyof typeof MEMPOOL_REJECT];

export interface MempoolOpts {
  maxTxs: number;
  maxPerSender: number;
  maxNonceGap: number;
  maxReplacements: number;
}

export const DEFAULT_MEMPOOL_OPTS: MempoolOpts = {
  maxTxs: 100_000,
  maxPerSender: 256,
  maxNonceGap: 256,
  maxReplacements: 4,
};

export interface PendingTx {
  tx: SignedTx;
  from: Address;
  /** Arrival order (monotonic). */
  seq: number;
}

export interface MempoolModules {
  /** Next nonce of `address` at the head. */
  accountNonce(address: Address): bigint;
}

interface SenderQueue {
  from: Address;
  byNonce: Map<bigint, PendingTx>;
  replacements: Map<bigint, number>;
}

export type AddResult =
  | { ok: true; replaced?: PendingTx }
  | { ok: false; code: MempoolReject; message: string };

export class Mempool {
  private readonly byHash = new Map<string, PendingTx>();
  private readonly senders = new Map<string, SenderQueue>();
  private seq = 0;

  constructor(
    readonly opts: MempoolOpts,
    private readonly modules: MempoolModules,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesToHex(hash));
  }

  get(hash: Uint8Array): PendingTx | undefined {
    return this.byHash.get(bytesToHex(hash));
  }

  /** The nonce the sender's next new tx should use: past every contiguous pending nonce. */
  pendingNonce(address: Address): bigint {
    let n = this.modules.accountNonce(address);
    const q = this.senders.get(bytesToHex(address));
    if (!q) return n;
    while (q.byNonce.has(n)) n++;
    return n;
  }

  add(tx: SignedTx, from: Address): AddResult {
    const hashKey = bytesToHex(tx.hash);
    if (this.byHash.has(hashKey)) return reject("ALREADY_KNOWN", "transaction already pending");
    const next = this.modules.accountNonce(from);
    const nonce = tx.body.nonce;
    if (nonce < next) return reject("NONCE_TOO_LOW", `nonce too low: next nonce is ${next}, got ${nonce}`);
    if (nonce > next + BigInt(this.opts.maxNonceGap)) {
      return reject(
        "NONCE_TOO_HIGH",
        `nonce too far ahead: next nonce is ${next}, got ${nonce} (max gap ${this.opts.maxNonceGap})`,
      );
    }
    const senderKey = bytesToHex(from);
    let q = this.senders.get(senderKey);
    const existing = q?.byNonce.get(nonce);
    if (existing) {
      const count = q!.replacements.get(nonce) ?? 0;
      if (count >= this.opts.maxReplacements) {
        return reject("REPLACEMENT_LIMIT", `nonce ${nonce} already replaced ${count} times`);
      }
      q!.replacements.set(nonce, count + 1);
      this.byHash.delete(bytesToHex(existing.tx.hash));
      const ptx: PendingTx = { tx, from, seq: existing.seq };
      q!.byNonce.set(nonce, ptx);
      this.byHash.set(hashKey, ptx);
      return { ok: true, replaced: existing };
    }
    if (this.byHash.size >= this.opts.maxTxs)
      return reject("MEMPOOL_FULL", `mempool full (${this.opts.maxTxs} txs)`);
    if (q && q.byNonce.size >= this.opts.maxPerSender) {
      return reject(
        "SENDER_LIMIT",
        `sender has ${q.byNonce.size} pending txs (max ${this.opts.maxPerSender})`,
      );
    }
    if (!q) {
      q = { from, byNonce: new Map(), replacements: new Map() };
      this.senders.set(senderKey, q);
    }
    const ptx: PendingTx = { tx, from, seq: this.seq++ };
    q.byNonce.set(nonce, ptx);
    this.byHash.set(hashKey, ptx);
    return { ok: true };
  }

  /**
   * Executable txs, up to `maxTxs` and `maxBytes` of raw tx: for each sender the contiguous run
   * from its account nonce; senders merged by the arrival of their next tx.
   */
  select(maxTxs: number, maxBytes: number): PendingTx[] {
    // A sender's run is taken whole or up to the limits; merging by `seq` keeps arrival order.
    const heads: Array<{ run: PendingTx[]; i: number }> = [];
    for (const q of this.senders.values()) {
      let n = this.modules.accountNonce(q.from);
      const run: PendingTx[] = [];
      for (let p = q.byNonce.get(n); p; p = q.byNonce.get(++n)) run.push(p);
      if (run.length) heads.push({ run, i: 0 });
    }
    const heap = new MinHeap<{ run: PendingTx[]; i: number }>((a, b) => a.run[a.i]!.seq - b.run[b.i]!.seq);
    for (const h of heads) heap.push(h);
    const out: PendingTx[] = [];
    let bytes = 0;
    while (out.length < maxTxs && heap.size > 0) {
      const h = heap.pop()!;
      const p = h.run[h.i]!;
      if (bytes + p.tx.raw.length > maxBytes) continue; // this sender's run stops here
      out.push(p);
      bytes += p.tx.raw.length;
      if (++h.i < h.run.length) heap.push(h);
    }
    return out;
  }

  /** Drops txs the head made stale: included ones and any with a nonce now below the account's. */
  prune(touched: Iterable<Address>): number {
    let dropped = 0;
    for (const from of touched) {
      const key = bytesToHex(from);
      const q = this.senders.get(key);
      if (!q) continue;
      const next = this.modules.accountNonce(from);
      for (const [nonce, p] of q.byNonce) {
        if (nonce < next) {
          q.byNonce.delete(nonce);
          q.replacements.delete(nonce);
          this.byHash.delete(bytesToHex(p.tx.hash));
          dropped++;
        }
      }
      if (q.byNonce.size === 0) this.senders.delete(key);
    }
    return dropped;
  }

  /** Removes one tx (e.g. one that became invalid for a reason other than its nonce). */
  remove(hash: Uint8Array): PendingTx | undefined {
    const key = bytesToHex(hash);
    const p = this.byHash.get(key);
    if (!p) return undefined;
    this.byHash.delete(key);
    const sk = bytesToHex(p.from);
    const q = this.senders.get(sk);
    if (q) {
      q.byNonce.delete(p.tx.body.nonce);
      if (q.byNonce.size === 0) this.senders.delete(sk);
    }
    return p;
  }

  all(): PendingTx[] {
    return [...this.byHash.values()];
  }
}

function reject(code: MempoolReject, message: string): { ok: false; code: MempoolReject; message: string } {
  return { ok: false, code, message };
}

/** A binary min-heap. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(v: T): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
