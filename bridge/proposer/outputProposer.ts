/**
 * The output proposer: every `intervalMs` it posts the output root of the newest L2 block its
 * source calls safe to `OutputOracle.proposeOutput`, through the L1 tx manager (op-proposer's
 * shape, with a fixed interval instead of an L2 block cadence).
 *
 * - **Restart-safe**: nothing is remembered here. Each round reads the oracle's
 *   `nextL2BlockNumber` first, so a restarted proposer neither re-posts an output the oracle has
 *   nor skips one; the intent id (`output:<l2 block>:<l1 hash>`) makes a round that re-sends the
 *   same proposal join the journaled one (bridge/txManager) instead of paying twice.
 * - **The L1 block it cites** is the one the output was derived from, when the source knows it
 *   (a verifier's safe head: the L1 block that decided it; a sequencer following L1: the block's
 *   L1 origin); otherwise L1's latest block at posting time (a sequencer without L1 origins, behind
 *   the explicit lag option, docs: bridge/README.md). The oracle checks it against L1's block hash
 *   history, so a proposal made on an L1 fork reverts and the next round tries again.
 * - **Failures** never stop the loop: a refused or reverted proposal is logged and the next round
 *   starts from what the oracle says.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encodeFunctionData, type Hex, type PublicClient } from "viem";
import { bytesToHex } from "../../chain/bytes.ts";
import { ATTESTED_ORACLE_ABI } from "../operators/operatorAbi.ts";
import type { AttestTarget, CollectResult } from "../operators/signatureCollector.ts";
import type { L1Receipt } from "../txManager/txJournal.ts";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";

/** What the source offers: the newest L2 block that may be posted, and where it came from on L1. */
export interface SafeOutput {
  l2BlockNumber: bigint;
  outputRoot: Uint8Array;
  /** The L1 block it was derived from; absent: the proposer cites L1's latest block. */
  l1?: { number: bigint; hash: Uint8Array } | undefined;
}

export interface OutputProposerOpts {
  /** The OutputOracle's address (deployment file). */
  oracle: Hex;
  /** Wait between rounds, ms (devnet: a few L1 block times; op-proposer: minutes). */
  intervalMs: number;
  /**
   * L2 blocks at least between two outputs (op-proposer's submission interval, as a floor: the
   * newest safe block is posted once it is this far past the last output). Default 1: every round
   * that has a new safe block posts it. Each output costs an L1 tx, so a busy chain raises it.
   */
  intervalBlocks?: number;
}

export interface OutputProposerModules {
  client: PublicClient;
  /** The proposer key's tx manager (bridge/txManager): journaled, so a restart posts nothing twice. */
  txManager: {
    send(c: { id: string; to: Hex; data: Hex }, o?: { signal?: AbortSignal }): Promise<L1Receipt>;
  };
  /**
   * An attested oracle (PROTOCOL §6): the operators' signatures for the output, aggregated
   * (bridge/operators/signatureCollector.ts); the output goes to proposeOutputAttested once their
   * stake reaches the quorum, else the round waits for the next one. Absent: proposeOutput.
   */
  attest?: { collect(t: AttestTarget): Promise<CollectResult> };
  /** The newest postable L2 block; undefined: nothing yet. */
  safeOutput(): SafeOutput | undefined | Promise<SafeOutput | undefined>;
  log: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
  };
}

/** What one round did. */
export type ProposeResult =
  | { kind: "idle"; reason: string }
  | { kind: "posted"; l2BlockNumber: bigint; l1BlockNumber: bigint; receipt: L1Receipt }
  | { kind: "failed"; error: string };

export class OutputProposer {
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly intervalBlocks: bigint;

  constructor(
    readonly opts: OutputProposerOpts,
    private readonly m: OutputProposerModules,
  ) {
    if (!Number.isSafeInteger(opts.intervalMs) || opts.intervalMs < 1)
      throw new RangeError(`proposer: intervalMs must be a positive integer, got ${opts.intervalMs}`);
    const blocks = opts.intervalBlocks ?? 1;
    if (!Number.isSafeInteger(blocks) || blocks < 1)
      throw new RangeError(`proposer: intervalBlocks must be a positive integer, got ${blocks}`);
    this.intervalBlocks = BigInt(blocks);
  }

