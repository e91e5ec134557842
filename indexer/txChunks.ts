/**
 * The indexer's tx rows, packed {@link CHUNK_TXS} to a LevelDB entry: `IX.TX ‖ u64 block ‖ u32
 * first index` -> the rows of txs first..first+63 of that block (fewer in the block's last chunk).
 *
 * Why chunks: a 5,000-tx block as one entry per tx was 5,000 level puts plus their JSON, most of
 * the indexer's time (bench/explorer.ts); 79 entries carry the same rows, and a page of 50 reads
 * one to three of them. Why binary: a transfer's row is 78 bytes here against ~250 as tagged JSON,
 * and decoding it is a few field reads, no JSON.parse and no hex parsing.
 *
 * Layout (all integers big-endian):
 *   chunk = u64 block time (ms) ‖ u32 the block's tx count ‖ row*   (row k is tx `first + k`)
 *   row   = u16 body length ‖ body
 *   body  = u8 kind ‖ u8 flags ‖ hash(32) ‖ [from(20)] ‖ [to(20)] ‖ [amount: u8 n ‖ n bytes]
 *           ‖ [challengeId u64] ‖ [credits: u8 n ‖ n bytes] ‖ [error: u8 n ‖ n bytes utf8]
 * The flags say which optional fields follow; a failed status is a flag of its own. The block
 * number and index live in the key, so a row never repeats them. The block's tx count rides in
 * every chunk: a list that walks back reads a block's chunk 0 and knows its last chunk's key.
 * @module
 */
import type { TxKind, TxRecord } from "./records.ts";

/** Tx rows per chunk entry; chunk starts are multiples of it (a tx's chunk is found by division). */
export const CHUNK_TXS = 64;

/** Codes of the kinds, by position: append only (stored rows name kinds by these numbers). */
const KINDS: readonly TxKind[] = [
  "register",
  "challenge",
  "commit",
  "reveal",
  "transfer",
  "withdraw",
  "beacon",
  "deposit",
  "revoke",
];
const KIND_CODE = new Map<TxKind, number>(KINDS.map((k, i) => [k, i]));

const F_FROM = 1;
const F_TO = 2;
const F_AMOUNT = 4;
const F_CHALLENGE = 8;
const F_CREDITS = 16;
const F_FAILED = 32;
const F_ERROR = 64;

/** Bytes of a chunk's header: block time, block tx count. */
const HEADER = 12;

/** Error codes are short; a longer text is cut here so a row always fits its u8 length. */
const MAX_ERROR_BYTES = 255;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A stored chunk that does not parse: the index is damaged (it is never written from outside). */
export class TxChunkError extends Error {
  override readonly name = "TxChunkError";
}

/** The first index of the chunk that holds tx `index`. */
export function chunkStart(index: number): number {
  return index - (index % CHUNK_TXS);
}

/** `IX.TX ‖ u64 block ‖ u32 first`: 13 bytes. */
export function chunkKey(prefix: number, block: bigint, first: number): Uint8Array {
  const k = new Uint8Array(13);
  k[0] = prefix;
  const v = new DataView(k.buffer);
  v.setBigUint64(1, block);
  v.setUint32(9, first);
  return k;
}

const TWO_48 = 0x1000000000000n;

/** Bytes of an unsigned bigint, big-endian, minimal (0n is no bytes). */
function bigLen(v: bigint): number {
  if (v < 0n) throw new RangeError("txChunks: negative amount");
  if (v < TWO_48) {
    let n = 0;
    for (let y = Number(v); y >= 1; y = Math.floor(y / 256)) n++;
    return n;
  }
  const n = Math.ceil(v.toString(16).length / 2);
  if (n > 255) throw new RangeError("txChunks: amount over 255 bytes");
  return n;
}

