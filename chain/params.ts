/**
 * Chain parameters: everything consensus depends on besides the code. One `ChainParams` document
 * (plus contract addresses, later) is the genesis config whose hash L1 pins.
 * @module
 */
import { hexToBytes } from "./bytes.ts";

/** A compute-proof tier (PROTOCOL §3): m pairs of n×n int8 matrices, k samples. */
export interface Tier {
  id: number;
  name: string;
  /** Matrix size, a power of two, 8 ≤ n < 2^17 (int32 cannot overflow). */
  n: number;
  /** Matrix pairs per challenge, a power of two. */
  m: number;
  /** Samples checked per reveal. */
  k: number;
  commitWindowMs: bigint;
  revealWindowMs: bigint;
}

/** Work of one challenge at tier T: 2·n³·m integer ops. */
export function tierWork(t: Pick<Tier, "n" | "m">): bigint {
  const n = BigInt(t.n);
  return 2n * n * n * n * BigInt(t.m);
}

/** drand chain info for `bls-unchained-g1-rfc9380`. */
export interface BeaconConfig {
  /** 96-byte compressed G2 public key. */
  publicKey: Uint8Array;
  /** Seconds since the Unix epoch of round 1. */
  genesisTime: bigint;
  periodSeconds: bigint;
  scheme: "bls-unchained-g1-rfc9380";
}

export interface ChainParams {
  l2ChainId: bigint;
  beacon: BeaconConfig;
  tiers: readonly Tier[];
  /** A batch in an L1 block with time T may carry only L2 blocks with t ≥ T − maxBatchDelay. */
  maxBatchDelayMs: bigint;
  maxSequencerDriftMs: bigint;
  /** A challenge waiting longer than this for a beacon round becomes CANCELLED. */
  roundTimeoutMs: bigint;
  /**
   * A gap between consecutive blocks above this is a stall: deadlines inside it are extended by
   * the gap, never expired (PROTOCOL §3). Several block times; the block time must stay below it.
   */
  maxBlockGapMs: bigint;
  epochMs: bigint;
  /** Work a node must pass in an epoch for it to be live. */
  minLiveWork: bigint;
  stepBps: bigint;
  capBps: bigint;
  flopsPerCredit: bigint;
  maxBlockBytes: number;
  maxTxBytes: number;
  maxRevealsPerBlock: number;
  maxOpenChallenges: number;
  /**
   * Nominal L1 block time (Ethereum: 12 s slots; the devnet's embedded L1: 1 s). Consensus uses
   * it only through the relations genesis validation checks: maxBatchDelayMs covers at least
   * {@link MIN_POSTING_L1_BLOCKS} L1 blocks, the sequencing window covers drift + batch delay.
   */
  l1BlockTimeMs: bigint;
  /**
   * Sequencing window, in L1 blocks (PROTOCOL §5 rule D5): a batch included more than this many
   * L1 blocks after its block's L1 origin is dropped; once it has passed (or the batch delay
   * has, D8), derivation fills the gap with default blocks.
   */
  sequencingWindow: bigint;
  /** A channel still incomplete this many L1 blocks after its first frame is dropped (D2). */
  channelTimeout: bigint;
  /** Largest channel, in bytes, both compressed (as buffered) and decompressed (zip bombs, D3). */
  maxChannelBytes: number;
  /**
   * How long a settled record stays in state, ms (PROTOCOL §3 "Record expiry"): a challenge
   * record that is PASSED, FAILED, EXPIRED or CANCELLED, and a stored beacon round, is deleted by
   * the deadline pass of the first block later than its settling block's time + recordTtlMs. Long
   * enough for an output holding the record to be proposed and its challenge window to pass
   * (fraud proofs prove against the output's state root, and a revoke needs the live record).
   */
  recordTtlMs: bigint;
}

/**
 * L1 blocks a batch needs at least to land: one for the batcher's cadence, one to be included,
 * one of margin (a missed slot, a fee bump). maxBatchDelayMs must cover this many L1 block times.
 */
