/**
 * The tx sender against the in-memory chain (real signatures, nonces and execution behind a
 * mempool with the sequencer's admission rules): several txs in flight, a dropped one in the
 * middle, lost answers, nonce races both ways, receipt deadlines.
 */
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { TIER_SMALL, TIER_TINY } from "../chain/params.ts";
import type { Action } from "../chain/types.ts";
import { FakeProverChain } from "../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { errorKind, ProverError, RpcTransportError } from "./errors.ts";
import type { SentTx } from "./proverState.ts";
import { createTxSender, type TxSenderOpts } from "./txSender.ts";

const CHALLENGE: Action = { kind: "challenge", tier: TIER_TINY.id };

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setup(extra: Partial<TxSenderOpts> = {}) {
  const chain = new TestChain();
  const fake = new FakeProverChain(chain, { autoMine: false });
  const account = TestAccount.fromSeed(11, chain.params.l2ChainId);
  const sender = createTxSender(
    {
      chainId: chain.params.l2ChainId,
      privateKey: account.privateKey,
      pollIntervalMs: 1,
      resendIntervalMs: 30,
      ...extra,
    },
    { chain: fake },
  );
  return { chain, fake, account, sender };
}

/** Mines a block every `ms` until the test ends. */
function mineEvery(fake: FakeProverChain, ms = 5): void {
  const timer = setInterval(() => fake.mine(), ms);
  stops.push(() => clearInterval(timer));
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(1);
  }
}

/** A record callback that keeps every tx it was given. */
function recorder() {
  const txs: SentTx[] = [];
  return { txs, record: (tx: SentTx) => txs.push(tx) };
}

