/**
 * The mempool: admitted signed txs waiting for a block, per sender in nonce order.
 *
 * Admission rules (each rejection has a code): a known hash (ALREADY_KNOWN), a nonce below the
 * account's next nonce (NONCE_TOO_LOW), a nonce more than `maxNonceGap` ahead (NONCE_TOO_HIGH),
 * a sender at `maxPerSender` txs or `maxSenderBytes` bytes (SENDER_LIMIT), a pool at `maxTxs`
 * txs or `maxBytes` bytes (MEMPOOL_FULL). A tx with the nonce of a pending one replaces it (the
 * sender changed its mind: there are no fees to bump), at most `maxReplacements` times per
 * (sender, nonce), so one sender cannot churn the pool for free.
 *
 * Space is free (no fees), so it is bounded in bytes as well as counts, per sender and in all, and
 * held for a short time only: a queued tx (not executable: behind a nonce gap) is evicted after
 * `queuedTtlMs`. A full pool makes room for a tx that can run rather than refuse it: any
 * executable tx may evict queued txs of other senders (newest first), and a challenge step (a
 * commit or reveal of the sender's own live challenge, racing a deadline:
 * `MempoolModules.deadlineOf`) may also evict their transfers and withdraws, then their other txs,
 * then steps with a later deadline. An executable victim goes with its sender's later nonces
 * (they could not run without it), never when one of those may not go.
 *
 * Selection: executable txs only (contiguous nonces from the account's next nonce). Senders whose
 * next tx is a challenge step come first, earliest deadline first; the others are interleaved by
 * arrival (first come, first served); each sender's txs in nonce order.
 * @module
 */
import type { MEMPOOL_ERROR, MempoolErrorCode, TX_ERROR } from "../chain/errors.ts";
import { kvKey } from "../chain/kv.ts";
import type { Address, SignedTx } from "../chain/types.ts";

/** The mempool's refusals: codes of the one admission list (chain/errors.ts). */
export type MempoolReject =
  | typeof TX_ERROR.NONCE_TOO_LOW
  | typeof TX_ERROR.NONCE_TOO_HIGH
  | Exclude<MempoolErrorCode, typeof MEMPOOL_ERROR.NOT_ACCEPTING>;

export interface MempoolOpts {
  /** Pending txs at most, all senders. */
  maxTxs: number;
  /** Raw bytes of pending txs at most, all senders. */
  maxBytes: number;
  /** Pending txs at most per sender. */
  maxPerSender: number;
  /** Raw bytes of pending txs at most per sender. */
  maxSenderBytes: number;
  /** A tx's nonce may be at most this far past its sender's account nonce. */
  maxNonceGap: number;
  maxReplacements: number;
  /** A queued (not yet executable) tx is evicted this long after its admission, ms. */
  queuedTtlMs: number;
}

/**
 * Defaults. The gap: the prover client waits for each receipt before its next tx, and even a key
 * running `maxOpenChallenges` (4) challenges at once has at most one tx per challenge plus a
 * register in flight (nonce ≤ account + 4); 16 leaves room for that and for batching wallets.
 * Per sender: 1 MiB holds 8 max-size (128 KiB) txs, 4 reveals of any tier with room to spare.
 * The pool: 32 MiB is 4 full blocks (maxBlockBytes 8 MiB), ~80 MiB of heap once decoded.
 */
export const DEFAULT_MEMPOOL_OPTS: MempoolOpts = {
  maxTxs: 100_000,
  maxBytes: 32 * 1024 * 1024,
  maxPerSender: 32,
  maxSenderBytes: 1024 * 1024,
  maxNonceGap: 16,
  maxReplacements: 4,
  queuedTtlMs: 60_000,
};

export interface PendingTx {
  tx: SignedTx;
  from: Address;
  /** {@link txKey}(tx.hash) and {@link senderKey}(from): the pool's map keys, made once at admission. */
  key: string;
  senderKey: string;
  /** Arrival order (monotonic). */
  seq: number;
  /**
   * When the sequencer admitted it (ms, the clock block timestamps come from). A tx is never
   * selected for a block stamped earlier (PROTOCOL §2): its content was fixed before this time.
   */
  admittedAt: bigint;
}

