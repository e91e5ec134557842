/**
 * Blocks of transfers made up for the indexer (its tests and bench/explorer.ts): never executed,
 * so the txs carry no real bytes or signatures, only what the index reads (hashes, senders,
 * recipients, receipts' status).
 */
import type { Block, Receipt, SignedTx } from "../../chain/types.ts";
import type { IndexedBlock } from "../../indexer/indexBlock.ts";

// Shared by every synthetic tx (the indexer never reads them): 15,000 typed arrays a block of the
// generator's own would be garbage collected inside bench/explorer.ts's timed indexing.
const NO_BYTES = new Uint8Array(0);
const NO_SIGNATURE = new Uint8Array(65);

export interface SyntheticTransfers {
  number: bigint;
  parentHash: Uint8Array;
  /** The block's hash (made up: nothing checks it against the header). */
  hash: Uint8Array;
  timestamp: bigint;
  /** The txs' hashes, 32 bytes each, packed: one buffer for the block. */
  txHashes: Uint8Array;
  from: (i: number) => Uint8Array;
  to: (i: number) => Uint8Array;
  /** Default: every tx succeeded. */
  failed?: (i: number) => boolean;
  /** Encoded size to report. */
  size: number;
}

/** One block of `txHashes.length / 32` transfers, tx i from `from(i)` to `to(i)`. */
export function syntheticTransferBlock(o: SyntheticTransfers): IndexedBlock {
  const txs: SignedTx[] = [];
  const receipts: Receipt[] = [];
  const senders: Uint8Array[] = [];
  for (let i = 0; i < o.txHashes.length / 32; i++) {
    const hash = o.txHashes.subarray(32 * i, 32 * i + 32);
    txs.push({
      body: { chainId: 1n, nonce: BigInt(i), action: { kind: "transfer", to: o.to(i), amount: 1n } },
      bodyBytes: NO_BYTES,
      signature: NO_SIGNATURE,
      raw: NO_BYTES,
      hash,
    });
    receipts.push({ txHash: hash, status: o.failed?.(i) === true ? "failed" : "success" });
    senders.push(o.from(i));
  }
  const z = new Uint8Array(32);
  const block: Block = {
    header: {
      number: o.number,
      parentHash: o.parentHash,
      timestamp: o.timestamp,
      l1Origin: { number: 0n, hash: z, timestamp: o.timestamp / 1000n },
      stateRoot: z,
      withdrawalsRoot: z,
      txRoot: z,
      receiptsRoot: z,
    },
    systemTxs: [],
    txs,
  };
  return { block, hash: o.hash, receipts, senders, size: o.size };
}