export const MIN_POSTING_L1_BLOCKS = 3n;

/**
 * What genesis validation assumes at least for an output proposal interval plus the OutputOracle's
 * challenge window (both set on L1, not in genesis), in the record expiry floor: 1 min.
 */
export const MIN_OUTPUT_FINALITY_MS = 60_000n;

/**
 * The least recordTtlMs that keeps a settled record in state until an output holding it is final
 * (PROTOCOL §3 "Record expiry"): maxBatchDelay (its block reaches L1) + an output interval and a
 * challenge window (`outputFinalityMs`) + maxSequencerDrift (an L1 verdict reaches an L2 block).
 */
export function recordTtlFloorMs(
  p: Pick<ChainParams, "maxBatchDelayMs" | "maxSequencerDriftMs">,
  outputFinalityMs: bigint,
): bigint {
  return p.maxBatchDelayMs + outputFinalityMs + p.maxSequencerDriftMs;
}

/**
 * The deployment's half of the record expiry floor: genesis checks recordTtlMs against
 * {@link MIN_OUTPUT_FINALITY_MS}; a deployment knows its OutputOracle's challenge window (seconds)
 * and the proposer's interval, and must fit under the genesis's recordTtlMs too, or a PASSED record
 * could leave state before an output holding it is final (and a fraud proof could no longer
 * prove it). Returns why not, or undefined.
 */
export function recordTtlShortfall(
  p: Pick<ChainParams, "maxBatchDelayMs" | "maxSequencerDriftMs" | "recordTtlMs">,
  challengeWindowS: bigint,
  proposalIntervalMs: bigint,
): string | undefined {
  const floor = recordTtlFloorMs(p, challengeWindowS * 1000n + proposalIntervalMs);
  if (p.recordTtlMs >= floor) return undefined;
  return `the genesis's recordTtlMs ${p.recordTtlMs} ms is below maxBatchDelayMs + proposal interval (${proposalIntervalMs} ms) + challenge window (${challengeWindowS} s) + maxSequencerDriftMs = ${floor} ms: settled records would leave state before their outputs are final; shorten the challenge window or choose a genesis with a longer recordTtlMs`;
}

/** League of Entropy quicknet (drand chain 52db9ba7…), the production beacon. */
export const QUICKNET: BeaconConfig = {
  publicKey: hexToBytes(
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
  ),
  genesisTime: 1692803367n,
  periodSeconds: 3n,
  scheme: "bls-unchained-g1-rfc9380",
};

/**
 * Production tiers (PROTOCOL §3 "Tiers"): GPU-sized, k = 64 (a node faking 10% of the work is
 * caught with probability 1 − 0.9^64 ≈ 99.9%). m = 4 pairs so a prover holds one pair at a time:
 * 16k is 2·16384³·4 = 35.2 T int8 ops (A, B 256 MiB and C 1 GiB per pair), 32k is 281.5 T ops
 * (1 GiB, 4 GiB per pair); both fit a 24 GiB card. Checking a reveal costs ~6 ms (16k) and ~13 ms
 * (32k) on the 2-core dev machine, and an L1 re-check of one entry ~4.6 M / ~9.1 M gas.
 */
export const TIER_GPU_16K: Tier = {
  id: 16,
  name: "gpu-16k",
  n: 16384,
  m: 4,
  k: 64,
  commitWindowMs: 120_000n,
  revealWindowMs: 60_000n,
};
export const TIER_GPU_32K: Tier = {
  id: 32,
  name: "gpu-32k",
  n: 32768,
  m: 4,
  k: 64,
  commitWindowMs: 300_000n,
  revealWindowMs: 60_000n,
};
export const PRODUCTION_TIERS: readonly Tier[] = [TIER_GPU_16K, TIER_GPU_32K];

