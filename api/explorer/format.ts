/**
 * Port values (bigint, Uint8Array, ms) to the REST API's JSON (Blockscout `/api/v2` style):
 * 0x-hex for bytes, decimal strings for integers that can pass 2^53, ISO 8601 UTC for times,
 * `{hash}` objects for addresses. Pure functions; api/explorer/schemas.ts has the shapes.
 * @module
 */
import { bytesToHex } from "../../chain/bytes.ts";
import type { Address } from "../../chain/types.ts";
import type * as P from "./ports.ts";

let lastMs: bigint | undefined;
let lastIso = "";

/** ms since the Unix epoch -> ISO 8601 UTC. */
export function iso(ms: bigint): string {
  // The rows of a page mostly share a block's time: one Date for the run of them.
  if (ms !== lastMs) {
    lastIso = new Date(Number(ms)).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

const addr = (a: Address | undefined) => (a === undefined ? null : { hash: bytesToHex(a) });
const dec = (v: bigint | undefined) => (v === undefined ? null : v.toString());

export function formatRef(r: P.BlockRef, l1 = false) {
  return {
    height: r.number.toString(),
    hash: bytesToHex(r.hash),
    timestamp: iso(l1 ? r.timestamp * 1000n : r.timestamp),
  };
}

export function formatHeads(h: P.Heads) {
  return { unsafe: formatRef(h.unsafe), safe: formatRef(h.safe), finalized: formatRef(h.finalized) };
}

export function formatBlock(b: P.BlockSummary) {
  return {
    height: b.number.toString(),
    hash: bytesToHex(b.hash),
    parent_hash: bytesToHex(b.parentHash),
    timestamp: iso(b.timestamp),
    transactions_count: b.txCount,
    signed_transactions_count: b.signedTxCount,
    size: b.size,
    l1_origin: {
      number: b.l1Origin.number.toString(),
      hash: bytesToHex(b.l1Origin.hash),
      timestamp: iso(b.l1Origin.timestamp * 1000n),
    },
  };
}

export function formatBlockDetail(b: P.BlockDetail) {
  return {
    ...formatBlock(b),
    state_root: bytesToHex(b.stateRoot),
    withdrawals_root: bytesToHex(b.withdrawalsRoot),
    transactions_root: bytesToHex(b.txRoot),
    receipts_root: bytesToHex(b.receiptsRoot),
    finality: b.finality,
  };
}

export function formatTx(t: P.TxSummary) {
  return {
    hash: bytesToHex(t.hash),
    block_number: t.blockNumber.toString(),
    position: t.index,
    timestamp: iso(t.timestamp),
    type: t.kind,
    from: addr(t.from),
    to: addr(t.to),
    value: dec(t.amount),
    challenge_id: dec(t.challengeId),
    status: t.status === "success" ? ("ok" as const) : ("error" as const),
    result: t.status === "success" ? "success" : (t.error ?? "failed"),
    credits: dec(t.credits),
    fee: null,
  };
}

/** A decoded action or system tx as flat fields: bytes as hex (large ones by size), integers as decimal. */
function decodedFields(d: P.TxDetail["decoded"]): Record<string, string | number> {
  const src = (d.type === "signed" ? d.action : d.tx) as unknown as Record<string, unknown>;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(src)) {
    if (typeof v === "bigint") out[k] = v.toString();
    else if (v instanceof Uint8Array) {
      // Tiles and proofs run to kilobytes: the page shows their size, not their bytes.
      if (v.length > 64) out[`${k}_bytes`] = v.length;
      else out[k] = bytesToHex(v);
    } else if (typeof v === "string" || typeof v === "number") out[k] = v;
  }
  return out;
}

export function formatTxDetail(t: P.TxDetail) {
  return {
    ...formatTx(t),
    block_hash: bytesToHex(t.blockHash),
    finality: t.finality,
    size: t.size,
    nonce: t.decoded.type === "signed" ? t.decoded.nonce.toString() : null,
    decoded_input: decodedFields(t.decoded),
  };
}

export function formatAddress(a: P.AddressSummary, cap: number) {
  return {
    hash: bytesToHex(a.address),
    coin_balance: a.credits.toString(),
    nonce: a.nonce.toString(),
    transactions_count: a.txCount.toString(),
    transactions_count_capped: a.txCount >= BigInt(cap),
    is_node: a.isNode,
  };
}

export function formatNode(n: P.NodeSummary) {
  return {
    hash: bytesToHex(n.address),
    credits: n.credits.toString(),
    multiplier_bps: n.multiplierBps.toString(),
    streak: n.streak,
    registered_block_number: n.registeredAt.toString(),
    passed: n.passed,
    failed: n.failed,
    expired: n.expired,
    cancelled: n.cancelled,
    open_challenges: n.openChallenges,
    total_work: n.totalWork.toString(),
    total_credits: n.totalCredits.toString(),
    proven_throughput: n.provenThroughput.toString(),
  };
}

export function formatNodeDetail(n: P.NodeDetail) {
  return {
    ...formatNode(n),
    history: n.history.map((e) => ({
      epoch: e.epoch.toString(),
      starts_at: iso(e.startsAt),
      work: e.work.toString(),
      credits: e.credits.toString(),
      passes: e.passes,
      fails: e.fails,
      multiplier_bps: dec(e.multiplierBps),
    })),
  };
}

export function formatChallenge(c: P.ChallengeSummary) {
  return {
    id: c.id.toString(),
    node: { hash: bytesToHex(c.node) },
    tier: c.tier,
    status: c.status,
    requested_at: iso(c.requestedAt),
    deadline: iso(c.deadline),
    credits: dec(c.credits),
  };
}

export function formatChallengeDetail(c: P.ChallengeDetail) {
  return {
    ...formatChallenge(c),
    r1: c.r1.toString(),
    r2: dec(c.r2),
    root: c.root === undefined ? null : bytesToHex(c.root),
    timeline: c.timeline.map((e) => ({
      kind: e.kind,
      timestamp: iso(e.time),
      block_number: dec(e.blockNumber),
      transaction_hash: e.txHash === undefined ? null : bytesToHex(e.txHash),
      round: dec(e.round),
      round_timestamp: e.roundTime === undefined ? null : iso(e.roundTime),
    })),
  };
}

export function formatBatch(b: P.BatchSummary) {
  return {
    number: b.index.toString(),
    l1_block_number: b.l1BlockNumber.toString(),
    l1_transaction_hash: b.l1TxHash === undefined ? null : bytesToHex(b.l1TxHash),
    l2_block_start: b.firstBlock.toString(),
    l2_block_end: b.lastBlock.toString(),
    size: b.bytes,
    frames: b.frames,
  };
}

export function formatWithdrawal(w: P.WithdrawalSummary) {
  return {
    index: w.index.toString(),
    from: { hash: bytesToHex(w.from) },
    to: { hash: bytesToHex(w.to) },
    value: w.amount.toString(),
    l2_block_number: w.l2BlockNumber.toString(),
    l2_timestamp: iso(w.timestamp),
    l2_transaction_hash: bytesToHex(w.txHash),
    status: w.status ?? null,
    next_action: w.nextAction ?? null,
    eta: w.etaSec === undefined ? null : iso(w.etaSec * 1000n),
    l1_prove_transaction_hash: w.l1ProveTxHash === undefined ? null : bytesToHex(w.l1ProveTxHash),
    l1_finalize_transaction_hash: w.l1FinalizeTxHash === undefined ? null : bytesToHex(w.l1FinalizeTxHash),
  };
}

export function formatDeposit(d: P.DepositSummary) {
  return {
    deposit_id: d.depositId.toString(),
    to: { hash: bytesToHex(d.to) },
    value: d.amount.toString(),
    l1_block_number: d.l1BlockNumber.toString(),
    l2_block_number: d.l2BlockNumber.toString(),
    l2_timestamp: iso(d.timestamp),
    l2_transaction_hash: bytesToHex(d.txHash),
  };
}

export function formatOperator(o: P.OperatorSummary) {
  return {
    hash: bytesToHex(o.address),
    stake: o.stake.toString(),
    slashable_stake: o.slashableStake.toString(),
    key_hash: o.keyHash === undefined ? null : bytesToHex(o.keyHash),
    registered_l1_block_number: o.registeredL1Block === undefined ? null : o.registeredL1Block.toString(),
    attestations: o.attestations,
    missed_attestations: o.missed,
    slashings: o.slashings,
    last_slashing:
      o.lastSlashing === undefined
        ? null
        : { l1_block_number: o.lastSlashing.l1Block.toString(), wads: o.lastSlashing.wads.map(String) },
  };
}

export function formatStats(s: P.Stats) {
  return {
    heads: formatHeads(s.heads),
    total_blocks: s.totalBlocks.toString(),
    total_transactions: s.totalTxs.toString(),
    total_nodes: s.totalNodes.toString(),
    total_challenges: s.totalChallenges.toString(),
    credits_minted: s.creditsMinted.toString(),
    credits_burned: s.creditsBurned.toString(),
    average_block_time: Number(s.averageBlockTime),
    epoch_ms: s.epochMs.toString(),
  };
}

export function formatChart(c: P.ChartSeries) {
  return {
    name: c.name,
    x_unit: c.xUnit,
    y_unit: c.yUnit,
    chart_data: c.points.map((p) => ({ x: p.x.toString(), y: p.y.toString() })),
  };
}
