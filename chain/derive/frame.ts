/**
 * Frames and batcher data (PROTOCOL §5 "Batches", rule D1): the bytes one batcher tx posts to the
 * BatchInbox (`postBatch(bytes data)`). The OP Stack's frame format, unchanged:
 *
 *   data  = version (u8, 0) ‖ frame ‖ frame ‖ …            (at least one frame)
 *   frame = channel_id (16) ‖ frame_number (u16 BE) ‖ frame_data_length (u32 BE)
 *           ‖ frame_data ‖ is_last (u8, 0 or 1)             (23 bytes of overhead)
 *
 * Parsing is all or nothing per tx: if any frame is malformed, every frame of that tx is dropped,
 * with a reason value. Nothing here throws on hostile input.
 * @module
 */
import type { Result } from "../errors.ts";

/** The only batcher data version: a run of frames. */
export const BATCHER_DATA_VERSION = 0;
export const CHANNEL_ID_BYTES = 16;
/** channel_id + frame_number + frame_data_length + is_last. */
export const FRAME_OVERHEAD_BYTES = CHANNEL_ID_BYTES + 2 + 4 + 1;
/** Largest frame_data_length accepted (OP's cap): bounds what one length field can claim. */
export const MAX_FRAME_DATA_BYTES = 1_000_000;
/**
 * Default largest frame for the batcher (not consensus): a 120 KB calldata tx (op-batcher's
 * `--max-l1-tx-size-bytes`) less the version byte and the `postBatch(bytes)` ABI envelope
 * (selector, offset, length, padding).
 */
export const DEFAULT_MAX_FRAME_BYTES = 120_000 - 1 - 4 - 64 - 31;

export interface Frame {
  /** 16 bytes. */
  channelId: Uint8Array;
  /** u16 */
  number: number;
  data: Uint8Array;
  isLast: boolean;
}

/** Why a batcher tx's frames were dropped (D1). */
export type FrameDropReason =
  | "empty"
  | "unknown version"
  | "truncated frame header"
  | "frame data too long"
  | "truncated frame data"
  | "bad is_last byte";

export function frameBytes(f: Frame): number {
  return FRAME_OVERHEAD_BYTES + f.data.length;
}

/** version ‖ frames: one batcher tx's data. Throws on a frame the format cannot carry (a caller bug). */
export function encodeBatcherData(frames: readonly Frame[]): Uint8Array {
  if (frames.length === 0) throw new RangeError("encodeBatcherData: no frames");
  let size = 1;
  for (const f of frames) size += frameBytes(f);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = BATCHER_DATA_VERSION;
  let at = 1;
  for (const f of frames) {
    if (f.channelId.length !== CHANNEL_ID_BYTES) throw new RangeError("frame: channel id must be 16 bytes");
    if (!Number.isInteger(f.number) || f.number < 0 || f.number > 0xffff)
      throw new RangeError(`frame: number ${f.number} is not a u16`);
    if (f.data.length > MAX_FRAME_DATA_BYTES)
      throw new RangeError(`frame: ${f.data.length} bytes of data, above ${MAX_FRAME_DATA_BYTES}`);
    out.set(f.channelId, at);
    view.setUint16(at + 16, f.number);
    view.setUint32(at + 18, f.data.length);
    out.set(f.data, at + 22);
    at += 22 + f.data.length;
    out[at++] = f.isLast ? 1 : 0;
  }
  return out;
}

/**
 * The frames of one batcher tx's data (D1), or why all of them are dropped. Frame data are views
 * into `data`. Every length is checked before it is used; no input makes this throw.
 */
export function parseBatcherData(data: Uint8Array): Result<Frame[], FrameDropReason> {
  if (data.length === 0) return { ok: false, error: "empty" };
  if (data[0] !== BATCHER_DATA_VERSION) return { ok: false, error: "unknown version" };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames: Frame[] = [];
  let at = 1;
  // At least one frame: a version byte alone carries nothing.
  while (at < data.length || frames.length === 0) {
    if (data.length - at < FRAME_OVERHEAD_BYTES - 1) return { ok: false, error: "truncated frame header" };
    const channelId = data.subarray(at, at + CHANNEL_ID_BYTES);
    const number = view.getUint16(at + 16);
    const length = view.getUint32(at + 18);
    at += 22;
    if (length > MAX_FRAME_DATA_BYTES) return { ok: false, error: "frame data too long" };
    // + 1 for is_last.
    if (data.length - at < length + 1) return { ok: false, error: "truncated frame data" };
    const frameData = data.subarray(at, at + length);
    at += length;
    const last = data[at++];
    if (last !== 0 && last !== 1) return { ok: false, error: "bad is_last byte" };
    frames.push({ channelId, number, data: frameData, isLast: last === 1 });
  }
  return { ok: true, value: frames };
}
