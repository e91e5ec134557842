/**
 * The genesis document: every consensus parameter plus the genesis state, as one canonical JSON
 * text whose keccak256 is the genesis hash L1 contracts pin (PROTOCOL §5). bigints are decimal
 * strings, bytes 0x-hex, keys in a fixed order, so the same document always has the same hash.
 * @module
 */
import { BEACON_PUBLIC_KEY_BYTES } from "./beacon/verifyBeaconRound.ts";
import { bytesToHex } from "./bytes.ts";
import { GENESIS_VERSION, GenesisError, GenesisJsonObject, validateGenesis } from "./genesisValidate.ts";
import { keccak256, utf8 } from "./hash.ts";
import type { BeaconConfig, ChainParams, Tier } from "./params.ts";
import type { Address } from "./types.ts";

export interface GenesisDoc {
  params: ChainParams;
  /** ms */
  timestamp: bigint;
  alloc: Array<{ address: Address; credits: bigint }>;
}

export function genesisToJson(g: GenesisDoc): string {
  const p = g.params;
  const doc = {
    version: GENESIS_VERSION,
    params: {
      l2ChainId: p.l2ChainId.toString(),
      beacon: {
        publicKey: bytesToHex(p.beacon.publicKey),
        genesisTime: p.beacon.genesisTime.toString(),
        periodSeconds: p.beacon.periodSeconds.toString(),
        scheme: p.beacon.scheme,
      },
      tiers: p.tiers.map((t) => ({
        id: t.id,
        name: t.name,
        n: t.n,
        m: t.m,
        k: t.k,
        commitWindowMs: t.commitWindowMs.toString(),
        revealWindowMs: t.revealWindowMs.toString(),
      })),
      maxBatchDelayMs: p.maxBatchDelayMs.toString(),
      maxSequencerDriftMs: p.maxSequencerDriftMs.toString(),
      roundTimeoutMs: p.roundTimeoutMs.toString(),
      maxBlockGapMs: p.maxBlockGapMs.toString(),
      epochMs: p.epochMs.toString(),
      minLiveWork: p.minLiveWork.toString(),
      stepBps: p.stepBps.toString(),
      capBps: p.capBps.toString(),
      flopsPerCredit: p.flopsPerCredit.toString(),
      maxBlockBytes: p.maxBlockBytes,
      maxTxBytes: p.maxTxBytes,
      maxRevealsPerBlock: p.maxRevealsPerBlock,
      maxOpenChallenges: p.maxOpenChallenges,
      l1BlockTimeMs: p.l1BlockTimeMs.toString(),
      sequencingWindow: p.sequencingWindow.toString(),
      channelTimeout: p.channelTimeout.toString(),
      maxChannelBytes: p.maxChannelBytes,
      recordTtlMs: p.recordTtlMs.toString(),
    },
    timestamp: g.timestamp.toString(),
    alloc: g.alloc.map((a) => ({ address: bytesToHex(a.address), credits: a.credits.toString() })),
  };
  return JSON.stringify(doc, null, 2);
}

/**
 * Reads a genesis document and validates every field (genesisValidate.ts): exact JSON types,
 * canonical decimal strings, no unknown keys, then the rules. Throws a GenesisError naming the
 * field, e.g. `genesis: params.epochMs must be in [1, 31622400000] ms, got 0`.
 */
export function genesisFromJson(text: string): GenesisDoc {
  const d = GenesisJsonObject.parse(text);
  const version = d.int("version");
  if (version !== GENESIS_VERSION)
    throw new GenesisError("version", `must be ${GENESIS_VERSION}, got ${version}`);
  const p = d.object("params");
  const b = p.object("beacon");
  const beacon: BeaconConfig = {
    publicKey: b.hex("publicKey", BEACON_PUBLIC_KEY_BYTES),
    genesisTime: b.decimal("genesisTime"),
    periodSeconds: b.decimal("periodSeconds"),
    // Checked against the one known scheme by validateGenesis below.
    scheme: b.string("scheme") as BeaconConfig["scheme"],
  };
  b.end();
  const tiers: Tier[] = p.objects("tiers").map((t) => {
    const tier: Tier = {
      id: t.int("id"),
      name: t.string("name"),
      n: t.int("n"),
      m: t.int("m"),
      k: t.int("k"),
      commitWindowMs: t.decimal("commitWindowMs"),
      revealWindowMs: t.decimal("revealWindowMs"),
    };
    t.end();
    return tier;
  });
  const params: ChainParams = {
    l2ChainId: p.decimal("l2ChainId"),
    beacon,
    tiers,
    maxBatchDelayMs: p.decimal("maxBatchDelayMs"),
    maxSequencerDriftMs: p.decimal("maxSequencerDriftMs"),
    roundTimeoutMs: p.decimal("roundTimeoutMs"),
    maxBlockGapMs: p.decimal("maxBlockGapMs"),
    epochMs: p.decimal("epochMs"),
    minLiveWork: p.decimal("minLiveWork"),
    stepBps: p.decimal("stepBps"),
    capBps: p.decimal("capBps"),
    flopsPerCredit: p.decimal("flopsPerCredit"),
    maxBlockBytes: p.int("maxBlockBytes"),
    maxTxBytes: p.int("maxTxBytes"),
    maxRevealsPerBlock: p.int("maxRevealsPerBlock"),
    maxOpenChallenges: p.int("maxOpenChallenges"),
    l1BlockTimeMs: p.decimal("l1BlockTimeMs"),
    sequencingWindow: p.decimal("sequencingWindow"),
    channelTimeout: p.decimal("channelTimeout"),
    maxChannelBytes: p.int("maxChannelBytes"),
    recordTtlMs: p.decimal("recordTtlMs"),
  };
  p.end();
  const doc: GenesisDoc = {
    params,
    timestamp: d.decimal("timestamp"),
    alloc: d.objects("alloc").map((a) => {
      const entry = { address: a.hex("address", 20), credits: a.decimal("credits") };
      a.end();
      return entry;
    }),
  };
  d.end();
  validateGenesis(doc);
  return doc;
}

/** keccak256 of the canonical JSON text. */
export function genesisHash(g: GenesisDoc): Uint8Array {
  return keccak256(utf8(genesisToJson(g)));
}
