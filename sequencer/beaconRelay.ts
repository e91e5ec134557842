/**
 * Client of drand HTTP relays (API v1): `GET {url}/{chainHash}/public/{round}` and
 * `GET {url}/{chainHash}/public/latest`, answering `{"round":N,"randomness":hex,"signature":hex}`.
 *
 * Relays are untrusted transport: every answer is checked against the chain's beacon config
 * (BLS signature, requested round, published randomness = sha256(signature)) before it is
 * returned, and a relay that fails, times out or lies is skipped for the next URL.
 * @module
 */
import { BEACON_SIGNATURE_BYTES, beaconRandomness, verifyBeaconRound } from "../chain/beacon/index.ts";
import { bytesToHex, equalBytes, hexToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import { type BeaconConfig, QUICKNET } from "../chain/params.ts";

/** drand chain hash of League of Entropy quicknet (the relays' path segment). */
export const QUICKNET_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
/** Public League of Entropy relays (documentation: docs.drand.love, "Our HTTP API"). */
export const QUICKNET_RELAY_URLS: readonly string[] = [
  "https://api.drand.sh",
  "https://api2.drand.sh",
  "https://api3.drand.sh",
  "https://drand.cloudflare.com",
];

export const DEFAULT_RELAY_TIMEOUT_MS = 5_000;
// A round is ~250 bytes of JSON; anything far larger is not a drand answer.
const MAX_BODY_CHARS = 16 * 1024;

export const BEACON_RELAY_ERROR = {
  /** Every relay failed (network, timeout, HTTP error, bad or unverifiable answer): retry later. */
  FAILED: "BEACON_RELAY_FAILED",
  /** Every relay answered 404: the round is not published yet. */
  UNAVAILABLE: "BEACON_ROUND_UNAVAILABLE",
} as const;

export interface DrandRelayOpts {
  /** Relay base URLs, tried in order (starting from the last one that answered well). */
  urls: readonly string[];
  /** The beacon every answer must verify against. */
  config: BeaconConfig;
  /**
   * Hex chain hash inserted in the path. Defaults to quicknet's when `config` carries quicknet's
   * key; otherwise defaults to "" (the URLs serve one chain at their root).
   */
  chainHash?: string;
  /** Per-request limit, including reading the body. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** A verified round. */
export interface RelayRound {
  round: bigint;
  signature: Uint8Array;
  randomness: Uint8Array;
}

export interface DrandRelayClient {
  /** The given round, verified; throws RollupError BEACON_ROUND_UNAVAILABLE / BEACON_RELAY_FAILED. */
  getRound(round: bigint): Promise<RelayRound>;
  /** The relays' latest round, verified. */
  getLatest(): Promise<RelayRound>;
}

export interface RelayFailure {
  url: string;
  reason: string;
  status?: number;
}

export function createDrandRelayClient(opts: DrandRelayOpts): DrandRelayClient {
  if (opts.urls.length === 0)
    throw new RangeError("createDrandRelayClient: at least one relay URL is required");
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS;
  const chainHash =
    opts.chainHash ?? (equalBytes(opts.config.publicKey, QUICKNET.publicKey) ? QUICKNET_CHAIN_HASH : "");
  const bases = opts.urls.map((u) => {
    const base = u.replace(/\/+$/, "");
    return chainHash === "" ? base : `${base}/${chainHash}`;
  });
  // Start at the relay that answered last: a dead first URL should cost one timeout, not one per call.
  let preferred = 0;

  async function fetchVerified(path: string, expectedRound: bigint | undefined): Promise<RelayRound> {
    const failures: RelayFailure[] = [];
    for (let i = 0; i < bases.length; i++) {
      const index = (preferred + i) % bases.length;
      const url = `${bases[index]}/public/${path}`;
      try {
        const round = await fetchOne(url, expectedRound);
        preferred = index;
        return round;
      } catch (e) {
        const failure: RelayFailure = { url, reason: e instanceof Error ? e.message : String(e) };
        if (e instanceof HttpStatusError) failure.status = e.status;
        failures.push(failure);
      }
    }
    const allNotFound = failures.every((f) => f.status === 404);
    const what = expectedRound === undefined ? "the latest beacon round" : `beacon round ${expectedRound}`;
    throw new RollupError(
      allNotFound ? BEACON_RELAY_ERROR.UNAVAILABLE : BEACON_RELAY_ERROR.FAILED,
      allNotFound
        ? `${what} is not published yet (404 from every relay)`
        : `no relay returned a verifiable ${what}: ${failures.map((f) => `${f.url}: ${f.reason}`).join("; ")}`,
      { round: expectedRound?.toString() ?? "latest", failures },
    );
  }

  async function fetchOne(url: string, expectedRound: bigint | undefined): Promise<RelayRound> {
    const response = await fetchFn(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    if (!response.ok) {
      // Drain so keep-alive sockets are released.
      await response.body?.cancel().catch(() => {});
      throw new HttpStatusError(response.status);
    }
    const text = await response.text();
    if (text.length > MAX_BODY_CHARS) throw new Error(`answer too large (${text.length} chars)`);
    return parseRelayRound(opts.config, text, expectedRound);
  }

  return {
    getRound(round: bigint): Promise<RelayRound> {
      if (round < 1n) return Promise.reject(new RangeError(`beacon round must be ≥ 1, got ${round}`));
      return fetchVerified(round.toString(), round);
    },
    getLatest(): Promise<RelayRound> {
      return fetchVerified("latest", undefined);
    },
  };
}

class HttpStatusError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

/** Parses a relay's JSON answer and checks it; throws Error saying what is wrong. */
export function parseRelayRound(
  config: BeaconConfig,
  text: string,
  expectedRound: bigint | undefined,
): RelayRound {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error("answer is not JSON");
  }
  if (typeof body !== "object" || body === null) throw new Error("answer is not a JSON object");
  const {
    round: rawRound,
    signature: rawSignature,
    randomness: rawRandomness,
  } = body as Record<string, unknown>;
  if (typeof rawRound !== "number" || !Number.isSafeInteger(rawRound) || rawRound < 1) {
    throw new Error("answer has no valid round");
  }
  const round = BigInt(rawRound);
  // A relay could answer an older, valid round; only the requested one is acceptable.
  if (expectedRound !== undefined && round !== expectedRound) {
    throw new Error(`answer is round ${round}, asked for ${expectedRound}`);
  }
  if (typeof rawSignature !== "string" || !/^(0x)?[0-9a-fA-F]*$/.test(rawSignature)) {
    throw new Error("answer has no hex signature");
  }
  const signature = hexToBytes(rawSignature);
  if (signature.length !== BEACON_SIGNATURE_BYTES) {
    throw new Error(`signature is ${signature.length} bytes, expected ${BEACON_SIGNATURE_BYTES}`);
  }
  if (!verifyBeaconRound(config, round, signature)) {
    throw new Error(`signature does not verify for round ${round}`);
  }
  const randomness = beaconRandomness(signature);
  // The relay's randomness field is redundant; a mismatch means a broken or lying relay.
  if (rawRandomness !== undefined) {
    if (
      typeof rawRandomness !== "string" ||
      bytesToHex(randomness) !== `0x${rawRandomness.toLowerCase().replace(/^0x/, "")}`
    ) {
      throw new Error("randomness is not sha256(signature)");
    }
  }
  return { round, signature, randomness };
}
