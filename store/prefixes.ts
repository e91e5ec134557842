/**
 * The one registry of first-byte key prefixes in the database. Every key written to LevelDB
 * starts with one of these; add a line (`// key -> value`) before using a new one, never reuse.
 * 0x00–0x0f belong to the chain core (chain/state/keys.ts), which writes through the KV port;
 * store/ repositories take 0x10 and up.
 * @module
 */
import { KV_PREFIX } from "../chain/state/keys.ts";

export const PREFIX = {
  // --- chain core (0x00–0x0f) ---
  STATE_FLAT: KV_PREFIX.FLAT, // 0x01 ‖ namespace(1) ‖ id -> encoded state record
  SMT_STATE: KV_PREFIX.SMT_STATE, // 0x02 ‖ nodeHash(32) -> SMT node preimage (65 B) ‖ u64 birth block (chain/smt/README.md)
  SMT_WITHDRAWALS: KV_PREFIX.SMT_WITHDRAWALS, // 0x03 ‖ nodeHash(32) -> SMT node preimage (65 B) ‖ u64 birth block
  SMT_OBSOLETE: KV_PREFIX.SMT_OBSOLETE, // 0x04 ‖ tree(1): a block's obsolete node hashes in its state ops; never stored (refiled as SMT_DEATH_ROW)
  // --- store/ repositories (0x10–0xff) ---
  META: 0x10, // 0x10 ‖ utf8 name -> value ("head": u64 number ‖ hash32; "genesis": genesis JSON; "undoPruned": u64; "smtPruned": SMT pruner cursor, store/smtPruner.ts)
  BLOCK: 0x11, // 0x11 ‖ u64 number -> StoredBlockRecord (block bytes, receipts, senders)
  BLOCK_NUMBER: 0x12, // 0x12 ‖ blockHash(32) -> u64 number
  TX_INDEX: 0x13, // 0x13 ‖ txHash(32) -> u64 blockNumber ‖ u32 index (system txs first)
  PENDING: 0x14, // 0x14 ‖ txHash(32) -> raw signed tx admitted to the mempool, not yet in a block
  DERIVED: 0x15, // 0x15 ‖ u64 number -> derived block's L1 cursor: origin parentHash(32) ‖ u64 derivedFrom ‖ derivedFrom hash(32) [‖ u8 n ‖ (channel id(16) ‖ u64 openedAt ‖ u32 firstFrame)ⁿ: the channel bank before derivedFrom]
  UNDO: 0x16, // 0x16 ‖ u64 number -> (u32be len ‖ key, u32be len ‖ 0x00 (absent) | 0x01 ‖ prior value)*: state before the block
  SMT_DEATH_ROW: 0x17, // 0x17 ‖ u64 number ‖ tree(1) -> hashes (32 B each) of the tree's nodes block `number` made obsolete (store/smtDeathRow.ts)
} as const;

/** @public one key prefix of the registry above (knip: documented surface) */
export type Prefix = (typeof PREFIX)[keyof typeof PREFIX];

/** Lowest prefix store/ repositories may take. */
export const STORE_PREFIX_MIN = 0x10;
