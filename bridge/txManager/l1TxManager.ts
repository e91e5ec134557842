/**
 * The L1 transaction manager: the one sender of a key's L1 txs (batcher, output proposer, bridge
 * CLI), modelled on op-service/txmgr, with what op-service leaves out: a journal, so that a restart
 * neither posts an intent twice nor loses one (rollup-design.md F1).
 *
 * - An intent is `{id, to, data, value?, gasLimit?}`; the id is the caller's (a channel id and frame
 *   range). `send` of an id the journal knows never signs a second tx: it waits for the first, or
 *   answers its receipt. Every attempt of an intent shares its nonce, so at most one is mined.
 * - Nonces are owned here: the pending nonce is read once at start (raised past the journal's), then
 *   counted locally. A nonce is allocated, signed, journaled (fsynced) and first broadcast under one
 *   lock, so a refusal of the first broadcast can hand the nonce back without leaving a gap.
 * - Fees: EIP-1559 from the latest base fee and the node's tip, floors and a hard cap (txFees.ts).
 *   An attempt not mined within `resubmissionTimeoutMs` is replaced with both fields bumped ≥ +10%
 *   (+1 wei); one the node no longer knows (dropped) is re-signed the same way. At the cap, the
 *   last attempt is rebroadcast unchanged (same fields, same signature, same hash).
 * - Node answers: "already known" = sent; "nonce too low" = some tx with the nonce was mined: the
 *   receipts of our attempts say which, and if none is ours once the nonce is `numConfirmations`
 *   deep, the intent moves to a fresh nonce (another sender used the key); "replacement
 *   underpriced" = bump again; "insufficient funds" and other refusals on the first broadcast fail
 *   the send with a critical L1TxError, the intent dropped and its nonce handed back.
 * - A receipt counts once its block is `numConfirmations` deep; a receipt that disappears before
 *   (an L1 reorg) is waited for again, and the tx rebroadcast if the node forgot it.
 * - At most `maxPendingTxs` intents are in flight; `send` waits (abortably) for a slot. Aborting a
 *   `send` stops the wait only: an intent that was journaled is driven to L1 all the same.
 * - Every RPC answer is parsed here from raw JSON-RPC (quantities bounded, hashes checked, error
 *   text read through a bounded prefix), so the manager runs over any EIP-1193 transport.
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import {
  type Address,
  bytesToHex,
  concat,
  type Hex,
  hexToBytes,
  keccak256,
  type LocalAccount,
  numberToHex,
  type PublicClient,
  pad,
  toHex,
} from "viem";
import { classifyL1Error, L1TxError, toL1TxError } from "./txErrors.ts";
import { bumpFees, calldataFloorGas, type FeePolicy, type Fees, freshFees, gasLimitFor } from "./txFees.ts";
import {
  INTENT_ID_RE,
  type JournalEntry,
  type L1Receipt,
  TxJournal,
  type TxJournalOpts,
} from "./txJournal.ts";

export interface L1TxManagerOpts {
  /** Folder of the journal (one manager per folder, per key). */
  journalDir: string;
  /** The L1 chain id the node must serve (checked at start); absent: whatever the node says. */
  chainId?: number;
  /** Blocks a receipt must be deep (1 = its own block); default 4 (op-batcher example config). */
  numConfirmations?: number;
  /** Wait before replacing an unmined attempt with bumped fees; default 48,000 ms (op-batcher). */
  resubmissionTimeoutMs?: number;
  /** Receipt/head polling period; default 1,000 ms. */
  pollIntervalMs?: number;
  /** Intents in flight at once; default 4. */
  maxPendingTxs?: number;
  /** Hard ceiling of maxFeePerGas (wei); default 500 gwei. */
  maxFeePerGasCap?: bigint;
  /** Floor of the tip (wei); default 1 gwei. */
  minTipCap?: bigint;
  /** Floor of the base fee in the fee cap (wei); default 1 gwei. */
  minBaseFee?: bigint;
  /** Fee bump per replacement, percent, at least 10; default 10. */
  feeBumpPercent?: number;
  /** Margin on the node's gas estimate, percent; default 20. */
  gasMarginPercent?: number;
  /** Largest gas limit signed; default 2^24 (EIP-7825's per-tx cap). */
  maxGasLimit?: bigint;
  /** Largest calldata of an intent; default 120,000 bytes (op-batcher's max L1 tx size). */
  maxDataBytes?: number;
  journal?: TxJournalOpts;
}

