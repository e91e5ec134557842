/**
 * `flops bridge`: credits between L2 and the FlopsCredit ERC-20 on L1 (PROTOCOL §6, §6.1).
 *
 *   deposit  --amount A --to L2ADDR   Portal.depositCredits on L1 (burns the caller's ERC-20; the
 *                                     sequencer credits L2ADDR when it includes the L1 event)
 *   withdraw --amount A --to L1ADDR   the L2 withdraw tx (burns credits, adds a withdrawal leaf)
 *   prove    --tx HASH                Portal.proveWithdrawal against the newest valid output
 *   finalize --tx HASH                Portal.finalizeWithdrawal once the output is final
 *   status   --tx HASH [--json]       waiting-for-output | ready-to-prove | waiting-to-finalize
 *                                     (with the time it becomes final) | ready-to-finalize | finalized
 *   list     --address A [--json]     every withdrawal from or to A, with its state and L1 txs
 *
 * Amounts are credits with up to 18 decimals ("1.5"). L1 calls are simulated before they are sent:
 * one that would revert is refused, naming the contract's custom error (exit 1). The proof sent
 * is checked by this command first: the L2 node's output root must be the one posted on L1, and
 * the proof must verify against it (rpc/bridgeResults.ts), so a lying node cannot waste gas.
 * Exit codes: 0 ok, 1 runtime failure (unreachable node, revert, not found), 2 usage error.
 * @module
 */
