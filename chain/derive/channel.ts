/**
 * Channels (PROTOCOL §5 "Batches", rule D3): a run of L2 blocks compressed into one byte string,
 * which the batcher splits into frames (frame.ts). The OP Stack's Fjord channel format with our
 * batch inside:
 *
 *   channel = version (u8, 1 = brotli) ‖ brotli(Batch)     Batch.blocks[i] = canonical BatchBlock
 *
 * Decoding is bounded: the decompressed size is capped at maxChannelBytes while it is produced
 * (a zip bomb stops there), the brotli stream must end exactly at the end of the channel (no
 * trailing bytes: every implementation must agree on what a channel holds), and the Batch must be
 * canonical. Nothing here throws on hostile input; drops are reason values.
 * @module
 */
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { concatAll } from "../bytes.ts";
import type { Result } from "../errors.ts";
import { keccak256, utf8 } from "../hash.ts";
import { type BatchBlock, decodeBatch, encodeBatch, encodeBatchBlock } from "../wire/index.ts";
import { CHANNEL_ID_BYTES, FRAME_OVERHEAD_BYTES, type Frame, MAX_FRAME_DATA_BYTES } from "./frame.ts";

/** The only channel version: brotli (RFC 7932). */
export const CHANNEL_VERSION_BROTLI = 1;
/**
 * Default brotli quality for the batcher (not consensus: any valid stream decodes). 9 compresses
 * within 0.1% of 10 and 11 on tx-like data at 2-7x their speed (measured, 600 KB of txs).
 */
export const DEFAULT_BROTLI_QUALITY = 9;

interface DecompressInfo {
  buffer: Uint8Array;
  engine: { bytesWritten: number };
}

/** Why a complete channel yields no blocks (D3). */
export type ChannelDropReason =
  | "empty"
  | "unknown channel version"
  | "decompressed size above maxChannelBytes"
  | "corrupt compressed data"
  | "trailing bytes after the compressed stream"
  | "malformed batch";

export interface ChannelEncodeOpts {
  /** brotli quality 0–11 (default {@link DEFAULT_BROTLI_QUALITY}). */
  quality?: number;
}

/** version ‖ brotli(Batch of the blocks' canonical BatchBlock bytes). */
export function encodeChannel(blocks: readonly BatchBlock[], opts: ChannelEncodeOpts = {}): Uint8Array {
  const batch = encodeBatch(blocks.map(encodeBatchBlock));
  const compressed = brotliCompressSync(batch, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: opts.quality ?? DEFAULT_BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: batch.length,
    },
  });
  const out = new Uint8Array(1 + compressed.length);
  out[0] = CHANNEL_VERSION_BROTLI;
  out.set(compressed, 1);
  return out;
}

/**
 * Splits a channel into frames of at most `maxFrameBytes` bytes each (overhead included), numbered
 * from 0, the last one marked. A channel always has at least one frame.
 */
export function splitChannel(channelId: Uint8Array, channel: Uint8Array, maxFrameBytes: number): Frame[] {
  if (channelId.length !== CHANNEL_ID_BYTES)
    throw new RangeError("splitChannel: channel id must be 16 bytes");
  const per = Math.min(maxFrameBytes - FRAME_OVERHEAD_BYTES, MAX_FRAME_DATA_BYTES);
  if (!Number.isSafeInteger(per) || per < 1)
    throw new RangeError(`splitChannel: maxFrameBytes ${maxFrameBytes} leaves no room for data`);
  const count = Math.max(1, Math.ceil(channel.length / per));
  if (count > 0x10000) throw new RangeError(`splitChannel: ${count} frames, above the u16 frame number`);
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    frames.push({
      channelId,
      number: i,
      data: channel.subarray(i * per, Math.min(channel.length, (i + 1) * per)),
      isLast: i === count - 1,
    });
  }
  return frames;
}

/**
 * A deterministic channel id for a run of blocks: the first 16 bytes of
 * keccak256("flops/channel/v0" ‖ first block hash ‖ last block hash). A batcher that re-posts the
 * same run after a restart reuses the id, so derivation drops the duplicate frames (D2).
 */
export function channelIdOf(firstBlockHash: Uint8Array, lastBlockHash: Uint8Array): Uint8Array {
  return keccak256(concatAll([utf8("flops/channel/v0"), firstBlockHash, lastBlockHash])).subarray(
    0,
    CHANNEL_ID_BYTES,
  );
}

/**
 * The BatchBlock entries of a complete channel (D3), still encoded (derivation decodes each one
 * alone, D4), or why the channel yields nothing. Never throws.
 */
export function decodeChannel(
  channel: Uint8Array,
  maxChannelBytes: number,
): Result<Uint8Array[], ChannelDropReason> {
  if (channel.length === 0) return { ok: false, error: "empty" };
  if (channel[0] !== CHANNEL_VERSION_BROTLI) return { ok: false, error: "unknown channel version" };
  const compressed = channel.subarray(1);
  let batch: Uint8Array;
  try {
    // maxOutputLength stops the decoder as soon as the output would pass the cap, so a bomb
    // never costs more than maxChannelBytes of memory.
    // `info: true` (untyped in @types/node 20) also returns the engine, whose bytesWritten is the
    // input consumed: Node ignores bytes after the end of the stream, other decoders may not.
    const decompress = brotliDecompressSync as unknown as (buf: Uint8Array, o: object) => DecompressInfo;
    const r = decompress(compressed, { info: true, maxOutputLength: Math.max(1, maxChannelBytes) });
    if (r.engine.bytesWritten !== compressed.length)
      return { ok: false, error: "trailing bytes after the compressed stream" };
    batch = new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.byteLength);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return {
      ok: false,
      error:
        code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError
          ? "decompressed size above maxChannelBytes"
          : "corrupt compressed data",
    };
  }
  try {
    return { ok: true, value: decodeBatch(batch) };
  } catch {
    return { ok: false, error: "malformed batch" };
  }
}
