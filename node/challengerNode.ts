/**
 * The challenger's wiring (`flops challenger`, bridge/challenger/challenger.ts): a verifier's own
 * derivation as the reference (its store and driver), its own L1 tx manager (journal
 * `<datadir>/challenger-txs`), the deployment's OutputOracle and FraudProofs, and the operators'
 * nodes it asks for record proofs. One round every `pollMs`; a failing round is logged and the
 * next one starts over from what L1 says.
 * @module
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LocalAccount, PublicClient } from "viem";
import { createChallengeProofReader } from "../bridge/challenger/challengeProofReader.ts";
import { Challenger, type OwnChain, type SeenReveal } from "../bridge/challenger/challenger.ts";
import { httpOutputSignatures, httpSignerProofs } from "../bridge/challenger/signerProofs.ts";
import type { L1Deployment } from "../bridge/deployment.ts";
import type { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { createL1TxManager } from "../bridge/txManager/l1TxManager.ts";
import { createWithdrawalReader } from "../bridge/withdrawals/withdrawalReader.ts";
import { RollupError } from "../chain/errors.ts";
import type { ChainParams } from "../chain/params.ts";
import type { ChainStore } from "../store/chainStore.ts";
import { type Logger, moduleLogger } from "./logger.ts";

export interface ChallengerNodeOpts {
  /** The challenger's L1 key: pays for proofs and demand bonds, receives the challenger's share. */
  account: LocalAccount;
  /** The operators' nodes (`flops node --mode operator`) asked for the attested state's records. */
  operatorRpcUrls: readonly string[];
  /** Between rounds, ms; default the L1 block time. */
  pollMs?: number;
}

/** Blocks one candidate scan reads at most (a production TTL of days is more than that). */
export const MAX_REVEAL_SCAN_BLOCKS = 100_000;

/**
 * The reveals of the blocks up to `to` no older than `ttlMs` before it (their records may still be
 * in its state), newest first, with their receipts' outcome.
 */
export function storeReveals(store: Pick<ChainStore, "getBlock">, ttlMs: bigint): OwnChain["reveals"] {
  return (to, max) => {
    const out: SeenReveal[] = [];
    const top = store.getBlock(to);
    if (top === undefined) return out;
    const cutoff = top.block.header.timestamp - ttlMs;
    for (let n = to, read = 0; n > 0n && read < MAX_REVEAL_SCAN_BLOCKS && out.length < max; n--, read++) {
      const b = store.getBlock(n);
      if (b === undefined || b.block.header.timestamp < cutoff) break;
      const nSys = b.block.systemTxs.length;
      b.block.txs.forEach((tx, i) => {
        const a = tx.body.action;
        if (a.kind !== "reveal" || out.length >= max) return;
        out.push({
          challengeId: a.challengeId,
          tiles: a.tiles,
          proof: a.proof,
          failed: b.receipts[nSys + i]?.status !== "success",
        });
      });
    }
    return out;
  };
}

export async function startChallenger(
  o: ChallengerNodeOpts & { deployment: L1Deployment; datadir: string; params: ChainParams },
  m: { client: PublicClient; store: ChainStore; driver: DerivationDriver; log: Logger },
): Promise<{ challenger: Challenger; stop(): Promise<void> }> {
  const d = o.deployment;
  if (d.fraudProofs === undefined)
    throw new RollupError(
      "BAD_CONFIG",
      "the challenger needs a deployment file with a fraudProofs entry (flops l1 deploy --operators)",
    );
  const log = moduleLogger(m.log, "challenger");
  const txManager = await createL1TxManager(
    { journalDir: join(o.datadir, "challenger-txs"), chainId: d.l1ChainId, numConfirmations: 1 },
    { client: m.client, account: o.account, log },
  );
  const withdrawals = createWithdrawalReader(m.store);
  const proofs = createChallengeProofReader(m.store);
  const challenger = new Challenger(
    {
      oracle: d.contracts.OutputOracle,
      fraudProofs: d.fraudProofs,
      fromBlock: BigInt(d.deployBlock),
      l2ChainId: o.params.l2ChainId,
      tiers: o.params.tiers,
      ...(d.operatorRegistry
        ? { equivocation: { l1ChainId: BigInt(d.l1ChainId), registry: d.operatorRegistry } }
        : {}),
    },
    {
      client: m.client,
      txManager,
      own: {
        finalizedL2: () => (m.driver.initialised ? m.driver.status().finalizedL2.header.number : undefined),
        outputAt: (n) => withdrawals.outputAt(n),
        challengeProof: (id, n) => proofs.proof(id, n),
        reveals: storeReveals(m.store, o.params.recordTtlMs),
      },
      signers: httpSignerProofs(o.operatorRpcUrls),
      signatures: httpOutputSignatures(o.operatorRpcUrls),
      log,
    },
  );
  const pollMs = o.pollMs ?? Number(o.params.l1BlockTimeMs);
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await challenger.tick();
      } catch (e) {
        log.warn({ err: (e as Error).message }, "challenger: round failed; the next one starts over");
      }
      await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => {});
    }
  })();
  log.info(
    { address: o.account.address, operators: o.operatorRpcUrls.length, fraudProofs: d.fraudProofs },
    "challenger started: watching every output",
  );
  return {
    challenger,
    async stop() {
      stop.abort();
      await loop;
      await txManager.close();
    },
  };
}