export interface L1TxManagerModules {
  /** Any viem client over any transport (the embedded L1's EIP-1193 provider, HTTP). */
  client: PublicClient;
  /** The sender's key: signs locally, never through the node. */
  account: LocalAccount;
  /** Wall clock, ms; default Date.now. */
  now?: () => number;
  log?: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
    error(o: object, msg?: string): void;
  };
}

/** What to send. `id` names the intent (printable ASCII, ≤ 128 chars) and makes `send` idempotent. */
export interface TxCandidate {
  id: string;
  to: Address;
  data: Hex;
  value?: bigint;
  /** Absent: estimated (plus the margin, at least the EIP-7623 floor). */
  gasLimit?: bigint;
}

export type IntentStatus =
  | { state: "unknown" }
  | {
      state: "pending";
      nonce: number;
      /** Every signed attempt, oldest first. */
      hashes: Hex[];
      /** Set while a receipt is seen but not yet `numConfirmations` deep. */
      minedIn?: bigint;
      lastError?: L1TxError;
    }
  | { state: "confirmed"; receipt: L1Receipt };

export interface L1TxManager {
  readonly address: Address;
  /**
   * Sends the intent (or joins the one already journaled under its id) and resolves with its
   * receipt once `numConfirmations` deep; a reverted tx resolves too (`receipt.status`). Rejects
   * with an L1TxError when nothing was sent (kind `critical`: no funds, a reverting call; kind
   * `temporary`: fees above the cap), or with an AbortError when `signal` fires.
   */
  send(c: TxCandidate, o?: { signal?: AbortSignal }): Promise<L1Receipt>;
  /** Where the intent stands; `unknown` = never journaled (or refused), safe to send. */
  status(id: string): IntentStatus;
  /** Intents in flight. */
  pendingCount(): number;
  /** Stops driving intents (they stay journaled) and releases the journal. */
  close(): Promise<void>;
}

const MAX_QUANTITY = (1n << 256n) - 1n;
const MAX_NONCE = BigInt(Number.MAX_SAFE_INTEGER);
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY_RE = /^0x[0-9a-fA-F]{1,64}$/;

interface Live {
  entry: JournalEntry;
  /** A receipt seen, not yet deep enough. */
  mined: L1Receipt | null;
  lastSentAt: number;
  /** Send at the next poll, without waiting for the resubmission timeout. */
  sendNow: boolean;
  /** Restored from the journal: the first poll asks the node whether it still has the tx. */
  restored: boolean;
  lastError: L1TxError | undefined;
  done: Promise<L1Receipt>;
  resolve(r: L1Receipt): void;
  reject(e: Error): void;
}

/** Opens the journal, checks the chain, reconciles journaled intents with L1 and starts driving them. */
export async function createL1TxManager(
  opts: L1TxManagerOpts,
  modules: L1TxManagerModules,
): Promise<L1TxManager> {
  const m = new TxManagerImpl(opts, modules);
  await m.start();
  return m;
}

class TxManagerImpl implements L1TxManager {
  readonly address: Address;
  private readonly policy: FeePolicy;
  private readonly numConfirmations: number;
  private readonly resubmitMs: number;
  private readonly pollMs: number;
  private readonly maxPending: number;
  private readonly gasMargin: number;
  private readonly maxGas: bigint;
  private readonly maxData: number;
  private readonly now: () => number;
  private readonly client: PublicClient;
  private journal!: TxJournal;
  private chainId = 0;
  private nextNonce = 0;
  private readonly lives = new Map<string, Live>();
  private readonly drivers = new Set<Promise<void>>();
  private readonly starting = new Map<string, Promise<Live | L1Receipt>>();
  private reserved = 0;
  private slotWaiters: Array<() => void> = [];
  private lock: Promise<unknown> = Promise.resolve();
  private readonly closing = new AbortController();

