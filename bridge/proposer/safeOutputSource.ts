/**
 * Where the output proposer's "safe" L2 block comes from (bridge/proposer/outputProposer.ts):
 *
 * - {@link derivedSafeOutput}: a node that derives from L1 (a verifier): its safe head, citing the
 *   L1 block that decided it (the store's derivation cursor). This is the real rule: only blocks
 *   that L1 data alone reproduces are posted.
 * - {@link laggingHeadOutput}: the sequencer's own head, `lagBlocks` behind, citing the block's L1
 *   origin (or, for a chain without L1 origins, nothing: the proposer then cites L1's latest).
 *   Acceptable only until a verifier runs beside the sequencer, and only as an explicit choice
 *   (createNode `opts.proposer`, which `flops devnet` passes; bridge/README.md): it posts what the
 *   sequencer built, not what L1 data derives.
 * @module
 */
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { DerivedFrom, StoredBlockData } from "../../store/chainStore.ts";
import type { SafeOutput } from "./outputProposer.ts";

/** Blocks by number: the store, or a node backend's synchronous reads. */
export interface BlockSource {
  getBlock(number: bigint): Pick<StoredBlockData, "block" | "hash"> | undefined;
}

function outputOf(
  b: Pick<StoredBlockData, "block" | "hash">,
): Pick<SafeOutput, "l2BlockNumber" | "outputRoot"> {
  const h = b.block.header;
  return { l2BlockNumber: h.number, outputRoot: outputRoot(h.stateRoot, h.withdrawalsRoot, b.hash) };
}

/** The sequencer's head minus `lagBlocks` (never genesis: the oracle starts at block 1). */
export function laggingHeadOutput(
  lagBlocks: number,
  m: BlockSource & { headNumber(): bigint },
): () => SafeOutput | undefined {
  if (!Number.isSafeInteger(lagBlocks) || lagBlocks < 0)
    throw new RangeError(`lagBlocks must be ≥ 0, got ${lagBlocks}`);
  return () => {
    const n = m.headNumber() - BigInt(lagBlocks);
    if (n < 1n) return undefined;
    const b = m.getBlock(n);
    if (b === undefined) return undefined;
    const origin = b.block.header.l1Origin;
    const l1 = origin.hash.every((x) => x === 0) ? undefined : { number: origin.number, hash: origin.hash };
    return { ...outputOf(b), l1 };
  };
}

/** A deriving node's safe head and the L1 block that decided it. */
export function derivedSafeOutput(
  m: BlockSource & { safeNumber(): bigint; derivedFrom(n: bigint): DerivedFrom | undefined },
): () => SafeOutput | undefined {
  return () => {
    const n = m.safeNumber();
    if (n < 1n) return undefined;
    const b = m.getBlock(n);
    const from = m.derivedFrom(n);
    if (b === undefined || from === undefined) return undefined;
    return { ...outputOf(b), l1: { number: from.l1Number, hash: from.l1Hash } };
  };
}
