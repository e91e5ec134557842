/**
 * Validation of the genesis document (PROTOCOL §5 "Genesis config"): every field, when a document
 * is loaded (`genesisFromJson`: `flops node --genesis`, a datadir's stored genesis) and before
 * `flops genesis` writes one. A bad value is refused up front with a {@link GenesisError} naming
 * the field, e.g. `genesis: params.tiers[1].n must be a power of two in [8, 2^17), got 48`,
 * because otherwise it fails late and far away: a zero epoch or beacon period makes block
 * building throw, a bad beacon key or a tier whose reveal cannot fit in maxTxBytes makes every
 * reveal fail.
 *
 * Two parts: {@link GenesisJsonObject}, a strict reader of the JSON text (exact JSON types,
 * canonical decimal strings, no unknown keys), and {@link validateGenesis}, the rules on the typed
 * document (ranges and relations between fields).
 * @module
 */
import { isBeaconPublicKey } from "./beacon/verifyBeaconRound.ts";
import { bytesToHex, hexToBytes } from "./bytes.ts";
import { RollupError } from "./errors.ts";
import type { GenesisDoc } from "./genesisDoc.ts";
import {
  type ChainParams,
  MIN_OUTPUT_FINALITY_MS,
  MIN_POSTING_L1_BLOCKS,
  recordTtlFloorMs,
  type Tier,
} from "./params.ts";
import { HASH_BYTES, TILE_BYTES, tierProblem, treeDepth } from "./proof/geometry.ts";

/** The only document version this code reads and writes. */
export const GENESIS_VERSION = 0;

// ---------------------------------------------------------------------------------------------
// Bounds (PROTOCOL §5; SECURITY.md §8). Upper bounds rule out typos and overflow, not policy.
// ---------------------------------------------------------------------------------------------

/** Chain ids are u64 on the wire (tx bodies, challenge seeds). */
export const CHAIN_ID_LIMIT = 1n << 64n;
/**
 * Chain ids a Flops chain must not take: well-known Ethereum networks and local dev chains, so
 * that a wallet or tool never mistakes the L2 for one of them (or the L1 it settles on).
 */
export const RESERVED_CHAIN_IDS: ReadonlyMap<bigint, string> = new Map([
  [1n, "Ethereum mainnet"],
  [5n, "Goerli"],
  [10n, "OP Mainnet"],
  [56n, "BNB Smart Chain"],
  [100n, "Gnosis"],
  [137n, "Polygon"],
  [1337n, "geth --dev"],
  [8453n, "Base"],
  [17000n, "Holesky"],
  [31337n, "Anvil/Hardhat"],
  [42161n, "Arbitrum One"],
  [560048n, "Hoodi"],
  [11155111n, "Sepolia"],
]);
/** Every duration (windows, timeouts, delays, epoch) lies in [1 ms, 366 days]. */
export const MAX_DURATION_MS = 366n * 86_400_000n;
/** Unix ms (and beacon genesis seconds × 1000) stay below 2^53: exact as JS numbers and Dates. */
export const MAX_TIMESTAMP_MS = (1n << 53n) - 1n;
/** Beacon period: quicknet is 3 s; an hour is far beyond any real beacon. */
export const MAX_BEACON_PERIOD_SECONDS = 3600n;
export const MAX_TIERS = 64;
/** Tier names are what `flops prover --tier NAME` takes: short, lower case, no spaces. */
export const TIER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** Multiplier parameters in basis points: cap ≥ 1.0× (10000), both ≤ 100×. */
export const MIN_CAP_BPS = 10_000n;
export const MAX_BPS = 1_000_000n;
/** Block and tx byte limits (every block is held in memory, decoded and hashed whole). */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
export const MAX_PER_BLOCK_COUNT = 1 << 16;
/** Sequencing window and channel timeout, in L1 blocks: 2^20 blocks is 145 days of 12 s slots. */
export const MAX_L1_BLOCKS = 1n << 20n;
/** A channel is decompressed whole in memory (PROTOCOL §5 D3). */
export const MAX_CHANNEL_BYTES = 256 * 1024 * 1024;
/** Credits are uint256 (1:1 with the L1 ERC-20), and so is work. */
export const UINT256_LIMIT = 1n << 256n;
/**
 * Bytes of a reveal tx besides its tiles and proof: signature (65), chain id, nonce, challenge id,
 * field tags and length prefixes. An upper bound with room to spare (the real figure is < 120).
 */
