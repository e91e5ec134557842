/**
 * Which L2 block is safe to prune below (issue 9 item 10): the L2 block of the newest output that
 * is FINAL on L1, read from the OutputOracle. A withdrawal can be proven against any valid output
 * (flops bridge prove takes the newest), and needs the state of that output's L2 block; outputs
 * that are not final yet are all newer than the newest final one (valid outputs have increasing
 * L2 blocks; an invalidation removes a tail after a non-final output, and the next proposal
 * continues from there), so keeping every root from the newest final output's block on keeps
 * every proof that can still be paid.
 *
 * - Read at L1's `finalized` block, with that block's time: an output final there stays final
 *   through any L1 reorg. (Reading `latest` could see a proposal a reorg then takes back.)
 * - `finalizesAt` (posting time + the oracle's immutable window) never decreases with the index,
 *   so the newest final output is found by binary search (log2(count) reads), then walked back
 *   past invalidated ones (at most {@link MAX_INVALIDATED_SCANNED}: more is treated as unknown).
 * - Unknown (L1 unreachable, never read) means pruning waits: {@link pruneKeepFrom} returns
 *   undefined, and a tracker keeps the last answer it read (finality only moves forward).
 * @module
 */
import { setTimeout } from "node:timers/promises";
import type { Hex, PublicClient } from "viem";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";

/** Invalidated outputs walked back over at most (invalidations are rare; each is a fault). */
export const MAX_INVALIDATED_SCANNED = 64;

/** The oracle's reads, all at one L1 block. */
export interface OracleAt {
  outputCount(): Promise<bigint>;
  outputStatus(index: bigint): Promise<{ finalizesAt: bigint; invalidated: boolean }>;
  l2BlockNumber(index: bigint): Promise<bigint>;
}

export interface FinalOutput {
  index: bigint;
  l2BlockNumber: bigint;
}

/**
 * The newest output final at L1 time `l1Time` (seconds): not invalidated and finalizesAt ≤ l1Time
 * (the contract's `block.timestamp ≥ timestamp + challengeWindow`). null: none is final yet.
 * Throws when more than {@link MAX_INVALIDATED_SCANNED} invalidated outputs lie on the way.
 */
export async function newestFinalOutput(oracle: OracleAt, l1Time: bigint): Promise<FinalOutput | null> {
  // Largest i with finalizesAt(i) ≤ l1Time, by binary search over [0, count).
  let lo = 0n;
  let hi = await oracle.outputCount();
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if ((await oracle.outputStatus(mid)).finalizesAt <= l1Time) lo = mid + 1n;
    else hi = mid;
  }
  for (let i = lo - 1n, seen = 0; i >= 0n; i--, seen++) {
    if (seen >= MAX_INVALIDATED_SCANNED)
      throw new Error(`more than ${MAX_INVALIDATED_SCANNED} invalidated outputs before output ${lo - 1n}`);
    if (!(await oracle.outputStatus(i)).invalidated)
      return { index: i, l2BlockNumber: await oracle.l2BlockNumber(i) };
  }
  return null;
}

/**
 * The oldest block whose state must stay provable (ChainStore.pruneState's keepFrom):
 * min(head, newest final output's block) − retention. `final`: that output (null: none final
 * yet, so nothing may be pruned: 0), or undefined when not known (pruning waits); a node with no
 * L1, where no output can exist, passes `"no-outputs"` and keeps head − retention.
 */
export function pruneKeepFrom(
  head: bigint | undefined,
  retention: bigint,
  final: FinalOutput | null | undefined | "no-outputs",
): bigint | undefined {
  if (head === undefined || final === undefined) return undefined;
  if (final === null) return 0n;
  const top = final === "no-outputs" || head < final.l2BlockNumber ? head : final.l2BlockNumber;
  return top > retention ? top - retention : 0n;
}

/** The OutputOracle's reads at L1 block `blockNumber`, through viem. */
export function oracleAt(client: PublicClient, oracle: Hex, blockNumber: bigint): OracleAt {
  return {
    outputCount: () =>
      client.readContract({ address: oracle, abi: ORACLE_ABI, functionName: "outputCount", blockNumber }),
    async outputStatus(index) {
      const [, finalizesAt, invalidated] = await client.readContract({
        address: oracle,
        abi: ORACLE_ABI,
        functionName: "outputStatus",
        args: [index],
        blockNumber,
      });
      return { finalizesAt, invalidated };
    },
    async l2BlockNumber(index) {
      const o = await client.readContract({
        address: oracle,
        abi: ORACLE_ABI,
        functionName: "getOutput",
        args: [index],
        blockNumber,
      });
      return o.l2BlockNumber;
    },
  };
}

/** The newest output final at L1's `finalized` block (null: none, or no oracle there yet). */
export async function readFinalizedOutput(client: PublicClient, oracle: Hex): Promise<FinalOutput | null> {
  const b = await client.getBlock({ blockTag: "finalized" });
  if (b.number === null) throw new Error("L1 answered a finalized block without a number");
  // Right after a deployment L1's finalized block predates the oracle: no output is final there.
  const code = await client.getCode({ address: oracle, blockNumber: b.number });
  if (code === undefined || code === "0x") return null;
  return newestFinalOutput(oracleAt(client, oracle, b.number), b.timestamp);
}

export interface FinalizedOutputTracker {
  /** The last answer read (undefined: none yet, so pruning waits). */
  current(): FinalOutput | null | undefined;
  stop(): Promise<void>;
}

/**
 * Polls `read` every `pollMs`; keeps the last answer through L1 outages (an output final then is
 * final now: the answer only gets more conservative while stale), and reports each failure.
 */
export function trackFinalizedOutput(
  opts: { pollMs: number },
  m: { read: () => Promise<FinalOutput | null>; onError: (e: unknown) => void },
): FinalizedOutputTracker {
  const ac = new AbortController();
  let last: FinalOutput | null | undefined;
  const run = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      try {
        const next = await m.read();
        // Never step back (a lagging L1 node behind a load balancer): keep the newer answer.
        if (last === undefined || last === null || (next !== null && next.index >= last.index)) last = next;
      } catch (e) {
        if (!ac.signal.aborted) m.onError(e);
      }
      await setTimeout(opts.pollMs, undefined, { signal: ac.signal }).catch(() => undefined);
    }
  };
  const done = run();
  return {
    current: () => last,
    stop() {
      ac.abort();
      return done;
    },
  };
}
