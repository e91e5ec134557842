/**
 * The prover's memory across restarts: one small JSON file per node key in the data dir,
 * `<datadir>/prover-<address>.json`. It holds the challenges in flight (each one's id once known)
 * and every tx sent for them, as the exact signed bytes, so a restarted prover can wait for them
 * or resend them byte for byte (same hash: the node answers ALREADY_KNOWN, never a second tx).
 * Everything else (status, seed, rounds, root) is read back from the chain, and the work is
 * recomputed: it is deterministic, so the root comes out the same.
 *
 * Written before each tx is sent (write-ahead) and atomically: a temp file, fsync, rename. A crash
 * leaves either the old file or the new one, never half of one.
 *
 * ```json
 * { "version": 2, "chainId": "987909", "address": "0xab…",
 *   "challenges": [
 *     { "tier": 100, "id": "7",
 *       "request": { "kind": "challenge", "nonce": "1", "hash": "0x…", "raw": "0x…" },
 *       "commit": { "kind": "commit", "nonce": "3", "hash": "0x…", "raw": "0x…" } },
 *     { "tier": 100, "request": { "kind": "challenge", "nonce": "4", "hash": "0x…", "raw": "0x…" } } ] }
 * ```
 *
 * Version 1 (one `challenge` instead of the list, before pipelining) is still read.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { bytesToHex } from "../chain/bytes.ts";
import type { ActionKind, Address, Hash32 } from "../chain/types.ts";

export const STATE_VERSION = 2;

/** A signed tx the prover sent (or is about to send) and has not yet seen settled. */
export interface SentTx {
  kind: ActionKind;
  nonce: bigint;
  hash: Hash32;
  /** Canonical signed bytes: resent as they are. */
  raw: Uint8Array;
}

/** A challenge being worked on. */
export interface InFlightChallenge {
  tier: number;
  /** Assigned by the chain; known from the request's receipt. */
  id?: bigint;
  request?: SentTx;
  commit?: SentTx;
  reveal?: SentTx;
}

export interface ProverState {
  chainId: bigint;
  address: Address;
  /** A `register` tx not yet seen included. */
  register?: SentTx;
  /** In the order they were started; at most the genesis's maxOpenChallenges in normal runs. */
  challenges: InFlightChallenge[];
}

/** Every tx the state names, for the tx sender to take over after a restart. */
export function stateTxs(s: ProverState): SentTx[] {
  const out: SentTx[] = s.register ? [s.register] : [];
  for (const c of s.challenges) {
    for (const tx of [c.request, c.commit, c.reveal]) if (tx) out.push(tx);
  }
  return out;
}

/** `<dataDir>/prover-<lower-case 0x address>.json`. */
export function stateFilePath(dataDir: string, address: Address): string {
  return join(dataDir, `prover-${bytesToHex(address)}.json`);
}

interface TxJson {
  kind: string;
  nonce: string;
  hash: string;
  raw: string;
}

function txToJson(tx: SentTx): TxJson {
  return { kind: tx.kind, nonce: tx.nonce.toString(), hash: bytesToHex(tx.hash), raw: bytesToHex(tx.raw) };
}

const KINDS: ReadonlySet<string> = new Set([
  "register",
  "challenge",
  "commit",
  "reveal",
  "transfer",
  "withdraw",
]);
const HEX = /^0x(?:[0-9a-f]{2})*$/i;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

class BadState extends Error {}

function bytes(v: unknown, what: string, length?: number): Uint8Array {
  if (typeof v !== "string" || !HEX.test(v)) throw new BadState(`${what} is not hex`);
  const b = new Uint8Array(Buffer.from(v.slice(2), "hex"));
  if (length !== undefined && b.length !== length) throw new BadState(`${what} is not ${length} bytes`);
  return b;
}

function decimal(v: unknown, what: string): bigint {
  if (typeof v !== "string" || !DECIMAL.test(v)) throw new BadState(`${what} is not a decimal string`);
  return BigInt(v);
}

