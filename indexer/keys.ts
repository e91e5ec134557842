/**
 * The indexer's key registry: its own LevelDB (`<datadir>/indexer/`), never the chain's. Every
 * key starts with one of these prefixes (`// key -> value` per line; add a line before using a
 * new one, never reuse). All integers big-endian, so a key range is numeric order and every list
 * is one bounded range read (newest first: `reverse` with `lt` the cursor's key).
 * @module
 */
import { concatAll, u32ToBytes, u64ToBytes } from "../chain/bytes.ts";

export const IX = {
  META: 0x00, // 0x00 ‖ utf8 name -> value ("cursor": u64 number ‖ hash32 of the last indexed block; "totals": Totals JSON; "format": u32 layout version, indexer/indexer.ts)
  BLOCK: 0x01, // 0x01 ‖ u64 number -> BlockRecord JSON
  BLOCK_HASH: 0x02, // 0x02 ‖ blockHash(32) -> u64 number
  TX: 0x03, // 0x03 ‖ u64 block ‖ u32 first index (a multiple of 64) -> binary rows of up to 64 txs (indexer/txChunks.ts; system txs first, as in the block)
  TX_HASH: 0x04, // retired (format 1: txHash -> position); a tx's position is the chain store's tx index (store PREFIX.TX_INDEX)
  ADDRESS_TX: 0x05, // 0x05 ‖ address(20) ‖ u64 block -> (u32 index)*, ascending: the block's txs the address sent or received
  NODE: 0x06, // 0x06 ‖ address(20) -> u64 block of its register tx
  NODE_CHALLENGE: 0x07, // 0x07 ‖ address(20) ‖ u64 challengeId -> empty
  CHALLENGE: 0x08, // 0x08 ‖ u64 challengeId -> ChallengeRecord JSON (node, tier)
  CHALLENGE_EVENT: 0x09, // 0x09 ‖ u64 challengeId ‖ u64 block ‖ u32 index -> EventRecord JSON
  ROUND: 0x0a, // 0x0a ‖ u64 round -> u64 block ‖ u32 index ‖ u64 block time (ms): where a beacon round was included
  WITHDRAWAL: 0x0b, // 0x0b ‖ u64 withdrawal index -> WithdrawalRecord JSON
  DEPOSIT: 0x0c, // 0x0c ‖ u64 depositId -> DepositRecord JSON
  NODE_EPOCH: 0x0d, // 0x0d ‖ address(20) ‖ u64 epoch -> EpochRecord JSON (mutable: undone through UNDO)
  EPOCH: 0x0e, // 0x0e ‖ u64 epoch -> EpochRecord JSON, the whole chain's (mutable: undone through UNDO)
  UNDO: 0x0f, // 0x0f ‖ u64 number -> UndoRecord JSON: prior values of the mutable keys the block changed
  BATCH: 0x10, // 0x10 ‖ u64 batch index -> BatchRecord JSON: an L1 block's decided blocks, from derivation (indexer/batchLog.ts; not per block)
} as const;

const enc = new TextEncoder();

export function metaKey(name: string): Uint8Array {
  return concatAll([Uint8Array.of(IX.META), enc.encode(name)]);
}

/** prefix ‖ parts: the one key builder. */
export function ixKey(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  return concatAll([Uint8Array.of(prefix), ...parts]);
}

export const ADDRESS_TX_KEY_LEN = 29;

/** `IX.ADDRESS_TX ‖ address ‖ u64 block`, written into `out` at `at`; the key's view. */
export function putAddressTxKey(
  out: Uint8Array,
  at: number,
  address: Uint8Array,
  block8: Uint8Array,
): Uint8Array {
  out[at] = IX.ADDRESS_TX;
  out.set(address.subarray(0, 20), at + 1);
  out.set(block8, at + 21);
  return out.subarray(at, at + ADDRESS_TX_KEY_LEN);
}

/** `IX.ADDRESS_TX ‖ address ‖ u64 block`: one key per party and block. */
export function addressTxKey(address: Uint8Array, block8: Uint8Array): Uint8Array {
  return putAddressTxKey(new Uint8Array(ADDRESS_TX_KEY_LEN), 0, address, block8);
}

/** u64 block ‖ u32 index: a tx's position, and the order of every tx list. */
export function txPos(block: bigint, index: number): Uint8Array {
  return concatAll([u64ToBytes(block), u32ToBytes(index)]);
}

export const u64 = u64ToBytes;

/** The first key after every key that starts with `prefix` (a range's exclusive end). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  throw new Error("prefixEnd: the prefix is all 0xff");
}
