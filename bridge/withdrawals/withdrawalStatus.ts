/**
 * Where a withdrawal stands on L1 (`flops bridge status`, `flops bridge list`), from the Portal and
 * the OutputOracle alone:
 *
 *   waiting-for-output   no valid output covers its L2 block yet
 *   ready-to-prove       a valid output covers it (the newest valid one is what `prove` uses)
 *   waiting-to-finalize  proven against an output that is not final yet: final at `finalizesAt`
 *   ready-to-finalize    proven against a final output (L1's latest block time ≥ finalizesAt)
 *   finalized            paid (the Portal's bit for its index is set)
 *
 * A proof against an output that was invalidated since counts as no proof (the Portal lets it be
 * proven again). Valid outputs have increasing L2 block numbers (an invalidation removes a tail of
 * outputs and the next proposal continues from there), so the newest valid output is the one with
 * the highest block, and if it does not cover the withdrawal none does.
 * @module
 */
import type { Hex, PublicClient } from "viem";
import { bytesToHex } from "../../chain/bytes.ts";
import { withdrawalLeaf } from "../../chain/commitment/withdrawalLeaf.ts";
import type { Withdrawal } from "../../chain/types.ts";
import { ORACLE_ABI, PORTAL_ABI } from "./bridgeAbi.ts";

export const WITHDRAWAL_STATES = [
  "waiting-for-output",
  "ready-to-prove",
  "waiting-to-finalize",
  "ready-to-finalize",
  "finalized",
] as const;
export type WithdrawalState = (typeof WITHDRAWAL_STATES)[number];

/** Outputs read back from the newest when looking for a valid one (invalidations are rare). */
export const MAX_OUTPUTS_SCANNED = 64;

export interface BridgeAddresses {
  portal: Hex;
  oracle: Hex;
}

/** An output as the oracle holds it. */
export interface PostedOutput {
  index: bigint;
  outputRoot: Hex;
  l2BlockNumber: bigint;
  l1BlockNumber: bigint;
  /** L1 seconds at which it becomes final. */
  finalizesAt: bigint;
}

/** What L1 says about one withdrawal. */
export interface WithdrawalFacts {
  finalized: boolean;
  /** Its proof on record, unless none or against an invalidated output. */
  proven?: { outputIndex: bigint; provenAt: bigint; finalizesAt: bigint } | undefined;
  /** The newest valid output covering its L2 block. */
  provable?: PostedOutput | undefined;
  /** L1's latest block time, seconds. */
  l1Time: bigint;
}

export interface WithdrawalStatus {
  state: WithdrawalState;
  /** The output it was proven against (waiting-to-finalize, ready-to-finalize) or would be (ready-to-prove). */
  outputIndex?: bigint;
  /** waiting-to-finalize and ready-to-finalize: L1 seconds at which its output is final. */
  finalizesAt?: bigint;
}

/** The rules above, on facts already read. */
export function withdrawalState(f: WithdrawalFacts): WithdrawalStatus {
  if (f.finalized) return { state: "finalized" };
  if (f.proven !== undefined) {
    const { outputIndex, finalizesAt } = f.proven;
    const state = f.l1Time >= finalizesAt ? "ready-to-finalize" : "waiting-to-finalize";
    return { state, outputIndex, finalizesAt };
  }
  if (f.provable !== undefined) return { state: "ready-to-prove", outputIndex: f.provable.index };
  return { state: "waiting-for-output" };
}

/** The newest valid output at or past `l2BlockNumber`, if any. */
export async function findProvableOutput(
  client: PublicClient,
  oracle: Hex,
  l2BlockNumber: bigint,
): Promise<PostedOutput | undefined> {
  const count = await client.readContract({ address: oracle, abi: ORACLE_ABI, functionName: "outputCount" });
  const stop = count > BigInt(MAX_OUTPUTS_SCANNED) ? count - BigInt(MAX_OUTPUTS_SCANNED) : 0n;
  for (let i = count - 1n; i >= stop; i--) {
    const [outputRoot, finalizesAt, invalidated] = await client.readContract({
      address: oracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [i],
    });
    if (invalidated) continue;
    const o = await client.readContract({
      address: oracle,
      abi: ORACLE_ABI,
      functionName: "getOutput",
      args: [i],
    });
    if (o.l2BlockNumber < l2BlockNumber) return undefined;
    return {
      index: i,
      outputRoot,
      l2BlockNumber: o.l2BlockNumber,
      l1BlockNumber: o.l1BlockNumber,
      finalizesAt,
    };
  }
  return undefined;
}

/** Reads the facts of one withdrawal and decides its state. */
export async function readWithdrawalStatus(
  client: PublicClient,
  c: BridgeAddresses,
  w: Withdrawal,
): Promise<WithdrawalStatus & { facts: WithdrawalFacts }> {
  const [finalized, [outputIndex, provenAt], latest] = await Promise.all([
    client.readContract({
      address: c.portal,
      abi: PORTAL_ABI,
      functionName: "isWithdrawalFinalized",
      args: [w.index],
    }),
    client.readContract({
      address: c.portal,
      abi: PORTAL_ABI,
      functionName: "provenWithdrawals",
      args: [bytesToHex(withdrawalLeaf(w))],
    }),
    client.getBlock({ blockTag: "latest" }),
  ]);
  const facts: WithdrawalFacts = { finalized, l1Time: latest.timestamp };
  if (!finalized && provenAt !== 0n) {
    const [, finalizesAt, invalidated] = await client.readContract({
      address: c.oracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [outputIndex],
    });
    if (!invalidated) facts.proven = { outputIndex, provenAt, finalizesAt };
  }
  if (!finalized && facts.proven === undefined) {
    facts.provable = await findProvableOutput(client, c.oracle, w.l2BlockNumber);
  }
  return { ...withdrawalState(facts), facts };
}

/** The L1 txs that proved and paid withdrawals (the latest proof of each), from the Portal's logs. */
export async function withdrawalL1Txs(
  client: PublicClient,
  portal: Hex,
  fromBlock: bigint,
  index?: bigint,
): Promise<Map<bigint, { proveTx?: Hex; finalizeTx?: Hex }>> {
  const args = index === undefined ? {} : { index };
  const [proven, finalized] = await Promise.all([
    client.getContractEvents({
      address: portal,
      abi: PORTAL_ABI,
      eventName: "WithdrawalProven",
      args,
      fromBlock,
    }),
    client.getContractEvents({
      address: portal,
      abi: PORTAL_ABI,
      eventName: "WithdrawalFinalized",
      args,
      fromBlock,
    }),
  ]);
  const out = new Map<bigint, { proveTx?: Hex; finalizeTx?: Hex }>();
  const entry = (i: bigint) => {
    const known = out.get(i);
    if (known !== undefined) return known;
    const e: { proveTx?: Hex; finalizeTx?: Hex } = {};
    out.set(i, e);
    return e;
  };
  for (const log of proven)
    if (log.args.index !== undefined) entry(log.args.index).proveTx = log.transactionHash;
  for (const log of finalized)
    if (log.args.index !== undefined) entry(log.args.index).finalizeTx = log.transactionHash;
  return out;
}
