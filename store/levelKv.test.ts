import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256, utf8 } from "../chain/hash.ts";
import { MemoryKv, OverlayKv } from "../chain/kv.ts";
import { SmtNodeCache, SparseMerkleTree, verifySmtProof } from "../chain/smt/index.ts";
import { KV_PREFIX } from "../chain/state/keys.ts";
import { LevelKv, type LevelTuning } from "./levelKv.ts";
import { PREFIX, STORE_PREFIX_MIN } from "./prefixes.ts";

const dirs: string[] = [];
const open: LevelKv[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flops-levelkv-"));
  dirs.push(d);
  return d;
}

async function openKv(dir: string, tuning?: LevelTuning): Promise<LevelKv> {
  const kv = new LevelKv(dir, tuning);
  await kv.open();
  open.push(kv);
  return kv;
}

afterEach(async () => {
  for (const kv of open.splice(0)) if (kv.db.status === "open") await kv.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const h = (s: string): Uint8Array => sha256(utf8(s));

describe("LevelKv", () => {
  it("fills a sliced batch across event-loop turns and still writes it as one", async () => {
    const kv = await openKv(tempDir());
    await kv.write([{ type: "put", key: Uint8Array.of(0xee), value: Uint8Array.of(1) }]);
    const ops = Array.from({ length: 4096 }, (_, i) => ({
      type: "put" as const,
      key: Uint8Array.of(0x20, i >> 8, i & 0xff),
      value: Uint8Array.of(i & 0xff),
    }));
    ops.push({ type: "del", key: Uint8Array.of(0xee) } as never);
    // Between slices, another task runs and reads: it sees none of the batch yet.
    const seen: Array<[Uint8Array | undefined, Uint8Array | undefined]> = [];
    let turns = 0;
    const watch = (): void => {
      if (done) return;
      seen.push([kv.get(Uint8Array.of(0x20, 0, 0)), kv.get(Uint8Array.of(0xee))]);
      if (++turns < 1000) setImmediate(watch);
    };
    let done = false;
    setImmediate(watch);
    await kv.write(ops, { sync: true, sliceMs: 0 });
    done = true;
    // sliceMs 0: a yield after each 256 ops, so the watcher ran between slices of this batch.
    expect(turns).toBeGreaterThanOrEqual(4096 / 256 - 1);
    for (const [first, marker] of seen.slice(0, 4096 / 256 - 1)) {
      expect(first).toBeUndefined();
      expect(marker).toEqual(Uint8Array.of(1));
    }
    expect(kv.get(Uint8Array.of(0x20, 0x0f, 0xff))).toEqual(Uint8Array.of(0xff));
    expect(kv.get(Uint8Array.of(0xee))).toBeUndefined();
  });

  it("passes its write buffer size to LevelDB: 8 MiB of writes stay in a 32 MiB memtable", async () => {
    const value = new Uint8Array(64 * 1024).fill(7);
    const fill = async (kv: LevelKv): Promise<void> => {
      for (let b = 0; b < 8; b++) {
        const ops = Array.from({ length: 16 }, (_, i) => ({
          type: "put" as const,
          key: Uint8Array.of(0x22, b, i),
          value,
        }));
        await kv.write(ops);
      }
    };
    // A memtable over its size is written out as a level-0 table (.ldb) in the background.
    const tables = async (dir: string): Promise<number> => {
      for (let i = 0; i < 50; i++) {
        const n = readdirSync(dir).filter((f) => f.endsWith(".ldb")).length;
        if (n > 0) return n;
        await new Promise((r) => setTimeout(r, 20));
      }
      return 0;
    };
    const small = tempDir();
    await fill(await openKv(small));
    expect(await tables(small)).toBeGreaterThan(0); // LevelDB's default: 4 MiB
    const large = tempDir();
    await fill(await openKv(large, { writeBufferSize: 32 << 20 }));
    expect(readdirSync(large).filter((f) => f.endsWith(".ldb"))).toEqual([]);
    expect(() => new LevelKv(tempDir(), { writeBufferSize: 1000 })).toThrow(RangeError);
    expect(() => new LevelKv(tempDir(), { writeBufferSize: 2 ** 32 })).toThrow(/1 GiB/);
  });

  it("closes a sliced batch and writes nothing when the store closes mid-fill", async () => {
    const dir = tempDir();
    const kv = await openKv(dir);
    const ops = Array.from({ length: 2048 }, (_, i) => ({
      type: "put" as const,
      key: Uint8Array.of(0x21, i >> 8, i & 0xff),
      value: Uint8Array.of(1),
    }));
    const writing = expect(kv.write(ops, { sliceMs: 0 })).rejects.toThrow(/not open/);
    await new Promise<void>((r) => setImmediate(r));
    await kv.close();
    await writing;
    const again = await openKv(dir);
    expect(again.get(Uint8Array.of(0x21, 0, 0))).toBeUndefined();
  });

  it("round-trips puts and deletes, reading synchronously", async () => {
    const kv = await openKv(tempDir());
    expect(kv.get(Uint8Array.of(1, 2))).toBeUndefined();
    await kv.write([
      { type: "put", key: Uint8Array.of(1, 2), value: Uint8Array.of(9, 9, 9) },
      { type: "put", key: Uint8Array.of(1, 3), value: new Uint8Array(0) },
      { type: "put", key: Uint8Array.of(7), value: Uint8Array.of(1) },
    ]);
    const v = kv.get(Uint8Array.of(1, 2));
    expect(v).toEqual(Uint8Array.of(9, 9, 9));
    expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype);
    expect(kv.get(Uint8Array.of(1, 3))).toEqual(new Uint8Array(0));
    await kv.write([{ type: "del", key: Uint8Array.of(7) }], { sync: true });
    expect(kv.get(Uint8Array.of(7))).toBeUndefined();
    await kv.write([]);
  });

  it("applies a batch in order and atomically: a bad op leaves nothing written", async () => {
    const kv = await openKv(tempDir());
    await kv.write([
      { type: "put", key: Uint8Array.of(1), value: Uint8Array.of(1) },
      { type: "del", key: Uint8Array.of(1) },
      { type: "put", key: Uint8Array.of(2), value: Uint8Array.of(2) },
      { type: "put", key: Uint8Array.of(2), value: Uint8Array.of(3) },
    ]);
    expect(kv.get(Uint8Array.of(1))).toBeUndefined();
    expect(kv.get(Uint8Array.of(2))).toEqual(Uint8Array.of(3));
    const bad = [
      { type: "put", key: Uint8Array.of(5), value: Uint8Array.of(5) },
      { type: "put", key: null, value: Uint8Array.of(6) },
    ] as unknown as Parameters<LevelKv["write"]>[0];
    await expect(kv.write(bad)).rejects.toThrow();
    expect(kv.get(Uint8Array.of(5))).toBeUndefined();
    // Still usable afterwards.
    await kv.write([{ type: "put", key: Uint8Array.of(5), value: Uint8Array.of(5) }]);
    expect(kv.get(Uint8Array.of(5))).toEqual(Uint8Array.of(5));
  });

  it("persists across close and reopen", async () => {
    const dir = tempDir();
    const kv = await openKv(dir);
    await kv.write([{ type: "put", key: Uint8Array.of(4, 2), value: Uint8Array.of(42) }], { sync: true });
    await kv.close();
    const again = await openKv(dir);
    expect(again.get(Uint8Array.of(4, 2))).toEqual(Uint8Array.of(42));
  });

  it("says clearly when the database is already in use", async () => {
    const dir = tempDir();
    await openKv(dir);
    const second = new LevelKv(dir);
    await expect(second.open()).rejects.toMatchObject({
      code: "STORE_LOCKED",
      message: `database already in use: ${dir}`,
    });
  });

  it("carries a sparse Merkle tree across close and reopen", async () => {
    const dir = tempDir();
    const kv = await openKv(dir);
    const overlay = new OverlayKv(kv);
    const tree = new SparseMerkleTree(overlay, undefined, { prefix: PREFIX.SMT_STATE });
    const keys = Array.from({ length: 300 }, (_, i) => h(`key${i}`));
    const changesOf = (block: number) =>
      keys.map((key, i) => ({ key, valueHash: (i + block) % 5 === 0 ? null : h(`v${block}-${i}`) }));
    const inMemory = new SparseMerkleTree(new MemoryKv());
    // Three blocks: each a batch of tree writes, committed as one level batch.
    for (let block = 0; block < 3; block++) {
      tree.update(changesOf(block));
      inMemory.update(changesOf(block));
      await kv.write(overlay.ops());
      overlay.discard();
    }
    const root = tree.root;
    await kv.close();

    const reopened = await openKv(dir);
    const fresh = new SparseMerkleTree(new OverlayKv(reopened), root, {
      prefix: PREFIX.SMT_STATE,
      cache: new SmtNodeCache(0),
    });
    for (let i = 0; i < keys.length; i++) {
      const expected = (i + 2) % 5 === 0 ? undefined : h(`v2-${i}`);
      expect(fresh.get(keys[i]!)).toEqual(expected);
      expect(verifySmtProof(root, keys[i]!, expected ?? null, fresh.prove(keys[i]!))).toBe(true);
    }
    expect(root).toEqual(inMemory.root);
    // Updating the reopened tree gives the same root as continuing in memory.
    const next = new SparseMerkleTree(new OverlayKv(reopened), root, { prefix: PREFIX.SMT_STATE });
    next.update([{ key: h("late"), valueHash: h("x") }]);
    expect(next.root).toEqual(inMemory.update([{ key: h("late"), valueHash: h("x") }]));
  });
});

describe("key prefixes", () => {
  it("are unique, and store/'s own stay clear of the chain core's range", () => {
    const values = Object.values(PREFIX) as number[];
    expect(new Set(values).size).toBe(values.length);
    const chain = new Set<number>(Object.values(KV_PREFIX));
    for (const [name, v] of Object.entries(PREFIX)) {
      if (!chain.has(v)) expect(v, name).toBeGreaterThanOrEqual(STORE_PREFIX_MIN);
      expect(v, name).toBeLessThanOrEqual(0xff);
    }
  });
});
