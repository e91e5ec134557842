/**
 * The genesis document: every consensus parameter plus the genesis state, as one canonical JSON
 * text whose keccak256 is the genesis hash L1 contracts pin (PROTOCOL §5). bigints are decimal
 * strings, bytes 0x-hex, keys in a fixed order, so the same document always has the same hash.
 * @module
 */
import { bytesToHex, hexToBytes } from "./bytes.ts";
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
    version: 0,
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
      epochMs: p.epochMs.toString(),
      minLiveWork: p.minLiveWork.toString(),
      stepBps: p.stepBps.toString(),
      capBps: p.capBps.toString(),
      flopsPerCredit: p.flopsPerCredit.toString(),
      maxBlockBytes: p.maxBlockBytes,
      maxTxBytes: p.maxTxBytes,
      maxRevealsPerBlock: p.maxRevealsPerBlock,
      maxOpenChallenges: p.maxOpenChallenges,
    },
    timestamp: g.timestamp.toString(),
    alloc: g.alloc.map((a) => ({ address: bytesToHex(a.address), credits: a.credits.toString() })),
  };
  return JSON.stringify(doc, null, 2);
}

export function genesisFromJson(text: string): GenesisDoc {
  const d = JSON.parse(text);
  const p = d.params;
  if (d.version !== 0) throw new Error(`genesis: unsupported version ${d.version}`);
  const beacon: BeaconConfig = {
    publicKey: hexToBytes(p.beacon.publicKey),
    genesisTime: BigInt(p.beacon.genesisTime),
    periodSeconds: BigInt(p.beacon.periodSeconds),
    scheme: p.beacon.scheme,
  };
  const tiers: Tier[] = p.tiers.map((t: Record<string, string | number>) => ({
    id: Number(t.id),
    name: String(t.name),
    n: Number(t.n),
    m: Number(t.m),
    k: Number(t.k),
    commitWindowMs: BigInt(t.commitWindowMs!),
    revealWindowMs: BigInt(t.revealWindowMs!),
  }));
  return {
    params: {
      l2ChainId: BigInt(p.l2ChainId),
      beacon,
      tiers,
      maxBatchDelayMs: BigInt(p.maxBatchDelayMs),
      maxSequencerDriftMs: BigInt(p.maxSequencerDriftMs),
      roundTimeoutMs: BigInt(p.roundTimeoutMs),
      epochMs: BigInt(p.epochMs),
      minLiveWork: BigInt(p.minLiveWork),
      stepBps: BigInt(p.stepBps),
      capBps: BigInt(p.capBps),
      flopsPerCredit: BigInt(p.flopsPerCredit),
      maxBlockBytes: Number(p.maxBlockBytes),
      maxTxBytes: Number(p.maxTxBytes),
      maxRevealsPerBlock: Number(p.maxRevealsPerBlock),
      maxOpenChallenges: Number(p.maxOpenChallenges),
    },
    timestamp: BigInt(d.timestamp),
    alloc: (d.alloc as Array<{ address: string; credits: string }>).map((a) => ({
      address: hexToBytes(a.address),
      credits: BigInt(a.credits),
    })),
  };
}

/** keccak256 of the canonical JSON text. */
export function genesisHash(g: GenesisDoc): Uint8Array {
  return keccak256(utf8(genesisToJson(g)));
}
