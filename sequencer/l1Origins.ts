/**
 * The sequencer follows L1 (PROTOCOL §5 "Sequencer obligations"): each L2 block gets an L1 origin
 * meeting D4, and the first block of each new origin carries that origin's deposits, revokes and
 * forced txs (D6, D7) from chain/derive's `epochInputs`, as derivation will.
 *
 * Block production never waits on L1 (as sequencer/beaconCache.ts for the beacon): a background
 * loop reads the L1 blocks after the current origin, at most `confirmations` behind L1's latest
 * (a shallower reorg cannot touch them), checks they link by parent hash, recovers the senders of
 * their forced txs, and keeps at most `maxAhead` of them. `choose` is synchronous and reads only
 * what is cached:
 *
 * - the next L1 block is the origin as soon as its time has come (origins advance by one at most);
 * - else the current origin stays, while the block's time is within maxSequencerDrift of it;
 * - past that with no newer L1 block known (L1 down or lagging), no block is built: a block past
 *   the drift would be dropped by derivation (D4). Production resumes when L1 answers.
 *
 * Catching up (an origin far behind the clock, after downtime): the block takes the next origin
 * and is stamped at most at that origin's time + drift, so each block advances one L1 block.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { bytesToHex, equalBytes } from "../chain/bytes.ts";
import type { L1BlockRef } from "../chain/derive/attributes.ts";
import { epochInputs } from "../chain/derive/attributes.ts";
import type { L1Origin, SignedTx, SystemTx, VerifiedTx } from "../chain/types.ts";
import { decodeSignedTx } from "../chain/wire/index.ts";
import type { L1View, SenderRecovery } from "./ports.ts";

export interface L1OriginsOpts {
  /** L1 blocks an origin stays behind L1's latest (reorg safety). */
  confirmations: number;
  /** Wait between L1 polls, ms. */
  pollMs: number;
  /** Most L1 blocks read ahead of the origin (bounds memory and L1 reads). */
  maxAhead: number;
  maxSequencerDriftMs: bigint;
  /** Forced txs above this are skipped (D7), as derivation does. */
  maxTxBytes: number;
  /**
   * Tests only: a censoring sequencer, which leaves every forced tx out of its blocks. Derivation
   * includes them anyway (D7), so its blocks are replaced by L1's (bridge/derivation follow mode).
   */
  censorForcedTxs?: boolean;
}

export interface L1OriginsModules {
  view: L1View;
  recovery: SenderRecovery;
  log?: { info(o: object, msg?: string): void; warn(o: object, msg?: string): void };
}

/** A cached L1 block after the origin, with what its first L2 block must carry. */
interface Upcoming {
  ref: L1BlockRef;
  l1SystemTxs: SystemTx[];
  /** Its forced txs that decode and recover a sender, in log order (D7; includability is the build's). */
  forced: VerifiedTx[];
}

export type OriginChoice =
  | {
      ok: true;
      /** The block's time (ms): the clock, or earlier while catching up (never before the parent). */
      timestamp: bigint;
      origin: L1Origin;
      /** The origin's deposits and revokes (its first block only), before the beacon rounds. */
      l1SystemTxs: SystemTx[];
      /** The origin's forced txs (its first block only), before the sequencer's own. */
      forced: VerifiedTx[];
    }
  | { ok: false; reason: string };

export class L1Origins {
  private current: L1Origin;
  private readonly ahead: Upcoming[] = [];
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private warnedReorg = "";
  private failing = false;

  /** `origin`: the head's L1 origin (for the genesis block: the L1 block before the deployment). */
  constructor(
    private readonly opts: L1OriginsOpts,
    private readonly m: L1OriginsModules,
    origin: L1Origin,
  ) {
    this.current = origin;
  }

  /** The head's origin. */
  get origin(): L1Origin {
    return this.current;
  }

