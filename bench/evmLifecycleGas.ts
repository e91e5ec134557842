/**
 * What one devnet-tier challenge lifecycle (challenge → commit → reveal) costs as a Solidity
 * contract on an EVM chain, and how many lifecycles per second a gas-limited chain fits: the
 * comparison beside `challenge_lifecycles_per_s` (bench/lifecycles.ts). The gas figures are not
 * measured here: they are the peer harness's (`../shared/peer-evm`, FlopsPoF.sol on Anvil 1.7.1),
 * copied from its RESULTS.md (run of 2026-12-05), so the comparison does not need Anvil installed.
 * @module
 */

/** Gas per step, from ../shared/peer-evm/RESULTS.md ("Gas per tx kind", "Reveal cost"). */
export const EVM_LIFECYCLE_GAS = {
  /** A challenge tx (93,342 gas; 110,433 for the first one waiting on a round: the common case taken). */
  challenge: 93_342,
  /** A commit tx. */
  commit: 67_374,
  /** A devnet-tier reveal (n = 2048, m = 4, k = 32): ≈ 24.8 M gas, measured by parts (positions, Merkle, entries). */
  reveal: 24_800_000,
  source:
    "../shared/peer-evm/RESULTS.md (FlopsPoF.sol on Anvil 1.7.1, 2026-12-05): challenge 93,342 + commit 67,374 + devnet-tier reveal ≈ 24.8 M gas",
} as const;

/** Gas of one whole lifecycle (the oracle's round posts, ~53k gas each, are shared and left out). */
export function evmLifecycleGas(
  g: { challenge: number; commit: number; reveal: number } = EVM_LIFECYCLE_GAS,
): number {
  return g.challenge + g.commit + g.reveal;
}

/** A gas-limited chain: `gasPerBlock` every `blockSeconds`. */
export interface EvmChain {
  name: string;
  gasPerBlock: number;
  blockSeconds: number;
}

export const EVM_L1: EvmChain = { name: "L1, 60 M gas per 12 s", gasPerBlock: 60_000_000, blockSeconds: 12 };
export const EVM_L2: EvmChain = { name: "L2, 60 M gas per 2 s", gasPerBlock: 60_000_000, blockSeconds: 2 };

/**
 * Lifecycles per second the chain's gas allows, two ways: `gasBound`, its whole gas rate spent on
 * lifecycles (an upper bound: it favours the EVM), and `packed`, whole lifecycles per block (a
 * lifecycle's txs are not split across blocks; what a chain of full blocks reaches).
 */
export function evmLifecyclesPerSecond(
  chain: EvmChain,
  gasPerLifecycle: number = evmLifecycleGas(),
): { gasBound: number; packed: number } {
  if (!(gasPerLifecycle > 0) || !(chain.gasPerBlock > 0) || !(chain.blockSeconds > 0)) {
    throw new RangeError("evmLifecyclesPerSecond: gas and block time must be positive");
  }
  return {
    gasBound: chain.gasPerBlock / chain.blockSeconds / gasPerLifecycle,
    packed: Math.floor(chain.gasPerBlock / gasPerLifecycle) / chain.blockSeconds,
  };
}