export const REVEAL_TX_OVERHEAD_BYTES = 256;
/** Longest rendering of a bad value in an error message. */
const MAX_SHOWN_CHARS = 80;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** A genesis document that cannot run a chain. `meta.path` names the field (`params.epochMs`). */
export class GenesisError extends RollupError<{ path: string }> {
  constructor(path: string, problem: string) {
    super("GENESIS_INVALID", `genesis: ${path} ${problem}`, { path });
    this.name = "GenesisError";
  }
}

function fail(path: string, problem: string): never {
  throw new GenesisError(path, problem);
}

/** A bad value, for a message, in at most MAX_SHOWN_CHARS chars (never formats a huge value whole). */
function shown(v: unknown): string {
  let s: string;
  if (typeof v === "string")
    s = JSON.stringify(v.length > MAX_SHOWN_CHARS ? `${v.slice(0, MAX_SHOWN_CHARS)}…` : v);
  else if (typeof v === "bigint")
    s = v < UINT256_LIMIT && v > -UINT256_LIMIT ? v.toString() : "a >256-bit integer";
  else if (typeof v === "number" || typeof v === "boolean") s = String(v);
  else if (v === null) s = "null";
  else if (Array.isArray(v)) s = "an array";
  else s = typeof v === "object" ? "an object" : typeof v;
  return s.length > MAX_SHOWN_CHARS ? `${s.slice(0, MAX_SHOWN_CHARS)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// The strict JSON reader
// ---------------------------------------------------------------------------------------------

/** Canonical non-negative decimal: no sign, no leading zeros, no hex, no spaces; ≤ 78 digits (uint256). */
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const HEX = /^0x([0-9a-fA-F]{2})*$/;

/**
 * One JSON object of the document, read field by field. Each getter checks the JSON type and
 * names the field's path in its error; `end()` refuses any key no getter asked for, so a typo
 * (`"epochMS"`) or a field from another version is an error, never silently dropped.
 */
export class GenesisJsonObject {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly o: Readonly<Record<string, unknown>>,
    /** "" for the document itself. */
    readonly path: string,
  ) {}

  /** Parses the document text; its top level must be an object. */
  static parse(text: string): GenesisJsonObject {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return fail("document", `is not valid JSON (${shown((e as Error).message)})`);
    }
    return GenesisJsonObject.of(v, "");
  }

  private static of(v: unknown, path: string): GenesisJsonObject {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      fail(path || "document", `must be a JSON object, got ${shown(v)}`);
    return new GenesisJsonObject(v as Record<string, unknown>, path);
  }

  /** Path of `key` in this object. */
  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private get(key: string): unknown {
    this.seen.add(key);
    if (!Object.hasOwn(this.o, key)) fail(this.at(key), "is missing");
    return this.o[key];
  }

  object(key: string): GenesisJsonObject {
    return GenesisJsonObject.of(this.get(key), this.at(key));
  }

  /** An array of objects (`tiers`, `alloc`). */
  objects(key: string): GenesisJsonObject[] {
    const v = this.get(key);
    if (!Array.isArray(v)) fail(this.at(key), `must be an array, got ${shown(v)}`);
    return v.map((x, i) => GenesisJsonObject.of(x, `${this.at(key)}[${i}]`));
  }

  /** A bigint field: a canonical decimal string ("1000"), as genesisToJson writes it. */
  decimal(key: string): bigint {
    const v = this.get(key);
    if (typeof v !== "string" || !DECIMAL.test(v))
      fail(this.at(key), `must be a non-negative decimal integer string (e.g. "1000"), got ${shown(v)}`);
    return BigInt(v);
  }

  /** A small integer field: a JSON number that is a safe integer. */
  int(key: string): number {
    const v = this.get(key);
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      fail(this.at(key), `must be an integer (a JSON number), got ${shown(v)}`);
    return v;
  }

  string(key: string): string {
    const v = this.get(key);
    if (typeof v !== "string") fail(this.at(key), `must be a string, got ${shown(v)}`);
    return v;
  }

  /** 0x-hex of exactly `bytes` bytes. */
  hex(key: string, bytes: number): Uint8Array {
    const v = this.get(key);
    if (typeof v !== "string" || !HEX.test(v) || v.length !== 2 + 2 * bytes)
      fail(this.at(key), `must be 0x-hex of ${bytes} bytes, got ${shown(v)}`);
    return hexToBytes(v);
  }

  /** Refuses keys that no getter read. */
  end(): void {
    for (const key of Object.keys(this.o)) {
      if (!this.seen.has(key))
        fail(this.at(shown(key).slice(1, -1)), "is not a field of the genesis document");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

function inRange(path: string, v: bigint, min: bigint, max: bigint, what = ""): void {
  if (typeof v !== "bigint") fail(path, `must be a bigint, got ${shown(v)}`);
  if (v < min || v > max) fail(path, `must be in [${min}, ${max}]${what}, got ${shown(v)}`);
}

function belowUint256(path: string, v: bigint, min: bigint): void {
  if (typeof v !== "bigint") fail(path, `must be a bigint, got ${shown(v)}`);
  if (v < min || v >= UINT256_LIMIT) fail(path, `must be in [${min}, 2^256), got ${shown(v)}`);
}

function intInRange(path: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    fail(path, `must be an integer in [${min}, ${max}], got ${shown(v)}`);
}

function duration(path: string, v: bigint): void {
  inRange(path, v, 1n, MAX_DURATION_MS, " ms");
}

/**
 * Upper bound of a reveal tx's size at `tier`: at most k distinct tiles (256 bytes each) and a
 * multiproof of at most k·depth hashes (tileTree.ts), plus the envelope.
 */
export function maxRevealTxBytes(tier: Pick<Tier, "n" | "m" | "k">): number {
  return REVEAL_TX_OVERHEAD_BYTES + tier.k * (TILE_BYTES + treeDepth(tier) * HASH_BYTES);
}

function validateTier(t: Tier, path: string, maxTxBytes: number): void {
  intInRange(`${path}.id`, t.id, 0, 2 ** 32 - 1); // u32 on the wire
  if (typeof t.name !== "string" || !TIER_NAME.test(t.name))
    fail(`${path}.name`, `must match ${TIER_NAME} (lower case letters, digits, '-'), got ${shown(t.name)}`);
  // "n must be …", "m must be …", "k must be …": the field is the problem's first word.
  const problem = tierProblem(t);
  if (problem !== undefined) fail(`${path}.${problem.slice(0, 1)}`, problem.slice(2));
  duration(`${path}.commitWindowMs`, t.commitWindowMs);
  duration(`${path}.revealWindowMs`, t.revealWindowMs);
  const reveal = maxRevealTxBytes(t);
  if (reveal > maxTxBytes)
    fail(
      `${path}.k`,
      `is too large: a reveal at this tier can take up to ${reveal} bytes, above params.maxTxBytes (${maxTxBytes}), so it could never be included`,
    );
}

/** Throws a {@link GenesisError} naming the first field of `p` (under `path`) that breaks a rule. */
export function validateParams(p: ChainParams, path = "params"): void {
  inRange(`${path}.l2ChainId`, p.l2ChainId, 1n, CHAIN_ID_LIMIT - 1n);
  const reserved = RESERVED_CHAIN_IDS.get(p.l2ChainId);
  if (reserved)
    fail(`${path}.l2ChainId`, `must not be ${p.l2ChainId} (${reserved}): choose a chain id of its own`);

  const b = p.beacon;
  if (!(b.publicKey instanceof Uint8Array) || !isBeaconPublicKey(b.publicKey))
    fail(`${path}.beacon.publicKey`, "must be a valid 96-byte compressed BLS12-381 G2 point (not infinity)");
  inRange(`${path}.beacon.genesisTime`, b.genesisTime, 0n, MAX_TIMESTAMP_MS / 1000n, " s");
  inRange(`${path}.beacon.periodSeconds`, b.periodSeconds, 1n, MAX_BEACON_PERIOD_SECONDS, " s");
  if (b.scheme !== "bls-unchained-g1-rfc9380")
    fail(`${path}.beacon.scheme`, `must be "bls-unchained-g1-rfc9380", got ${shown(b.scheme)}`);

  intInRange(`${path}.maxBlockBytes`, p.maxBlockBytes, 1, MAX_BLOCK_BYTES);
  intInRange(`${path}.maxTxBytes`, p.maxTxBytes, 1, MAX_BLOCK_BYTES);
  if (p.maxTxBytes > p.maxBlockBytes)
    fail(
      `${path}.maxTxBytes`,
      `must be at most params.maxBlockBytes (${p.maxBlockBytes}), got ${p.maxTxBytes}`,
    );
  intInRange(`${path}.maxRevealsPerBlock`, p.maxRevealsPerBlock, 1, MAX_PER_BLOCK_COUNT);
  intInRange(`${path}.maxOpenChallenges`, p.maxOpenChallenges, 1, MAX_PER_BLOCK_COUNT);

  if (!Array.isArray(p.tiers) || p.tiers.length < 1 || p.tiers.length > MAX_TIERS)
    fail(`${path}.tiers`, `must hold 1 to ${MAX_TIERS} tiers, got ${shown(p.tiers?.length)}`);
  const ids = new Set<number>();
  const names = new Set<string>();
  p.tiers.forEach((t, i) => {
    const tp = `${path}.tiers[${i}]`;
    validateTier(t, tp, p.maxTxBytes);
    if (ids.has(t.id)) fail(`${tp}.id`, `duplicates another tier's id ${t.id}`);
    if (names.has(t.name)) fail(`${tp}.name`, `duplicates another tier's name ${shown(t.name)}`);
    ids.add(t.id);
    names.add(t.name);
  });

  duration(`${path}.maxBatchDelayMs`, p.maxBatchDelayMs);
  duration(`${path}.maxSequencerDriftMs`, p.maxSequencerDriftMs);
  duration(`${path}.roundTimeoutMs`, p.roundTimeoutMs);
  // A round is published at time(r); a timeout of one period or less cancels challenges whose
  // round is merely on time.
  const periodMs = b.periodSeconds * 1000n;
  if (p.roundTimeoutMs <= periodMs)
    fail(`${path}.roundTimeoutMs`, `must exceed the beacon period (${periodMs} ms), got ${p.roundTimeoutMs}`);
  duration(`${path}.maxBlockGapMs`, p.maxBlockGapMs);
  duration(`${path}.epochMs`, p.epochMs);
  belowUint256(`${path}.minLiveWork`, p.minLiveWork, 1n);
  inRange(`${path}.stepBps`, p.stepBps, 0n, MAX_BPS);
  inRange(`${path}.capBps`, p.capBps, MIN_CAP_BPS, MAX_BPS, " (at least 1.0x)");
  belowUint256(`${path}.flopsPerCredit`, p.flopsPerCredit, 1n);
  validateDerivationParams(p, path);
}

