/**
 * The prover's transaction sender, the shape of op-service's txmgr: one owner for the account's
 * nonces, so the challenge runners never read `pendingNonce` themselves and several txs can be in
 * flight at consecutive nonces (pipelining).
 *
 * - **Nonces**: the first send (or the first after `adopt`) reads the node's `pendingNonce`; from
 *   then on nonces are handed out locally, one after the other. Sends leave in nonce order (one
 *   at a time through a queue), so the node never sees a later nonce before an earlier one
 *   unless an earlier send went unanswered.
 * - **Write-ahead**: `record(tx)` is called with the signed bytes before they are sent (the
 *   caller persists them), so a crash right after the send still knows the tx.
 * - **Resends**: the same bytes are sent again when the node never acknowledged them (a lost
 *   answer, a throw) and after `resendIntervalMs` without a receipt (a restarted node lost its
 *   mempool). ALREADY_KNOWN means the node has them.
 * - **Recovery** (`recover`, under the same queue): reads the account; a tracked tx below the
 *   account's nonce is either included (its receipt is there) or lost (its nonce went to another
 *   tx: TX_DROPPED); the rest are resent in nonce order from the node's `pendingNonce`, which
 *   refills a gap left by a tx the node dropped in the middle. A tx above a hole the sender has
 *   nothing for (a node reset, a nonce refused for good) is lost too, and the next nonce is
 *   re-synced to the hole: the caller redoes that step at the re-synced nonce.
 * - **NONCE_TOO_LOW / NONCE_TOO_HIGH** on a fresh tx: its earlier bytes were included (receipt)
 *   or the nonces raced: re-sync from the chain (recovery) and sign it again, at most
 *   `maxResigns` times.
 * - **Receipts**: `send` and `wait` resolve with the receipt (success or failed: the chain's
 *   verdict on the tx, not an error); they reject with TX_DROPPED / TX_REJECTED (kind reset),
 *   RECEIPT_TIMEOUT after `timeoutMs` (temporary: the tx stays tracked and resent), an abort, or
 *   whatever the node's transport threw (the tx stays tracked: waiting again picks it up).
 *
 * Run one sender per key: a second process with the same key makes the two race for nonces
 * (each recovers, but txs get dropped and redone).
 * @module
 */
import { bytesToHex } from "../chain/bytes.ts";
import { addressFromPrivateKey, signTx } from "../chain/tx/index.ts";
import type { Action, Address } from "../chain/types.ts";
import { ProverError } from "./errors.ts";
import { type ProverChain, type ReceiptInfo, SEND_CODE, TEMPORARY_SEND_CODES } from "./ports.ts";
import type { SentTx } from "./proverState.ts";
import { sleep, throwIfAborted } from "./retry.ts";
import { createSerialQueue } from "./serialQueue.ts";

export interface TxSenderOpts {
  chainId: bigint;
  /** The account's key (32 bytes). */
  privateKey: Uint8Array;
  /** Between receipt polls; default 500 ms. */
  pollIntervalMs?: number;
  /** Resend (and re-check the nonces) after this long without a receipt; default 10 s. */
  resendIntervalMs?: number;
  /** Re-signs of a fresh tx whose nonce raced before it was accepted; default 5. */
  maxResigns?: number;
}

export interface TxSenderModules {
  chain: ProverChain;
  /** Wall clock for the resend timing (ms); default Date.now. */
  now?: () => number;
}

export interface SendOpts {
  signal?: AbortSignal;
  /**
   * Called with each signed tx before it is sent (write-ahead: persist it), again with the new
   * one if the tx had to be signed at another nonce. A throw stops the send before anything left.
   */
  record?: (tx: SentTx) => void;
  /** Stop waiting for the receipt after this long (RECEIPT_TIMEOUT); the tx stays tracked. */
  timeoutMs?: number;
}

export interface TxSender {
  readonly address: Address;
  /** Signs `action` at the next nonce, records, sends and resends it; resolves with its receipt. */
  send(action: Action, opts?: SendOpts): Promise<ReceiptInfo>;
  /** The receipt of a tx signed earlier (adopted after a restart, or after a failed wait). */
  wait(tx: SentTx, opts?: Omit<SendOpts, "record">): Promise<ReceiptInfo>;
  /** Takes over txs signed before a restart: resent in nonce order at the next send or wait. */
  adopt(txs: readonly SentTx[]): void;
  /** Txs signed and not yet seen settled, lowest nonce first. */
  pending(): SentTx[];
}