  constructor(
    private readonly o: L1TxManagerOpts,
    private readonly m: L1TxManagerModules,
  ) {
    this.address = m.account.address;
    this.client = m.client;
    this.policy = {
      minTipCap: o.minTipCap ?? 1_000_000_000n,
      minBaseFee: o.minBaseFee ?? 1_000_000_000n,
      maxFeePerGasCap: o.maxFeePerGasCap ?? 500_000_000_000n,
      bumpPercent: Math.max(10, o.feeBumpPercent ?? 10),
    };
    this.numConfirmations = Math.max(1, o.numConfirmations ?? 4);
    this.resubmitMs = o.resubmissionTimeoutMs ?? 48_000;
    this.pollMs = o.pollIntervalMs ?? 1_000;
    this.maxPending = Math.max(1, o.maxPendingTxs ?? 4);
    this.gasMargin = o.gasMarginPercent ?? 20;
    this.maxGas = o.maxGasLimit ?? 1n << 24n;
    this.maxData = o.maxDataBytes ?? 120_000;
    this.now = m.now ?? Date.now;
  }

  async start(): Promise<void> {
    const chainId = Number(await this.quantity("eth_chainId", [], 1n << 53n));
    if (this.o.chainId !== undefined && chainId !== this.o.chainId) {
      throw new L1TxError("CHAIN_ID_MISMATCH", `L1 node serves chain ${chainId}, expected ${this.o.chainId}`);
    }
    this.chainId = chainId;
    this.journal = await TxJournal.open(this.o.journalDir, this.o.journal ?? {});
    try {
      let next = await this.nonceAt("pending");
      for (const e of this.journal.entries().values()) {
        if (e.receipt) continue;
        if (e.nonce + 1 > next) next = e.nonce + 1;
        const live = this.newLive(e);
        live.restored = true;
        live.sendNow = e.attempts.length === 0; // journaled, torn before its attempt: never sent
        this.lives.set(e.id, live);
      }
      this.nextNonce = next;
    } catch (err) {
      await this.journal.close();
      throw err;
    }
    for (const live of this.lives.values()) this.startDriver(live);
    if (this.lives.size > 0) {
      this.m.log?.info(
        { pending: this.lives.size, nextNonce: this.nextNonce },
        "l1 tx manager: reconciling journaled txs",
      );
    }
  }

  status(id: string): IntentStatus {
    const e = this.journal.get(id);
    if (!e) return { state: "unknown" };
    if (e.receipt) return { state: "confirmed", receipt: e.receipt };
    const live = this.lives.get(id);
    return {
      state: "pending",
      nonce: e.nonce,
      hashes: e.attempts.map((a) => a.hash),
      ...(live?.mined ? { minedIn: live.mined.blockNumber } : {}),
      ...(live?.lastError ? { lastError: live.lastError } : {}),
    };
  }

  pendingCount(): number {
    return this.lives.size;
  }

  async send(c: TxCandidate, o: { signal?: AbortSignal } = {}): Promise<L1Receipt> {
    const cand = this.validate(c);
    o.signal?.throwIfAborted();
    let got = this.starting.get(cand.id);
    if (!got) {
      got = this.begin(cand, o.signal);
      this.starting.set(cand.id, got);
      void got.finally(() => this.starting.delete(cand.id)).catch(() => {});
    }
    const r = await got;
    if (!("done" in r)) return r;
    if (r.entry.contentHash !== cand.contentHash) throw conflict(cand.id);
    return await waitFor(r.done, o.signal);
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    for (const w of this.slotWaiters.splice(0)) w();
    await Promise.allSettled([...this.drivers]);
    await this.lock.catch(() => {});
    const closed = new L1TxError("CLOSED", "the L1 tx manager was closed; the intent stays journaled");
    for (const live of this.lives.values()) live.reject(closed);
    this.lives.clear();
    await this.journal.close();
  }

  // ---- starting an intent ---------------------------------------------------------------------

