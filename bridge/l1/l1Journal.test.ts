import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeJournalRecord, L1Journal, type L1JournalRecord, parseJournal } from "./l1Journal.ts";

const RECORDS: L1JournalRecord[] = [
  { kind: "genesis", configDigest: new Uint8Array(32).fill(7), timestamp: 1_700_000_000n },
  {
    kind: "block",
    number: 1n,
    timestamp: 1_700_000_001n,
    extraData: new Uint8Array(),
    txs: [Uint8Array.of(2, 1, 2, 3)],
  },
  { kind: "block", number: 2n, timestamp: 1_700_000_002n, extraData: Uint8Array.of(9), txs: [] },
  { kind: "rewind", head: 1n },
];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("L1 journal", () => {
  it("round-trips every record kind", () => {
    const bytes = concat(RECORDS.map(encodeJournalRecord));
    expect(parseJournal(bytes)).toEqual({ records: RECORDS, validBytes: bytes.length });
  });

  it("drops a torn tail: a short header, a short payload, a last record with a bad checksum", () => {
    const whole = concat(RECORDS.map(encodeJournalRecord));
    const last = encodeJournalRecord(RECORDS[1]!);
    const flipped = last.slice();
    flipped[flipped.length - 1]! ^= 1;
    for (const tail of [last.subarray(0, 5), last.subarray(0, last.length - 1), flipped]) {
      const parsed = parseJournal(concat([whole, tail]));
      expect(parsed.records).toEqual(RECORDS);
      expect(parsed.validBytes).toBe(whole.length);
    }
  });

  it("refuses a bad record in the middle (corruption, not a torn write) and an absurd length", () => {
    const parts = RECORDS.map(encodeJournalRecord);
    const bad = parts[1]!.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => parseJournal(concat([parts[0]!, bad, parts[2]!]))).toThrow(/record at byte \d+ is bad/);
    expect(() => parseJournal(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))).toThrow(/claims/);
  });

  it("appends durably and truncates a torn tail on open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "flops-journal-"));
    dirs.push(dir);
    const first = await L1Journal.open(dir);
    expect(first.records).toEqual([]);
    for (const r of RECORDS) await first.journal.append(r);
    await first.journal.close();
    const path = join(dir, "blocks.log");
    const good = await readFile(path);
    await writeFile(path, concat([good, Uint8Array.of(0, 0, 1)]));
    const second = await L1Journal.open(dir);
    expect(second.records).toEqual(RECORDS);
    await second.journal.close();
    expect((await readFile(path)).length).toBe(good.length);
  });
});
