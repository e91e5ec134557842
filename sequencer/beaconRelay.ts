/**
 * Client of drand HTTP relays (API v1): `GET {url}/{chainHash}/public/{round}` and
 * `GET {url}/{chainHash}/public/latest`, answering `{"round":N,"randomness":hex,"signature":hex}`.
 *
 * Relays are untrusted transport: every answer is checked against the chain's beacon config
 * (BLS signature, requested round, published randomness = sha256(signature)) before it is
 * returned, and a relay that fails, times out or lies is skipped for the next URL.
 *
 * Hedged: the relay that answered last is asked first; if it has not answered well within
 * `hedgeDelayMs` (or failed sooner), the next one is asked too, and so on. The first verified
 * answer wins and the other requests are aborted. One slow relay so costs about `hedgeDelayMs`,
 * not a whole `timeoutMs` (relays tried strictly in turn cost 5 s each), at the price of a
 * duplicate request only when the first relay is slower than the hedge delay.
 * @module
 */
import { BEACON_SIGNATURE_BYTES, beaconRandomness, verifyBeaconRound } from "../chain/beacon/index.ts";
import { bytesToHex, equalBytes, hexToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import { type BeaconConfig, QUICKNET } from "../chain/params.ts";
import { verifyBeaconRoundOffThread } from "./beaconPool.ts";
import type { BeaconSource } from "./ports.ts";

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
/** drand's CDN relays answer in well under this; a relay slower than it gets a hedge beside it. */
export const DEFAULT_RELAY_HEDGE_MS = 1_000;
// A round is ~250 bytes of JSON; anything far larger is not a drand answer. Counted while the
// body streams in, so a hostile relay cannot make the node buffer more.
export const MAX_RELAY_BODY_BYTES = 16 * 1024;

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
  /** How long to wait on one relay before asking the next one as well. */
  hedgeDelayMs?: number;
  fetch?: typeof globalThis.fetch;
  /** The signature check (default: verifyBeaconRoundOffThread, the pairing on a worker). */
  verify?: (config: BeaconConfig, round: bigint, signature: Uint8Array) => Promise<boolean>;
}

/** A verified round. */
export interface RelayRound {
  round: bigint;
  signature: Uint8Array;
  randomness: Uint8Array;
}

export interface DrandRelayClient {
  /**
   * The given round, verified; throws RollupError BEACON_ROUND_UNAVAILABLE / BEACON_RELAY_FAILED,
   * or the signal's reason once `signal` aborts (every request is aborted with it).
   */
  getRound(round: bigint, signal?: AbortSignal): Promise<RelayRound>;
  /** The relays' latest round, verified. */
  getLatest(signal?: AbortSignal): Promise<RelayRound>;
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
  const hedgeDelayMs = opts.hedgeDelayMs ?? DEFAULT_RELAY_HEDGE_MS;
  const verify = opts.verify ?? ((c, r, sig) => verifyBeaconRoundOffThread(c, r, sig));
  const chainHash =
    opts.chainHash ?? (equalBytes(opts.config.publicKey, QUICKNET.publicKey) ? QUICKNET_CHAIN_HASH : "");
  const bases = opts.urls.map((u) => {
    const base = u.replace(/\/+$/, "");
    return chainHash === "" ? base : `${base}/${chainHash}`;
  });
  // Start at the relay that answered last: a dead first URL should cost one timeout, not one per call.
  let preferred = 0;