/** The devnet tier: ~1.5 s on one CPU core (WASM SIMD). Dev genesis only: k = 32 is below production. */
export const TIER_DEVNET: Tier = {
  id: 1,
  name: "devnet",
  n: 2048,
  m: 4,
  k: 32,
  commitWindowMs: 30_000n,
  revealWindowMs: 20_000n,
};

/** Tiny tiers for tests: milliseconds of work. */
export const TIER_TINY: Tier = {
  id: 100,
  name: "tiny",
  n: 16,
  m: 2,
  k: 8,
  commitWindowMs: 10_000n,
  revealWindowMs: 10_000n,
};
export const TIER_SMALL: Tier = {
  id: 101,
  name: "small",
  n: 64,
  m: 2,
  k: 16,
  commitWindowMs: 10_000n,
  revealWindowMs: 10_000n,
};

/**
 * Defaults for devnets and tests: the devnet and test tiers, 30 s epochs, liveness for one tiny
 * pass. Never a production genesis (see {@link productionParams}); devnets override the chain id.
 */
export function defaultParams(beacon: BeaconConfig, overrides: Partial<ChainParams> = {}): ChainParams {
  return {
    l2ChainId: 0xf10b5n,
    beacon,
    tiers: [TIER_DEVNET, TIER_TINY, TIER_SMALL],
    // 4 embedded-L1 blocks (1 s): the batcher's cadence, inclusion, and 2 s of margin (PROTOCOL §2).
    maxBatchDelayMs: 4_000n,
    maxSequencerDriftMs: 30_000n,
    roundTimeoutMs: 60_000n,
    maxBlockGapMs: 5_000n,
    epochMs: 30_000n,
    minLiveWork: tierWork(TIER_TINY),
    stepBps: 1000n,
    capBps: 20_000n,
    flopsPerCredit: 1_000_000_000n,
    maxBlockBytes: 8 * 1024 * 1024,
    maxTxBytes: 128 * 1024,
    maxRevealsPerBlock: 256,
    maxOpenChallenges: 4,
    l1BlockTimeMs: 1_000n,
    // 64 s of 1 s blocks, above drift + batch delay (34 s): the time rule (D8) closes a window first.
    sequencingWindow: 64n,
    channelTimeout: 32n,
    maxChannelBytes: 16 * 1024 * 1024,
    // 10 min: far above the devnet's output interval (4 s) + challenge window (10 s) + batch delay
    // + drift (34 s), so every record is in some output whose window passed (PROTOCOL §3).
    recordTtlMs: 600_000n,
    ...overrides,
  };
}

/**
 * A production genesis's params (PROTOCOL §4, §5): only production tiers, 1 h epochs, live for
 * about one real pass of the smallest tier, an explicit chain id, and at most 64 reveals a block
 * (≤ ~0.85 s of checking at gpu-32k).
 */
export function productionParams(
  beacon: BeaconConfig,
  l2ChainId: bigint,
  overrides: Partial<ChainParams> = {},
): ChainParams {
  return defaultParams(beacon, {
    l2ChainId,
    tiers: PRODUCTION_TIERS,
    epochMs: 3_600_000n,
    minLiveWork: tierWork(TIER_GPU_16K),
    maxRevealsPerBlock: 64,
    // Ethereum L1: 12 s slots. A batch has 5 slots to land (batcher cadence ≤ 2 slots, inclusion,
    // a missed slot or a fee bump); the window (1 h) is a backstop behind the time rule (D8).
    l1BlockTimeMs: 12_000n,
    maxBatchDelayMs: 60_000n,
    sequencingWindow: 300n,
    channelTimeout: 50n,
    // 8 days: a 7-day challenge window (the OP Stack's), a proposal interval of up to a day,
    // the batch delay and the drift (PROTOCOL §3 "Record expiry").
    recordTtlMs: 8n * 86_400_000n,
    ...overrides,
  });
}

export function findTier(params: ChainParams, id: number): Tier | undefined {
  return params.tiers.find((t) => t.id === id);
}