  /** L1 blocks known after the origin (how far the sequencer is behind L1, bounded by maxAhead). */
  get behind(): number {
    return this.ahead.length;
  }

  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.refresh();
          if (this.failing) this.m.log?.info({}, "L1 reachable again");
          this.failing = false;
        } catch (e) {
          if (!this.failing) this.m.log?.warn({ err: String(e) }, "L1 read failed; blocks keep their origin");
          this.failing = true;
        }
        await sleep(this.opts.pollMs, undefined, { signal: abort.signal }).catch(() => {});
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * One round of reading L1: drops cached blocks a reorg replaced, then reads the blocks after
   * the last cached one up to latest − confirmations. Throws on an L1 failure (the loop retries).
   */
  async refresh(): Promise<void> {
    const first = this.ahead[0];
    if (first !== undefined) {
      // The next origin must still be canonical when it is chosen: re-check it every round.
      const now = await this.m.view.blockRef(first.ref.number);
      if (now === undefined || !equalBytes(now.hash, first.ref.hash)) this.ahead.length = 0;
    }
    const latest = await this.m.view.blockRef("latest");
    if (latest === undefined) return;
    const target = latest.number - BigInt(this.opts.confirmations);
    while (this.ahead.length < this.opts.maxAhead) {
      const last = this.ahead.at(-1)?.ref ?? this.current;
      const n = last.number + 1n;
      if (n > target) return;
      const got = await this.m.view.blockEvents(n);
      if (got.block.number !== n) throw new Error(`L1 answered block ${got.block.number} for ${n}`);
      if (!equalBytes(got.block.parentHash, last.hash)) {
        if (this.ahead.length > 0) {
          this.ahead.pop(); // a reorg among blocks not used yet: read them again
          continue;
        }
        // The origin itself was reorged out: blocks already built on it cannot be derived.
        const key = bytesToHex(this.current.hash);
        if (this.warnedReorg !== key)
          this.m.log?.warn(
            { origin: String(this.current.number), originHash: key },
            "L1 reorged below the sequencer's origin: its blocks keep the old origin until the drift limit",
          );
        this.warnedReorg = key;
        return;
      }
      if (got.block.timestamp <= last.timestamp)
        throw new Error(`L1 block ${n}'s time does not increase (${got.block.timestamp})`);
      const inputs = epochInputs({ block: got.block, events: got.events });
      const forced: VerifiedTx[] = [];
      for (const f of this.opts.censorForcedTxs === true ? [] : inputs.forcedTxs) {
        const v = await this.verifyForced(f.raw);
        if (v) forced.push(v);
      }
      this.ahead.push({ ref: got.block, l1SystemTxs: inputs.l1SystemTxs, forced });
    }
  }

  /**
   * The origin and time of the next block after `parentTimestamp` at clock `now`, with the L1
   * inputs it must carry. Synchronous: only cached L1 blocks count.
   */
  choose(parentTimestamp: bigint, now: bigint): OriginChoice {
    const drift = this.opts.maxSequencerDriftMs;
    let t = now > parentTimestamp ? now : parentTimestamp + 1n;
    const next = this.ahead[0];
    if (next !== undefined && next.ref.timestamp * 1000n <= t) {
      const end = next.ref.timestamp * 1000n + drift;
      if (t > end) t = end; // catching up: one L1 block per L2 block
      if (t <= parentTimestamp) return { ok: false, reason: "the parent is past the next origin's drift" };
      return {
        ok: true,
        timestamp: t,
        origin: originOf(next.ref),
        l1SystemTxs: next.l1SystemTxs,
        forced: next.forced,
      };
    }
    const cur = this.current;
    // D4: t ≥ origin time (an L1 clock ahead of ours): stamp the block at the origin's time.
    if (t < cur.timestamp * 1000n) t = cur.timestamp * 1000n;
    if (t > cur.timestamp * 1000n + drift)
      return {
        ok: false,
        reason: `no L1 block after origin ${cur.number} known and the clock is past its time + maxSequencerDrift`,
      };
    return { ok: true, timestamp: t, origin: cur, l1SystemTxs: [], forced: [] };
  }

  /** After a block is committed: its origin becomes the current one. */
  committed(origin: L1Origin): void {
    const next = this.ahead[0];
    if (next !== undefined && origin.number === next.ref.number && equalBytes(origin.hash, next.ref.hash)) {
      this.ahead.shift();
      this.current = origin;
    }
  }

  /**
   * The head went back to a block with origin `origin` (a rewind at start, before {@link start}):
   * that origin is current again, and the blocks read ahead of the old one are read again.
   */
  rewind(origin: L1Origin): void {
    if (this.loop) throw new Error("L1Origins.rewind: stop the feed first");
    this.current = origin;
    this.ahead.length = 0;
  }

  /** D7's checks before includability, exactly as executeAttributes makes them. */
  private async verifyForced(raw: Uint8Array): Promise<VerifiedTx | undefined> {
    if (raw.length > this.opts.maxTxBytes) return undefined;
    let tx: SignedTx;
    try {
      tx = decodeSignedTx(raw);
    } catch {
      return undefined;
    }
    const from = await this.m.recovery.recover(tx);
    return from ? { tx, from } : undefined;
  }
}

function originOf(ref: L1BlockRef): L1Origin {
  return { number: ref.number, hash: ref.hash, timestamp: ref.timestamp };
}