  function fetchVerified(
    path: string,
    expectedRound: bigint | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RelayRound> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      // Aborts the losers once one relay answered well, and everything if the caller aborts.
      const all = new AbortController();
      const failures: RelayFailure[] = [];
      const first = preferred; // fixed for this call: another call may move `preferred` meanwhile
      let started = 0;
      let pending = 0;
      let done = false;
      let hedge: NodeJS.Timeout | undefined;
      const finish = () => {
        done = true;
        clearTimeout(hedge);
        all.abort(new Error("another relay answered"));
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (done) return;
        finish();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const askNext = () => {
        clearTimeout(hedge);
        if (done || started >= bases.length) return;
        const attempt = started++;
        const index = (first + attempt) % bases.length;
        const url = `${bases[index]}/public/${path}`;
        pending++;
        if (started < bases.length) hedge = setTimeout(askNext, hedgeDelayMs);
        fetchOne(url, expectedRound, AbortSignal.any([all.signal, AbortSignal.timeout(timeoutMs)])).then(
          (round) => {
            if (done) return;
            preferred = index;
            finish();
            resolve(round);
          },
          (e: unknown) => {
            pending--;
            if (done) return;
            const failure: RelayFailure = { url, reason: e instanceof Error ? e.message : String(e) };
            if (e instanceof HttpStatusError) failure.status = e.status;
            failures[attempt] = failure;
            // A relay that failed fast is not waited on: ask the next one now.
            if (started < bases.length) askNext();
            else if (pending === 0) {
              finish();
              reject(allFailed(failures, expectedRound));
            }
          },
        );
      };
      askNext();
    });
  }

  async function fetchOne(
    url: string,
    expectedRound: bigint | undefined,
    signal: AbortSignal,
  ): Promise<RelayRound> {
    const response = await fetchFn(url, { signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      // Drain so keep-alive sockets are released.
      await response.body?.cancel().catch(() => {});
      throw new HttpStatusError(response.status);
    }
    const text = await readCapped(response, MAX_RELAY_BODY_BYTES);
    const answer = parseRelayAnswer(text, expectedRound);
    // The pairing on the beacon worker, not on the thread serving the node (beaconPool.ts).
    if (!(await verify(opts.config, answer.round, answer.signature))) {
      throw new Error(`signature does not verify for round ${answer.round}`);
    }
    return answer;
  }

  return {
    getRound(round: bigint, signal?: AbortSignal): Promise<RelayRound> {
      if (round < 1n) return Promise.reject(new RangeError(`beacon round must be ≥ 1, got ${round}`));
      return fetchVerified(round.toString(), round, signal);
    },
    getLatest(signal?: AbortSignal): Promise<RelayRound> {
      return fetchVerified("latest", undefined, signal);
    },
  };
}

/**
 * The relays as the sequencer's beacon source: a round every relay answers 404 for is "not
 * published yet" (undefined, retried quietly); any other failure throws and is logged.
 */
export function relayBeaconSource(client: DrandRelayClient): BeaconSource {
  return {
    async getRound(round, signal) {
      try {
        return (await client.getRound(round, signal)).signature;
      } catch (e) {
        if (e instanceof RollupError && e.code === BEACON_RELAY_ERROR.UNAVAILABLE) return undefined;
        throw e;
      }
    },
  };
}

function allFailed(failures: readonly RelayFailure[], expectedRound: bigint | undefined): RollupError {
  const allNotFound = failures.every((f) => f.status === 404);
  const what = expectedRound === undefined ? "the latest beacon round" : `beacon round ${expectedRound}`;
  return new RollupError(
    allNotFound ? BEACON_RELAY_ERROR.UNAVAILABLE : BEACON_RELAY_ERROR.FAILED,
    allNotFound
      ? `${what} is not published yet (404 from every relay)`
      : `no relay returned a verifiable ${what}: ${failures.map((f) => `${f.url}: ${f.reason}`).join("; ")}`,
    { round: expectedRound?.toString() ?? "latest", failures: [...failures] },
  );
}

/** The body as text, refusing (and cancelling) it once it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`answer too large (content-length above ${maxBytes} bytes)`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`answer too large (over ${maxBytes} bytes)`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
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
  const answer = parseRelayAnswer(text, expectedRound);
  if (!verifyBeaconRound(config, answer.round, answer.signature)) {
    throw new Error(`signature does not verify for round ${answer.round}`);
  }
  return answer;
}

/** parseRelayRound without the signature's pairing check (the caller makes it). */
function parseRelayAnswer(text: string, expectedRound: bigint | undefined): RelayRound {
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
