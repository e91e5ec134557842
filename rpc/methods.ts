/**
 * Every method the node serves, defined once (rpc/method.ts): the flops_* namespace and the
 * read-only eth_/net_/web3_ facade. The server builds its method table from these plus a handler
 * each (api/jsonRpc/methods/); clients call them through `FlopsRpcSchema`.
 *
 * Lookups of something that does not exist answer `null` (as eth_getTransactionByHash does),
 * never an error.
 * @module
 */
import {
  outputResult,
  withdrawalPageResult,
  withdrawalProofResult,
  withdrawalResult,
} from "./bridgeResults.ts";
import { challengeProofResult } from "./challengeProofResults.ts";
import { defineMethod, type RpcSchemaOf } from "./method.ts";
import { outputSignatureResult } from "./operatorResults.ts";
import {
  address,
  anyObject,
  blockTag,
  bool,
  DEFAULT_PAGE_SIZE,
  data,
  hash32,
  oneOf,
  optional,
  pageOpts,
  quantity,
  shortString,
} from "./params.ts";
import {
  accountResult,
  boolResult,
  challengeResult,
  ethBlockResult,
  ethSyncingResult,
  genesisResult,
  hash32Result,
  nodePageResult,
  nodeResult,
  nullable,
  paramsResult,
  quantityResult,
  receiptResult,
  stringResult,
  syncResult,
  txResult,
} from "./results.ts";

/** The flops_* namespace: submit a signed tx; read txs, receipts, accounts, nodes, challenges, sync, params, genesis. */
export const FLOPS_RPC = {
  /** The canonical bytes of a signed tx → its hash; a refusal is an error with `data.code` (chain/errors.ts). */
  sendRawTransaction: defineMethod("flops_sendRawTransaction", [data("tx")], hash32Result),
  getTransaction: defineMethod("flops_getTransaction", [hash32("hash")], nullable(txResult)),
  getTransactionReceipt: defineMethod(
    "flops_getTransactionReceipt",
    [hash32("hash")],
    nullable(receiptResult),
  ),
  /** The zero account (nonces 0, credits 0) for an address never seen. */
  getAccount: defineMethod("flops_getAccount", [address("address")], accountResult),
  getNode: defineMethod("flops_getNode", [address("address")], nullable(nodeResult)),
  listNodes: defineMethod(
    "flops_listNodes",
    [optional(pageOpts("page"), { limit: DEFAULT_PAGE_SIZE })],
    nodePageResult,
  ),
  getChallenge: defineMethod("flops_getChallenge", [quantity("id")], nullable(challengeResult)),
  syncStatus: defineMethod("flops_syncStatus", [], syncResult),
  getParams: defineMethod("flops_getParams", [], paramsResult),
  getGenesis: defineMethod("flops_getGenesis", [], genesisResult),
  /** An L2 block's output root and its preimage (op-node's optimism_outputAtBlock); null: no such block. */
  outputAtBlock: defineMethod("flops_outputAtBlock", [blockTag("block")], nullable(outputResult)),
  /**
   * Withdrawal `index`, the output preimage of `block` and the SMT proof of the withdrawal under its
   * withdrawals root: what Portal.proveWithdrawal takes. null: no such block, or the withdrawal is
   * not in that block's tree (made later).
   */
  getWithdrawalProof: defineMethod(
    "flops_getWithdrawalProof",
    [quantity("index"), blockTag("block")],
    nullable(withdrawalProofResult),
  ),
  /**
   * Challenge `id`'s record as it stood in `block`'s state, with its SMT proof (inclusion, or
   * exclusion when there was none) under that block's state root and the block's output preimage:
   * what a fraud proof against an output of that block takes (PROTOCOL §6). Operators serve it
   * for the outputs they sign. null: no such block, or its state is older than this node keeps
   * (MAX_PROOF_DEPTH_BLOCKS below its head).
   */
  getChallengeProof: defineMethod(
    "flops_getChallengeProof",
    [quantity("id"), blockTag("block")],
    nullable(challengeProofResult),
  ),
  /** The withdrawal a withdraw tx made; null: unknown tx, not a withdraw, or it failed. */
  getWithdrawalByTx: defineMethod("flops_getWithdrawalByTx", [hash32("hash")], nullable(withdrawalResult)),
  /**
   * Withdrawals from or to `address`, oldest first. Each call reads a bounded number of records, so
   * a page may hold fewer than `limit` (even none) with a non-null `nextCursor`: go on until null.
   */
  getWithdrawals: defineMethod(
    "flops_getWithdrawals",
    [address("address"), optional(pageOpts("page"), { limit: DEFAULT_PAGE_SIZE })],
    withdrawalPageResult,
  ),
  /**
   * An operator node's BN254 signature over the docs/PROTOCOL.md §6 message of L2 block `n`, as it
   * derived it from finalized L1 data (`flops node --mode operator`). null: not derived or not
   * finalized yet (or too old). Other nodes answer -32004.
   */
  getOutputSignature: defineMethod(
    "flops_getOutputSignature",
    [quantity("l2BlockNumber")],
    nullable(outputSignatureResult),
  ),
} as const;

