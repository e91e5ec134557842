/**
 * Withdrawals' L1 status for the explorer (the `withdrawalStatus` hook of node/explorerReads.ts):
 * the same reads and rules as `flops bridge status` (bridge/withdrawals/withdrawalStatus.ts), made
 * safe to run for every row of a page that anyone on the network may ask for:
 *
 * - a per-withdrawal cache with a short TTL (an answer, or a failure, is reused for `ttlMs`), so
 *   reloading a page makes no L1 calls, and one withdrawal's reads are in flight once at most;
 * - at most `concurrency` withdrawals read L1 at a time (a page of 100 is not 500 parallel calls);
 * - each row waits `timeoutMs` at most: an L1 that is down or slow answers the row without a
 *   status (the page never fails on L1), and the read that goes on fills the cache for the next.
 * @module
 */
import type { Hex, PublicClient } from "viem";
import type { WithdrawalStatusName, WithdrawalSummary } from "../api/explorer/ports.ts";
import {
  type BridgeAddresses,
  readWithdrawalStatus,
  type WithdrawalStatus,
  withdrawalL1Txs,
} from "../bridge/withdrawals/withdrawalStatus.ts";
import { hexToBytes } from "../chain/bytes.ts";
import type { WithdrawalRecord } from "../indexer/records.ts";

export type WithdrawalL1Fields = Partial<
  Pick<WithdrawalSummary, "status" | "nextAction" | "etaSec" | "l1ProveTxHash" | "l1FinalizeTxHash">
>;

/** One withdrawal's L1 facts: its status, and the L1 txs that proved and paid it (when known). */
export type WithdrawalL1Read = (
  w: WithdrawalRecord,
) => Promise<{ status: WithdrawalStatus; proveTx?: Hex | undefined; finalizeTx?: Hex | undefined }>;

export interface WithdrawalL1StatusOpts {
  ttlMs: number;
  timeoutMs: number;
  concurrency: number;
  /** Withdrawals cached at most (the oldest entry goes first). */
  maxEntries: number;
}

export const DEFAULT_WITHDRAWAL_L1_STATUS_OPTS: WithdrawalL1StatusOpts = {
  ttlMs: 5_000,
  timeoutMs: 2_000,
  concurrency: 8,
  maxEntries: 4_096,
};

const NEXT_ACTION: Record<WithdrawalStatusName, string | undefined> = {
  "waiting-for-output": "wait for an output",
  "ready-to-prove": "prove",
  "waiting-to-finalize": "wait, then finalize",
  "ready-to-finalize": "finalize",
  finalized: undefined,
};

/** The reads over a real L1: the bridge's status, and the Portal's logs once it is proven. */
export function l1WithdrawalRead(
  client: PublicClient,
  c: BridgeAddresses,
  fromBlock: bigint,
): WithdrawalL1Read {
  return async (w) => {
    const status = await readWithdrawalStatus(client, c, w);
    if (status.state === "waiting-for-output" || status.state === "ready-to-prove") return { status };
    const txs = (await withdrawalL1Txs(client, c.portal, fromBlock, w.index)).get(w.index);
    return { status, proveTx: txs?.proveTx, finalizeTx: txs?.finalizeTx };
  };
}

function fieldsOf(r: Awaited<ReturnType<WithdrawalL1Read>>): WithdrawalL1Fields {
  const out: WithdrawalL1Fields = { status: r.status.state };
  const next = NEXT_ACTION[r.status.state];
  if (next !== undefined) out.nextAction = next;
  if (r.status.state === "waiting-to-finalize" && r.status.finalizesAt !== undefined)
    out.etaSec = r.status.finalizesAt;
  if (r.proveTx !== undefined) out.l1ProveTxHash = hexToBytes(r.proveTx);
  if (r.finalizeTx !== undefined) out.l1FinalizeTxHash = hexToBytes(r.finalizeTx);
  return out;
}

export function createWithdrawalL1Status(
  read: WithdrawalL1Read,
  opts: WithdrawalL1StatusOpts = DEFAULT_WITHDRAWAL_L1_STATUS_OPTS,
  now: () => number = Date.now,
): (w: WithdrawalRecord) => Promise<WithdrawalL1Fields> {
  const cache = new Map<bigint, { at: number; value: Promise<WithdrawalL1Fields> }>();
  let active = 0;
  const waiting: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    while (active >= opts.concurrency) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  const fetch = async (w: WithdrawalRecord): Promise<WithdrawalL1Fields> => {
    await slot();
    try {
      return fieldsOf(await read(w));
    } catch {
      // L1 down or answering nonsense: no status for the TTL, not an error page.
      return {};
    } finally {
      release();
    }
  };
  return async (w) => {
    const t = now();
    let e = cache.get(w.index);
    if (e === undefined || t - e.at >= opts.ttlMs) {
      e = { at: t, value: fetch(w) };
      cache.delete(w.index);
      cache.set(w.index, e);
      if (cache.size > opts.maxEntries) cache.delete(cache.keys().next().value!);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<WithdrawalL1Fields>((r) => {
      timer = setTimeout(() => r({}), opts.timeoutMs);
    });
    try {
      return await Promise.race([e.value, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
