/**
 * Where state lives, in two views:
 * - flat: KV key = FLAT ‖ namespace ‖ id → encoded record (fast reads, ordered scans such as
 *   listing nodes by address);
 * - committed: SMT key = sha256(namespace ‖ id), value hash = sha256(encoded record).
 * Both are written from the same dirty set at the end of every block.
 *
 * KV prefixes owned by the chain core (store/ registers them and keeps clear of 0x00–0x0f):
 *   0x01 FLAT ‖ ns ‖ id      -> encoded record
 *   0x02 SMT_STATE ‖ hash    -> state SMT node
 *   0x03 SMT_WITHDRAWALS ‖ h -> withdrawals SMT node
 *   0x04 SMT_OBSOLETE ‖ tree -> the block's obsolete nodes of that tree (tree = 0x02 or 0x03):
 *                               32-byte hashes; the store files them by block number and never
 *                               keeps this key (store/smtDeathRow.ts)
 * @module
 */
import { concatBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";

export const KV_PREFIX = { FLAT: 0x01, SMT_STATE: 0x02, SMT_WITHDRAWALS: 0x03, SMT_OBSOLETE: 0x04 } as const;

/** State namespaces (one byte, never reused). */
export const NS = {
  /** address -> Account */
  ACCOUNT: 0x01,
  /** address -> NodeRecord */
  NODE: 0x02,
  /** u64 challengeId -> Challenge */
  CHALLENGE: 0x03,
  /** u64 second -> deadline bucket [(deadline, id)] sorted */
  DEADLINES: 0x04,
  /** u64 round -> ids of challenges awaiting it */
  AWAITED: 0x05,
  /** u64 round -> 48-byte signature */
  ROUND: 0x06,
  /** u64 index -> Withdrawal */
  WITHDRAWAL: 0x07,
  /** u64 depositId -> 0x01 */
  DEPOSIT: 0x08,
  /** 0x00 -> Meta */
  META: 0x09,
} as const;
export type Namespace = (typeof NS)[keyof typeof NS];

export function flatKey(ns: Namespace, id: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + id.length);
  out[0] = KV_PREFIX.FLAT;
  out[1] = ns;
  out.set(id, 2);
  return out;
}

export function smtKey(ns: Namespace, id: Uint8Array): Uint8Array {
  return sha256(concatBytes(Uint8Array.of(ns), id));
}