export interface MempoolModules {
  /** Next nonce of `address` at the head. */
  accountNonce(address: Address): bigint;
  /** The sequencer's clock, ms (stamps `admittedAt`, ages queued txs); default Date.now. */
  now?: () => bigint;
  /**
   * The deadline (ms) a challenge step races: for a commit of the sender's ACTIVE challenge or a
   * reveal of its SAMPLED one, not yet late, at the head; undefined for any other tx. Such txs
   * get room in a full pool and are served first (earliest deadline first).
   */
  deadlineOf?(tx: SignedTx, from: Address): bigint | undefined;
}

interface SenderQueue {
  from: Address;
  byNonce: Map<bigint, PendingTx>;
  replacements: Map<bigint, number>;
  /** Raw bytes of the txs in `byNonce`. */
  bytes: number;
}

export type AddResult =
  | { ok: true; replaced?: PendingTx; evicted?: PendingTx[] }
  | { ok: false; code: MempoolReject; message: string };

const fromCharCode = String.fromCharCode;

/**
 * A tx hash as a map key: one char per byte (chain/kv.ts kvKey), cheaper to make, hash and compare
 * than hex, which the pool made several times per tx (admission, selection, prune).
 */
export function txKey(hash: Uint8Array): string {
  return kvKey(hash);
}

/** An address as a map key, one char per byte (fixed arity: `apply` over bytes is slow in V8). */
export function senderKey(a: Address): string {
  if (a.length !== 20) return kvKey(a);
  // biome-ignore format: one argument per byte, kept compact
  return fromCharCode(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!,
    a[11]!, a[12]!, a[13]!, a[14]!, a[15]!, a[16]!, a[17]!, a[18]!, a[19]!);
}

/** Eviction ranks, lowest evicted first. */
const RANK = { QUEUED: 0, SPEND: 1, OTHER: 2, STEP: 3 } as const;

/** An eviction candidate: a tx with its rank (and a step's deadline) when it was filed. */
interface Victim {
  p: PendingTx;
  rank: number;
  deadline: bigint | undefined;
}

/** Evicted first: lower rank; among steps the later deadline; otherwise the newer tx. */
function evictFirst(a: Victim, b: Victim): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank === RANK.STEP && a.deadline !== b.deadline) return a.deadline! > b.deadline! ? -1 : 1;
  return b.p.seq - a.p.seq;
}

/**
 * Heap entries one eviction may look at. Planning is O(entries looked at · log n), never a scan
 * of the pool, so a tx that needs room cannot make the node walk 100k txs; past this it is refused.
 */
const MAX_EVICTION_LOOKS = 1024;

export class Mempool {
  private readonly byHash = new Map<string, PendingTx>();
  private readonly senders = new Map<string, SenderQueue>();
  private seq = 0;
  private totalBytes = 0;
  /**
   * Eviction candidates, kept lazily: an entry is checked only when it reaches the top, and
   * re-filed if its rank moved (a gap filled, a step's challenge moved on), dropped if its tx left.
   */
  private victims = new MinHeap<Victim>(evictFirst);
  /**
   * Txs to file into `victims` before the next eviction: each new tx, and the txs above a gap
   * that opened. Admission only appends here; ranking waits until a full pool needs a victim.
   */
  private unfiled: PendingTx[] = [];

