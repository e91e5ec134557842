/**
 * The timing rules a fraud-proof deployment must meet (PROTOCOL §6, §6.3), checked before anything
 * is deployed. FraudProofs' constructor re-checks the ones L1 can see (the block counts); the one
 * that needs L1's block time (the window in blocks covering the window in seconds) only a
 * deployment tool can check.
 *
 * - windowBlocks + maxPostingDelayBlocks < DEALLOCATION_DELAY: a signer that starts leaving when it
 *   signs stays slashable until the output's window has ended, however late the output is posted;
 * - 2 × availabilityWindow < challengeWindow: a demand answered at its deadline still leaves one
 *   availability window to prove the answer fraudulent before the output is final;
 * - windowBlocks × l1BlockTime ≥ challengeWindow (when the block time is known): stake is counted
 *   slashable up to windowBlocks after posting, so the window in blocks must not end first.
 * @module
 */
import { RollupError } from "../../chain/errors.ts";

export interface SlashingTiming {
  /** OutputOracle.challengeWindow, seconds. */
  challengeWindowS: number;
  /** The oracle's attestation windowBlocks (L1 blocks from posting to the window's end). */
  windowBlocks: number;
  /** L1 blocks operators may take from signing an output to posting it (§6 maxPostingDelay). */
  maxPostingDelayBlocks: number;
  /** EigenLayer's DEALLOCATION_DELAY, blocks. */
  deallocationDelay: number;
  /** FraudProofs.availabilityWindow, seconds. */
  availabilityWindowS: number;
  /** L1's slot time, seconds (12 on Ethereum); omitted on a hand-mined devnet L1. */
  l1BlockTimeS?: number;
}

/** The rules `t` breaks, in words (empty when it meets them all). */
export function slashingTimingProblems(t: SlashingTiming): string[] {
  const problems: string[] = [];
  for (const [name, v] of Object.entries(t)) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
      problems.push(`${name} must be a whole number ≥ 0, got ${v}`);
  }
  if (problems.length > 0) return problems;
  if (t.windowBlocks + t.maxPostingDelayBlocks >= t.deallocationDelay) {
    problems.push(
      `windowBlocks (${t.windowBlocks}) + maxPostingDelayBlocks (${t.maxPostingDelayBlocks}) must be below ` +
        `DEALLOCATION_DELAY (${t.deallocationDelay}): signers could stop being slashable before their output's window ends`,
    );
  }
  if (t.availabilityWindowS === 0 || 2 * t.availabilityWindowS >= t.challengeWindowS) {
    problems.push(
      `2 × availabilityWindow (${t.availabilityWindowS} s) must be above 0 and below challengeWindow ` +
        `(${t.challengeWindowS} s): an answered demand must leave time to prove the answer`,
    );
  }
  if (t.l1BlockTimeS !== undefined && t.windowBlocks * t.l1BlockTimeS < t.challengeWindowS) {
    problems.push(
      `windowBlocks (${t.windowBlocks}) × the L1 block time (${t.l1BlockTimeS} s) must cover challengeWindow ` +
        `(${t.challengeWindowS} s): stake is counted only up to windowBlocks after posting`,
    );
  }
  return problems;
}

/** Throws DEPLOY_FAILED naming every rule `t` breaks. */
export function assertSlashingTiming(t: SlashingTiming): void {
  const problems = slashingTimingProblems(t);
  if (problems.length > 0) {
    throw new RollupError("DEPLOY_FAILED", `slashing timing: ${problems.join("; ")}`);
  }
}
