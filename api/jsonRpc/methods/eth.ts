/**
 * The read-only eth_/net_/web3_ facade: enough for wallets (eth_chainId) and viem's public
 * actions (getChainId, getBlockNumber, getBlock) to read the chain. Known eth_* methods that make
 * no sense here answer -32004 with a pointer to the flops_* equivalent where there is one.
 * @module
 */

import type { StoredBlock } from "../../ports.ts";
import { mapAwaitable, mapAwaitableWith } from "../awaitable.ts";
import { rpcError } from "../errors.ts";
import type { EthBlockAnswer } from "../ethBlock.ts";
import { formatEthSyncing, quantity } from "../format.ts";
import { blockTag, bool, hash32, optional } from "../params.ts";
import type { RpcContext } from "../registry.ts";
import { defineMethod, type MethodDef } from "../registry.ts";

interface BlockQuery {
  ctx: RpcContext;
  fullTx: boolean;
}

function blockResult(stored: StoredBlock | undefined, q: BlockQuery): EthBlockAnswer | null {
  return stored === undefined ? null : q.ctx.blocks.answer(stored, q.fullTx);
}

export const ethMethods: readonly MethodDef[] = [
  defineMethod("eth_chainId", [], (_, ctx) => quantity(ctx.backend.chainId())),
  // net_version is the chain id in decimal (Ethereum convention).
  defineMethod("net_version", [], (_, ctx) => ctx.backend.chainId().toString(10)),
  defineMethod("net_listening", [], () => true),
  defineMethod("web3_clientVersion", [], (_, ctx) => ctx.backend.clientVersion()),
  defineMethod("eth_blockNumber", [], (_, ctx) => mapAwaitable(ctx.backend.headNumber(), quantity)),
  defineMethod(
    "eth_getBlockByNumber",
    [blockTag("block"), optional(bool("fullTx"), false)],
    ([block, fullTx], ctx) =>
      mapAwaitableWith(ctx.backend.getBlockByNumber(block), blockResult, { ctx, fullTx }),
  ),
  defineMethod(
    "eth_getBlockByHash",
    [hash32("blockHash"), optional(bool("fullTx"), false)],
    ([hash, fullTx], ctx) => mapAwaitableWith(ctx.backend.getBlockByHash(hash), blockResult, { ctx, fullTx }),
  ),
  defineMethod("eth_syncing", [], (_, ctx) => mapAwaitable(ctx.backend.syncStatus(), formatEthSyncing)),
];

/** Known eth_ and net_ methods this chain does not serve → where to go instead (or ""). */
export const UNSUPPORTED_METHODS: Readonly<Record<string, string>> = {
  eth_sendRawTransaction: "flops_sendRawTransaction",
  eth_getTransactionByHash: "flops_getTransaction",
  eth_getTransactionReceipt: "flops_getTransactionReceipt",
  eth_getBalance: "flops_getAccount",
  eth_getTransactionCount: "flops_getAccount",
  eth_sendTransaction: "",
  eth_call: "",
  eth_estimateGas: "",
  eth_createAccessList: "",
  eth_simulateV1: "",
  eth_gasPrice: "",
  eth_maxPriorityFeePerGas: "",
  eth_feeHistory: "",
  eth_blobBaseFee: "",
  eth_getCode: "",
  eth_getStorageAt: "",
  eth_getProof: "",
  eth_getLogs: "",
  eth_newFilter: "",
  eth_newBlockFilter: "",
  eth_newPendingTransactionFilter: "",
  eth_getFilterChanges: "",
  eth_getFilterLogs: "",
  eth_uninstallFilter: "",
  eth_getBlockReceipts: "",
  eth_getBlockTransactionCountByHash: "",
  eth_getBlockTransactionCountByNumber: "",
  eth_getTransactionByBlockHashAndIndex: "",
  eth_getTransactionByBlockNumberAndIndex: "",
  eth_getUncleByBlockHashAndIndex: "",
  eth_getUncleByBlockNumberAndIndex: "",
  eth_getUncleCountByBlockHash: "",
  eth_getUncleCountByBlockNumber: "",
  eth_sign: "",
  eth_signTransaction: "",
  eth_signTypedData: "",
  eth_signTypedData_v4: "",
  eth_accounts: "",
  eth_requestAccounts: "",
  eth_coinbase: "",
  eth_mining: "",
  eth_hashrate: "",
  eth_getWork: "",
  eth_submitWork: "",
  eth_submitHashrate: "",
  eth_protocolVersion: "",
  net_peerCount: "",
};

/** One stub per unsupported method, so the dispatcher's single lookup finds them too. */
export const unsupportedMethods: readonly MethodDef[] = Object.entries(UNSUPPORTED_METHODS).map(
  ([name, instead]) => {
    const error = rpcError(
      "METHOD_NOT_SUPPORTED",
      instead === "" ? `Method not supported: ${name}` : `Method not supported: ${name} (use ${instead})`,
      { method: name },
    );
    // Params are not validated: the answer is the same whatever they are.
    return {
      name,
      params: [],
      invoke() {
        throw error;
      },
    };
  },
);
