/**
 * The tx manager's journal: what it has signed, persisted BEFORE anything is broadcast, so that a
 * manager restarted after a crash (SIGKILL included) knows every tx of its key that L1 may mine.
 *
 * File `<dir>/txjournal.log`: one record per line, `crc32hex SP json LF`, appended and fdatasynced
 * (one write per record group, so a group is one line or several written by one `write`).
 * Records (bigints as decimal strings, bytes as 0x-hex):
 *   {k:"intent", id, contentHash, to, data, value, gas, nonce}   a new intent at a nonce
 *   {k:"attempt", id, hash, nonce, maxFeePerGas, maxPriorityFeePerGas}  a signed tx, before its broadcast
 *   {k:"done", id, contentHash, receipt}                         mined and confirmed
 *   {k:"drop", id}                                               refused before any broadcast
 * Crash safety: an append torn by a crash can only be the last line (appends are serialised and
 * each waits for the previous fsync); on open a last line without LF or with a bad checksum is cut
 * off. A bad line with good lines after it is not a torn append: JOURNAL_CORRUPT, and the manager
 * refuses to run rather than guess (a lost attempt could mean a duplicate batch).
 * Compaction (on open, and after `compactAfterBytes` of appends) writes the live state to
 * `txjournal.tmp`, fsyncs it, renames it over the log and fsyncs the folder: a crash leaves either
 * the old log or the new one whole. Confirmed entries beyond `maxDoneEntries` (oldest first) are
 * forgotten then. A lock file (`txjournal.lock`, the owner's pid) keeps a second live manager off.
 * @module
 */

import { existsSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { L1TxError } from "./txErrors.ts";

type Hex = `0x${string}`;

export interface JournalAttempt {
  hash: Hex;
  nonce: number;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What the manager keeps of a confirmed tx's receipt. */
export interface L1Receipt {
  transactionHash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  status: "success" | "reverted";
  nonce: number;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

export interface JournalTx {
  to: Hex;
  data: Hex;
  value: bigint;
  gas: bigint;
}

export interface JournalEntry {
  id: string;
  /** keccak256 of the tx's content (to, value, data): tells a retry of an intent from a reused id. */
  contentHash: Hex;
  /** The current nonce (renonced only when another tx took the old one, confirmed deep). */
  nonce: number;
  /** Pending entries only: what to re-sign. */
  tx?: JournalTx;
  attempts: JournalAttempt[];
  /** Confirmed entries only. */
  receipt?: L1Receipt;
}

export interface TxJournalOpts {
  /** Confirmed entries kept for `status(id)` (oldest forgotten at compaction); default 10,000. */
  maxDoneEntries?: number;
  /** Appended bytes after which the log is compacted; default 8 MiB. */
  compactAfterBytes?: number;
}

const LOG = "txjournal.log";
const TMP = "txjournal.tmp";
const LOCK = "txjournal.lock";
/** Journals open in this process (a second open of one folder is refused like a live pid's). */
const OPEN_HERE = new Set<string>();

/** An intent id: printable ASCII without spaces, 1-128 chars (chosen by the caller). */
export const INTENT_ID_RE = /^[\x21-\x7e]{1,128}$/;
const HEX_RE = /^0x(?:[0-9a-f]{2})*$/;
const HASH_RE = /^0x[0-9a-f]{64}$/;
const ADDR_RE = /^0x[0-9a-f]{40}$/;
const UINT_RE = /^(?:0|[1-9]\d{0,77})$/;

type JournalRecord =
  | { k: "intent"; id: string; contentHash: Hex; nonce: number; tx: JournalTx }
  | ({ k: "attempt"; id: string } & JournalAttempt)
  | { k: "done"; id: string; contentHash: Hex; receipt: L1Receipt }
  | { k: "drop"; id: string };

export class TxJournal {
  private readonly state = new Map<string, JournalEntry>();
  private handle: FileHandle | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private appended = 0;
  private broken: Error | null = null;

  private constructor(
    private readonly dir: string,
    private readonly maxDone: number,
    private readonly compactAfter: number,
  ) {}

  /** Opens (creating) the journal in `dir`: lock, replay, cut a torn tail, compact. */
  static async open(dir: string, opts: TxJournalOpts = {}): Promise<TxJournal> {
    await mkdir(dir, { recursive: true });
    const j = new TxJournal(dir, opts.maxDoneEntries ?? 10_000, opts.compactAfterBytes ?? 8 << 20);
    await j.lock();
    try {
      const path = join(dir, LOG);
      const text = existsSync(path) ? await readFile(path, "utf8") : "";
      j.replay(text);
      await j.compact();
    } catch (e) {
      await j.unlock();
      throw e;
    }
    return j;
  }

  /** The live entries, pending and confirmed, by id. */
  entries(): ReadonlyMap<string, JournalEntry> {
    return this.state;
  }

  get(id: string): JournalEntry | undefined {
    return this.state.get(id);
  }

  /** Journals a new intent and its first attempt (one write): only then may it be broadcast. */
  addIntent(e: { id: string; contentHash: Hex; tx: JournalTx }, first: JournalAttempt): Promise<void> {
    const recs: JournalRecord[] = [
      { k: "intent", id: e.id, contentHash: e.contentHash, nonce: first.nonce, tx: e.tx },
      { k: "attempt", id: e.id, ...first },
    ];
    return this.write(recs);
  }

  /** Journals one more signed attempt (a fee bump, a resend, a new nonce) before its broadcast. */
  addAttempt(id: string, a: JournalAttempt): Promise<void> {
    return this.write([{ k: "attempt", id, ...a }]);
  }

  /** Records a confirmed receipt: the entry keeps only what `status` needs. */
  markDone(id: string, receipt: L1Receipt): Promise<void> {
    const e = this.state.get(id);
    if (!e) throw new Error(`markDone: no entry ${id}`);
    return this.write([{ k: "done", id, contentHash: e.contentHash, receipt }]);
  }

  /** Forgets an intent none of whose attempts reached a node. */
  drop(id: string): Promise<void> {
    return this.write([{ k: "drop", id }]);
  }

  /** Waits for pending writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    await this.tail.catch(() => {});
    await this.handle?.close();
    this.handle = null;
    await this.unlock();
  }

  // ---- writing -----------------------------------------------------------------------------

  private write(recs: JournalRecord[]): Promise<void> {
    const run = async () => {
      if (this.broken) throw this.broken;
      if (!this.handle) throw new L1TxError("CLOSED", "tx journal is closed");
      const text = recs.map(encodeLine).join("");
      try {
        await this.handle.write(text);
        await this.handle.datasync();
      } catch (e) {
        // The file may now end in a partial line: no later line may follow it (open would call it
        // corruption), so this journal takes no more writes; a restart cuts the torn tail off.
        this.broken = new L1TxError("JOURNAL_CORRUPT", "tx journal write failed", {}, { cause: e });
        throw this.broken;
      }
      for (const r of recs) this.apply(r);
      this.appended += text.length;
      if (this.appended > this.compactAfter) await this.compact();
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => {});
    return p;
  }

  private async compact(): Promise<void> {
    const done = [...this.state.values()].filter((e) => e.receipt);
    for (const e of done.slice(0, Math.max(0, done.length - this.maxDone))) this.state.delete(e.id);
    let text = "";
    for (const e of this.state.values()) {
      if (e.receipt) {
        text += encodeLine({ k: "done", id: e.id, contentHash: e.contentHash, receipt: e.receipt });
        continue;
      }
      const tx = e.tx!;
      text += encodeLine({ k: "intent", id: e.id, contentHash: e.contentHash, nonce: e.nonce, tx });
      for (const a of e.attempts) text += encodeLine({ k: "attempt", id: e.id, ...a });
    }
    await this.handle?.close();
    this.handle = null;
    const tmp = join(this.dir, TMP);
    const fh = await open(tmp, "w");
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, LOG));
    await syncDir(this.dir);
    this.handle = await open(join(this.dir, LOG), "a");
    this.appended = 0;
  }

  // ---- reading -----------------------------------------------------------------------------

  private replay(text: string): void {
    let pos = 0;
    let lineNo = 0;
    while (pos < text.length) {
      lineNo++;
      const lf = text.indexOf("\n", pos);
      const line = lf < 0 ? text.slice(pos) : text.slice(pos, lf);
      const rec = lf < 0 ? null : decodeLine(line);
      if (!rec) {
        // Torn tail: the last line, cut off or garbled by a crash mid-append. Compaction drops it.
        if (lf < 0 || lf === text.length - 1) return;
        throw new L1TxError("JOURNAL_CORRUPT", `tx journal line ${lineNo} is damaged and not the last`, {
          dir: this.dir,
        });
      }
      try {
        this.apply(rec);
      } catch (e) {
        throw new L1TxError(
          "JOURNAL_CORRUPT",
          `tx journal line ${lineNo}: ${(e as Error).message}`,
          {},
          { cause: e },
        );
      }
      pos = lf + 1;
    }
  }

  private apply(r: JournalRecord): void {
    const e = this.state.get(r.id);
    switch (r.k) {
      case "intent":
        this.state.set(r.id, {
          id: r.id,
          contentHash: r.contentHash,
          nonce: r.nonce,
          tx: r.tx,
          attempts: [],
        });
        return;
      case "attempt":
        if (!e?.tx) throw new Error(`attempt for unknown intent ${r.id}`);
        e.attempts.push({
          hash: r.hash,
          nonce: r.nonce,
          maxFeePerGas: r.maxFeePerGas,
          maxPriorityFeePerGas: r.maxPriorityFeePerGas,
        });
        e.nonce = r.nonce;
        return;
      case "done":
        // Re-inserted so that Map order is completion order (compaction forgets the oldest).
        this.state.delete(r.id);
        this.state.set(r.id, {
          id: r.id,
          contentHash: r.contentHash,
          nonce: r.receipt.nonce,
          attempts: [],
          receipt: r.receipt,
        });
        return;
      case "drop":
        this.state.delete(r.id);
        return;
    }
  }

  // ---- the lock ----------------------------------------------------------------------------

  private async lock(): Promise<void> {
    const path = join(this.dir, LOCK);
    if (OPEN_HERE.has(path)) throw locked(this.dir, process.pid);
    try {
      const held = Number.parseInt(await readFile(path, "utf8"), 10);
      if (Number.isSafeInteger(held) && held > 0 && held !== process.pid && isAlive(held)) {
        throw locked(this.dir, held);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    // A lock left by a dead process (SIGKILL) is taken over.
    await writeFile(path, String(process.pid));
    OPEN_HERE.add(path);
  }

  private async unlock(): Promise<void> {
    const path = join(this.dir, LOCK);
    if (!OPEN_HERE.delete(path)) return;
    await rm(path, { force: true });
  }
}

function locked(dir: string, pid: number): L1TxError {
  return new L1TxError("JOURNAL_LOCKED", `tx journal ${dir} is in use by process ${pid}`, { pid });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// ---- line codec ------------------------------------------------------------------------------

function encodeLine(r: JournalRecord): string {
  const json = JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

/** The record of one line, or null if its checksum or shape is wrong. */
function decodeLine(line: string): JournalRecord | null {
  if (line.length < 10 || line[8] !== " ") return null;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return null;
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    return null;
  }
  return parseRecord(o);
}

function parseRecord(o: unknown): JournalRecord | null {
  if (typeof o !== "object" || o === null) return null;
  const r = o as Record<string, unknown>;
  const id = r.id;
  if (typeof id !== "string" || !INTENT_ID_RE.test(id)) return null;
  switch (r.k) {
    case "intent": {
      const t = r.tx as Record<string, unknown> | undefined;
      if (!t || !isHash(r.contentHash) || !isNonce(r.nonce)) return null;
      if (!isAddr(t.to) || !isHex(t.data) || !isUint(t.value) || !isUint(t.gas)) return null;
      const tx = { to: t.to, data: t.data, value: BigInt(t.value), gas: BigInt(t.gas) };
      return { k: "intent", id, contentHash: r.contentHash, nonce: r.nonce, tx };
    }
    case "attempt":
      if (
        !isHash(r.hash) ||
        !isNonce(r.nonce) ||
        !isUint(r.maxFeePerGas) ||
        !isUint(r.maxPriorityFeePerGas)
      ) {
        return null;
      }
      return {
        k: "attempt",
        id,
        hash: r.hash,
        nonce: r.nonce,
        maxFeePerGas: BigInt(r.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(r.maxPriorityFeePerGas),
      };
    case "done": {
      const x = r.receipt as Record<string, unknown> | undefined;
      if (!x || !isHash(r.contentHash) || !isHash(x.transactionHash) || !isHash(x.blockHash)) return null;
      if (!isUint(x.blockNumber) || !isUint(x.gasUsed) || !isUint(x.effectiveGasPrice) || !isNonce(x.nonce)) {
        return null;
      }
      if (x.status !== "success" && x.status !== "reverted") return null;
      const receipt: L1Receipt = {
        transactionHash: x.transactionHash,
        blockNumber: BigInt(x.blockNumber),
        blockHash: x.blockHash,
        status: x.status,
        nonce: x.nonce,
        gasUsed: BigInt(x.gasUsed),
        effectiveGasPrice: BigInt(x.effectiveGasPrice),
      };
      return { k: "done", id, contentHash: r.contentHash, receipt };
    }
    case "drop":
      return { k: "drop", id };
    default:
      return null;
  }
}

const isHex = (v: unknown): v is Hex => typeof v === "string" && HEX_RE.test(v);
const isHash = (v: unknown): v is Hex => typeof v === "string" && HASH_RE.test(v);
const isAddr = (v: unknown): v is Hex => typeof v === "string" && ADDR_RE.test(v);
const isUint = (v: unknown): v is string => typeof v === "string" && UINT_RE.test(v);
const isNonce = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