  constructor(
    readonly opts: MempoolOpts,
    private readonly modules: MempoolModules,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  /** Raw bytes of every pending tx. */
  get bytes(): number {
    return this.totalBytes;
  }

  private now(): bigint {
    return this.modules.now?.() ?? BigInt(Date.now());
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(txKey(hash));
  }

  get(hash: Uint8Array): PendingTx | undefined {
    return this.byHash.get(txKey(hash));
  }

  /** The sender's tx at its account nonce (the one the next block would run first), if pending. */
  head(address: Address): PendingTx | undefined {
    return this.senders.get(senderKey(address))?.byNonce.get(this.modules.accountNonce(address));
  }

  /** The nonce the sender's next new tx should use: past every contiguous pending nonce. */
  pendingNonce(address: Address): bigint {
    let n = this.modules.accountNonce(address);
    const q = this.senders.get(senderKey(address));
    if (!q) return n;
    while (q.byNonce.has(n)) n++;
    return n;
  }

  add(tx: SignedTx, from: Address): AddResult {
    const hashKey = txKey(tx.hash);
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
    const fromKey = senderKey(from);
    const q = this.senders.get(fromKey);
    const existing = q?.byNonce.get(nonce);
    const size = tx.raw.length;
    if (existing) {
      const count = q!.replacements.get(nonce) ?? 0;
      if (count >= this.opts.maxReplacements) {
        return reject("REPLACEMENT_LIMIT", `nonce ${nonce} already replaced ${count} times`);
      }
      const delta = size - existing.tx.raw.length;
      if (q!.bytes + delta > this.opts.maxSenderBytes) return this.senderBytesFull(q!.bytes);
      const evicted = this.makeRoom(tx, from, 0, this.totalBytes + delta - this.opts.maxBytes);
      if (!evicted) return this.poolFull();
      q!.replacements.set(nonce, count + 1);
      // A replacement is new content: its admission time is now, not the replaced tx's. It is
      // swapped in place, so the sender's queue (and its replacement counts) stays.
      const ptx: PendingTx = {
        tx,
        from,
        key: hashKey,
        senderKey: fromKey,
        seq: existing.seq,
        admittedAt: this.now(),
      };
      q!.byNonce.set(nonce, ptx);
      q!.bytes += delta;
      this.totalBytes += delta;
      this.byHash.delete(existing.key);
      this.byHash.set(hashKey, ptx);
      this.file(ptx);
      return { ok: true, replaced: existing, ...(evicted.length ? { evicted } : {}) };
    }
    if (q && q.byNonce.size >= this.opts.maxPerSender) {
      return reject(
        "SENDER_LIMIT",
        `sender has ${q.byNonce.size} pending txs (max ${this.opts.maxPerSender})`,
      );
    }
    if ((q?.bytes ?? 0) + size > this.opts.maxSenderBytes) return this.senderBytesFull(q?.bytes ?? 0);
    const evicted = this.makeRoom(
      tx,
      from,
      this.byHash.size + 1 - this.opts.maxTxs,
      this.totalBytes + size - this.opts.maxBytes,
    );
    if (!evicted) return this.poolFull();
    this.link({ tx, from, key: hashKey, senderKey: fromKey, seq: this.seq++, admittedAt: this.now() });
    return evicted.length ? { ok: true, evicted } : { ok: true };
  }

  /**
   * Executable txs, up to `maxTxs`, `maxBytes` of raw tx and `maxReveals` reveals: for each sender
   * the contiguous run from its account nonce. Senders whose next tx is a challenge step go first
   * (earliest deadline first), then the rest by the arrival of their next tx. With `admittedBy`
   * (the block's timestamp), a run stops at the first tx admitted after it.
   */
  select(
    maxTxs: number,
    maxBytes: number,
    admittedBy?: bigint,
    maxReveals = Number.POSITIVE_INFINITY,
  ): PendingTx[] {
    type Head = { run: PendingTx[]; i: number; deadline: bigint | undefined };
    const heap = new MinHeap<Head>((a, b) => {
      if (a.deadline !== undefined || b.deadline !== undefined) {
        if (a.deadline === undefined) return 1;
        if (b.deadline === undefined) return -1;
        if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
      }
      return a.run[a.i]!.seq - b.run[b.i]!.seq;
    });
    const push = (h: Head) => {
      h.deadline = this.stepDeadline(h.run[h.i]!);
      heap.push(h);
    };
    for (const q of this.senders.values()) {
      let n = this.modules.accountNonce(q.from);
      const run: PendingTx[] = [];
      for (let p = q.byNonce.get(n); p; p = q.byNonce.get(++n)) {
        if (admittedBy !== undefined && p.admittedAt > admittedBy) break;
        run.push(p);
      }
      if (run.length) push({ run, i: 0, deadline: undefined });
    }
    const out: PendingTx[] = [];
    let bytes = 0;
    let reveals = 0;
    while (out.length < maxTxs && heap.size > 0) {
      const h = heap.pop()!;
      const p = h.run[h.i]!;
      // Over a limit, this sender's run stops here (its later nonces could not apply anyway).
      if (bytes + p.tx.raw.length > maxBytes) continue;
      const reveal = p.tx.body.action.kind === "reveal";
      if (reveal && reveals >= maxReveals) continue;
      out.push(p);
      bytes += p.tx.raw.length;
      if (reveal) reveals++;
      if (++h.i < h.run.length) push(h);
    }
    return out;
  }

  /**
   * Drops txs the head made stale: included ones and any with a nonce now below the account's,
   * and returns them (the caller drops from the journal those the block did not include).
   * `touched` may repeat a sender (a block's senders, one per tx): each is looked at once.
   */
  prune(touched: Iterable<Address>): PendingTx[] {
    const dropped: PendingTx[] = [];
    const seen = new Set<string>();
    for (const from of touched) {
      const key = senderKey(from);
      if (seen.has(key)) continue;
      seen.add(key);
      const q = this.senders.get(key);
      if (!q) continue;
      const next = this.modules.accountNonce(from);
      for (const [nonce, p] of q.byNonce) {
        if (nonce < next) {
          this.unlink(p, next);
          dropped.push(p);
        }
      }
    }
    return dropped;
  }

  /**
   * Evicts queued txs (behind a nonce gap, so not executable) admitted more than `queuedTtlMs`
   * ago, and returns them (the caller drops them from the journal). Executable txs are left to
   * block production.
   */
  evictExpired(): PendingTx[] {
    const cutoff = this.now() - BigInt(this.opts.queuedTtlMs);
    const out: PendingTx[] = [];
    // byHash keeps insertion order, which is admission order (a replacement is re-inserted), so
    // the walk stops at the first tx young enough.
    for (const p of this.byHash.values()) {
      if (p.admittedAt > cutoff) break;
      if (!this.isExecutable(p)) out.push(p);
    }
    for (const p of out) this.unlink(p);
    return out;
  }

  /** Removes one tx (e.g. one that became invalid for a reason other than its nonce). */
  remove(hash: Uint8Array): PendingTx | undefined {
    const p = this.byHash.get(txKey(hash));
    if (p) this.unlink(p);
    return p;
  }

  all(): PendingTx[] {
    return [...this.byHash.values()];
  }

  // ------------------------------------------------------------------------------------------

  /** Adds `p` to every index. */
  private link(p: PendingTx): void {
    let q = this.senders.get(p.senderKey);
    if (!q) {
      q = { from: p.from, byNonce: new Map(), replacements: new Map(), bytes: 0 };
      this.senders.set(p.senderKey, q);
    }
    q.byNonce.set(p.tx.body.nonce, p);
    q.bytes += p.tx.raw.length;
    this.byHash.set(p.key, p);
    this.totalBytes += p.tx.raw.length;
    this.file(p);
  }

  /** Marks `p` to be (re-)ranked as an eviction candidate; drops dead marks once they dominate. */
  private file(p: PendingTx): void {
    this.unfiled.push(p);
    if (this.unfiled.length > 2 * this.byHash.size + 1024) {
      this.unfiled = [...new Set(this.unfiled)].filter((o) => this.isLinked(o));
    }
  }

  /** Ranks the marked txs into `victims` (amortized: each admission is ranked once); drops dead entries. */
  private fileAll(): void {
    for (const p of this.unfiled) if (this.isLinked(p)) this.victims.push(this.victim(p));
    this.unfiled = [];
    if (this.victims.size > 2 * this.byHash.size + 1024) {
      const live = new Map<PendingTx, Victim>();
      for (const v of this.victims.drain()) if (this.isLinked(v.p) && !live.has(v.p)) live.set(v.p, v);
      for (const v of live.values()) this.victims.push(v);
    }
  }

  private isLinked(p: PendingTx): boolean {
    return this.byHash.get(p.key) === p;
  }

  /**
   * Takes `p` out of every index; its nonce's replacement count goes only when the nonce empties.
   * `next`: its sender's account nonce, when the caller has it at hand.
   */
  private unlink(p: PendingTx, next = this.modules.accountNonce(p.from)): void {
    if (!this.byHash.delete(p.key)) return;
    this.totalBytes -= p.tx.raw.length;
    const q = this.senders.get(p.senderKey);
    if (!q) return;
    const nonce = p.tx.body.nonce;
    if (q.byNonce.get(nonce) === p) {
      q.byNonce.delete(nonce);
      q.bytes -= p.tx.raw.length;
    }
    if (nonce < next) {
      if (!q.byNonce.has(nonce)) q.replacements.delete(nonce);
    } else {
      // A gap opened: the sender's later txs cannot run now. Re-rank them (their entries say they
      // can, and would otherwise be evicted after txs that really can).
      for (const [n, o] of q.byNonce) if (n > nonce) this.file(o);
    }
    if (q.byNonce.size === 0) this.senders.delete(p.senderKey);
  }

  private isExecutable(p: PendingTx): boolean {
    const q = this.senders.get(p.senderKey);
    if (!q) return false;
    for (let n = this.modules.accountNonce(p.from); n < p.tx.body.nonce; n++)
      if (!q.byNonce.has(n)) return false;
    return true;
  }

  private stepDeadline(p: PendingTx): bigint | undefined {
    const kind = p.tx.body.action.kind;
    if (kind !== "commit" && kind !== "reveal") return undefined;
    return this.modules.deadlineOf?.(p.tx, p.from);
  }

  /**
   * Room for `tx` when the pool is over a limit by `needTxs` txs / `needBytes` bytes: [] when it
   * is not; the evicted txs when `tx` can run (its nonce continues its sender's run) and enough
   * lower-ranked txs of other senders make room (they are then gone); undefined (refuse) otherwise.
   * Any such tx outranks queued txs; a challenge step outranks every non-step and later steps.
   */
  private makeRoom(tx: SignedTx, from: Address, needTxs: number, needBytes: number): PendingTx[] | undefined {
    if (needTxs <= 0 && needBytes <= 0) return [];
    if (tx.body.nonce > this.pendingNonce(from)) return undefined; // queued itself: it could not run yet
    const kind = tx.body.action.kind;
    const deadline = kind === "commit" || kind === "reveal" ? this.modules.deadlineOf?.(tx, from) : undefined;
    const evictable = (v: Victim): boolean =>
      deadline === undefined
        ? v.rank === RANK.QUEUED
        : v.rank < RANK.STEP || (v.rank === RANK.STEP && v.deadline! > deadline);
    const plan = this.planEviction(senderKey(from), evictable, needTxs, needBytes);
    if (plan) for (const p of plan) this.unlink(p);
    return plan;
  }

  /** Which txs to evict, best victims first (see the module header), or undefined if not enough may go. */
  private planEviction(
    exceptSender: string,
    evictable: (v: Victim) => boolean,
    needTxs: number,
    needBytes: number,
  ): PendingTx[] | undefined {
    this.fileAll();
    const plan = new Set<PendingTx>();
    const looked: Victim[] = [];
    let freedTxs = 0;
    let freedBytes = 0;
    for (
      let looks = 0;
      (freedTxs < needTxs || freedBytes < needBytes) && looks < MAX_EVICTION_LOOKS;
      looks++
    ) {
      const v = this.victims.pop();
      if (!v) break;
      if (!this.isLinked(v.p) || plan.has(v.p)) continue; // gone, or already taken with a lower nonce
      const now = this.victim(v.p);
      if (now.rank !== v.rank || now.deadline !== v.deadline) {
        this.victims.push(now); // re-filed where it belongs now
        continue;
      }
      looked.push(v);
      if (!evictable(v)) break; // the heap is ordered: nothing after it may go either
      if (v.p.senderKey === exceptSender) continue;
      const group = v.rank === RANK.QUEUED ? [v.p] : this.fromNonceUp(v.p);
      if (group.some((o) => o !== v.p && !evictable(this.victim(o)))) continue;
      for (const o of group) {
        if (plan.has(o)) continue;
        plan.add(o);
        freedTxs++;
        freedBytes += o.tx.raw.length;
      }
    }
    const enough = freedTxs >= needTxs && freedBytes >= needBytes;
    for (const v of looked) if (!enough || !plan.has(v.p)) this.victims.push(v);
    return enough ? [...plan] : undefined;
  }

  /** `p` and its sender's pending txs at higher nonces. */
  private fromNonceUp(p: PendingTx): PendingTx[] {
    const q = this.senders.get(p.senderKey);
    const out = [p];
    if (q) for (const [n, o] of q.byNonce) if (n > p.tx.body.nonce) out.push(o);
    return out;
  }

  private victim(p: PendingTx): Victim {
    if (!this.isExecutable(p)) return { p, rank: RANK.QUEUED, deadline: undefined };
    const kind = p.tx.body.action.kind;
    if (kind === "transfer" || kind === "withdraw") return { p, rank: RANK.SPEND, deadline: undefined };
    const deadline = this.stepDeadline(p);
    return { p, rank: deadline === undefined ? RANK.OTHER : RANK.STEP, deadline };
  }

  private senderBytesFull(has: number): { ok: false; code: MempoolReject; message: string } {
    return reject("SENDER_LIMIT", `sender has ${has} bytes of pending txs (max ${this.opts.maxSenderBytes})`);
  }

  private poolFull(): { ok: false; code: MempoolReject; message: string } {
    return reject(
      "MEMPOOL_FULL",
      `mempool full (${this.byHash.size} txs, ${this.totalBytes} bytes; max ${this.opts.maxTxs} txs, ${this.opts.maxBytes} bytes)`,
    );
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
  /** Empties the heap, returning its items in no particular order. */
  drain(): T[] {
    return this.items.splice(0);
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
