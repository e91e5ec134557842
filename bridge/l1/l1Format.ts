/**
 * JSON-RPC shapes of the embedded L1's blocks, transactions, receipts and logs: the field names
 * and encodings geth and Anvil use (quantities as minimal hex, data as 0x hex), which viem's
 * formatters read.
 * @module
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { L1BlockRecord, L1Log } from "./l1Chain.ts";

export function quantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`;
}

/** Where a tx sits: in a block, or pending (all null). */
export interface TxPlace {
  block: L1BlockRecord | null;
  index: number | null;
}

export function formatTx(
  tx: TypedTransaction,
  hash: Hex,
  from: Hex,
  place: TxPlace,
): Record<string, unknown> {
  const json = tx.toJSON();
  const baseFee = place.block?.block.header.baseFeePerGas;
  const out: Record<string, unknown> = {
    type: quantity(tx.type),
    chainId: json.chainId,
    nonce: quantity(tx.nonce),
    gas: quantity(tx.gasLimit),
    to: tx.to === undefined ? null : tx.to.toString(),
    value: quantity(tx.value),
    input: bytesToHex(tx.data),
    r: json.r,
    s: json.s,
    v: json.v,
    hash,
    blockHash: place.block?.hash ?? null,
    blockNumber: place.block === null ? null : quantity(place.block.number),
    transactionIndex: place.index === null ? null : quantity(place.index),
    from,
  };
  if ("gasPrice" in json && json.gasPrice !== undefined) out.gasPrice = json.gasPrice;
  if (json.maxFeePerGas !== undefined) {
    out.maxFeePerGas = json.maxFeePerGas;
    out.maxPriorityFeePerGas = json.maxPriorityFeePerGas;
    // Mined: the price paid; pending: the fee cap, as geth reports.
    out.gasPrice =
      baseFee === undefined ? json.maxFeePerGas : quantity(tx.getEffectivePriorityFee(baseFee) + baseFee);
  }
  if (json.accessList !== undefined) out.accessList = json.accessList;
  if (json.authorizationList !== undefined) out.authorizationList = json.authorizationList;
  if (tx.type !== 0) out.yParity = json.v;
  return out;
}

export function formatLog(log: L1Log, record: L1BlockRecord, txIndex: number): Record<string, unknown> {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockHash: record.hash,
    blockNumber: quantity(record.number),
    blockTimestamp: quantity(record.block.header.timestamp),
    transactionHash: record.txs[txIndex]!.hash,
    transactionIndex: quantity(txIndex),
    logIndex: quantity(log.logIndex),
    removed: false,
  };
}

export function formatReceipt(record: L1BlockRecord, index: number): Record<string, unknown> {
  const tx = record.txs[index]!;
  const r = tx.receipt;
  return {
    type: quantity(tx.tx.type),
    status: quantity(r.status),
    cumulativeGasUsed: quantity(r.cumulativeGasUsed),
    logs: r.logs.map((log) => formatLog(log, record, index)),
    logsBloom: bytesToHex(r.logsBloom),
    transactionHash: tx.hash,
    transactionIndex: quantity(index),
    blockHash: record.hash,
    blockNumber: quantity(record.number),
    gasUsed: quantity(r.gasUsed),
    effectiveGasPrice: quantity(r.effectiveGasPrice),
    from: tx.sender,
    to: tx.tx.to === undefined ? null : tx.tx.to.toString(),
    contractAddress: r.contractAddress,
  };
}

export function formatBlock(record: L1BlockRecord, fullTxs: boolean): Record<string, unknown> {
  const h = record.block.header;
  const json = h.toJSON();
  return {
    hash: record.hash,
    parentHash: json.parentHash,
    sha3Uncles: json.uncleHash,
    miner: json.coinbase,
    stateRoot: json.stateRoot,
    transactionsRoot: json.transactionsTrie,
    receiptsRoot: json.receiptTrie,
    logsBloom: json.logsBloom,
    difficulty: json.difficulty,
    number: json.number,
    gasLimit: json.gasLimit,
    gasUsed: json.gasUsed,
    timestamp: json.timestamp,
    extraData: json.extraData,
    mixHash: json.mixHash,
    nonce: json.nonce,
    baseFeePerGas: json.baseFeePerGas,
    withdrawalsRoot: json.withdrawalsRoot,
    blobGasUsed: json.blobGasUsed,
    excessBlobGas: json.excessBlobGas,
    parentBeaconBlockRoot: json.parentBeaconBlockRoot,
    requestsHash: json.requestsHash,
    totalDifficulty: "0x0",
    size: quantity(record.block.serialize().length),
    uncles: [],
    transactions: record.txs.map((tx, i) =>
      fullTxs ? formatTx(tx.tx, tx.hash, tx.sender, { block: record, index: i }) : tx.hash,
    ),
    withdrawals: [],
  };
}
