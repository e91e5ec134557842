/**
 * `l1Methods`: the embedded L1's JSON-RPC methods over an L1Node: the eth_ subset viem, cast and
 * wallets use, net_/web3_, and Anvil's dev methods (evm_snapshot, evm_revert, evm_mine,
 * evm_increaseTime, evm_setNextBlockTimestamp, anvil_reorg). Everything else (eth_fillTransaction
 * included, which viem tries first and then falls back from) is -32601 "Method not found", as on Anvil.
 *
 * Bounds: raw txs and call data (maxTxBytes), eth_getLogs block ranges (maxLogBlockRange) and
 * result counts (maxLogResults), filter sizes, eth_feeHistory's block count and percentiles, and
 * the gas of eth_call/eth_estimateGas (callGasCap).
 * @module
 */
import { bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import type { RunTxResult } from "@ethereumjs/vm";
import { decodeAbiParameters, type Hex } from "viem";
import type { L1BlockRecord } from "./l1Chain.ts";
import { formatBlock, formatLog, formatReceipt, formatTx, quantity } from "./l1Format.ts";
import type { L1Node, ReorgTx } from "./l1Node.ts";
import {
  type BlockRef,
  type LogFilter,
  paramList,
  parseAddress,
  parseBlockRef,
  parseBool,
  parseCallRequest,
  parseData,
  parseHash,
  parseLogFilter,
  parseNumberish,
  parseQuantity,
} from "./l1Params.ts";
import { invalidParams, L1_RPC_CODE, L1RpcError, limitExceeded } from "./l1RpcError.ts";

export interface L1MethodLimits {
  /** Widest eth_getLogs block range. */
  maxLogBlockRange: number;
  /** Most logs one eth_getLogs returns; more is an error (narrow the range). */
  maxLogResults: number;
  /** Most addresses / alternatives per topic position in one log filter. */
  maxLogFilterAddresses: number;
  maxLogFilterTopics: number;
  /** Most blocks in one eth_feeHistory. */
  maxFeeHistoryBlocks: number;
  /** Gas of an eth_call / eth_estimateGas (geth's --rpc.gascap). */
  callGasCap: bigint;
}

export const DEFAULT_L1_METHOD_LIMITS: Readonly<L1MethodLimits> = {
  maxLogBlockRange: 10_000,
  maxLogResults: 10_000,
  maxLogFilterAddresses: 1_000,
  maxLogFilterTopics: 64,
  maxFeeHistoryBlocks: 1_024,
  callGasCap: 30_000_000n,
};

/** The priority fee eth_maxPriorityFeePerGas suggests (Anvil's): 1 gwei. */
const SUGGESTED_TIP = 1_000_000_000n;

export const L1_CLIENT_VERSION = "flops-embedded-l1/v0.1.0/ethereumjs-vm-10";

export type L1Method = (params: unknown) => Promise<unknown>;

const ERROR_SELECTOR = "0x08c379a0";

/** "execution reverted[: reason]" with the revert data, as geth answers a reverted call. */
function revertError(returnValue: Uint8Array): L1RpcError {
  const data = bytesToHex(returnValue) as Hex;
  let reason = "";
  if (data.startsWith(ERROR_SELECTOR)) {
    try {
      const [text] = decodeAbiParameters([{ type: "string" }], `0x${data.slice(10)}`);
      reason = `: ${text}`;
    } catch {
      // not a well-formed Error(string): the data alone
    }
  }
  return new L1RpcError(L1_RPC_CODE.EXECUTION_REVERTED, `execution reverted${reason}`, data);
}

export function l1Methods(
  node: L1Node,
  limits: L1MethodLimits,
  devAddresses: readonly Hex[],
): Map<string, L1Method> {
  const chain = node.chain;
  const maxData = node.opts.maxTxBytes;

  function resolve(ref: BlockRef): L1BlockRecord | undefined {
    if ("hash" in ref) return chain.blockByHash(ref.hash);
    if ("number" in ref) return chain.byNumber(ref.number);
    switch (ref.tag) {
      case "latest":
      case "pending":
        return chain.head;
      case "earliest":
        return chain.byNumber(0n);
      case "safe":
        return chain.byNumber(node.safeNumber());
      case "finalized":
        return chain.byNumber(node.finalizedNumber());
    }
  }

  function mustResolve(ref: BlockRef): L1BlockRecord {
    const record = resolve(ref);
    if (record === undefined) throw new L1RpcError(L1_RPC_CODE.RESOURCE_NOT_FOUND, "header not found");
    return record;
  }

  async function stateOf(params: unknown[], blockIndex: number) {
    const record = mustResolve(parseBlockRef(params[blockIndex]));
    return (await chain.stateAt(record)).stateManager;
  }

  async function runCall(params: unknown[]): Promise<{ result: RunTxResult; gas: bigint }> {
    const req = parseCallRequest(params[0], maxData);
    const record = mustResolve(parseBlockRef(params[1]));
    if (params[2] !== undefined && params[2] !== null)
      throw invalidParams("state overrides are not supported");
    const gas = req.gas === undefined || req.gas > limits.callGasCap ? limits.callGasCap : req.gas;
    const feeCap = req.maxFeePerGas ?? req.gasPrice;
    const baseFee = record.block.header.calcNextBaseFee();
    if (feeCap !== undefined && feeCap < baseFee) {
      throw new L1RpcError(
        L1_RPC_CODE.SERVER_ERROR,
        `max fee per gas less than block base fee: address ${req.from ?? "0x0"}, maxFeePerGas: ${feeCap}, baseFee: ${baseFee}`,
      );
    }
    try {
      return { result: await chain.call(record, req, gas), gas };
    } catch (e) {
      if (e instanceof L1RpcError) throw e;
      // A tx-level failure (fee cap below base fee, gas below intrinsic): geth's -32000.
      throw new L1RpcError(L1_RPC_CODE.SERVER_ERROR, (e as Error).message);
    }
  }

  function failure(result: RunTxResult, gas: bigint): L1RpcError | undefined {
    const error = result.execResult.exceptionError;
    if (error === undefined) return undefined;
    if (error.error === "revert") return revertError(result.execResult.returnValue);
    if (error.error === "out of gas") {
      return new L1RpcError(L1_RPC_CODE.SERVER_ERROR, `gas required exceeds allowance (${gas})`);
    }
    return new L1RpcError(L1_RPC_CODE.SERVER_ERROR, error.error);
  }

  async function estimateGas(params: unknown[]): Promise<Hex> {
    const { result, gas: cap } = await runCall(params);
    const fail = failure(result, cap);
    if (fail !== undefined) throw fail;
    const req = parseCallRequest(params[0], maxData);
    const record = mustResolve(parseBlockRef(params[1]));
    const succeeds = async (gas: bigint) =>
      (await chain.call(record, req, gas).catch(() => undefined))?.execResult.exceptionError === undefined;
    // Used gas is enough unless refunds or the 63/64 rule need more; then a binary search (geth's).
    let hi = result.totalGasSpent;
    if (await succeeds(hi)) return quantity(hi);
    let lo = hi;
    hi = cap;
    const optimistic = ((result.totalGasSpent + result.gasRefund + 2300n) * 64n) / 63n;
    if (optimistic < hi) {
      if (await succeeds(optimistic)) hi = optimistic;
      else lo = optimistic;
    }
    while (lo + 1n < hi && (hi - lo) * 1000n > hi * 15n) {
      const mid = (lo + hi) / 2n;
      if (await succeeds(mid)) hi = mid;
      else lo = mid;
    }
    return quantity(hi);
  }

  function getLogs(filter: LogFilter): Record<string, unknown>[] {
    let blocks: L1BlockRecord[];
    if (filter.blockHash !== undefined) {
      const record = chain.blockByHash(filter.blockHash);
      if (record === undefined) throw new L1RpcError(L1_RPC_CODE.RESOURCE_NOT_FOUND, "unknown block");
      blocks = [record];
    } else {
      const from = resolve(filter.fromBlock)?.number ?? chain.headNumber + 1n;
      const to = resolve(filter.toBlock)?.number ?? chain.headNumber;
      if (from > to) return [];
      if (to - from + 1n > BigInt(limits.maxLogBlockRange)) {
        throw limitExceeded(`query exceeds max block range ${limits.maxLogBlockRange}`);
      }
      blocks = [];
      for (let n = from; n <= to; n++) blocks.push(chain.byNumber(n)!);
    }
    const addresses = filter.addresses === undefined ? undefined : new Set(filter.addresses);
    const out: Record<string, unknown>[] = [];
    for (const record of blocks) {
      if (record.logCount === 0) continue;
      record.txs.forEach((tx, txIndex) => {
        for (const log of tx.receipt.logs) {
          if (addresses !== undefined && !addresses.has(log.address)) continue;
          if (
            !filter.topics.every(
              (want, i) => want === null || (log.topics[i] !== undefined && want.includes(log.topics[i]!)),
            )
          ) {
            continue;
          }
          if (out.length >= limits.maxLogResults) {
            throw limitExceeded(`query returned more than ${limits.maxLogResults} results`);
          }
          out.push(formatLog(log, record, txIndex));
        }
      });
    }
    return out;
  }

  function feeHistory(params: unknown[]): Record<string, unknown> {
    const count = parseNumberish(params[0], "blockCount");
    if (count < 1n || count > BigInt(limits.maxFeeHistoryBlocks)) {
      throw invalidParams(`blockCount must be 1..${limits.maxFeeHistoryBlocks}`);
    }
    const newest = mustResolve(parseBlockRef(params[1], "newestBlock"));
    const percentiles = params[2] ?? [];
    if (!Array.isArray(percentiles) || percentiles.length > 100)
      throw invalidParams("rewardPercentiles: at most 100");
    let previous = -1;
    for (const p of percentiles) {
      if (typeof p !== "number" || !(p >= 0 && p <= 100) || p < previous) {
        throw invalidParams("rewardPercentiles: ascending numbers 0..100");
      }
      previous = p;
    }
    const oldest = newest.number - count + 1n < 0n ? 0n : newest.number - count + 1n;
    const baseFees: Hex[] = [];
    const ratios: number[] = [];
    const rewards: Hex[][] = [];
    for (let n = oldest; n <= newest.number; n++) {
      const record = chain.byNumber(n)!;
      const header = record.block.header;
      const baseFee = header.baseFeePerGas ?? 0n;
      baseFees.push(quantity(baseFee));
      ratios.push(Number(header.gasUsed) / Number(header.gasLimit));
      // geth: tips sorted, each weighted by the gas its tx used.
      const tips = record.txs
        .map((t) => ({ tip: t.tx.getEffectivePriorityFee(baseFee), gas: t.receipt.gasUsed }))
        .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
      rewards.push(
        (percentiles as number[]).map((p) => {
          if (tips.length === 0) return "0x0";
          const threshold = (Number(header.gasUsed) * p) / 100;
          let sum = 0;
          for (const t of tips) {
            sum += Number(t.gas);
            if (sum >= threshold) return quantity(t.tip);
          }
          return quantity(tips[tips.length - 1]!.tip);
        }),
      );
    }
    baseFees.push(quantity(newest.block.header.calcNextBaseFee()));
    const result: Record<string, unknown> = {
      oldestBlock: quantity(oldest),
      baseFeePerGas: baseFees,
      gasUsedRatio: ratios,
      baseFeePerBlobGas: baseFees.map(() => "0x1"),
      blobGasUsedRatio: ratios.map(() => 0),
    };
    if (percentiles.length > 0) result.reward = rewards;
    return result;
  }

  function txJson(hash: Hex): Record<string, unknown> | null {
    const mined = chain.txByHash(hash);
    if (mined !== undefined) {
      const t = mined.block.txs[mined.index]!;
      return formatTx(t.tx, t.hash, t.sender, mined);
    }
    const pending = node.pool.get(hash);
    return pending === undefined
      ? null
      : formatTx(pending.tx, pending.hash, pending.sender, { block: null, index: null });
  }

  function parseReorgTxs(value: unknown): ReorgTx[] {
    if (!Array.isArray(value) || value.length > 1024)
      throw invalidParams("reorg txs: want at most 1024 [rawTx, block]");
    return value.map((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[1] !== "number") {
        throw invalidParams(`reorg txs[${i}]: want [rawTx, blockOffset]`);
      }
      return { raw: parseData(entry[0], `reorg txs[${i}]`, maxData), block: entry[1] };
    });
  }

  const table: Record<string, (params: unknown) => Promise<unknown> | unknown> = {
    web3_clientVersion: () => L1_CLIENT_VERSION,
    net_version: () => node.opts.chain.chainId.toString(),
    net_listening: () => true,
    eth_chainId: () => quantity(node.opts.chain.chainId),
    eth_syncing: () => false,
    eth_accounts: () => [...devAddresses],
    eth_blockNumber: () => quantity(chain.headNumber),
    eth_gasPrice: () => quantity(chain.nextBaseFee() + SUGGESTED_TIP),
    eth_maxPriorityFeePerGas: () => quantity(SUGGESTED_TIP),
    eth_feeHistory: (p) => feeHistory(paramList(p, 2, 3)),
    eth_getBalance: async (p) => {
      const params = paramList(p, 1, 2);
      const address = createAddressFromString(parseAddress(params[0], "address"));
      return quantity((await (await stateOf(params, 1)).getAccount(address))?.balance ?? 0n);
    },
    eth_getTransactionCount: async (p) => {
      const params = paramList(p, 1, 2);
      const address = parseAddress(params[0], "address");
      const nonce =
        (await (await stateOf(params, 1)).getAccount(createAddressFromString(address)))?.nonce ?? 0n;
      return quantity(params[1] === "pending" ? node.pool.pendingNonce(address, nonce) : nonce);
    },
    eth_getCode: async (p) => {
      const params = paramList(p, 1, 2);
      const address = createAddressFromString(parseAddress(params[0], "address"));
      return bytesToHex(await (await stateOf(params, 1)).getCode(address));
    },
    eth_getStorageAt: async (p) => {
      const params = paramList(p, 2, 3);
      const address = createAddressFromString(parseAddress(params[0], "address"));
      const slot = setLengthLeft(hexToBytes(quantityToEvenHex(parseQuantity(params[1], "slot"))), 32);
      const value = await (await stateOf(params, 2)).getStorage(address, slot);
      return bytesToHex(setLengthLeft(value, 32));
    },
    eth_getBlockByNumber: (p) => {
      const params = paramList(p, 2, 2);
      const record = resolve(parseBlockRef(params[0]));
      return record === undefined ? null : formatBlock(record, parseBool(params[1], "fullTransactions"));
    },
    eth_getBlockByHash: (p) => {
      const params = paramList(p, 2, 2);
      const record = chain.blockByHash(parseHash(params[0], "blockHash"));
      return record === undefined ? null : formatBlock(record, parseBool(params[1], "fullTransactions"));
    },
    eth_getTransactionByHash: (p) => txJson(parseHash(paramList(p, 1, 1)[0], "hash")),
    eth_getTransactionReceipt: (p) => {
      const mined = chain.txByHash(parseHash(paramList(p, 1, 1)[0], "hash"));
      return mined === undefined ? null : formatReceipt(mined.block, mined.index);
    },
    // Twice the cap here, so an oversized tx gets geth's "oversized data" from admit rather than a param error.
    eth_sendRawTransaction: (p) =>
      node.admit(hexToBytes(parseData(paramList(p, 1, 1)[0], "data", 2 * maxData))),
    eth_call: async (p) => {
      const { result, gas } = await runCall(paramList(p, 1, 3));
      const fail = failure(result, gas);
      if (fail !== undefined) throw fail;
      return bytesToHex(result.execResult.returnValue);
    },
    eth_estimateGas: (p) => estimateGas(paramList(p, 1, 3)),
    eth_getLogs: (p) =>
      getLogs(
        parseLogFilter(paramList(p, 1, 1)[0], {
          maxAddresses: limits.maxLogFilterAddresses,
          maxTopicAlternatives: limits.maxLogFilterTopics,
        }),
      ),
    evm_snapshot: (p) => {
      paramList(p, 0, 0);
      return quantity(node.snapshot());
    },
    evm_revert: (p) => node.revert(parseQuantity(paramList(p, 1, 1)[0], "snapshot id")),
    evm_mine: async (p) => {
      const params = paramList(p, 0, 1);
      await node.mine(params[0] === undefined ? undefined : parseNumberish(params[0], "timestamp"));
      return "0x0";
    },
    evm_increaseTime: (p) => Number(node.increaseTime(parseNumberish(paramList(p, 1, 1)[0], "seconds"))),
    evm_setNextBlockTimestamp: (p) => {
      node.setNextTimestamp(parseNumberish(paramList(p, 1, 1)[0], "timestamp"));
      return null;
    },
    anvil_reorg: async (p) => {
      const params = paramList(p, 1, 2);
      const depth = Number(parseNumberish(params[0], "depth"));
      await node.reorg(depth, params[1] === undefined ? undefined : parseReorgTxs(params[1]));
      return null;
    },
  };
  return new Map(Object.entries(table).map(([name, fn]) => [name, async (params: unknown) => fn(params)]));
}

function quantityToEvenHex(n: bigint): Hex {
  const hex = n.toString(16);
  return `0x${hex.length % 2 === 0 ? hex : `0${hex}`}`;
}
