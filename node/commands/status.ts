/**
 * `flops status --rpc URL [--address ADDR | --keystore FILE] [--json]`: a client of a running
 * node's JSON-RPC (the Livepeer/Hyperspace pattern). Heights and sync state, and for a node
 * address its credits, multiplier, streak and challenge counts. Human text by default; with
 * `--json` one JSON object on stdout (bigints as decimal strings) for scripts.
 * Exit codes: 0 ok, 1 node unreachable or failing, 2 usage error.
 *
 * Also home of the credit and multiplier formatting the prover command shares.
 * @module
 */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { getAddress } from "viem";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import type { Address } from "../../chain/types.ts";
import { errorText, RpcTransportError } from "../../prover/errors.ts";
import type { AccountView, NodeInfo } from "../../prover/ports.ts";
import { createRpcClient } from "../../prover/rpcClient.ts";
import type { BlockRef, SyncInfo } from "../../rpc/types.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import { KEYSTORE_OPTIONS, listKeystores } from "../keystore.ts";
import { type CliIO, processIO } from "./io.ts";

/** Default JSON-RPC endpoint of a local node. */
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
/** Credits have 18 decimals (1:1 with the L1 ERC-20). */
export const CREDIT_DECIMALS = 18;

/** `--rpc` (env FLOPS_RPC), shared by the commands that talk to a node. */
export const RPC_URL_OPTION = opt.url({
  default: DEFAULT_RPC_URL,
  protocols: ["http", "https"],
  description: "the node's JSON-RPC endpoint",
});

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

const STATUS_OPTIONS = {
  rpc: RPC_URL_OPTION,
  address: opt.string({
    description: "node address to show (0x + 40 hex digits)",
    valueName: "<address>",
    check: (v) => (ADDRESS_RE.test(v) ? undefined : "an address (0x + 40 hex digits)"),
  }),
  keystore: {
    ...KEYSTORE_OPTIONS.keystore,
    description: "show the node of this keystore file (no password needed)",
  },
};

// ---------------------------------------------------------------------------------------------
// Formatting

/** Base units → decimal credits, trailing zeros dropped: 1500000000000000000n → "1.5". */
export function formatCredits(units: bigint, maxDecimals = CREDIT_DECIMALS): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(CREDIT_DECIMALS);
  const whole = abs / scale;
  let frac = (abs % scale).toString().padStart(CREDIT_DECIMALS, "0").slice(0, maxDecimals);
  frac = frac.replace(/0+$/, "");
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${wholeText}${frac === "" ? "" : `.${frac}`}`;
}

/** Basis points → "1.25×". */
export function formatMultiplier(bps: bigint): string {
  const whole = bps / 10_000n;
  const frac = (bps % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
  return `${whole}${frac === "" ? ".0" : `.${frac}`}×`;
}

/** A count with an SI prefix and a unit: (34359738368n, "ops") → "34.4 G ops". */
export function formatOps(ops: bigint, unit = "ops"): string {
  const units = ["", "k", "M", "G", "T", "P", "E"];
  let value = Number(ops);
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  const digits = i === 0 ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[i] === "" ? "" : `${units[i]} `}${unit}`;
}

/** EIP-55 checksummed 0x address. */
export function formatAddress(address: Address): string {
  return getAddress(bytesToHex(address));
}

/** What `flops status` gathered. */
export interface StatusReport {
  rpc: string;
  chainId: bigint;
  blockNumber: bigint;
  sync: SyncInfo;
  /** The address asked about, when one was given. */
  address?: Address;
  /** Its node record; undefined: not registered. */
  node?: NodeInfo | undefined;
  account?: AccountView;
}

function refText(r: BlockRef): string {
  return `#${r.number}`;
}

