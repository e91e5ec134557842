/**
 * Shared parts of the node benchmarks (rpcIngest, blockBuild, rpcRead): fast deterministic
 * signing with the native libsecp256k1 addon (the client's cost, paid before any timed window),
 * bench accounts, a node on a temp datadir, the separate load process, and machine-load notes.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { keccak256 } from "../chain/hash.ts";
import { addressFromUncompressed, signingHash } from "../chain/tx/index.ts";
import { signTx } from "../chain/tx/signTx.ts";
import type { Action, Address, SignedTx } from "../chain/types.ts";
import { encodeSignedTx, encodeTxBody } from "../chain/wire/index.ts";
import { startNode } from "../node/commands/node.ts";
import { createLogger } from "../node/logger.ts";

interface NativeSecp {
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
}

let native: NativeSecp | null | undefined;
function nativeSecp(): NativeSecp | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)("secp256k1") as NativeSecp;
    } catch {
      native = null;
    }
  }
  return native;
}

/** A bench account: key, address, next nonce. Signs natively when the addon loads (RFC 6979, low-s). */
export class BenchAccount {
  readonly address: Address;
  nonce = 0n;
  constructor(
    readonly privateKey: Uint8Array,
    readonly chainId: bigint,
  ) {
    const lib = nativeSecp();
    this.address = lib
      ? addressFromUncompressed(lib.publicKeyCreate(privateKey, false))
      : addressFromUncompressed(publicKeyNoble(privateKey));
  }

  /** Account `i` of a named key space (distinct spaces give disjoint keys). */
  static fromSeed(space: string, i: number, chainId: bigint): BenchAccount {
    return new BenchAccount(keccak256(new TextEncoder().encode(`bench/${space}/${i}`)), chainId);
  }

  sign(action: Action, nonce: bigint = this.nonce++): SignedTx {
    const body = { chainId: this.chainId, nonce, action };
    const lib = nativeSecp();
    if (!lib) return signTx(body, this.privateKey);
    const bodyBytes = encodeTxBody(body);
    const { signature: rs, recid } = lib.ecdsaSign(signingHash(bodyBytes), this.privateKey);
    const signature = new Uint8Array(65);
    signature.set(rs, 0);
    signature[64] = recid;
    const raw = encodeSignedTx(bodyBytes, signature);
    return { body, bodyBytes, signature, raw, hash: keccak256(raw) };
  }
}

function publicKeyNoble(sk: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(sk, false);
}

/** A temp dir removed by `cleanup()` (idempotent). */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `flops-bench-${prefix}-`));
  let done = false;
  return {
    dir,
    cleanup() {
      if (done) return;
      done = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Machine load, to record next to each figure (the 2 cores are shared). */
export function machineLoad(): string {
  const [a, b, c] = loadavg();
  return `loadavg ${a!.toFixed(2)} ${b!.toFixed(2)} ${c!.toFixed(2)}`;
}

/**
 * CPU seconds the main thread of this process has run (user + system), from
 * /proc/self/task/<pid>/stat on Linux; undefined elsewhere. Unlike event-loop utilization it does
 * not count time spent runnable but descheduled, so it holds up on a busy shared machine.
 */
export function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ of /proc's tick counts: 100 on every Linux ABI Node runs on. */
const CLOCK_TICKS = 100;

export const LOADGEN_URL = new URL("./loadgen.mjs", import.meta.url);

/** What the load process reports at the end (see loadgen.mjs). */
export interface LoadReport {
  sent: number;
  ok: number;
  rejected: number;
  errors: number;
  firstError?: string;
  rejectCodes?: Record<string, number>;
  seconds: number;
  /** Submit-to-inclusion (ingest mode). */
  included?: number;
  notIncluded?: number;
  p50?: number;
  p99?: number;
  max?: number;
  /** Acceptance rate over the window (ingest) or request rate (read). */
  rate: number;
  acceptRate?: number;
  inclusionVia?: string;
  /** Per-second completions (spread). */
  perSecond: number[];
  cpuSeconds: number;
}

/**
 * Runs the load process (a plain .mjs, its own event loop and process) with `config`; resolves
 * with its report. It is killed if it outlives `hardLimitMs`.
 */
export function runLoad(
  config: object,
  hardLimitMs: number,
): { done: Promise<LoadReport>; child: ChildProcess } {
  const child = fork(LOADGEN_URL, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const done = new Promise<LoadReport>((resolve, reject) => {
    let report: LoadReport | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`load process exceeded ${hardLimitMs} ms`));
    }, hardLimitMs);
    child.on("message", (m: { type: string; report?: LoadReport; error?: string }) => {
      if (m.type === "report") report = m.report;
      else if (m.type === "error") reject(new Error(`load process: ${m.error}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (report) resolve(report);
      else reject(new Error(`load process exited (code ${code}) without a report`));
    });
    child.send({ type: "config", config });
  });
  return { done, child };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}

/**
 * The node a bench drives over HTTP: a sequencer on `datadir` from `genesis`, JSON-RPC on a free
 * local port without rate limits and with the per-IP connection cap lifted (one load process from
 * one address is the whole point), no metrics, warnings only (as JSON, on stderr). `cfg`: more
 * config keys (bench/rpcAdmit.ts lifts the mempool's limits).
 */
export function startBenchNode(
  datadir: string,
  genesis: GenesisDoc,
  blockTimeMs: number,
  cfg: Record<string, number> = {},
) {
  return startNode({
    datadir,
    genesis,
    genesisInitOnly: true,
    cfg: {
      "rpc.addr": "127.0.0.1",
      "rpc.port": 0,
      "rpc.rate-limit": 0,
      "rpc.max-connections-per-ip": 4096,
      "block-time-ms": blockTimeMs,
      "metrics.enabled": false,
      "metrics.addr": "127.0.0.1",
      "metrics.port": 0,
      ...cfg,
    },
    beaconUrls: [],
    log: createLogger({ level: "warn", format: "json", destination: 2 }),
  });
}
