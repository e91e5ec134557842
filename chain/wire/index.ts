/**
 * The wire format (PROTOCOL §5): protobuf schema flops.v1 and the codecs between the domain types
 * of chain/types.ts and canonical bytes. Every decoder accepts only the one canonical encoding.
 * @module
 */
export { decodeAccount, encodeAccount } from "./account.ts";
export { decodeBatch, encodeBatch } from "./batch.ts";
export { blockHash, decodeBlock, decodeBlockHeader, encodeBlock, encodeBlockHeader } from "./block.ts";
export { decodeChallenge, encodeChallenge } from "./challenge.ts";
export {
  ADDRESS_BYTES,
  BEACON_SIGNATURE_BYTES,
  EncodeError,
  HASH_BYTES,
  TX_SIGNATURE_BYTES,
} from "./codec.ts";
export { decodeNodeRecord, encodeNodeRecord } from "./nodeRecord.ts";
export { decodeReceipt, encodeReceipt } from "./receipt.ts";
export { FLOPS_PROTO, wireRoot } from "./schema.ts";
export { decodeSignedTx, decodeTxBody, encodeSignedTx, encodeTxBody } from "./signedTx.ts";
export { decodeSystemTx, encodeSystemTx, systemTxHash } from "./systemTx.ts";
export { decodeWithdrawal, encodeWithdrawal } from "./withdrawal.ts";