describe("createTxSender", () => {
  it("keeps several txs in flight at consecutive nonces, recorded before they are sent", async () => {
    // No resend timer in the way: what is counted is the nonce bookkeeping.
    const { fake, sender } = setup({ resendIntervalMs: 60_000 });
    const seenBeforeSend: boolean[] = [];
    const record = (tx: SentTx) =>
      seenBeforeSend.push(fake.accepted.some((a) => a.hash.every((b, i) => b === tx.hash[i])));
    const sends = [
      sender.send({ kind: "register" }, { record }),
      sender.send(CHALLENGE, { record }),
      sender.send(CHALLENGE, { record }),
    ];
    await until(() => fake.mempool.length === 3, "three txs in the pool");
    // All three wait in the node's pool at once: nothing was mined yet.
    expect(fake.mempool.map((p) => p.tx.body.nonce)).toEqual([0n, 1n, 2n]);
    expect(sender.pending().map((t) => t.nonce)).toEqual([0n, 1n, 2n]);
    expect(seenBeforeSend).toEqual([false, false, false]);
    fake.mine();
    const receipts = await Promise.all(sends);
    expect(receipts.map((r) => r.status)).toEqual(["success", "success", "success"]);
    expect(receipts.map((r) => r.challengeId)).toEqual([undefined, 1n, 2n]);
    expect(sender.pending()).toEqual([]);
    // The nonces were handed out locally: one account read for three txs.
    expect(fake.calls.get("getAccount")).toBe(1);
  });

  it("recovers a tx dropped from the middle of the pool: the gap is resent in order, the same bytes", async () => {
    const { fake, sender } = setup();
    const recs = [recorder(), recorder(), recorder()];
    const sends = [
      sender.send({ kind: "register" }, { record: recs[0]!.record }),
      sender.send(CHALLENGE, { record: recs[1]!.record }),
      sender.send(CHALLENGE, { record: recs[2]!.record }),
    ];
    await until(() => fake.mempool.length === 3, "three txs in the pool");
    const middle = recs[1]!.txs[0]!;
    expect(fake.evict(middle.hash)).toBe(true);
    // Nonce 0 is included; nonce 2 waits behind the hole at 1.
    fake.mine();
    expect(fake.mempool.map((p) => p.tx.body.nonce)).toEqual([2n]);
    mineEvery(fake);
    const receipts = await Promise.all(sends);
    expect(receipts.map((r) => r.status)).toEqual(["success", "success", "success"]);
    // The middle tx went to the node twice as the same bytes; nothing was signed again.
    const sentMiddle = fake.accepted.filter((t) => t.body.nonce === 1n);
    expect(sentMiddle.map((t) => t.hash)).toEqual([middle.hash, middle.hash]);
    expect(recs.map((r) => r.txs.length)).toEqual([1, 1, 1]);
    expect(fake.chain.core.readState().getAccount(sender.address).nonce).toBe(3n);
  });

  it("resends bytes the node never acknowledged: an answer lost after inclusion is not a second tx", async () => {
    const { fake, sender } = setup();
    fake.loseResponse = (tx) => tx.body.action.kind === "register";
    const rec = recorder();
    const err = await sender.send({ kind: "register" }, rec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect(errorKind(err)).toBe("temporary");
    // The tx stays the sender's: waiting again finds it included (NONCE_TOO_LOW + its receipt).
    expect(sender.pending()).toHaveLength(1);
    fake.loseResponse = undefined;
    const receipt = await sender.wait(rec.txs[0]!);
    expect(receipt.status).toBe("success");
    expect(fake.accepted).toHaveLength(1);
    // The next tx takes the next nonce.
    mineEvery(fake);
    const next = recorder();
    await sender.send(CHALLENGE, next);
    expect(next.txs.map((t) => t.nonce)).toEqual([1n]);
  });

  it("NONCE_TOO_LOW on a fresh tx: re-syncs from the chain and signs it again at the next free nonce", async () => {
    const { fake, account, sender } = setup();
    mineEvery(fake);
    await sender.send({ kind: "register" });
    // Another process with the same key takes nonce 1 behind this sender's back (another tx:
    // the same action at the same nonce would be the very same bytes).
    expect(fake.submit(account.sign({ kind: "challenge", tier: TIER_SMALL.id }, 1n).raw).ok).toBe(true);
    await until(() => fake.mempool.length === 0, "the other tx included");
    const rec = recorder();
    const receipt = await sender.send(CHALLENGE, rec);
    expect(receipt).toMatchObject({ status: "success", challengeId: 2n });
    // Signed at 1 (refused: too low), then at 2; each recorded before it was sent.
    expect(rec.txs.map((t) => t.nonce)).toEqual([1n, 2n]);
  });

  it("NONCE_TOO_HIGH: waits for its own lower txs on a node that takes few nonces ahead", async () => {
    const { fake, sender } = setup();
    fake.maxNonceGap = 0;
    const first = sender.send({ kind: "register" });
    await until(() => fake.mempool.length === 1, "the first tx in the pool");
    const rec = recorder();
    const second = sender.send(CHALLENGE, rec);
    await delay(20);
    // Refused while nonce 0 is not included, and not re-signed at another nonce meanwhile.
    expect(fake.mempool).toHaveLength(1);
    mineEvery(fake);
    expect((await first).status).toBe("success");
    expect((await second).status).toBe("success");
    expect(new Set(rec.txs.map((t) => t.nonce))).toEqual(new Set([1n]));
  });

  it("a tx whose nonce went to another tx is dropped (TX_DROPPED, a reset)", async () => {
    const { fake, account, sender } = setup();
    // A tx signed before a restart at nonce 0; meanwhile another tx took nonce 0.
    const signed = account.sign({ kind: "register" }, 0n);
    const mine: SentTx = { kind: "register", nonce: 0n, hash: signed.hash, raw: signed.raw };
    fake.chain.block([account.sign(CHALLENGE, 0n)], { allowRejected: true });
    sender.adopt([mine]);
    const err = await sender.wait(mine).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProverError);
    expect((err as ProverError).code).toBe("TX_DROPPED");
    expect(errorKind(err)).toBe("reset");
    expect((err as Error).message).toMatch(/its nonce went to another tx/);
    expect(sender.pending()).toEqual([]);
  });

  it("adopted txs behind a hole it has nothing for are dropped and the nonce re-synced to the hole", async () => {
    const { fake, account, sender } = setup();
    // A state file naming nonces 3 and 4 on a chain whose next nonce is 0 (it was reset).
    const adopted = [3n, 4n].map((n) => {
      const s = account.sign(CHALLENGE, n);
      return { kind: "challenge" as const, nonce: n, hash: s.hash, raw: s.raw };
    });
    sender.adopt(adopted);
    const errs = await Promise.all(adopted.map((tx) => sender.wait(tx).catch((e: unknown) => e)));
    expect(errs.map((e) => (e as ProverError).code)).toEqual(["TX_DROPPED", "TX_DROPPED"]);
    expect((errs[0] as Error).message).toMatch(/behind nonce 0, which the node has no tx for/);
    // Nothing of theirs was sent; the next tx re-uses nonce 0.
    expect(fake.accepted).toEqual([]);
    mineEvery(fake);
    const rec = recorder();
    await sender.send({ kind: "register" }, rec);
    expect(rec.txs.map((t) => t.nonce)).toEqual([0n]);
  });

  it("resends adopted txs in nonce order at the first wait, so a node that lost its pool is refilled", async () => {
    const { fake, account, sender } = setup();
    const recs = [recorder(), recorder()];
    const stop = new AbortController();
    const sends = [
      sender.send({ kind: "register" }, { ...recs[0], signal: stop.signal }),
      sender.send(CHALLENGE, { ...recs[1], signal: stop.signal }),
    ];
    await until(() => fake.mempool.length === 2, "two txs in the pool");
    // The prover stops (its state file names both txs) and the node restarts, losing its pool.
    stop.abort();
    await Promise.allSettled(sends);
    fake.restartNode();
    const txs = recs.map((r) => r.txs[0]!);
    const restarted = createTxSender(
      { chainId: fake.chain.params.l2ChainId, privateKey: account.privateKey, pollIntervalMs: 1 },
      { chain: fake },
    );
    restarted.adopt(txs);
    mineEvery(fake);
    // Waited for in the reverse order: still resent lowest nonce first.
    const receipts = await Promise.all([restarted.wait(txs[1]!), restarted.wait(txs[0]!)]);
    expect(receipts.map((r) => r.status)).toEqual(["success", "success"]);
    expect(fake.accepted.slice(2).map((t) => t.body.nonce)).toEqual([0n, 1n]);
    expect(fake.accepted.slice(2).map((t) => t.hash)).toEqual(txs.map((t) => t.hash));
  });

  it("waits for a receipt only until its deadline (RECEIPT_TIMEOUT, temporary); the tx stays tracked", async () => {
    const { fake, sender } = setup();
    const rec = recorder();
    const err = await sender.send({ kind: "register" }, { ...rec, timeoutMs: 40 }).catch((e: unknown) => e);
    expect((err as ProverError).code).toBe("RECEIPT_TIMEOUT");
    expect(errorKind(err)).toBe("temporary");
    expect(sender.pending().map((t) => t.hash)).toEqual([rec.txs[0]!.hash]);
    fake.mine();
    expect((await sender.wait(rec.txs[0]!)).status).toBe("success");
    expect(sender.pending()).toEqual([]);
  });

  it("a tx the node refuses for good is TX_REJECTED (a reset) and leaves no nonce behind", async () => {
    const { fake, sender } = setup({ chainId: 1n });
    const err = await sender.send({ kind: "register" }).catch((e: unknown) => e);
    expect((err as ProverError).code).toBe("TX_REJECTED");
    expect((err as Error).message).toMatch(/WRONG_CHAIN_ID/);
    expect(errorKind(err)).toBe("reset");
    expect(sender.pending()).toEqual([]);
    expect(fake.accepted).toEqual([]);
  });
});
