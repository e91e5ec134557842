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
  SMT_STATE: KV_PREFIX.SMT_STATE, // 0x02 ‖ nodeHash(32) -> SMT node preimage (65 B, chain/smt/README.md)
  SMT_WITHDRAWALS: KV_PREFIX.SMT_WITHDRAWALS, // 0x03 ‖ nodeHash(32) -> SMT node preimage (65 B)
  // --- store/ repositories (0x10–0xff) ---
  META: 0x10, // 0x10 ‖ utf8 name -> value ("head": u64 number ‖ hash32; "genesis": genesis JSON)
  BLOCK: 0x11, // 0x11 ‖ u64 number -> StoredBlockRecord (block bytes, receipts, senders)
  BLOCK_NUMBER: 0x12, // 0x12 ‖ blockHash(32) -> u64 number
  TX_INDEX: 0x13, // 0x13 ‖ txHash(32) -> u64 blockNumber ‖ u32 index (system txs first)
  PENDING: 0x14, // 0x14 ‖ txHash(32) -> raw signed tx admitted to the mempool, not yet in a block
} as const;

/** @public one key prefix of the registry above (knip: documented surface) */
export type Prefix = (typeof PREFIX)[keyof typeof PREFIX];

/** Lowest prefix store/ repositories may take. */
export const STORE_PREFIX_MIN = 0x10;