/** The human-readable report (lines without colours, so it reads the same in a log). */
export function formatStatusText(s: StatusReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(13)}${value}`);
  };
  row("RPC", `${s.rpc} (chain ${s.chainId})`);
  row(
    "Head",
    `#${s.blockNumber} (unsafe), safe ${refText(s.sync.safeL2)}, finalized ${refText(s.sync.finalizedL2)}`,
  );
  row("Sync", s.sync.syncing ? "syncing" : "synced");
  if (s.sync.currentL1 || s.sync.headL1) {
    const derived = s.sync.currentL1 ? `derived to ${refText(s.sync.currentL1)}` : "not deriving";
    const head = s.sync.headL1 ? `, L1 head ${refText(s.sync.headL1)}` : "";
    // The L1 blocks the L2 safe and finalized heads follow (a verifier).
    const safe = s.sync.safeL1 ? `, safe ${refText(s.sync.safeL1)}` : "";
    const finalized = s.sync.finalizedL1 ? `, finalized ${refText(s.sync.finalizedL1)}` : "";
    row("L1", `${derived}${head}${safe}${finalized}`);
  }
  if (s.address !== undefined) {
    const n = s.node;
    if (n === undefined) {
      const credits = s.account ? `; credits ${formatCredits(s.account.credits)}` : "";
      row("Node", `${formatAddress(s.address)}: not registered${credits}`);
    } else {
      row("Node", formatAddress(s.address));
      row("  Credits", formatCredits(n.credits));
      row("  Multiplier", `${formatMultiplier(n.multiplierBps)} (streak ${n.streak})`);
      row(
        "  Challenges",
        `passed ${n.passed} · failed ${n.failed} · expired ${n.expired} · cancelled ${n.cancelled} · open ${n.openChallenges}`,
      );
      const throughput =
        n.provenThroughput > 0n ? `; last proven ${formatOps(n.provenThroughput, "ops/s")}` : "";
      row("  Work", `${formatOps(n.totalWork)} total${throughput}`);
      row("  Earned", `${formatCredits(n.totalCredits)} credits in total`);
      row("  Registered", `at block #${n.registeredAt}`);
      if (s.account && s.account.pendingNonce > s.account.nonce) {
        row("  Pending", `${s.account.pendingNonce - s.account.nonce} tx(s) in the mempool`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

function refJson(r: BlockRef | undefined) {
  return r === undefined
    ? null
    : { number: r.number.toString(), hash: bytesToHex(r.hash), timestamp: r.timestamp.toString() };
}

/** The `--json` object: bigints as decimal strings, small counts as numbers, absent as null. */
export function statusToJson(s: StatusReport): Record<string, unknown> {
  const out: Record<string, unknown> = {
    rpc: s.rpc,
    chainId: s.chainId.toString(),
    blockNumber: s.blockNumber.toString(),
    sync: {
      syncing: s.sync.syncing,
      unsafeL2: refJson(s.sync.unsafeL2),
      safeL2: refJson(s.sync.safeL2),
      finalizedL2: refJson(s.sync.finalizedL2),
      currentL1: refJson(s.sync.currentL1),
      headL1: refJson(s.sync.headL1),
      safeL1: refJson(s.sync.safeL1),
      finalizedL1: refJson(s.sync.finalizedL1),
    },
  };
  if (s.address === undefined) return out;
  out.address = formatAddress(s.address);
  out.account = s.account
    ? {
        nonce: s.account.nonce.toString(),
        pendingNonce: s.account.pendingNonce.toString(),
        credits: s.account.credits.toString(),
      }
    : null;
  const n = s.node;
  out.node =
    n === undefined
      ? null
      : {
          credits: n.credits.toString(),
          multiplierBps: Number(n.multiplierBps),
          streak: n.streak,
          passed: n.passed,
          failed: n.failed,
          expired: n.expired,
          cancelled: n.cancelled,
          openChallenges: n.openChallenges,
          totalWork: n.totalWork.toString(),
          totalCredits: n.totalCredits.toString(),
          provenThroughput: n.provenThroughput.toString(),
          registeredAt: n.registeredAt.toString(),
          currentEpoch: n.currentEpoch.toString(),
          epochWork: n.epochWork.toString(),
          epochFailed: n.epochFailed,
        };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gathering

/** The address a keystore file claims (its `address` field or file name); no password needed. */
export function keystoreAddress(file: string): Address {
  const abs = resolve(file);
  const entry = listKeystores(dirname(abs), () => {}).find((e) => resolve(e.file) === abs);
  if (entry === undefined) throw new Error(`${file} is not a keystore file naming an address`);
  return hexToBytes(entry.address);
}

/** Reads everything the report shows. Throws the client's errors (RpcTransportError, ...). */
export async function gatherStatus(rpc: string, address: Address | undefined): Promise<StatusReport> {
  // Fail fast: a status check should answer in seconds, not ride out an outage.
  const client = createRpcClient({ url: rpc, timeoutMs: 5_000, retries: 1, backoff: { initialMs: 200 } });
  const [chainId, blockNumber, sync] = await Promise.all([
    client.chainId(),
    client.blockNumber(),
    client.syncStatus(),
  ]);
  const report: StatusReport = { rpc, chainId, blockNumber, sync };
  if (address !== undefined) {
    const [node, account] = await Promise.all([client.getNode(address), client.getAccount(address)]);
    report.address = address;
    report.node = node;
    report.account = account;
  }
  return report;
}

export function registerStatusCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("status")
    .description("Show a running node's heights and sync state, and a node address's credits and multiplier")
    .option("--json", "print one JSON object (bigints as decimal strings)");
  const readConfig = declareOptions(cmd, STATUS_OPTIONS);
  cmd.action(async (flags: { json?: boolean }) => {
    const cfg = readConfig();
    if (cfg.address !== undefined && cfg.keystore !== undefined) {
      throw usageError(cmd, "use either --address or --keystore, not both");
    }
    const address =
      cfg.address !== undefined
        ? hexToBytes(cfg.address)
        : cfg.keystore !== undefined
          ? keystoreAddress(cfg.keystore)
          : undefined;
    let report: StatusReport;
    try {
      report = await gatherStatus(cfg.rpc, address);
    } catch (e) {
      if (e instanceof RpcTransportError) {
        const why = /fetch refuses/.test(e.message)
          ? "fetch refuses to connect to that port (a Fetch standard 'bad port')"
          : errorText(e.cause ?? e);
        throw new Error(`cannot reach the node's RPC at ${cfg.rpc}: ${why}`);
      }
      throw new Error(`the node at ${cfg.rpc} failed to answer: ${errorText(e)}`);
    }
    io.stdout.write(
      flags.json === true ? `${JSON.stringify(statusToJson(report))}\n` : formatStatusText(report),
    );
  });
}