  private async begin(cand: ValidCandidate, signal: AbortSignal | undefined): Promise<Live | L1Receipt> {
    const known = this.known(cand);
    if (known) return known;
    await this.acquireSlot(signal);
    let slotHeld = true;
    try {
      const gas = cand.gasLimit ?? (await this.estimateGas(cand));
      const floor = calldataFloorGas(hexToBytes(cand.data));
      if (gas < floor) {
        throw new L1TxError("TX_REJECTED", `gas limit ${gas} is below the EIP-7623 calldata floor ${floor}`);
      }
      const fees = await this.currentFees();
      if (!fees) throw this.feeAboveCap();
      return await this.locked(async () => {
        if (this.closing.signal.aborted) throw new L1TxError("CLOSED", "the L1 tx manager is closed");
        const again = this.known(cand); // another send of this id may have won the lock
        if (again) return again;
        const nonce = this.nextNonce;
        const tx = { to: cand.to, data: cand.data, value: cand.value, gas };
        const signed = await this.sign(tx, nonce, fees);
        const attempt = { hash: signed.hash, nonce, ...fees };
        await this.journal.addIntent({ id: cand.id, contentHash: cand.contentHash, tx }, attempt);
        const live = this.newLive(this.journal.get(cand.id)!);
        this.lives.set(cand.id, live);
        this.reserved--;
        slotHeld = false;
        const code = await this.broadcast(live, signed.raw, nonce);
        if (code !== null && isRefusal(code)) {
          // The node refused the only attempt: nothing can be mined, so the nonce goes back.
          const err = live.lastError!;
          await this.journal.drop(cand.id);
          this.lives.delete(cand.id);
          this.wakeSlot();
          this.m.log?.error({ id: cand.id, code, err: err.message }, "l1 tx refused");
          throw err;
        }
        this.nextNonce = nonce + 1;
        if (code === "NONCE_TOO_LOW") {
          // Another sender used the key: later intents start past its txs (this one moves to a
          // new nonce once the taking tx is deep, in resend).
          const pending = await this.nonceAt("pending").catch(() => 0);
          this.nextNonce = Math.max(this.nextNonce, pending);
        }
        this.m.log?.info(
          { id: cand.id, nonce, hash: signed.hash, maxFeePerGas: String(fees.maxFeePerGas) },
          "l1 tx sent",
        );
        this.startDriver(live);
        return live;
      });
    } finally {
      if (slotHeld) {
        this.reserved--;
        this.wakeSlot();
      }
    }
  }

  /** The journaled intent under this id (checked to be the same tx), if any. */
  private known(cand: ValidCandidate): Live | L1Receipt | null {
    const e = this.journal.get(cand.id);
    if (!e) return null;
    if (e.contentHash !== cand.contentHash) throw conflict(cand.id);
    if (e.receipt) return e.receipt;
    const live = this.lives.get(cand.id);
    if (!live) throw new L1TxError("CLOSED", "the L1 tx manager is closed");
    return live;
  }

