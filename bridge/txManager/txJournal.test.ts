import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { L1TxError } from "./txErrors.ts";
import { type L1Receipt, TxJournal } from "./txJournal.ts";

const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const TX = { to: `0x${"ab".repeat(20)}`, data: "0x00ff", value: 0n, gas: 50_000n } as const;
const attempt = (n: number, nonce: number) => ({
  hash: H(n),
  nonce,
  maxFeePerGas: 3n * 10n ** 9n,
  maxPriorityFeePerGas: 10n ** 9n,
});
const receipt = (n: number, nonce: number): L1Receipt => ({
  transactionHash: H(n),
  blockNumber: 7n,
  blockHash: H(1000 + n),
  status: "success",
  nonce,
  gasUsed: 21_000n,
  effectiveGasPrice: 2n * 10n ** 9n,
});

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "txjournal-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("TxJournal", () => {
  it("replays intents, attempts, confirmations and drops across a reopen", async () => {
    const dir = tempDir();
    const j = await TxJournal.open(dir);
    await j.addIntent({ id: "a", contentHash: H(1), tx: TX }, attempt(10, 0));
    await j.addAttempt("a", attempt(11, 0));
    await j.addIntent({ id: "b", contentHash: H(2), tx: TX }, attempt(20, 1));
    await j.markDone("b", receipt(20, 1));
    await j.addIntent({ id: "c", contentHash: H(3), tx: TX }, attempt(30, 2));
    await j.drop("c");
    await j.close();

    const k = await TxJournal.open(dir);
    expect(k.get("a")?.attempts.map((a) => a.hash)).toEqual([H(10), H(11)]);
    expect(k.get("a")?.tx).toEqual(TX);
    expect(k.get("b")?.receipt).toEqual(receipt(20, 1));
    expect(k.get("b")?.tx).toBeUndefined(); // a confirmed entry keeps only what status needs
    expect(k.get("c")).toBeUndefined();
    await k.close();
  });

  it("a torn last line (crash mid-append) is cut off; earlier records survive", async () => {
    const dir = tempDir();
    const j = await TxJournal.open(dir);
    await j.addIntent({ id: "a", contentHash: H(1), tx: TX }, attempt(10, 0));
    await j.close();
    const log = join(dir, "txjournal.log");
    const good = readFileSync(log, "utf8");
    // Half of a valid attempt line, without its LF.
    const line = good.split("\n")[1]!;
    appendFileSync(log, line.slice(0, 40));
    const k = await TxJournal.open(dir);
    expect(k.get("a")?.attempts).toHaveLength(1);
    await k.addAttempt("a", attempt(11, 0));
    await k.close();
    const m = await TxJournal.open(dir);
    expect(m.get("a")?.attempts.map((a) => a.hash)).toEqual([H(10), H(11)]);
    await m.close();
  });

  it("a damaged line with good lines after it is corruption, not a torn append: open refuses", async () => {
    const dir = tempDir();
    const j = await TxJournal.open(dir);
    await j.addIntent({ id: "a", contentHash: H(1), tx: TX }, attempt(10, 0));
    await j.close();
    const log = join(dir, "txjournal.log");
    const lines = readFileSync(log, "utf8").split("\n");
    lines[0] = lines[0]!.replace('"nonce":0', '"nonce":1'); // the checksum no longer matches
    writeFileSync(log, lines.join("\n"));
    await expect(TxJournal.open(dir)).rejects.toMatchObject({ code: "JOURNAL_CORRUPT", kind: "critical" });
  });

  it("one live owner: a second open is refused; a dead owner's lock is taken over", async () => {
    const dir = tempDir();
    const j = await TxJournal.open(dir);
    await expect(TxJournal.open(dir)).rejects.toMatchObject({ code: "JOURNAL_LOCKED" });
    await j.close();
    writeFileSync(join(dir, "txjournal.lock"), String(process.ppid)); // a live process
    const err = (await TxJournal.open(dir).catch((e: unknown) => e)) as L1TxError;
    expect(err.code).toBe("JOURNAL_LOCKED");
    expect(err.message).toContain(String(process.ppid));
    writeFileSync(join(dir, "txjournal.lock"), "2147483646"); // no such pid
    const k = await TxJournal.open(dir);
    await k.close();
  });

  it("compaction forgets the oldest confirmed entries beyond maxDoneEntries and keeps every pending one", async () => {
    const dir = tempDir();
    const j = await TxJournal.open(dir, { maxDoneEntries: 2, compactAfterBytes: 1 });
    for (let i = 0; i < 5; i++) {
      await j.addIntent({ id: `d${i}`, contentHash: H(i), tx: TX }, attempt(i, i));
      await j.markDone(`d${i}`, receipt(i, i));
    }
    await j.addIntent({ id: "p", contentHash: H(9), tx: TX }, attempt(9, 5));
    await j.close();
    const k = await TxJournal.open(dir);
    expect([...k.entries().keys()].sort()).toEqual(["d3", "d4", "p"]);
    expect(readFileSync(join(dir, "txjournal.log"), "utf8").trim().split("\n")).toHaveLength(4);
    await k.close();
  });
});