/** Enough for wallets (eth_chainId) and viem's public actions (getChainId, getBlockNumber, getBlock). */
export const ETH_RPC = {
  chainId: defineMethod("eth_chainId", [], quantityResult),
  /** The chain id in decimal (Ethereum convention). */
  netVersion: defineMethod("net_version", [], stringResult),
  netListening: defineMethod("net_listening", [], boolResult),
  clientVersion: defineMethod("web3_clientVersion", [], stringResult),
  blockNumber: defineMethod("eth_blockNumber", [], quantityResult),
  getBlockByNumber: defineMethod(
    "eth_getBlockByNumber",
    [blockTag("block"), optional(bool("fullTx"), false)],
    nullable(ethBlockResult),
  ),
  getBlockByHash: defineMethod(
    "eth_getBlockByHash",
    [hash32("blockHash"), optional(bool("fullTx"), false)],
    nullable(ethBlockResult),
  ),
  syncing: defineMethod("eth_syncing", [], ethSyncingResult),
  /** WebSocket only. The second param (a logs filter in Ethereum) is accepted and ignored. */
  subscribe: defineMethod(
    "eth_subscribe",
    [oneOf("subscription", ["newHeads"]), optional(anyObject("options"), {})],
    stringResult,
  ),
  unsubscribe: defineMethod("eth_unsubscribe", [shortString("subscription", 128)], boolResult),
} as const;

/** All of them, as a tuple: what `FlopsRpcSchema` is derived from. */
export const RPC_METHODS = [
  FLOPS_RPC.sendRawTransaction,
  FLOPS_RPC.getTransaction,
  FLOPS_RPC.getTransactionReceipt,
  FLOPS_RPC.getAccount,
  FLOPS_RPC.getNode,
  FLOPS_RPC.listNodes,
  FLOPS_RPC.getChallenge,
  FLOPS_RPC.syncStatus,
  FLOPS_RPC.getParams,
  FLOPS_RPC.getGenesis,
  FLOPS_RPC.outputAtBlock,
  FLOPS_RPC.getWithdrawalProof,
  FLOPS_RPC.getChallengeProof,
  FLOPS_RPC.getWithdrawalByTx,
  FLOPS_RPC.getWithdrawals,
  FLOPS_RPC.getOutputSignature,
  ETH_RPC.chainId,
  ETH_RPC.netVersion,
  ETH_RPC.netListening,
  ETH_RPC.clientVersion,
  ETH_RPC.blockNumber,
  ETH_RPC.getBlockByNumber,
  ETH_RPC.getBlockByHash,
  ETH_RPC.syncing,
  ETH_RPC.subscribe,
  ETH_RPC.unsubscribe,
] as const;

/**
 * The typed RPC schema of the node (viem `RpcSchema`, in the style of `EIP1474Methods`):
 * `createClient({transport, rpcSchema: rpcSchema<FlopsRpcSchema>()})` types
 * `client.request({method: "flops_getNode", params: [address]})` and its JSON answer.
 */
export type FlopsRpcSchema = RpcSchemaOf<typeof RPC_METHODS>;
