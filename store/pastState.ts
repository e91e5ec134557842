/**
 * The state of an older block of the store, read without a copy: the head's state with the undo
 * records of the blocks above it laid over. A sequencer's derivation (bridge/derivation, follow
 * mode) executes the blocks it derives from L1 over this view, at its safe cursor a few seconds
 * behind the head, and compares their hashes with the blocks the sequencer built.
 *
 * The layer holds, for every key a block above the cursor changed, its value at the cursor
 * (the oldest undo record's prior wins); a key absent from the layer has the same value at the
 * cursor as at the head. Derived blocks advance the cursor by writing their ops into the layer.
 * Content-addressed keys (SMT nodes) are never in undo records and never change in place: a
 * node written by a newer block is simply unreachable from the cursor's root. Their ops are
 * skipped, so {@link PastStateKv.advance} is only for a block equal to the stored one (the store
 * holds its nodes).
 *
 * The store keeps moving (the sequencer commits blocks, or rewinds): {@link PastStateKv.refresh}
 * lays the new blocks' undo records over before each use, and rebuilds the layer when the
 * blocks it covered changed under it, or when the layer outgrew the window it needs (keys
 * written at the cursor and never again stay otherwise).
 * @module
 */

import { equalBytes } from "../chain/bytes.ts";
import { BytesMap } from "../chain/bytesMap.ts";
import { RollupError } from "../chain/errors.ts";
import type { KvOp, KvReader } from "../chain/kv.ts";
import type { Hash32 } from "../chain/types.ts";
import { type ChainStore, isContentAddressed } from "./chainStore.ts";

/** null: the key is absent at the cursor. */
type Layered = Uint8Array | null;

export class PastStateKv implements KvReader {
  private layer = new BytesMap<Layered>();
  private entries = 0;
  /** Entries right after the last rebuild: the layer is rebuilt when it grows well past it. */
  private builtEntries = 0;
  /** The store block whose undo records were laid over last, and its hash. */
  private covered = 0n;
  private coveredHash: Hash32 = new Uint8Array(32);

  /** The state at stored block `at`. Throws STORE_REWIND when a block above it has no undo record. */
  constructor(
    private readonly store: Pick<ChainStore, "kv" | "head" | "getBlock" | "undoEntries">,
    private at: bigint,
  ) {
    this.rebuild();
  }

  /** The block whose state this reads. */
  get cursor(): bigint {
    return this.at;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.layer.get(key);
    if (v !== undefined) return v ?? undefined;
    return this.store.kv.get(key);
  }

  /**
   * Lays the undo records of blocks the store committed since over the layer (rebuilding it when
   * the store rewound below what it covered). Call right before reading, in the same synchronous
   * step: a block committed between the two would show through.
   */
  refresh(): void {
    const head = this.store.head()?.header.number ?? 0n;
    const still = head >= this.covered ? this.store.getBlock(this.covered) : undefined;
    if (still === undefined || !equalBytes(still.hash, this.coveredHash) || head < this.at) {
      this.rebuild();
      return;
    }
    if (this.entries > 4 * this.builtEntries + 65_536) {
      this.rebuild();
      return;
    }
    this.layUndo(this.covered + 1n, head);
  }

  /** The cursor moves to block `at + 1`, whose (state) ops were `ops`: that block equals the stored one. */
  advance(ops: readonly KvOp[]): void {
    for (const op of ops) {
      if (isContentAddressed(op.key)) continue;
      this.set(op.key, op.type === "put" ? op.value : null);
    }
    this.at++;
  }

  private rebuild(): void {
    const head = this.store.head()?.header.number ?? 0n;
    if (head < this.at)
      throw new RollupError("STORE_REWIND", `the store's head ${head} is below block ${this.at}`);
    this.layer = new BytesMap<Layered>();
    this.entries = 0;
    this.covered = this.at;
    this.coveredHash = this.store.getBlock(this.at)!.hash;
    this.layUndo(this.at + 1n, head);
    this.builtEntries = this.entries;
  }

  /** Undo records of blocks from..to, oldest first: the first prior of a key is its value at the cursor. */
  private layUndo(from: bigint, to: bigint): void {
    for (let k = from; k <= to; k++) {
      const undo = this.store.undoEntries(k);
      const b = this.store.getBlock(k);
      if (undo === undefined || b === undefined)
        throw new RollupError("STORE_REWIND", `block ${k} has no undo record: the state before it is gone`);
      for (const [key, prior] of undo) if (this.layer.get(key) === undefined) this.set(key, prior ?? null);
      this.covered = k;
      this.coveredHash = b.hash;
    }
  }

  private set(key: Uint8Array, v: Layered): void {
    if (this.layer.get(key) === undefined) this.entries++;
    // BytesMap keeps the key's bytes in its arena: a reused key buffer is safe.
    this.layer.set(key, v);
  }
}
