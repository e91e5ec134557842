import { hash } from "node:crypto";
import { MemoryKv } from "../chain/kv.ts";
import { SparseMerkleTree, verifySmtProof, encodeSmtProof } from "../chain/smt/index.ts";
const k = (i: number, salt = 0) => { const b = Buffer.alloc(8); b.writeUInt32BE(i); b.writeUInt32BE(salt, 4); return new Uint8Array(hash("sha256", b, "buffer") as unknown as Buffer); };
const kv = new MemoryKv();
const t = new SparseMerkleTree(kv);
let t0 = performance.now();
const N = 100000;
const init = []; for (let i = 0; i < N; i++) init.push({ key: k(i), valueHash: k(i, 1) });
t.update(init);
console.log("build 100k ms", (performance.now() - t0).toFixed(1), "nodes", kv.size);
let next = N;
for (let b = 0; b < 10; b++) {
  const ch = [];
  for (let j = 0; j < 5000; j++) {
    const r = (j * 7919 + b * 104729) % N;
    ch.push({ key: k(r), valueHash: k(r, b + 2) });
  }
  t0 = performance.now();
  t.update(ch);
  const ms = performance.now() - t0;
  console.log("batch ms", ms.toFixed(1), "upd/s", Math.round(5000 / ms * 1000));
}
let sz = 0, mx = 0;
for (let i = 0; i < 1000; i++) { const p = t.prove(k(i)); const e = encodeSmtProof(p); sz += e.length; mx = Math.max(mx, e.length); if (!verifySmtProof(t.root, k(i), t.get(k(i))!, p)) throw new Error("bad"); }
console.log("proof avg", sz / 1000, "max", mx);
