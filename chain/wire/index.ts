/**
 * The wire format (PROTOCOL §5): protobuf schema flops.v1 and the codecs between the domain types
 * of chain/types.ts and canonical bytes. Every decoder accepts only the one canonical encoding.
 * @module
 */
export { decodeAccount, encodeAccount } from "./account.ts";
export { decodeBatch, encodeBatch } from "./batch.ts";
export { type BatchBlock, type BeaconTx, decodeBatchBlock, encodeBatchBlock } from "./batchBlock.ts";
export { blockHash, decodeBlock, decodeBlockHeader, encodeBlock, encodeBlockHeader } from "./block.ts";
export { decodeChallenge, encodeChallenge } from "./challenge.ts";
export { EncodeError } from "./codec.ts";
export { decodeNodeRecord, encodeNodeRecord } from "./nodeRecord.ts";
export { decodeReceipt, encodeReceipt } from "./receipt.ts";
export { decodeSignedTx, decodeTxBody, encodeSignedTx, encodeTxBody } from "./signedTx.ts";
export { decodeSystemTx, encodeSystemTx, systemTxHash } from "./systemTx.ts";
export { decodeWithdrawal, encodeWithdrawal } from "./withdrawal.ts";
