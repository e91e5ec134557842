import { hash } from "node:crypto";
import { MemoryKv } from "../chain/kv.ts";
import { SparseMerkleTree } from "../chain/smt/index.ts";
const k = (i: number, salt = 0) => { const b = Buffer.alloc(8); b.writeUInt32BE(i); b.writeUInt32BE(salt, 4); return new Uint8Array(hash("sha256", b, "buffer") as unknown as Buffer); };
const kv = new MemoryKv();
const t = new SparseMerkleTree(kv);
const N = 100000;
const init = []; for (let i = 0; i < N; i++) init.push({ key: k(i), valueHash: k(i, 1) });
t.update(init);
const before = kv.size;
const ch = []; for (let j = 0; j < 5000; j++) { const r = (j * 7919) % N; ch.push({ key: k(r), valueHash: k(r, 2) }); }
t.update(ch);
console.log("new nodes", kv.size - before);
// time pure hashing
const buf = new Uint8Array(65); let t0 = performance.now();
for (let i = 0; i < 40000; i++) { buf[3] = i; hash("sha256", buf, "buffer"); }
console.log("40k hashes ms", performance.now() - t0);
t0 = performance.now();
const arr = []; for (let i = 0; i < 40000; i++) arr.push(new Uint8Array(98));
console.log("40k allocs ms", performance.now() - t0);