/**
 * The L1 timing relations (PROTOCOL §2, §5 D-rules). A batch may carry only L2 blocks within
 * maxBatchDelay of the L1 block that includes it, and the commit → sample-round rule relies on
 * that bound: a delay below the real posting latency gets honest batches dropped as late.
 */
function validateDerivationParams(p: ChainParams, path: string): void {
  duration(`${path}.l1BlockTimeMs`, p.l1BlockTimeMs);
  const minDelay = MIN_POSTING_L1_BLOCKS * p.l1BlockTimeMs;
  if (p.maxBatchDelayMs < minDelay)
    fail(
      `${path}.maxBatchDelayMs`,
      `must be at least ${MIN_POSTING_L1_BLOCKS} L1 blocks (${MIN_POSTING_L1_BLOCKS} x params.l1BlockTimeMs = ${minDelay} ms: the batcher's cadence, inclusion and a margin), or honest batches are dropped as late; got ${p.maxBatchDelayMs}`,
    );
  inRange(`${path}.sequencingWindow`, p.sequencingWindow, 1n, MAX_L1_BLOCKS, " L1 blocks");
  // The block rule (D5) must never close a window before the time rule (D4) would: an L2 block
  // may lag its origin by the drift and its batch may lag the block by the batch delay.
  const needed = p.maxSequencerDriftMs + p.maxBatchDelayMs;
  if (p.sequencingWindow * p.l1BlockTimeMs < needed)
    fail(
      `${path}.sequencingWindow`,
      `must cover maxSequencerDriftMs + maxBatchDelayMs (${needed} ms) at params.l1BlockTimeMs (${p.l1BlockTimeMs} ms a block), got ${p.sequencingWindow} blocks`,
    );
  inRange(
    `${path}.channelTimeout`,
    p.channelTimeout,
    1n,
    p.sequencingWindow,
    " L1 blocks (at most the sequencing window)",
  );
  // A channel must hold the largest block the sequencer may build, with its batch envelope.
  const minChannel = 2 * p.maxBlockBytes;
  intInRange(`${path}.maxChannelBytes`, p.maxChannelBytes, minChannel, MAX_CHANNEL_BYTES);
  validateRecordTtl(p, path);
}

