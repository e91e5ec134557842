/**
 * Handlers of the read-only eth_/net_/web3_ facade (definitions: rpc/methods.ts ETH_RPC): enough
 * for wallets (eth_chainId) and viem's public actions (getChainId, getBlockNumber, getBlock) to
 * read the chain. Known eth_* methods that make no sense here answer -32004 with a pointer to the
 * flops_* equivalent where there is one.
 * @module
 */

import { ETH_RPC } from "../../../rpc/methods.ts";
import type { EthSyncing } from "../../../rpc/types.ts";
import type { StoredBlock, SyncStatus } from "../../ports.ts";
import { mapAwaitable, mapAwaitableWith } from "../awaitable.ts";
import { rpcError } from "../errors.ts";
import type { EthBlockAnswer } from "../ethBlock.ts";
import type { RpcContext } from "../registry.ts";
import { type MethodDef, serve, serveEncoded } from "../registry.ts";

interface BlockQuery {
  ctx: RpcContext;
  fullTx: boolean;
}

function blockResult(stored: StoredBlock | undefined, q: BlockQuery): EthBlockAnswer | null {
  return stored === undefined ? null : q.ctx.blocks.answer(stored, q.fullTx);
}

function ethSyncing(s: SyncStatus): EthSyncing {
  if (s.catchingUp === undefined) return false;
  return {
    startingBlock: s.catchingUp.startingBlock,
    currentBlock: s.unsafeL2.number,
    highestBlock: s.catchingUp.highestBlock,
  };
}

const TRUE = () => true;

export const ethMethods: readonly MethodDef[] = [
  serve(ETH_RPC.chainId, (_, ctx) => ctx.backend.chainId()),
  serve(ETH_RPC.netVersion, (_, ctx) => ctx.backend.chainId().toString(10)),
  serve(ETH_RPC.netListening, TRUE),
  serve(ETH_RPC.clientVersion, (_, ctx) => ctx.backend.clientVersion()),
  serve(ETH_RPC.blockNumber, (_, ctx) => ctx.backend.headNumber()),
  // Blocks are rendered from the byte-bounded cache (ethBlock.ts), already in JSON form.
  serveEncoded(ETH_RPC.getBlockByNumber, ([block, fullTx], ctx) =>
    mapAwaitableWith(ctx.backend.getBlockByNumber(block), blockResult, { ctx, fullTx }),
  ),
  serveEncoded(ETH_RPC.getBlockByHash, ([hash, fullTx], ctx) =>
    mapAwaitableWith(ctx.backend.getBlockByHash(hash), blockResult, { ctx, fullTx }),
  ),
  serve(ETH_RPC.syncing, (_, ctx) => mapAwaitable(ctx.backend.syncStatus(), ethSyncing)),
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
