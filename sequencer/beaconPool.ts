/**
 * The beacon's BLS work on a worker thread (beaconWorker.mjs): verifying a round (~25 ms of
 * pairing on the 2-core box) and the local beacon's signing (~10 ms). Before this, both ran on the
 * main thread as one piece: the local beacon's rounds were first verified inside the block build
 * (applyBeacon), a relay's inside the feed, so each new round held every request in flight for
 * ~35 ms (the longest stalls of the seventh round's ingest profile).
 *
 * A positive verdict from the worker, which runs chain/beacon's own `verifyBeaconRoundUncached`,
 * goes into chain/beacon's verdict cache (`rememberBeaconVerdict`): the build then finds the
 * round verified and costs a lookup. Nothing changes in what is valid; only where the pairing
 * runs. Any failure of the worker (it cannot start, it dies, it answers an error) falls back to
 * the same work on the calling thread, so a round is never refused for the worker's sake.
 * @module
 */
import { Worker } from "node:worker_threads";
import {
  createLocalBeacon,
  isBeaconRoundVerified,
  type LocalBeacon,
  rememberBeaconVerdict,
  verifyBeaconRound,
} from "../chain/beacon/index.ts";
import type { BeaconConfig } from "../chain/params.ts";

const WORKER_URL = new URL("./beaconWorker.mjs", import.meta.url);
/**
 * A job unanswered this long (a sign plus its check is ~35 ms; the worker's start ~0.5 s) means
 * a stuck worker: it is stopped, its jobs fail (their callers do the work themselves) and the next
 * job starts a new one.
 */
export const BEACON_JOB_TIMEOUT_MS = 10_000;

export interface BeaconPool {
  /** False once the worker failed or was closed (a new one is needed). */
  readonly alive: boolean;
  /** verifyBeaconRoundUncached's verdict, computed on the worker. */
  verify(config: BeaconConfig, round: bigint, signature: Uint8Array): Promise<boolean>;
  /**
   * The local beacon's signature of `round` under `secretKey`, and whether it verifies under
   * `config` (the chain's beacon), both computed on the worker.
   */
  sign(
    secretKey: Uint8Array,
    config: BeaconConfig,
    round: bigint,
  ): Promise<{ signature: Uint8Array; ok: boolean }>;
  /** Stops the worker; pending jobs reject. */
  close(): Promise<void>;
}

interface Answer {
  id: number;
  ok?: boolean;
  signature?: Uint8Array;
  error?: string;
}

function wireConfig(c: BeaconConfig) {
  return {
    publicKey: c.publicKey,
    genesisTime: c.genesisTime.toString(),
    periodSeconds: c.periodSeconds.toString(),
    scheme: c.scheme,
  };
}

export function createBeaconPool(jobTimeoutMs = BEACON_JOB_TIMEOUT_MS): BeaconPool {
  const worker = new Worker(WORKER_URL, { execArgv: [], name: "flops-beacon" });
  worker.unref();
  const pending = new Map<
    number,
    { resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  let nextId = 0;
  let dead: Error | undefined;
  const failAll = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    pending.clear();
  };
  worker.on("message", (a: Answer) => {
    const p = pending.get(a.id);
    if (p === undefined) return;
    pending.delete(a.id);
    clearTimeout(p.timer);
    // Referenced only while a job is out: an idle worker must not hold the process open.
    if (pending.size === 0) worker.unref();
    if (typeof a.error === "string") p.reject(new Error(`beacon worker: ${a.error}`));
    else if (typeof a.ok !== "boolean") p.reject(new Error("beacon worker: malformed answer"));
    else p.resolve(a);
  });
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => failAll(new Error(`beacon worker exited (${code})`)));
  const ask = (msg: object): Promise<Answer> => {
    if (dead !== undefined) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        failAll(new Error(`beacon worker: no answer in ${jobTimeoutMs} ms`));
        void worker.terminate();
      }, jobTimeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ id, ...msg });
    });
  };
  return {
    get alive() {
      return dead === undefined;
    },
    async verify(config, round, signature) {
      const a = await ask({ op: "verify", config: wireConfig(config), round: round.toString(), signature });
      return a.ok === true;
    },
    async sign(secretKey, config, round) {
      const a = await ask({ op: "sign", secretKey, config: wireConfig(config), round: round.toString() });
      if (!(a.signature instanceof Uint8Array)) throw new Error("beacon worker: no signature in its answer");
      return { signature: a.signature, ok: a.ok === true };
    },
    async close(): Promise<void> {
      failAll(new Error("beacon worker closed"));
      await worker.terminate();
    },
  };
}

let shared: BeaconPool | undefined;

/**
 * One pool per process, started on first use and kept (unreferenced while idle), so only the
 * first round pays the worker's start. A failed one is replaced.
 */
export function sharedBeaconPool(): BeaconPool {
  if (shared === undefined || !shared.alive) shared = createBeaconPool();
  return shared;
}

/**
 * verifyBeaconRound, with the pairing on the shared pool's worker: a triple already verified in
 * this process answers from chain/beacon's cache; a worker's `true` is remembered there; if the
 * worker fails, the check runs here.
 */
export async function verifyBeaconRoundOffThread(
  config: BeaconConfig,
  round: bigint,
  signature: Uint8Array,
  pool: () => BeaconPool = sharedBeaconPool,
): Promise<boolean> {
  if (isBeaconRoundVerified(config, round, signature)) return true;
  let ok: boolean;
  try {
    ok = await pool().verify(config, round, signature);
  } catch {
    return verifyBeaconRound(config, round, signature);
  }
  if (ok) rememberBeaconVerdict(config, round, signature);
  return ok;
}

/**
 * A local beacon that signs on the shared pool's worker and has its signature verified there too,
 * so that the block including the round finds it verified. If the worker fails, it signs here
 * (and the build verifies it, as before).
 */
export function offThreadLocalBeacon(
  secretKey: Uint8Array,
  opts: { genesisTime: bigint; periodSeconds: bigint },
  pool: () => BeaconPool = sharedBeaconPool,
): LocalBeacon & { signOffThread(round: bigint): Promise<Uint8Array> } {
  const local = createLocalBeacon(secretKey, opts);
  const key = Uint8Array.from(secretKey);
  return {
    config: local.config,
    sign: (round) => local.sign(round),
    async signOffThread(round) {
      let answer: { signature: Uint8Array; ok: boolean };
      try {
        answer = await pool().sign(key, local.config, round);
      } catch {
        return local.sign(round);
      }
      // A signature of this key that does not verify would be a bug in the signer: never pass it on.
      if (!answer.ok) throw new Error(`local beacon: the signature of round ${round} does not verify`);
      rememberBeaconVerdict(local.config, round, answer.signature);
      return answer.signature;
    },
  };
}