  private async acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    while (this.lives.size + this.reserved >= this.maxPending) {
      if (this.closing.signal.aborted) throw new L1TxError("CLOSED", "the L1 tx manager is closed");
      await waitFor(new Promise<void>((res) => this.slotWaiters.push(res)), signal);
    }
    if (this.closing.signal.aborted) throw new L1TxError("CLOSED", "the L1 tx manager is closed");
    this.reserved++;
  }

  private wakeSlot(): void {
    for (const w of this.slotWaiters.splice(0)) w();
  }

  // ---- driving an intent to L1 --------------------------------------------------------------

  private newLive(entry: JournalEntry): Live {
    let resolve!: (r: L1Receipt) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<L1Receipt>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // a journaled intent may have no waiter; its failure is not unhandled
    return {
      entry,
      mined: null,
      lastSentAt: this.now(),
      sendNow: false,
      restored: false,
      lastError: undefined,
      done,
      resolve,
      reject,
    };
  }

  private startDriver(live: Live): void {
    const d = this.drive(live).finally(() => this.drivers.delete(d));
    this.drivers.add(d);
  }

  private async drive(live: Live): Promise<void> {
    const signal = this.closing.signal;
    while (!signal.aborted) {
      try {
        if (await this.step(live)) return;
      } catch (err) {
        if (signal.aborted) return;
        live.lastError = toL1TxError(err, `l1 tx ${live.entry.id}`);
        this.m.log?.warn(
          { id: live.entry.id, code: live.lastError.code, err: live.lastError.message },
          "l1 tx: retrying",
        );
      }
      try {
        await sleep(this.pollMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  /** One poll of one intent; true once it is confirmed. */
  private async step(live: Live): Promise<boolean> {
    const e = live.entry;
    const r = await this.findReceipt(e);
    if (r) {
      const head = await this.quantity("eth_blockNumber", [], MAX_NONCE);
      if (head + 1n - r.blockNumber >= BigInt(this.numConfirmations)) {
        await this.journal.markDone(e.id, r);
        this.lives.delete(e.id);
        this.wakeSlot();
        live.resolve(r);
        this.m.log?.info(
          { id: e.id, hash: r.transactionHash, block: String(r.blockNumber) },
          "l1 tx confirmed",
        );
        return true;
      }
      live.mined = r;
      return false;
    }
    if (live.mined) {
      // Seen in a block that L1 has since dropped: wait for it again from now.
      this.m.log?.warn(
        { id: e.id, hash: live.mined.transactionHash },
        "l1 tx receipt gone (L1 reorg): waiting again",
      );
      live.mined = null;
      live.lastSentAt = this.now();
    }
    if (live.restored) {
      live.restored = false;
      const last = e.attempts.at(-1);
      if (last && !(await this.nodeKnows(last.hash))) live.sendNow = true;
      else live.lastSentAt = this.now();
    }
    if (!live.sendNow && this.now() - live.lastSentAt < this.resubmitMs) return false;
    await this.resend(live);
    return false;
  }

  /** A new attempt (or the same one again) at the intent's nonce, or at a new nonce if it was taken. */
  private async resend(live: Live): Promise<void> {
    const e = live.entry;
    const latest = await this.nonceAt("latest");
    if (latest > e.nonce) {
      // The nonce is used on L1 and no attempt of ours has a receipt (just checked). Either a
      // receipt is about to show up, or another tx took it: move only once that is deep.
      const head = await this.quantity("eth_blockNumber", [], MAX_NONCE);
      const deepBlock = head - BigInt(this.numConfirmations - 1);
      const deep = deepBlock < 0n ? 0 : await this.nonceAt(numberToHex(deepBlock));
      if (deep > e.nonce) await this.renonce(live);
      else live.lastSentAt = this.now();
      return;
    }
    const fresh = await this.currentFees();
    const last = e.attempts.filter((a) => a.nonce === e.nonce).at(-1);
    let fees: Fees | null = last ? bumpFees(last, fresh, this.policy) : fresh;
    const capped = !fees && last !== undefined;
    if (!fees && last) fees = last; // at the cap: the same tx again (same hash), in case it was dropped
    if (!fees) {
      live.lastError = this.feeAboveCap();
      live.lastSentAt = this.now();
      return;
    }
    const tx = e.tx!;
    const signed = await this.sign(tx, e.nonce, fees);
    if (!e.attempts.some((a) => a.hash === signed.hash)) {
      await this.journal.addAttempt(e.id, { hash: signed.hash, nonce: e.nonce, ...fees });
    }
    const code = await this.broadcast(live, signed.raw, e.nonce);
    if (code === "REPLACEMENT_UNDERPRICED" && capped) live.sendNow = false;
    this.m.log?.info(
      { id: e.id, nonce: e.nonce, hash: signed.hash, maxFeePerGas: String(fees.maxFeePerGas), code },
      capped ? "l1 tx rebroadcast at the fee cap" : "l1 tx resubmitted with bumped fees",
    );
  }

  /** Moves an intent whose nonce another tx took (deep) to the next free nonce. */
  private async renonce(live: Live): Promise<void> {
    await this.locked(async () => {
      const e = live.entry;
      const nonce = Math.max(this.nextNonce, await this.nonceAt("pending"));
      const fees = await this.currentFees();
      if (!fees) {
        live.lastError = this.feeAboveCap();
        return;
      }
      const signed = await this.sign(e.tx!, nonce, fees);
      await this.journal.addAttempt(e.id, { hash: signed.hash, nonce, ...fees });
      this.nextNonce = nonce + 1;
      this.m.log?.warn(
        { id: e.id, from: e.attempts.at(-2)?.nonce, to: nonce },
        "l1 tx nonce taken by another tx: moved",
      );
      await this.broadcast(live, signed.raw, nonce);
    });
  }

  /**
   * Broadcasts one signed attempt and records what the answer means for the intent: null = the
   * node has it; otherwise the error's code (also left in `live.lastError`).
   */
  private async broadcast(live: Live, raw: Hex, nonce: number): Promise<string | null> {
    live.lastSentAt = this.now();
    try {
      await this.client.request({ method: "eth_sendRawTransaction", params: [raw] });
      live.sendNow = false;
      live.lastError = undefined;
      return null;
    } catch (err) {
      const code = classifyL1Error(err);
      if (code === "ALREADY_KNOWN") {
        live.sendNow = false;
        return null;
      }
      live.lastError = toL1TxError(err, `broadcast of l1 tx ${live.entry.id} (nonce ${nonce})`);
      // Underpriced: bump again at once. Below the base fee: re-read it at once. Unreachable
      // node: try again at once. Nonce too low: the receipts will tell (no resend).
      live.sendNow =
        code === "REPLACEMENT_UNDERPRICED" || code === "FEE_BELOW_BASE_FEE" || code === "RPC_UNAVAILABLE";
      if (code !== "NONCE_TOO_LOW") {
        this.m.log?.warn(
          { id: live.entry.id, nonce, code, err: live.lastError.message },
          "l1 tx broadcast failed",
        );
      }
      return code;
    }
  }

  // ---- reading L1 (every answer checked) ----------------------------------------------------

  private async findReceipt(e: JournalEntry): Promise<L1Receipt | null> {
    for (let i = e.attempts.length - 1; i >= 0; i--) {
      const a = e.attempts[i]!;
      const raw = await this.client.request({ method: "eth_getTransactionReceipt", params: [a.hash] });
      if (raw == null) continue;
      return parseReceipt(raw, a.hash, a.nonce);
    }
    return null;
  }

  private async nodeKnows(hash: Hex): Promise<boolean> {
    const tx = await this.client.request({ method: "eth_getTransactionByHash", params: [hash] });
    return tx != null;
  }

  private async nonceAt(tag: string): Promise<number> {
    const n = await this.quantity("eth_getTransactionCount", [this.address, tag], MAX_NONCE);
    return Number(n);
  }

  private async currentFees(): Promise<Fees | null> {
    const block = (await this.client.request({
      method: "eth_getBlockByNumber",
      params: ["latest", false],
    })) as { baseFeePerGas?: unknown } | null;
    if (block == null || typeof block !== "object")
      throw badAnswer("eth_getBlockByNumber", "no latest block");
    const baseFee = readQuantity(block.baseFeePerGas, MAX_QUANTITY, "baseFeePerGas");
    const tip = await this.quantity("eth_maxPriorityFeePerGas", [], MAX_QUANTITY);
    return freshFees(baseFee, tip, this.policy);
  }

  private async estimateGas(c: ValidCandidate): Promise<bigint> {
    const call = { from: this.address, to: c.to, data: c.data, value: numberToHex(c.value) };
    let est: bigint;
    try {
      est = await this.quantity("eth_estimateGas", [call], MAX_QUANTITY);
    } catch (err) {
      throw toL1TxError(err, `gas estimate of l1 tx ${c.id}`);
    }
    const gas = gasLimitFor(est, hexToBytes(c.data), this.gasMargin);
    if (gas > this.maxGas) {
      throw new L1TxError(
        "GAS_ABOVE_LIMIT",
        `l1 tx ${c.id} needs ${gas} gas, above the limit ${this.maxGas}`,
      );
    }
    return gas;
  }

  private async quantity(method: string, params: unknown[], max: bigint): Promise<bigint> {
    // biome-ignore lint/suspicious/noExplicitAny: raw JSON-RPC; the answer is checked below
    const v: unknown = await this.client.request({ method, params } as any);
    return readQuantity(v, max, method);
  }

  // ---- signing ------------------------------------------------------------------------------

  private async sign(tx: { to: Hex; data: Hex; value: bigint; gas: bigint }, nonce: number, fees: Fees) {
    const raw = await this.m.account.signTransaction({
      type: "eip1559",
      chainId: this.chainId,
      nonce,
      to: tx.to,
      data: tx.data,
      value: tx.value,
      gas: tx.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw) };
  }

  private feeAboveCap(): L1TxError {
    return new L1TxError(
      "FEE_ABOVE_CAP",
      `L1 fees need more than maxFeePerGasCap ${this.policy.maxFeePerGasCap} wei; nothing sent`,
    );
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private validate(c: TxCandidate): ValidCandidate {
    const bad = (why: string) => new L1TxError("TX_REJECTED", `l1 tx candidate: ${why}`);
    if (typeof c.id !== "string" || !INTENT_ID_RE.test(c.id))
      throw bad("id must be 1-128 printable ASCII chars");
    if (typeof c.to !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(c.to)) throw bad("bad to address");
    if (typeof c.data !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(c.data))
      throw bad("data must be 0x-hex bytes");
    const bytes = (c.data.length - 2) / 2;
    if (bytes > this.maxData) throw bad(`data of ${bytes} bytes is above maxDataBytes ${this.maxData}`);
    const value = c.value ?? 0n;
    if (value < 0n || value > MAX_QUANTITY) throw bad("value out of range");
    if (c.gasLimit !== undefined && (c.gasLimit <= 0n || c.gasLimit > this.maxGas))
      throw bad("gasLimit out of range");
    const to = c.to.toLowerCase() as Hex;
    const data = c.data.toLowerCase() as Hex;
    const contentHash = keccak256(concat([to, pad(toHex(value), { size: 32 }), data]));
    return {
      id: c.id,
      to,
      data,
      value,
      contentHash,
      ...(c.gasLimit !== undefined ? { gasLimit: c.gasLimit } : {}),
    };
  }
}

interface ValidCandidate {
  id: string;
  to: Hex;
  data: Hex;
  value: bigint;
  gasLimit?: bigint;
  contentHash: Hex;
}

/** Codes that mean the node will not take this tx as it is: on a first broadcast, give up. */
function isRefusal(code: string): boolean {
  return code === "INSUFFICIENT_FUNDS" || code === "TX_REJECTED" || code === "ESTIMATE_REVERTED";
}

function conflict(id: string): L1TxError {
  return new L1TxError("INTENT_CONFLICT", `intent ${id} is journaled with another tx (to, value, data)`);
}

function badAnswer(method: string, why: string): L1TxError {
  return new L1TxError("BAD_RPC_ANSWER", `${method}: ${why}`);
}

/** A JSON-RPC quantity ("0x…", ≤ 64 hex digits) as a bigint in [0, max]. */
function readQuantity(v: unknown, max: bigint, what: string): bigint {
  if (typeof v !== "string" || !QUANTITY_RE.test(v)) throw badAnswer(what, "not a quantity");
  const n = BigInt(v);
  if (n > max) throw badAnswer(what, `value above ${max}`);
  return n;
}

/** A receipt for `hash`, checked field by field: its answer comes from the network. */
function parseReceipt(raw: unknown, hash: Hex, nonce: number): L1Receipt {
  if (typeof raw !== "object" || raw === null) throw badAnswer("eth_getTransactionReceipt", "not an object");
  const r = raw as Record<string, unknown>;
  if (typeof r.transactionHash !== "string" || r.transactionHash.toLowerCase() !== hash) {
    throw badAnswer("eth_getTransactionReceipt", "receipt of another tx");
  }
  if (typeof r.blockHash !== "string" || !HASH_RE.test(r.blockHash))
    throw badAnswer("eth_getTransactionReceipt", "bad blockHash");
  const status = readQuantity(r.status, 1n, "receipt.status");
  return {
    transactionHash: hash,
    blockNumber: readQuantity(r.blockNumber, MAX_NONCE, "receipt.blockNumber"),
    blockHash: bytesToHex(hexToBytes(r.blockHash as Hex)),
    status: status === 1n ? "success" : "reverted",
    nonce,
    gasUsed: readQuantity(r.gasUsed, MAX_QUANTITY, "receipt.gasUsed"),
    effectiveGasPrice: readQuantity(r.effectiveGasPrice, MAX_QUANTITY, "receipt.effectiveGasPrice"),
  };
}

/** `p`, or an AbortError as soon as `signal` fires (the work behind `p` goes on). */
function waitFor<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        res(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        rej(e);
      },
    );
  });
}