function txFromJson(v: unknown, what: string): SentTx | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object") throw new BadState(`${what} is not an object`);
  const o = v as Partial<TxJson>;
  if (typeof o.kind !== "string" || !KINDS.has(o.kind)) throw new BadState(`${what}.kind is unknown`);
  return {
    kind: o.kind as ActionKind,
    nonce: decimal(o.nonce, `${what}.nonce`),
    hash: bytes(o.hash, `${what}.hash`, 32),
    raw: bytes(o.raw, `${what}.raw`),
  };
}

export function stateToJson(s: ProverState): string {
  const out: Record<string, unknown> = {
    version: STATE_VERSION,
    chainId: s.chainId.toString(),
    address: bytesToHex(s.address),
  };
  if (s.register) out.register = txToJson(s.register);
  out.challenges = s.challenges.map((c) => {
    const cj: Record<string, unknown> = { tier: c.tier };
    if (c.id !== undefined) cj.id = c.id.toString();
    if (c.request) cj.request = txToJson(c.request);
    if (c.commit) cj.commit = txToJson(c.commit);
    if (c.reveal) cj.reveal = txToJson(c.reveal);
    return cj;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function stateFromJson(text: string): ProverState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BadState("not valid JSON");
  }
  if (typeof v !== "object" || v === null) throw new BadState("not an object");
  const o = v as Record<string, unknown>;
  if (o.version !== STATE_VERSION && o.version !== 1)
    throw new BadState(`version ${String(o.version)} is not ${STATE_VERSION}`);
  const state: ProverState = {
    chainId: decimal(o.chainId, "chainId"),
    address: bytes(o.address, "address", 20),
    challenges: [],
  };
  const register = txFromJson(o.register, "register");
  if (register) state.register = register;
  if (o.version === 1) {
    // Version 1 held at most one challenge.
    if (o.challenge !== undefined && o.challenge !== null)
      state.challenges.push(challengeFromJson(o.challenge, "challenge"));
  } else {
    if (!Array.isArray(o.challenges)) throw new BadState("challenges is not a list");
    if (o.challenges.length > MAX_CHALLENGES) throw new BadState(`more than ${MAX_CHALLENGES} challenges`);
    o.challenges.forEach((c, i) => {
      state.challenges.push(challengeFromJson(c, `challenges[${i}]`));
    });
  }
  return state;
}

/** Far above any chain's maxOpenChallenges: a longer list is not a file this prover wrote. */
const MAX_CHALLENGES = 1024;

function challengeFromJson(v: unknown, what: string): InFlightChallenge {
  if (typeof v !== "object" || v === null) throw new BadState(`${what} is not an object`);
  const cj = v as Record<string, unknown>;
  if (typeof cj.tier !== "number" || !Number.isSafeInteger(cj.tier)) throw new BadState(`${what}.tier`);
  const c: InFlightChallenge = { tier: cj.tier };
  if (cj.id !== undefined) c.id = decimal(cj.id, `${what}.id`);
  for (const k of ["request", "commit", "reveal"] as const) {
    const tx = txFromJson(cj[k], `${what}.${k}`);
    if (tx) c[k] = tx;
  }
  return c;
}

export type LoadResult =
  | { kind: "none" }
  | { kind: "ok"; state: ProverState }
  /** Unusable (corrupt, another chain, another key): the caller starts fresh and says why. */
  | { kind: "ignored"; reason: string };

/** Reads the state file; a missing file is `none`, never an error. */
export function loadState(path: string, expect: { chainId: bigint; address: Address }): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    throw e;
  }
  let state: ProverState;
  try {
    state = stateFromJson(text);
  } catch (e) {
    if (e instanceof BadState)
      return { kind: "ignored", reason: `state file ${path} is unusable: ${e.message}` };
    throw e;
  }
  if (state.chainId !== expect.chainId) {
    return {
      kind: "ignored",
      reason: `state file ${path} is for chain ${state.chainId}, not ${expect.chainId}`,
    };
  }
  if (bytesToHex(state.address) !== bytesToHex(expect.address)) {
    return { kind: "ignored", reason: `state file ${path} is for ${bytesToHex(state.address)}` };
  }
  return { kind: "ok", state };
}

/** Writes the state atomically: temp file in the same folder, fsync, rename over the old one. */
export function saveState(path: string, state: ProverState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, stateToJson(state));
    // Without the fsync a power cut could leave the renamed file empty on some filesystems.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
