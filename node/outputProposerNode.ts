/**
 * The output proposer's wiring (bridge/proposer): its own L1 tx manager (journal
 * `<datadir>/proposer-txs`, one per key), the OutputOracle of the deployment, and the source of
 * safe outputs the caller passes: a verifier's derived head (node/verifierNode.ts,
 * `derivedSafeOutput`: only what L1 data alone reproduces), or a sequencer's own head `lagBlocks`
 * behind (an explicit trust choice, made by passing `opts.proposer` to createNode: `flops devnet`
 * and `flops node --proposer.keystore` do).
 * @module
 */
import { join } from "node:path";
import type { LocalAccount, PublicClient } from "viem";
import type { L1Deployment } from "../bridge/deployment.ts";
import { SignatureCollector } from "../bridge/operators/signatureCollector.ts";
import { OutputProposer, type SafeOutput } from "../bridge/proposer/outputProposer.ts";
import { createL1TxManager } from "../bridge/txManager/l1TxManager.ts";
import type { ChainParams } from "../chain/params.ts";
import { type Logger, moduleLogger } from "./logger.ts";

/** What every proposer takes: its key and its pace. */
export interface ProposerPace {
  /** The proposer's L1 key (the OutputOracle's PROPOSER_ROLE). */
  account: LocalAccount;
  /** Between rounds, ms; 0: four L1 block times (a few embedded-L1 blocks on the devnet). */
  intervalMs: number;
  /** L2 blocks at least between two outputs (bridge/proposer/outputProposer.ts). Default 1. */
  intervalBlocks?: number;
  /** L1 blocks deep a proposal must be to count (the tx manager's numConfirmations). Default 2. */
  numConfirmations?: number;
  /**
   * An attested OutputOracle (PROTOCOL §6): ask these operator nodes (`flops node --mode operator`)
   * for their signatures and post with proposeOutputAttested once their stake reaches the quorum
   * (bridge/operators/signatureCollector.ts). Operators sign only what they derived from finalized
   * L1 data, so the source must offer a finalized derived head (createNode does when this is set).
   */
  attest?: { operatorRpcUrls: readonly string[]; timeoutMs?: number };
}

/** A sequencer's proposer (createNode `opts.proposer`). */
export interface ProposerNodeOpts extends ProposerPace {
  /**
   * Post the sequencer's own head this many blocks behind. Outputs are then what the sequencer
   * built, not what L1 data derives: acceptable until a verifier runs beside it.
   */
  lagBlocks: number;
}

/** Starts the proposer; the returned `stop` ends its rounds and releases its journal. */
export async function startOutputProposer(
  o: ProposerPace & {
    deployment: L1Deployment;
    datadir: string;
    params: ChainParams;
    /** For the start line: a sequencer's lag, or a verifier's derived head. */
    lagBlocks?: number;
    head?: string;
  },
  m: { client: PublicClient; safeOutput: () => SafeOutput | undefined; log: Logger },
): Promise<{ proposer: OutputProposer; stop(): Promise<void> }> {
  const log = moduleLogger(m.log, "proposer");
  const txManager = await createL1TxManager(
    {
      journalDir: join(o.datadir, "proposer-txs"),
      chainId: o.deployment.l1ChainId,
      numConfirmations: o.numConfirmations ?? 2,
    },
    { client: m.client, account: o.account, log },
  );
  const intervalMs = o.intervalMs > 0 ? o.intervalMs : Number(defaultProposalIntervalMs(o.params));
  const proposer = new OutputProposer(
    {
      oracle: o.deployment.contracts.OutputOracle,
      intervalMs,
      ...(o.intervalBlocks === undefined ? {} : { intervalBlocks: o.intervalBlocks }),
    },
    {
      client: m.client,
      txManager,
      safeOutput: m.safeOutput,
      log,
      ...(o.attest
        ? {
            attest: new SignatureCollector(
              {
                oracle: o.deployment.contracts.OutputOracle,
                l1ChainId: BigInt(o.deployment.l1ChainId),
                operatorRpcUrls: o.attest.operatorRpcUrls,
                ...(o.attest.timeoutMs === undefined ? {} : { timeoutMs: o.attest.timeoutMs }),
              },
              m.client,
            ),
          }
        : {}),
    },
  );
  proposer.start();
  log.info(
    {
      address: o.account.address,
      intervalMs,
      intervalBlocks: o.intervalBlocks ?? 1,
      ...(o.lagBlocks === undefined ? {} : { lagBlocks: o.lagBlocks }),
      ...(o.head === undefined ? {} : { head: o.head }),
      ...(o.attest ? { attestedBy: o.attest.operatorRpcUrls.length } : {}),
    },
    "output proposer started",
  );
  return {
    proposer,
    async stop() {
      await proposer.stop();
      await txManager.close();
    },
  };
}

/** The proposer's interval when none is set: four L1 blocks. */
export function defaultProposalIntervalMs(p: Pick<ChainParams, "l1BlockTimeMs">): bigint {
  return 4n * p.l1BlockTimeMs;
}
