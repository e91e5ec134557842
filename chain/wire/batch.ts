/**
 * Codec of batches: a list of encoded blocks, posted to L1 (after compression, by the batcher).
 * Entries stay bytes so derivation can decode each block on its own and replace only the invalid
 * ones with empty blocks (PROTOCOL §5).
 * @module
 */
import { decodeCanonical, EncodeError, encodeMessage, type PbBytes } from "./codec.ts";
import { PB } from "./schema.ts";

interface PbBatch {
  blocks: PbBytes[];
}

function batchToPb(blocks: readonly Uint8Array[]): object {
  for (let i = 0; i < blocks.length; i++) {
    if (!(blocks[i] instanceof Uint8Array)) throw new EncodeError(`Batch.blocks[${i}]: expected bytes`);
  }
  return { blocks };
}

function batchFromPb(m: PbBatch): Uint8Array[] {
  // Absent repeated fields decode to protobufjs' shared frozen []; return a fresh array.
  return m.blocks.map((b) => (b.length === 0 ? new Uint8Array(0) : (b as Uint8Array)));
}

/** Encodes a batch of encoded blocks (see encodeBlock). */
export function encodeBatch(blocks: readonly Uint8Array[]): Uint8Array {
  return encodeMessage(PB.Batch, batchToPb(blocks));
}

/** Decodes canonical Batch bytes into the encoded blocks (views into `bytes`, not yet decoded). */
export function decodeBatch(bytes: Uint8Array): Uint8Array[] {
  return decodeCanonical(PB.Batch, "Batch", bytes, batchFromPb, batchToPb);
}