  /** Runs rounds until {@link stop}. */
  start(): void {
    this.loop ??= (async () => {
      const signal = this.stopper.signal;
      while (!signal.aborted) {
        await this.proposeOnce(signal);
        await sleep(this.opts.intervalMs, undefined, { signal }).catch(() => {});
      }
    })();
  }

  /** Stops after the round in flight (a proposal already journaled is still driven by the tx manager). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** One round: read the oracle, post the newest safe output past it. Never throws. */
  async proposeOnce(signal?: AbortSignal): Promise<ProposeResult> {
    try {
      const next = await this.m.client.readContract({
        address: this.opts.oracle,
        abi: ORACLE_ABI,
        functionName: "nextL2BlockNumber",
      });
      // The oracle's next block is the last output + 1 (1 before any): the floor is last + interval.
      const due = next - 1n + this.intervalBlocks;
      const safe = await this.m.safeOutput();
      if (safe === undefined || safe.l2BlockNumber < due) {
        return { kind: "idle", reason: `no safe L2 block at or past ${due} yet` };
      }
      let l1 = safe.l1;
      if (l1 === undefined) {
        const latest = await this.m.client.getBlock({ blockTag: "latest" });
        l1 = { number: latest.number, hash: hexBytes(latest.hash) };
      }
      const l1Hash = bytesToHex(l1.hash);
      let data: Hex;
      if (this.m.attest) {
        const target = {
          l2BlockNumber: safe.l2BlockNumber,
          outputRoot: bytesToHex(safe.outputRoot),
          l1BlockHash: l1Hash,
          l1BlockNumber: l1.number,
        };
        const got = await this.m.attest.collect(target);
        if (got.kind === "short") {
          this.m.log.info(
            {
              l2Block: String(safe.l2BlockNumber),
              signers: got.signers.length,
              signedStake: String(got.signedStake),
              totalStake: String(got.totalStake),
              refused: got.refused.slice(0, 8),
            },
            "operator quorum not reached yet; the next round asks again",
          );
          return {
            kind: "idle",
            reason: `quorum not reached: ${got.signedStake} of ${got.totalStake} stake`,
          };
        }
        data = encodeFunctionData({
          abi: ATTESTED_ORACLE_ABI,
          functionName: "proposeOutputAttested",
          args: [target.outputRoot, target.l2BlockNumber, l1Hash, l1.number, got.attestation],
        });
      } else {
        data = encodeFunctionData({
          abi: ORACLE_ABI,
          functionName: "proposeOutput",
          args: [bytesToHex(safe.outputRoot), safe.l2BlockNumber, l1Hash, l1.number],
        });
      }
      const id = `output:${safe.l2BlockNumber}:${l1Hash.slice(2, 18)}`;
      const receipt = await this.m.txManager.send(
        { id, to: this.opts.oracle, data },
        signal ? { signal } : {},
      );
      if (receipt.status !== "success") {
        this.m.log.warn(
          { l2Block: String(safe.l2BlockNumber), l1Block: String(l1.number), tx: receipt.transactionHash },
          "output proposal reverted (L1 reorg or another proposal first); the next round retries",
        );
        return { kind: "failed", error: `reverted in ${receipt.transactionHash}` };
      }
      this.m.log.info(
        {
          l2Block: String(safe.l2BlockNumber),
          outputRoot: bytesToHex(safe.outputRoot),
          l1Block: String(l1.number),
          tx: receipt.transactionHash,
        },
        "output proposed",
      );
      return { kind: "posted", l2BlockNumber: safe.l2BlockNumber, l1BlockNumber: l1.number, receipt };
    } catch (e) {
      if (signal?.aborted) return { kind: "idle", reason: "stopped" };
      const error = e instanceof Error ? e.message : String(e);
      this.m.log.warn({ err: error.slice(0, 500) }, "output proposal failed; the next round retries");
      return { kind: "failed", error };
    }
  }
}

function hexBytes(h: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(h.slice(2), "hex"));
}
