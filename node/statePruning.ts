/**
 * `--prune` wiring (issue 9 item 10): the SMT sweep (store/smtPruner.ts) behind a keep point of
 * min(head, the newest FINAL output's L2 block) − retention (bridge/proposer/finalizedOutput.ts),
 * so no root a withdrawal proof against a non-final output needs is ever pruned. The finalized
 * output is read from the deployment's OutputOracle at L1's finalized block: through the
 * sequencer's L1 client, or a verifier's (the one its derivation reads). Until the first answer,
 * and on through an L1 outage beyond the last one, pruning does not advance: it never guesses.
 * A node without an L1 has no outputs: its keep point is head − retention.
 * @module
 */
import type { Hex, PublicClient } from "viem";
import {
  type FinalizedOutputTracker,
  pruneKeepFrom,
  readFinalizedOutput,
  trackFinalizedOutput,
} from "../bridge/proposer/finalizedOutput.ts";
import type { ChainParams } from "../chain/params.ts";
import type { ChainStore } from "../store/chainStore.ts";
import { type SmtPruneTarget, startPruneLoop } from "../store/smtPruner.ts";
import { type Logger, moduleLogger } from "./logger.ts";

export interface StatePruningOpts {
  retention: number;
  /** Pause of the sweep once caught up, ms. */
  idleMs: number;
  /** The L1 whose OutputOracle says which output is final; absent: a node with no L1. */
  l1?: { client: PublicClient; oracle: Hex; pollMs: number } | undefined;
}

/** How often the finalized output is read: once an L1 block, within [250 ms, 12 s]. */
export function finalityPollMs(params: Pick<ChainParams, "l1BlockTimeMs">): number {
  return Math.min(12_000, Math.max(250, Number(params.l1BlockTimeMs)));
}

/** Starts pruning; the returned function stops the sweep (after its batch in flight) and the L1 reads. */
export function startStatePruning(
  o: StatePruningOpts,
  m: { store: Pick<ChainStore, "head"> & SmtPruneTarget; log: Logger },
): () => Promise<void> {
  const log = moduleLogger(m.log, "store");
  const retention = BigInt(o.retention);
  let tracker: FinalizedOutputTracker | undefined;
  if (o.l1 !== undefined) {
    const { client, oracle, pollMs } = o.l1;
    tracker = trackFinalizedOutput(
      { pollMs },
      {
        read: () => readFinalizedOutput(client, oracle),
        onError: (err) => log.warn({ err }, "cannot read the finalized output from L1; pruning waits"),
      },
    );
  }
  const loop = startPruneLoop(
    {
      keepFrom: () =>
        pruneKeepFrom(m.store.head()?.header.number, retention, tracker ? tracker.current() : "no-outputs"),
      idleMs: o.idleMs,
    },
    { target: m.store, onError: (err) => log.warn({ err }, "state pruning failed; retrying") },
  );
  log.info(
    { retention: o.retention, keepPoint: tracker ? "finalized output" : "head (no L1)" },
    "state pruning on",
  );
  return async () => {
    await loop.stop();
    await tracker?.stop();
  };
}
