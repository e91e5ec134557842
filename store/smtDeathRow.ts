/**
 * The SMT garbage collector's bookkeeping, written with each block (docs/PROTOCOL.md Appendix D
 * "Storage", chain/smt/README.md): every node the block writes gets its birth stamp (the block's
 * number, in the 8 bytes after the preimage), and the list of nodes the block took out of each
 * tree (SMT_OBSOLETE in the state ops, from StateDb.commit) is filed as the block's death row.
 * store/smtPruner.ts later deletes a death-row node of block b once no retained root can reach
 * it: when b <= keepFrom and the node's birth stamp is below b.
 * @module
 */
import { u64ToBytes } from "../chain/bytes.ts";
import type { KvOp } from "../chain/kv.ts";
import { SMT_NODE_BYTES, SMT_STORED_NODE_BYTES } from "../chain/smt/smtHash.ts";
import { PREFIX } from "./prefixes.ts";

/** The trees the collector serves, in the order the pruner walks a block's death rows. */
export const SMT_TREES = [PREFIX.SMT_STATE, PREFIX.SMT_WITHDRAWALS] as const;

/** SMT_DEATH_ROW ‖ u64 block ‖ tree. */
export function deathRowKey(block: bigint, tree: number): Uint8Array {
  const k = new Uint8Array(10);
  k[0] = PREFIX.SMT_DEATH_ROW;
  k.set(u64ToBytes(block), 1);
  k[9] = tree;
  return k;
}

/** The block that last wrote a stored node (0 for a node stored before stamps: never newer than a death). */
export function birthOf(stored: Uint8Array): bigint {
  if (stored.length !== SMT_STORED_NODE_BYTES) return 0n;
  return new DataView(stored.buffer, stored.byteOffset + SMT_NODE_BYTES, 8).getBigUint64(0);
}

/**
 * A block's state ops as the store writes them: SMT node puts stamped with `block` (in place: the
 * values are the tree's fresh per-update buffer, handed over with the ops, and only their last 8
 * bytes change, which no reader looks at), and SMT_OBSOLETE entries refiled under the block's
 * death-row keys. Everything else passes through in order.
 */
export function fileSmtGarbage(stateOps: readonly KvOp[], block: bigint): KvOp[] {
  const out: KvOp[] = [];
  const stamp = u64ToBytes(block);
  for (const op of stateOps) {
    const p = op.key[0];
    if (p === PREFIX.SMT_STATE || p === PREFIX.SMT_WITHDRAWALS) {
      if (op.type === "put" && op.value.length === SMT_STORED_NODE_BYTES) {
        const v = op.value;
        for (let i = 0; i < 8; i++) v[SMT_NODE_BYTES + i] = stamp[i]!;
      }
      out.push(op);
    } else if (p === PREFIX.SMT_OBSOLETE) {
      // Only the block's own list travels, as a put; a delete of the scratch key means nothing here.
      if (op.type === "put" && op.key.length === 2 && op.value.length > 0)
        out.push({ type: "put", key: deathRowKey(block, op.key[1]!), value: op.value });
    } else out.push(op);
  }
  return out;
}