/**
 * The record expiry floor (PROTOCOL §3 "Record expiry"): a settled record must outlive the
 * posting of a batch that holds it (maxBatchDelay), the drift an L1 verdict against it may wait
 * before an L2 block carries it (maxSequencerDrift), and one output proposal interval plus the
 * OutputOracle's challenge window. The last two live on L1 (the deployment and the proposer), so
 * genesis checks the L2 terms and at least {@link MIN_OUTPUT_FINALITY_MS} for them; whoever deploys
 * the oracle and runs the proposer must keep interval + window within the rest (PROTOCOL §3).
 */
function validateRecordTtl(p: ChainParams, path: string): void {
  duration(`${path}.recordTtlMs`, p.recordTtlMs);
  const floor = recordTtlFloorMs(p, MIN_OUTPUT_FINALITY_MS);
  if (p.recordTtlMs < floor)
    fail(
      `${path}.recordTtlMs`,
      `must be at least maxBatchDelayMs + maxSequencerDriftMs + ${MIN_OUTPUT_FINALITY_MS} ms for an output interval and a challenge window (${floor} ms), or a record can leave state before a fraud proof or a revoke can reach it; got ${p.recordTtlMs}`,
    );
}

/** Throws a {@link GenesisError} naming the first field of `g` that breaks a rule (PROTOCOL §5). */
export function validateGenesis(g: GenesisDoc): void {
  validateParams(g.params);
  inRange("timestamp", g.timestamp, 0n, MAX_TIMESTAMP_MS, " ms");
  if (!Array.isArray(g.alloc)) fail("alloc", `must be an array, got ${shown(g.alloc)}`);
  const seen = new Set<string>();
  let total = 0n;
  g.alloc.forEach((a, i) => {
    if (!(a.address instanceof Uint8Array) || a.address.length !== 20)
      fail(`alloc[${i}].address`, "must be a 20-byte address");
    const key = bytesToHex(a.address);
    if (seen.has(key)) fail(`alloc[${i}].address`, `duplicates an earlier entry (${key})`);
    seen.add(key);
    belowUint256(`alloc[${i}].credits`, a.credits, 0n);
    total += a.credits;
  });
  // Every credit may be bridged to the L1 ERC-20, whose total supply is a uint256.
  if (total >= UINT256_LIMIT) fail("alloc", "credits sum to 2^256 or more");
}