interface Entry {
  tx: SentTx;
  /** Wall time the node last acknowledged the bytes; -Infinity: never (resend at the first chance). */
  sentAt: number;
  receipt?: ReceiptInfo;
  /** Why it will never be included. */
  lost?: ProverError;
  waiters: number;
}

/** The node's answer to one send of a tx's bytes. */
type PushAnswer = "accepted" | "low" | "high" | { refused: string };

export function createTxSender(opts: TxSenderOpts, modules: TxSenderModules): TxSender {
  const { chain } = modules;
  const now = modules.now ?? Date.now;
  const address = addressFromPrivateKey(opts.privateKey);
  const pollMs = opts.pollIntervalMs ?? 500;
  const resendMs = opts.resendIntervalMs ?? 10_000;
  const maxResigns = opts.maxResigns ?? 5;
  const entries = new Map<string, Entry>();
  // Every send and every recovery goes through this queue: txs leave in nonce order.
  const queue = createSerialQueue();
  let nextNonce: bigint | undefined;
  let needsRecovery = false;

  const track = (tx: SentTx): Entry => {
    const e: Entry = { tx, sentAt: Number.NEGATIVE_INFINITY, waiters: 0 };
    entries.set(bytesToHex(tx.hash), e);
    return e;
  };
  const untrack = (e: Entry): void => {
    if (entries.get(bytesToHex(e.tx.hash)) === e) entries.delete(bytesToHex(e.tx.hash));
  };
  /** Marks an entry settled; one nobody waits for is forgotten at once. */
  const settle = (e: Entry, end: { receipt: ReceiptInfo } | { lost: ProverError }): void => {
    if ("receipt" in end) e.receipt = end.receipt;
    else e.lost = end.lost;
    if (e.waiters === 0) untrack(e);
  };
  const byNonce = (): Entry[] =>
    [...entries.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : 0));
  const dropped = (e: Entry, why: string): ProverError =>
    new ProverError("TX_DROPPED", `the ${e.tx.kind} tx at nonce ${e.tx.nonce} ${why}`, {
      nonce: e.tx.nonce,
      hash: bytesToHex(e.tx.hash),
    });

  async function push(e: Entry): Promise<PushAnswer> {
    const res = await chain.sendRawTransaction(e.tx.raw);
    if (res.ok || res.code === SEND_CODE.ALREADY_KNOWN) {
      e.sentAt = now();
      return "accepted";
    }
    if (res.code === SEND_CODE.NONCE_TOO_LOW) return "low";
    if (res.code === SEND_CODE.NONCE_TOO_HIGH) return "high";
    if (TEMPORARY_SEND_CODES.has(res.code)) {
      throw new ProverError(
        "TX_NOT_ACCEPTED",
        `the node did not take the ${e.tx.kind} tx for now: ${res.code}: ${res.message}`,
        { code: res.code },
      );
    }
    return { refused: `${res.code}: ${res.message}` };
  }

  /** Re-reads the account and settles, resends or drops every tracked tx (module doc). Queued. */
  async function recover(): Promise<void> {
    needsRecovery = true; // stays set if anything below throws: the next send or wait repeats it
    const account = await chain.getAccount(address);
    const live: Entry[] = [];
    for (const e of byNonce()) {
      if (e.receipt !== undefined || e.lost !== undefined) continue;
      if (e.tx.nonce >= account.nonce) {
        live.push(e);
        continue;
      }
      const receipt = await chain.getReceipt(e.tx.hash);
      if (receipt) settle(e, { receipt });
      else settle(e, { lost: dropped(e, "was never included: its nonce went to another tx") });
    }
    // The node holds [account.nonce, pendingNonce) in order; from there on, refill in order.
    let cursor = account.pendingNonce;
    let highest: bigint | undefined;
    for (const e of live) {
      if (e.tx.nonce < cursor) {
        e.sentAt = now();
        highest = e.tx.nonce;
        continue;
      }
      if (e.tx.nonce > cursor) {
        settle(e, { lost: dropped(e, `is behind nonce ${cursor}, which the node has no tx for`) });
        continue;
      }
      const answer = await push(e);
      if (answer === "accepted" || answer === "low") {
        // "low": included a moment ago, or taken; the next look at its receipt tells which.
        cursor = e.tx.nonce + 1n;
        highest = e.tx.nonce;
      } else if (answer === "high") {
        settle(e, { lost: dropped(e, `is too far ahead of the node's next nonce ${cursor}`) });
      } else {
        settle(e, {
          lost: new ProverError("TX_REJECTED", `the node rejected ${e.tx.kind}: ${answer.refused}`),
        });
      }
    }
    const after = highest === undefined ? cursor : highest + 1n;
    nextNonce = after > cursor ? after : cursor;
    needsRecovery = false;
  }

  /** Signs, records and sends `action` until the node takes it (or settles it). Queued. */
  async function submit(action: Action, o: SendOpts): Promise<Entry> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(o.signal);
      if (nextNonce === undefined || needsRecovery) await recover();
      const nonce = nextNonce!;
      const signed = signTx({ chainId: opts.chainId, nonce, action }, opts.privateKey);
      const tx: SentTx = { kind: action.kind, nonce, hash: signed.hash, raw: signed.raw };
      o.record?.(tx);
      nextNonce = nonce + 1n;
      const e = track(tx);
      // A throw here leaves the tx tracked and unacknowledged: the next wait resends it.
      const answer = await push(e);
      if (answer === "accepted") return e;
      if (answer === "low") {
        // An earlier attempt of these very bytes may have been included (an answer lost on the way).
        const receipt = await chain.getReceipt(tx.hash);
        if (receipt) {
          e.receipt = receipt;
          return e;
        }
      }
      untrack(e);
      needsRecovery = true;
      if (answer === "high" && byNonce().some((x) => x.tx.nonce < nonce && !x.receipt && !x.lost)) {
        // The node takes only so many nonces past its chain's: wait for ours below to be included.
        attempt--;
        await sleep(pollMs, o.signal);
        continue;
      }
      if (typeof answer === "object") {
        nextNonce = nonce; // nothing went out at this nonce: the next tx takes it
        throw new ProverError("TX_REJECTED", `the node rejected ${action.kind}: ${answer.refused}`, {
          reason: answer.refused,
        });
      }
      if (attempt >= maxResigns) {
        throw new ProverError(
          "TX_DROPPED",
          `the ${action.kind} tx met ${answer === "low" ? "NONCE_TOO_LOW" : "NONCE_TOO_HIGH"} ${attempt + 1} times: is another process sending with this key?`,
        );
      }
    }
  }

  async function waitFor(e: Entry, o: Omit<SendOpts, "record">): Promise<ReceiptInfo> {
    const deadline = o.timeoutMs === undefined ? Number.POSITIVE_INFINITY : now() + o.timeoutMs;
    const due = (): boolean => needsRecovery || now() - e.sentAt >= resendMs;
    e.waiters++;
    try {
      for (;;) {
        if (e.receipt) return e.receipt;
        if (e.lost) throw e.lost;
        throwIfAborted(o.signal);
        const receipt = await chain.getReceipt(e.tx.hash);
        if (receipt) {
          e.receipt = receipt;
          return receipt;
        }
        // One recovery serves every waiter: the others find their txs resent and wait on.
        if (due()) await queue.run(() => (due() ? recover() : Promise.resolve()));
        if (e.receipt || e.lost) continue;
        if (now() >= deadline) {
          throw new ProverError(
            "RECEIPT_TIMEOUT",
            `no receipt for the ${e.tx.kind} tx ${bytesToHex(e.tx.hash)} after ${o.timeoutMs} ms; still resending it`,
          );
        }
        await sleep(pollMs, o.signal);
      }
    } finally {
      e.waiters--;
      if (e.waiters === 0 && (e.receipt || e.lost)) untrack(e);
    }
  }

  function adoptOne(tx: SentTx): Entry {
    needsRecovery = true;
    return entries.get(bytesToHex(tx.hash)) ?? track(tx);
  }

  return {
    address,
    async send(action, o = {}) {
      throwIfAborted(o.signal);
      const e = await queue.run(() => submit(action, o));
      return await waitFor(e, o);
    },
    wait(tx, o = {}) {
      return waitFor(adoptOne(tx), o);
    },
    adopt(txs) {
      for (const tx of txs) adoptOne(tx);
    },
    pending: () => byNonce().map((e) => e.tx),
  };
}