/** Writes `v` as `n` big-endian bytes at `o` (n from {@link bigLen}). */
function putBig(b: Uint8Array, o: number, v: bigint, n: number): void {
  // Under 2^48 a double holds it exactly: the common amounts stay off BigInt shifts.
  if (v < TWO_48) {
    let x = Number(v);
    for (let i = n - 1; i >= 0; i--) {
      b[o + i] = x % 256;
      x = Math.floor(x / 256);
    }
    return;
  }
  let x = v;
  for (let i = n - 1; i >= 0; i--) {
    b[o + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function readBig(b: Uint8Array, at: number, n: number): bigint {
  // Up to 6 bytes fit a double exactly: the common case (amounts, credits of one tx) stays off BigInt math.
  if (n <= 6) {
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + b[at + i]!;
    return BigInt(x);
  }
  let x = 0n;
  for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(b[at + i]!);
  return x;
}

/**
 * Builds a block's chunks: {@link add} its txs in index order, {@link take} each chunk's value
 * when it is full (and the last). One buffer for the whole block, each chunk a view of it: a
 * block's chunks cost one allocation (or a few, as it grows), not one per chunk.
 */
export class TxChunkWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Where the chunk being built starts (its header). */
  private begin = 0;
  private len = HEADER;
  /** Rows in the chunk being built. */
  count = 0;

  constructor(
    private readonly timestamp: bigint,
    private readonly blockTxCount: number,
  ) {
    // A transfer's row is 78 bytes: room for the block's rows and headers, rarely grown.
    this.buf = new Uint8Array(HEADER * (1 + Math.ceil(blockTxCount / CHUNK_TXS)) + 80 * blockTxCount + 256);
    this.view = new DataView(this.buf.buffer);
    this.header();
  }

  private header(): void {
    this.view.setBigUint64(this.begin, this.timestamp);
    this.view.setUint32(this.begin + 8, this.blockTxCount);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    // Chunks taken so far keep viewing the old buffer; only the open chunk moves.
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len - this.begin + n + 1024));
    next.set(this.buf.subarray(this.begin, this.len));
    this.len -= this.begin;
    this.begin = 0;
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  add(t: TxRecord): void {
    const code = KIND_CODE.get(t.kind);
    if (code === undefined) throw new TxChunkError(`txChunks: unknown kind ${t.kind}`);
    if (t.hash.length !== 32 || (t.from && t.from.length !== 20) || (t.to && t.to.length !== 20))
      throw new TxChunkError("txChunks: a hash is 32 bytes, an address 20");
    const amountLen = t.amount === undefined ? -1 : bigLen(t.amount);
    const creditsLen = t.credits === undefined ? -1 : bigLen(t.credits);
    let err: Uint8Array | undefined;
    if (t.error !== undefined) {
      err = enc.encode(t.error);
      // Cut on a character boundary: the decoder marks a split last character with U+FFFD.
      if (err.length > MAX_ERROR_BYTES)
        err = enc.encode(dec.decode(err.subarray(0, MAX_ERROR_BYTES)).replace(/\uFFFD$/, ""));
    }
    const flags =
      (t.from ? F_FROM : 0) |
      (t.to ? F_TO : 0) |
      (amountLen >= 0 ? F_AMOUNT : 0) |
      (t.challengeId !== undefined ? F_CHALLENGE : 0) |
      (creditsLen >= 0 ? F_CREDITS : 0) |
      (t.status !== "success" ? F_FAILED : 0) |
      (err ? F_ERROR : 0);
    const body =
      2 +
      32 +
      (t.from ? 20 : 0) +
      (t.to ? 20 : 0) +
      (amountLen >= 0 ? 1 + amountLen : 0) +
      (t.challengeId !== undefined ? 8 : 0) +
      (creditsLen >= 0 ? 1 + creditsLen : 0) +
      (err ? 1 + err.length : 0);
    this.room(2 + body);
    const b = this.buf;
    let o = this.len;
    b[o++] = body >> 8;
    b[o++] = body & 0xff;
    b[o++] = code;
    b[o++] = flags;
    b.set(t.hash, o);
    o += 32;
    if (t.from) {
      b.set(t.from, o);
      o += 20;
    }
    if (t.to) {
      b.set(t.to, o);
      o += 20;
    }
    if (amountLen >= 0) {
      b[o++] = amountLen;
      putBig(b, o, t.amount!, amountLen);
      o += amountLen;
    }
    if (t.challengeId !== undefined) {
      this.view.setBigUint64(o, t.challengeId);
      o += 8;
    }
    if (creditsLen >= 0) {
      b[o++] = creditsLen;
      putBig(b, o, t.credits!, creditsLen);
      o += creditsLen;
    }
    if (err) {
      b[o++] = err.length;
      b.set(err, o);
      o += err.length;
    }
    this.len = o;
    this.count++;
  }

  /** The chunk built so far (a view: nothing writes it again), and a fresh chunk of the same block. */
  take(): Uint8Array {
    const out = this.buf.subarray(this.begin, this.len);
    this.begin = this.len;
    this.len = this.begin + HEADER;
    this.count = 0;
    this.room(0);
    this.header();
    return out;
  }
}

/**
 * The rows of a chunk of block `block` that starts at `first`, in index order, those for which
 * `keep(index)` holds (all when absent). Throws {@link TxChunkError} on a malformed chunk.
 */
export function decodeChunk(
  block: bigint,
  first: number,
  value: Uint8Array,
  keep?: (index: number) => boolean,
): TxRecord[] {
  const v = header(value);
  const timestamp = v.getBigUint64(0);
  const out: TxRecord[] = [];
  let o = HEADER;
  for (let index = first; o < value.length; index++) {
    if (o + 2 > value.length) throw new TxChunkError("txChunks: truncated row length");
    const len = v.getUint16(o);
    const end = o + 2 + len;
    if (end > value.length || len < 34) throw new TxChunkError("txChunks: truncated row");
    if (keep === undefined || keep(index)) out.push(decodeRow(value, v, o + 2, end, block, index, timestamp));
    o = end;
  }
  return out;
}

/** The tx count of the chunk's block (every chunk of a block carries it). */
export function chunkBlockTxCount(value: Uint8Array): number {
  return header(value).getUint32(8);
}

function header(value: Uint8Array): DataView {
  if (value.length < HEADER) throw new TxChunkError("txChunks: chunk shorter than its header");
  return new DataView(value.buffer, value.byteOffset, value.byteLength);
}

function short(o: number, n: number, end: number): void {
  if (o + n > end) throw new TxChunkError("txChunks: row shorter than its flags say");
}

/** Row `index` of a chunk (block `block`, starting at `first`); undefined: the chunk ends before it. */
export function rowAt(block: bigint, first: number, value: Uint8Array, index: number): TxRecord | undefined {
  return decodeChunk(block, first, value, (i) => i === index)[0];
}

function decodeRow(
  b: Uint8Array,
  v: DataView,
  start: number,
  end: number,
  blockNumber: bigint,
  index: number,
  timestamp: bigint,
): TxRecord {
  let o = start;
  const kind = KINDS[b[o++]!];
  const flags = b[o++]!;
  if (kind === undefined) throw new TxChunkError("txChunks: unknown kind code");
  short(o, 32, end);
  const t: TxRecord = {
    hash: b.slice(o, o + 32),
    blockNumber,
    index,
    timestamp,
    kind,
    status: flags & F_FAILED ? "failed" : "success",
  };
  o += 32;
  if (flags & F_FROM) {
    short(o, 20, end);
    t.from = b.slice(o, o + 20);
    o += 20;
  }
  if (flags & F_TO) {
    short(o, 20, end);
    t.to = b.slice(o, o + 20);
    o += 20;
  }
  if (flags & F_AMOUNT) {
    short(o, 1, end);
    const n = b[o++]!;
    short(o, n, end);
    t.amount = readBig(b, o, n);
    o += n;
  }
  if (flags & F_CHALLENGE) {
    short(o, 8, end);
    t.challengeId = v.getBigUint64(o);
    o += 8;
  }
  if (flags & F_CREDITS) {
    short(o, 1, end);
    const n = b[o++]!;
    short(o, n, end);
    t.credits = readBig(b, o, n);
    o += n;
  }
  if (flags & F_ERROR) {
    short(o, 1, end);
    const n = b[o++]!;
    short(o, n, end);
    t.error = dec.decode(b.subarray(o, o + n));
    o += n;
  }
  if (o !== end) throw new TxChunkError("txChunks: row longer than its fields");
  return t;
}
