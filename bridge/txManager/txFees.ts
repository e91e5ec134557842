/**
 * Gas and EIP-1559 fee arithmetic of the L1 tx manager (pure: no I/O).
 *
 * - Fresh fees: tip = max(suggested tip, minTipCap); fee cap = tip + 2 × max(base fee, minBaseFee),
 *   so the tx stays includable through ~6 blocks of +12.5% base-fee growth (op-service txmgr rule).
 * - Bumped fees for a replacement: each field at least `old × (100 + bumpPercent) / 100 + 1`.
 *   geth and reth refuse a replacement unless BOTH tip and fee cap rise by ≥ 10%, and reth has
 *   refused a bump of exactly 10% after rounding (reth#13160), hence the strict +1. The bump starts
 *   from the previous attempt's fees, never from a fresh estimate alone (rollup-design.md F2).
 * - Gas limit: the node's estimate plus a margin, never below the EIP-7623 calldata floor (Prague):
 *   21,000 + 10 × tokens, tokens = zero bytes + 4 × non-zero bytes. A tx whose limit is under
 *   the floor is invalid, and a batch tx is mostly calldata, so the floor is usually what it pays.
 * @module
 */

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface FeePolicy {
  /** Floor of the priority fee (wei); op-batcher's default is 1 gwei. */
  minTipCap: bigint;
  /** Floor of the base fee used in the fee cap (wei). */
  minBaseFee: bigint;
  /** Hard ceiling of `maxFeePerGas` (wei): nothing above it is ever signed. */
  maxFeePerGasCap: bigint;
  /** Replacement bump in percent, ≥ 10 (geth's and reth's rule for non-blob txs). */
  bumpPercent: number;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Fees for a first attempt at the given L1 base fee and suggested tip, or null if above the cap. */
export function freshFees(baseFee: bigint, suggestedTip: bigint, p: FeePolicy): Fees | null {
  // A node may suggest any tip; more than the cap could never be paid, so it is clamped, not trusted.
  const tip = min(max(suggestedTip, p.minTipCap), p.maxFeePerGasCap);
  const base = max(baseFee, p.minBaseFee);
  // Includable now needs base + tip; the doubled headroom is only a wish, so it yields to the cap.
  if (base + tip > p.maxFeePerGasCap) return null;
  return { maxPriorityFeePerGas: tip, maxFeePerGas: min(tip + 2n * base, p.maxFeePerGasCap) };
}

/** The least value a replacement may carry for a field that was `old`: strictly above +bump%. */
export function bumpThreshold(old: bigint, bumpPercent: number): bigint {
  return (old * BigInt(100 + bumpPercent)) / 100n + 1n;
}

/**
 * Fees for a replacement of `prev`: the bump threshold of each field, or the fresh fees where
 * higher. Null when the bumped fee cap would pass the cap: then the pending attempt stays as it is.
 */
export function bumpFees(prev: Fees, fresh: Fees | null, p: FeePolicy): Fees | null {
  let tip = bumpThreshold(prev.maxPriorityFeePerGas, p.bumpPercent);
  let feeCap = bumpThreshold(prev.maxFeePerGas, p.bumpPercent);
  if (fresh) {
    tip = max(tip, fresh.maxPriorityFeePerGas);
    feeCap = max(feeCap, fresh.maxFeePerGas);
  }
  feeCap = max(feeCap, tip);
  if (feeCap > p.maxFeePerGasCap) return null;
  return { maxFeePerGas: feeCap, maxPriorityFeePerGas: tip };
}

/** EIP-7623 (Prague) calldata floor of a tx carrying `data`: 21,000 + 10 × (zeros + 4 × non-zeros). */
export function calldataFloorGas(data: Uint8Array): bigint {
  let zeros = 0;
  for (const b of data) if (b === 0) zeros++;
  const tokens = zeros + 4 * (data.length - zeros);
  return 21_000n + 10n * BigInt(tokens);
}

/** The gas limit to sign: estimate × (100 + margin%) / 100, rounded up, at least the calldata floor. */
export function gasLimitFor(estimate: bigint, data: Uint8Array, marginPercent: number): bigint {
  const withMargin = (estimate * BigInt(100 + marginPercent) + 99n) / 100n;
  return max(withMargin, calldataFloorGas(data));
}