import type { Command } from "commander";
import { getAddress, type Hex, parseEventLogs, parseUnits } from "viem";
import { PORTAL_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import {
  readWithdrawalStatus,
  type WithdrawalStatus,
  withdrawalL1Txs,
} from "../../bridge/withdrawals/withdrawalStatus.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { signTx } from "../../chain/tx/index.ts";
import type { Hash32 } from "../../chain/types.ts";
import { errorText, JsonRpcError, RpcTransportError } from "../../prover/errors.ts";
import { createRpcClient, type RpcClient } from "../../prover/rpcClient.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import type { WithdrawalInfo } from "../../rpc/types.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import { type CliIO, processIO } from "./io.ts";
import {
  L1_CLI_OPTIONS,
  type L1Context,
  openL1,
  revertText,
  SIGNER_OPTIONS,
  sendL1Call,
  unlockL1Signer,
  unlockSigner,
} from "./l1Send.ts";
import { CREDIT_DECIMALS, formatAddress, formatCredits, RPC_URL_OPTION } from "./status.ts";

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const AMOUNT_RE = /^(0|[1-9][0-9]{0,58})(\.[0-9]{1,18})?$/;
/** Withdrawals `list` gathers at most (pages are read until the node says there are no more). */
export const MAX_LISTED_WITHDRAWALS = 10_000;
/** How long `withdraw` waits for its L2 tx to be included. */
const L2_INCLUSION_TIMEOUT_MS = 60_000;

const addressOpt = (description: string) =>
  opt.string({
    required: true,
    description,
    valueName: "<address>",
    check: (v) => (ADDRESS_RE.test(v) ? undefined : "an address (0x + 40 hex digits)"),
  });
const AMOUNT_OPT = opt.string({
  required: true,
  description: `credits, up to ${CREDIT_DECIMALS} decimals (e.g. 1.5)`,
  valueName: "<credits>",
  check: (v) => (AMOUNT_RE.test(v) && /[1-9]/.test(v) ? undefined : "a positive decimal amount (e.g. 1.5)"),
});
const TX_OPT = opt.string({
  required: true,
  description: "the L2 withdraw tx hash",
  valueName: "<hash>",
  check: (v) => (HASH_RE.test(v) ? undefined : "a tx hash (0x + 64 hex digits)"),
});

/** "1.5" → base units. */
function amountUnits(text: string): bigint {
  const units = parseUnits(text, CREDIT_DECIMALS);
  if (units >= 2n ** 256n) throw new Error(`amount ${text} is above 2^256 base units`);
  return units;
}

function l2Client(url: string): RpcClient {
  return createRpcClient({ url, timeoutMs: 10_000, retries: 1, backoff: { initialMs: 200 } });
}

/** An L2 client's failure as one line naming the node (unreachable, or one without the bridge methods). */
function l2Error(url: string, e: unknown): Error {
  if (e instanceof RpcTransportError)
    return new Error(`cannot reach the L2 node's RPC at ${url}: ${errorText(e.cause ?? e)}`);
  if (e instanceof JsonRpcError && (e.meta.rpcCode === -32601 || e.meta.rpcCode === -32004)) {
    return new Error(
      `the node at ${url} does not serve ${e.meta.method} (not a bridge-serving node, or an older one)`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The withdrawal a tx made, or an error that says why there is none. */
async function withdrawalOf(client: RpcClient, tx: Hash32): Promise<WithdrawalInfo> {
  try {
    return await lookUpWithdrawal(client, tx);
  } catch (e) {
    throw l2Error(client.url, e);
  }
}

async function lookUpWithdrawal(client: RpcClient, tx: Hash32): Promise<WithdrawalInfo> {
  const w = await client.request(FLOPS_RPC.getWithdrawalByTx, tx);
  if (w !== undefined) return w;
  const r = await client.request(FLOPS_RPC.getTransactionReceipt, tx);
  const h = bytesToHex(tx);
  if (r === undefined) throw new Error(`tx ${h} is not included on L2 (unknown, or still pending)`);
  if (r.receipt.status === "failed")
    throw new Error(`tx ${h} failed on L2 (${r.receipt.error ?? "no reason"}): it made no withdrawal`);
  throw new Error(`tx ${h} is not a withdraw`);
}

function contractsOf(l1: L1Context) {
  return { portal: l1.deployment.contracts.Portal, oracle: l1.deployment.contracts.OutputOracle };
}

const wTuple = (w: WithdrawalInfo) => ({
  index: w.index,
  from: bytesToHex(w.from),
  to: bytesToHex(w.to),
  amount: w.amount,
  l2BlockNumber: w.l2BlockNumber,
});

/** Seconds → "2026-01-01T00:00:00.000Z" (L1 block time is seconds since the epoch). */
function isoTime(s: bigint): string {
  return new Date(Number(s) * 1000).toISOString();
}

export interface WithdrawalReport {
  withdrawal: WithdrawalInfo;
  status: WithdrawalStatus;
  proveTx?: Hex | undefined;
  finalizeTx?: Hex | undefined;
}

export function withdrawalToJson(r: WithdrawalReport): Record<string, unknown> {
  const w = r.withdrawal;
  return {
    txHash: bytesToHex(w.txHash),
    index: w.index.toString(),
    from: formatAddress(w.from),
    to: formatAddress(w.to),
    amount: w.amount.toString(),
    l2BlockNumber: w.l2BlockNumber.toString(),
    state: r.status.state,
    outputIndex: r.status.outputIndex?.toString() ?? null,
    finalizesAt: r.status.finalizesAt?.toString() ?? null,
    finalizesAtIso: r.status.finalizesAt === undefined ? null : isoTime(r.status.finalizesAt),
    proveTx: r.proveTx ?? null,
    finalizeTx: r.finalizeTx ?? null,
  };
}

function stateText(s: WithdrawalStatus): string {
  switch (s.state) {
    case "waiting-to-finalize":
      return `waiting-to-finalize: final at ${isoTime(s.finalizesAt!)} (unix ${s.finalizesAt}), proven against output #${s.outputIndex}`;
    case "ready-to-finalize":
      return `ready-to-finalize: output #${s.outputIndex} final since ${isoTime(s.finalizesAt!)}`;
    case "ready-to-prove":
      return `ready-to-prove: against output #${s.outputIndex}`;
    default:
      return s.state;
  }
}

export function formatWithdrawalText(r: WithdrawalReport): string {
  const w = r.withdrawal;
  const rows: Array<[string, string]> = [
    [
      "Withdrawal",
      `#${w.index}: ${formatCredits(w.amount)} credits from ${formatAddress(w.from)} to ${formatAddress(w.to)} on L1`,
    ],
    ["L2 tx", `${bytesToHex(w.txHash)} (block #${w.l2BlockNumber})`],
    ["State", stateText(r.status)],
  ];
  if (r.proveTx) rows.push(["Proven in", r.proveTx]);
  if (r.finalizeTx) rows.push(["Paid in", r.finalizeTx]);
  return `${rows.map(([k, v]) => `${k.padEnd(12)}${v}`).join("\n")}\n`;
}

/**
 * The prove and finalize txs, from the Portal's logs. Best effort: a provider that refuses the
 * range (a log-range cap) costs the tx hashes, not the answer (a warning says so).
 */
async function l1TxsOf(
  l1: L1Context,
  io: CliIO,
  index?: bigint,
): Promise<Awaited<ReturnType<typeof withdrawalL1Txs>>> {
  try {
    return await withdrawalL1Txs(
      l1.public,
      l1.deployment.contracts.Portal,
      BigInt(l1.deployment.deployBlock),
      index,
    );
  } catch (e) {
    io.stderr.write(`warning: cannot read the Portal's logs (${revertText(e)}): L1 tx hashes left out\n`);
    return new Map();
  }
}

async function report(l1: L1Context, io: CliIO, w: WithdrawalInfo): Promise<WithdrawalReport> {
  const status = await readWithdrawalStatus(l1.public, contractsOf(l1), w);
  const t = (await l1TxsOf(l1, io, w.index)).get(w.index);
  return {
    withdrawal: w,
    status: { state: status.state, ...pick(status) },
    proveTx: t?.proveTx,
    finalizeTx: t?.finalizeTx,
  };
}

function pick(s: WithdrawalStatus): Omit<WithdrawalStatus, "state"> {
  const out: Omit<WithdrawalStatus, "state"> = {};
  if (s.outputIndex !== undefined) out.outputIndex = s.outputIndex;
  if (s.finalizesAt !== undefined) out.finalizesAt = s.finalizesAt;
  return out;
}

export function registerBridgeCommand(program: Command, io: CliIO = processIO()): void {
  const bridge = program
    .command("bridge")
    .description(
      "Move credits between L2 and the FlopsCredit ERC-20 on L1: deposit, withdraw, prove, finalize",
    );
  const out = (json: boolean, value: unknown, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(value)}\n` : text);

  // --- deposit ----------------------------------------------------------------------------------
  const deposit = bridge
    .command("deposit")
    .description(
      "Burn FlopsCredit on L1 (Portal.depositCredits); the L2 address is credited when the L1 event is included",
    )
    .option("--json", "print one JSON object");
  const readDeposit = declareOptions(deposit, {
    ...L1_CLI_OPTIONS,
    ...SIGNER_OPTIONS,
    amount: AMOUNT_OPT,
    to: addressOpt("the L2 address to credit"),
  });
  deposit.action(async (flags: { json?: boolean }) => {
    const cfg = readDeposit();
    const amount = amountUnits(cfg.amount);
    const l1 = await openL1(cfg);
    const receipt = await sendL1Call(l1, await unlockL1Signer(l1, cfg, io), {
      label: "Portal.depositCredits",
      address: l1.deployment.contracts.Portal,
      abi: PORTAL_ABI,
      functionName: "depositCredits",
      args: [getAddress(cfg.to), amount],
    });
    const [event] = parseEventLogs({ abi: PORTAL_ABI, eventName: "CreditsDeposited", logs: receipt.logs });
    const depositId = event?.args.depositId;
    out(
      flags.json === true,
      {
        depositId: depositId?.toString() ?? null,
        to: getAddress(cfg.to),
        amount: amount.toString(),
        l1Tx: receipt.transactionHash,
        l1Block: receipt.blockNumber.toString(),
      },
      `deposited ${formatCredits(amount)} credits for ${getAddress(cfg.to)} on L2: deposit #${depositId}, L1 tx ${receipt.transactionHash} (block ${receipt.blockNumber})\n`,
    );
  });

  // --- withdraw ---------------------------------------------------------------------------------
  const withdraw = bridge
    .command("withdraw")
    .description(
      "Send the L2 withdraw tx: burns credits on L2, payable as FlopsCredit on L1 once proven and final",
    )
    .option("--json", "print one JSON object");
  const readWithdraw = declareOptions(withdraw, {
    rpc: RPC_URL_OPTION,
    ...SIGNER_OPTIONS,
    amount: AMOUNT_OPT,
    to: addressOpt("the L1 address to pay"),
  });
  withdraw.action(async (flags: { json?: boolean }) => {
    const cfg = readWithdraw();
    const amount = amountUnits(cfg.amount);
    const key = await unlockSigner(cfg, io);
    const client = l2Client(cfg.rpc);
    const [chainId, account] = await Promise.all([
      client.chainId(),
      client.getAccount(hexToBytes(key.address)),
    ]).catch((e: unknown) => {
      throw l2Error(cfg.rpc, e);
    });
    if (account.credits < amount) {
      throw new Error(
        `${formatAddress(hexToBytes(key.address))} holds ${formatCredits(account.credits)} credits on L2, less than ${formatCredits(amount)}`,
      );
    }
    const tx = signTx(
      { chainId, nonce: account.pendingNonce, action: { kind: "withdraw", to: hexToBytes(cfg.to), amount } },
      key.privateKey,
    );
    const sent = await client.sendRawTransaction(tx.raw);
    if (!sent.ok) throw new Error(`the node refused the withdraw tx: ${sent.code}: ${sent.message}`);
    const deadline = Date.now() + L2_INCLUSION_TIMEOUT_MS;
    let w: WithdrawalInfo | undefined;
    for (;;) {
      const r = await client.getReceipt(tx.hash);
      if (r !== undefined) {
        if (r.status !== "success")
          throw new Error(`the withdraw tx ${bytesToHex(tx.hash)} failed on L2: ${r.error ?? "no reason"}`);
        w = await withdrawalOf(client, tx.hash);
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the withdraw tx ${bytesToHex(tx.hash)} was not included within ${L2_INCLUSION_TIMEOUT_MS / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    out(
      flags.json === true,
      { txHash: bytesToHex(tx.hash), index: w.index.toString(), l2BlockNumber: w.l2BlockNumber.toString() },
      `withdrawal #${w.index} of ${formatCredits(amount)} credits to ${getAddress(cfg.to)}: L2 tx ${bytesToHex(tx.hash)} (block #${w.l2BlockNumber})\n`,
    );
  });

  // --- prove ------------------------------------------------------------------------------------
  const prove = bridge
    .command("prove")
    .description("Prove a withdrawal on L1 (Portal.proveWithdrawal) against the newest valid output")
    .option("--json", "print one JSON object");
  const readProve = declareOptions(prove, {
    rpc: RPC_URL_OPTION,
    ...L1_CLI_OPTIONS,
    ...SIGNER_OPTIONS,
    tx: TX_OPT,
  });
  prove.action(async (flags: { json?: boolean }) => {
    const cfg = readProve();
    const client = l2Client(cfg.rpc);
    const w = await withdrawalOf(client, hexToBytes(cfg.tx));
    const l1 = await openL1(cfg);
    const status = await readWithdrawalStatus(l1.public, contractsOf(l1), w);
    const output = status.facts.provable;
    if (status.state === "waiting-for-output" || output === undefined) {
      throw new Error(
        `withdrawal #${w.index} (L2 block #${w.l2BlockNumber}) is ${status.state}: no valid output on L1 covers its block yet`,
      );
    }
    const p = await client.request(FLOPS_RPC.getWithdrawalProof, w.index, output.l2BlockNumber);
    if (p === undefined)
      throw new Error(`the L2 node has no proof of withdrawal #${w.index} at block #${output.l2BlockNumber}`);
    // The proof already verified against the node's output (rpc/bridgeResults.ts); the output must
    // also be the one L1 holds, or the node is on another chain.
    if (bytesToHex(p.output.outputRoot) !== output.outputRoot.toLowerCase()) {
      throw new Error(
        `the L2 node's output root at block #${output.l2BlockNumber} (${bytesToHex(p.output.outputRoot)}) is not output #${output.index} on L1 (${output.outputRoot})`,
      );
    }
    const receipt = await sendL1Call(l1, await unlockL1Signer(l1, cfg, io), {
      label: "Portal.proveWithdrawal",
      address: l1.deployment.contracts.Portal,
      abi: PORTAL_ABI,
      functionName: "proveWithdrawal",
      args: [
        output.index,
        {
          stateRoot: bytesToHex(p.output.stateRoot),
          withdrawalsRoot: bytesToHex(p.output.withdrawalsRoot),
          l2BlockHash: bytesToHex(p.output.block.hash),
        },
        wTuple(w),
        bytesToHex(p.proof),
      ],
    });
    out(
      flags.json === true,
      {
        index: w.index.toString(),
        outputIndex: output.index.toString(),
        l1Tx: receipt.transactionHash,
        gasUsed: receipt.gasUsed.toString(),
      },
      `proved withdrawal #${w.index} against output #${output.index}: L1 tx ${receipt.transactionHash} (final at ${isoTime(output.finalizesAt)})\n`,
    );
  });

  // --- finalize ---------------------------------------------------------------------------------
  const finalize = bridge
    .command("finalize")
    .description("Pay a proven withdrawal on L1 (Portal.finalizeWithdrawal) once its output is final")
    .option("--json", "print one JSON object");
  const readFinalize = declareOptions(finalize, {
    rpc: RPC_URL_OPTION,
    ...L1_CLI_OPTIONS,
    ...SIGNER_OPTIONS,
    tx: TX_OPT,
  });
  finalize.action(async (flags: { json?: boolean }) => {
    const cfg = readFinalize();
    const w = await withdrawalOf(l2Client(cfg.rpc), hexToBytes(cfg.tx));
    const l1 = await openL1(cfg);
    const receipt = await sendL1Call(l1, await unlockL1Signer(l1, cfg, io), {
      label: "Portal.finalizeWithdrawal",
      address: l1.deployment.contracts.Portal,
      abi: PORTAL_ABI,
      functionName: "finalizeWithdrawal",
      args: [wTuple(w)],
    });
    out(
      flags.json === true,
      { index: w.index.toString(), l1Tx: receipt.transactionHash, gasUsed: receipt.gasUsed.toString() },
      `paid withdrawal #${w.index}: ${formatCredits(w.amount)} FlopsCredit to ${formatAddress(w.to)}, L1 tx ${receipt.transactionHash}\n`,
    );
  });

  // --- status -----------------------------------------------------------------------------------
  const status = bridge
    .command("status")
    .description(
      "Where a withdrawal stands: waiting-for-output, ready-to-prove, waiting-to-finalize, ready-to-finalize, finalized",
    )
    .option("--json", "print one JSON object (bigints as decimal strings)");
  const readStatus = declareOptions(status, { rpc: RPC_URL_OPTION, ...L1_CLI_OPTIONS, tx: TX_OPT });
  status.action(async (flags: { json?: boolean }) => {
    const cfg = readStatus();
    const w = await withdrawalOf(l2Client(cfg.rpc), hexToBytes(cfg.tx));
    const r = await report(await openL1(cfg), io, w);
    out(flags.json === true, withdrawalToJson(r), formatWithdrawalText(r));
  });

  // --- list -------------------------------------------------------------------------------------
  const list = bridge
    .command("list")
    .description("Every withdrawal from or to an address, with its state and L1 txs")
    .option("--json", "print one JSON object");
  const readList = declareOptions(list, {
    rpc: RPC_URL_OPTION,
    ...L1_CLI_OPTIONS,
    address: addressOpt("the L2 sender or L1 recipient"),
  });
  list.action(async (flags: { json?: boolean }) => {
    const cfg = readList();
    if (!ADDRESS_RE.test(cfg.address)) throw usageError(list, "--address must be 0x + 40 hex digits");
    const client = l2Client(cfg.rpc);
    const l1 = await openL1(cfg);
    const found: WithdrawalInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client
        .request(FLOPS_RPC.getWithdrawals, hexToBytes(cfg.address), {
          limit: 100,
          ...(cursor === undefined ? {} : { cursor }),
        })
        .catch((e: unknown) => {
          throw l2Error(cfg.rpc, e);
        });
      found.push(...page.withdrawals);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && found.length < MAX_LISTED_WITHDRAWALS);
    const truncated = cursor !== undefined;
    const txs = await l1TxsOf(l1, io);
    const reports: WithdrawalReport[] = [];
    for (const w of found) {
      const s = await readWithdrawalStatus(l1.public, contractsOf(l1), w);
      const t = txs.get(w.index);
      reports.push({
        withdrawal: w,
        status: { state: s.state, ...pick(s) },
        proveTx: t?.proveTx,
        finalizeTx: t?.finalizeTx,
      });
    }
    if (truncated) io.stderr.write(`warning: listing stopped at ${found.length} withdrawals\n`);
    if (flags.json === true) {
      out(
        true,
        { address: getAddress(cfg.address), withdrawals: reports.map(withdrawalToJson), truncated },
        "",
      );
      return;
    }
    if (reports.length === 0) io.stdout.write(`no withdrawals from or to ${getAddress(cfg.address)}\n`);
    for (const r of reports) {
      const w = r.withdrawal;
      const l1Tx = r.finalizeTx ?? r.proveTx ?? "-";
      io.stdout.write(
        `#${w.index}  ${formatCredits(w.amount).padStart(12)}  ${r.status.state.padEnd(19)}  L2 ${bytesToHex(w.txHash)}  L1 ${l1Tx}\n`,
      );
    }
  });
}
