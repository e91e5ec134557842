/**
 * Builds test/vectors/l1Vectors.json: the golden vectors the Solidity side (contracts/test) checks
 * against this TypeScript implementation: output roots (chain/commitment/outputRoot.ts), withdrawal
 * keys and leaves (withdrawalLeaf.ts), withdrawals trees with their SMT proofs, and SMT proofs at the
 * edges (empty tree, one key, depth 256, other-leaf and empty-slot exclusions) together with
 * malformed or wrong proofs every verifier must reject. `valid` is what
 * verifySmtProof(root, key, valueHash | null, decodeSmtProof(proof)) says, never a hand-written flag.
 * Written by `npm run gen` (test/helpers/generatedFiles.ts); deterministic.
 */
import { bytesToHex, u64ToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../../chain/commitment/withdrawalLeaf.ts";
import { sha256, utf8 } from "../../chain/hash.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { decodeSmtProof, encodeSmtProof, SparseMerkleTree, verifySmtProof } from "../../chain/smt/index.ts";
import type { Withdrawal } from "../../chain/types.ts";

/** Withdrawals in the large tree: the depth proofs have at the scale of a busy chain. */
const BIG_TREE_SIZE = 100_000;

interface SmtVector {
  name: string;
  root: string;
  key: string;
  /** Zero for an exclusion check. */
  valueHash: string;
  inclusion: boolean;
  proof: string;
  valid: boolean;
}

function seeded(tag: string, i: number | bigint): Uint8Array {
  return sha256(new Uint8Array([...utf8(tag), ...u64ToBytes(BigInt(i))]));
}

function makeWithdrawal(tag: string, index: bigint): Withdrawal {
  const a = seeded(`${tag}/amount`, index);
  return {
    index,
    from: seeded(`${tag}/from`, index).slice(0, 20),
    to: seeded(`${tag}/to`, index).slice(0, 20),
    // Up to ~2^72 base units: many credits at 18 decimals, well inside the rate limit's uint208.
    amount: BigInt(`0x${bytesToHex(a.slice(0, 9)).slice(2)}`),
    l2BlockNumber: 1000n + index * 3n,
  };
}

function withdrawalJson(w: Withdrawal) {
  return {
    index: w.index.toString(),
    from: bytesToHex(w.from),
    to: bytesToHex(w.to),
    amount: w.amount.toString(),
    l2BlockNumber: w.l2BlockNumber.toString(),
    key: bytesToHex(withdrawalKey(w.index)),
    leafHash: bytesToHex(withdrawalLeaf(w)),
  };
}

/** A withdrawals tree over `ws`, its output root, and inclusion proofs of `proveIdx` (positions in ws). */
function withdrawalsTree(tag: string, ws: Withdrawal[], proveIdx: number[]) {
  const tree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 0x03 });
  const root = tree.update(ws.map((w) => ({ key: withdrawalKey(w.index), valueHash: withdrawalLeaf(w) })));
  const stateRoot = seeded(`${tag}/stateRoot`, 0);
  const l2BlockHash = seeded(`${tag}/l2BlockHash`, 0);
  const items = proveIdx.map((i) => {
    const w = ws[i]!;
    return { ...withdrawalJson(w), proof: bytesToHex(encodeSmtProof(tree.prove(withdrawalKey(w.index)))) };
  });
  return {
    tree,
    json: {
      size: ws.length,
      stateRoot: bytesToHex(stateRoot),
      withdrawalsRoot: bytesToHex(root),
      l2BlockHash: bytesToHex(l2BlockHash),
      outputRoot: bytesToHex(outputRoot(stateRoot, root, l2BlockHash)),
      itemCount: items.length,
      items,
    },
  };
}

function accepts(
  root: Uint8Array,
  key: Uint8Array,
  valueHash: Uint8Array | null,
  proof: Uint8Array,
): boolean {
  try {
    return verifySmtProof(root, key, valueHash, decodeSmtProof(proof));
  } catch {
    return false;
  }
}

function smtVector(
  name: string,
  root: Uint8Array,
  key: Uint8Array,
  valueHash: Uint8Array | null,
  proof: Uint8Array,
): SmtVector {
  return {
    name,
    root: bytesToHex(root),
    key: bytesToHex(key),
    valueHash: bytesToHex(valueHash ?? new Uint8Array(32)),
    inclusion: valueHash !== null,
    proof: bytesToHex(proof),
    valid: accepts(root, key, valueHash, proof),
  };
}

function treeOf(pairs: Array<[Uint8Array, Uint8Array]>): SparseMerkleTree {
  const t = new SparseMerkleTree(new MemoryKv());
  if (pairs.length > 0) t.update(pairs.map(([key, valueHash]) => ({ key, valueHash })));
  return t;
}

function withByte(b: Uint8Array, i: number, v: number): Uint8Array {
  const c = b.slice();
  c[i] = v;
  return c;
}

/** Edge-case and malformed SMT proofs over raw keys. */
function smtVectors(): SmtVector[] {
  const out: SmtVector[] = [];
  const k = (i: number) => seeded("smt/key", i);
  const v = (i: number) => seeded("smt/value", i);

  const empty = treeOf([]);
  out.push(smtVector("empty tree: exclusion", empty.root, k(0), null, encodeSmtProof(empty.prove(k(0)))));
  out.push(
    smtVector("empty tree: inclusion is false", empty.root, k(0), v(0), encodeSmtProof(empty.prove(k(0)))),
  );

  const one = treeOf([[k(1), v(1)]]);
  out.push(smtVector("one key: inclusion at depth 0", one.root, k(1), v(1), encodeSmtProof(one.prove(k(1)))));
  out.push(
    smtVector(
      "one key: other-leaf exclusion at depth 0",
      one.root,
      k(2),
      null,
      encodeSmtProof(one.prove(k(2))),
    ),
  );

  // Two keys that differ only in their last bit: leaves at depth 256.
  const a = k(3);
  const b = withByte(a, 31, a[31]! ^ 1);
  const c = withByte(a, 31, a[31]! ^ 2); // shares 254 bits with a and b: an empty slot at depth 255
  const deep = treeOf([
    [a, v(3)],
    [b, v(4)],
  ]);
  const proofA = encodeSmtProof(deep.prove(a));
  out.push(smtVector("depth 256: inclusion of a", deep.root, a, v(3), proofA));
  out.push(smtVector("depth 256: inclusion of b", deep.root, b, v(4), encodeSmtProof(deep.prove(b))));
  out.push(smtVector("depth 255: empty-slot exclusion", deep.root, c, null, encodeSmtProof(deep.prove(c))));
  out.push(smtVector("depth 256: inclusion proof as exclusion is false", deep.root, a, null, proofA));

  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < 64; i++) pairs.push([k(100 + i), v(100 + i)]);
  const mid = treeOf(pairs);
  const inc = encodeSmtProof(mid.prove(k(100)));
  out.push(smtVector("64 keys: inclusion", mid.root, k(100), v(100), inc));
  out.push(smtVector("64 keys: inclusion", mid.root, k(117), v(117), encodeSmtProof(mid.prove(k(117)))));
  let otherLeaf: Uint8Array | undefined;
  let emptySlot: Uint8Array | undefined;
  for (let i = 0; otherLeaf === undefined || emptySlot === undefined; i++) {
    const p = encodeSmtProof(mid.prove(k(1000 + i)));
    if (p[0] === 1 && otherLeaf === undefined) {
      otherLeaf = p;
      out.push(smtVector("64 keys: other-leaf exclusion", mid.root, k(1000 + i), null, p));
    } else if (p[0] === 0 && emptySlot === undefined) {
      emptySlot = p;
      out.push(smtVector("64 keys: empty-slot exclusion", mid.root, k(1000 + i), null, p));
    }
  }

  // Malformed or wrong: each must be false in TypeScript (checked below) and in Solidity.
  const depth = (inc[1]! << 8) | inc[2]!;
  const bitmapLen = (depth + 7) >> 3;
  const bad = (name: string, root: Uint8Array, key: Uint8Array, vh: Uint8Array | null, p: Uint8Array) =>
    out.push(smtVector(`rejected: ${name}`, root, key, vh, p));
  bad("wrong root", withByte(mid.root, 0, mid.root[0]! ^ 1), k(100), v(100), inc);
  bad("wrong value hash", mid.root, k(100), v(101), inc);
  bad("wrong key", mid.root, k(101), v(100), inc);
  bad("trailing byte", mid.root, k(100), v(100), new Uint8Array([...inc, 0]));
  bad("truncated", mid.root, k(100), v(100), inc.slice(0, inc.length - 1));
  bad("header only", mid.root, k(100), v(100), inc.slice(0, 2));
  bad("unknown flag bits", mid.root, k(100), v(100), withByte(inc, 0, 2));
  bad("depth 257", mid.root, k(100), v(100), withByte(withByte(inc, 1, 1), 2, 1));
  if (depth % 8 !== 0) {
    const last = 3 + bitmapLen - 1;
    bad("padding bit set", mid.root, k(100), v(100), withByte(inc, last, inc[last]! | 1));
  }
  // A zero sibling listed as non-empty: in the depth-256 proof of `a` (255 empty siblings, then
  // b's leaf), sibling 0 flagged and 32 zero bytes put before the listed one.
  bad(
    "zero sibling listed as non-empty",
    deep.root,
    a,
    v(3),
    new Uint8Array([
      ...withByte(proofA, 3, proofA[3]! | 0x80).slice(0, 35),
      ...new Uint8Array(32),
      ...proofA.slice(35),
    ]),
  );
  if (otherLeaf !== undefined) {
    bad("other-leaf proof used for inclusion", mid.root, k(100), v(100), otherLeaf);
    // The other leaf replaced by the asked key itself, and by a key off the asked key's path.
    const exKey = k(1000 + findIndexOfFlag(mid, k, 1));
    const same = otherLeaf.slice();
    same.set(exKey, same.length - 64);
    bad("other leaf equal to the key", mid.root, exKey, null, same);
    const off = otherLeaf.slice();
    const flipped = exKey.slice();
    flipped[0]! ^= 0x80;
    off.set(flipped, off.length - 64);
    bad("other leaf off the key's path", mid.root, exKey, null, off);
  }
  // Other-leaf at depth 256 can never hold (two keys sharing 256 bits are equal).
  const d256 = new Uint8Array(3 + 32 + 32 * 1 + 64);
  d256[0] = 1;
  d256[1] = 1;
  d256[2] = 0;
  d256[3 + 31] = 1;
  d256.set(seeded("smt/sibling", 0), 35);
  d256.set(b, 67);
  d256.set(v(4), 99);
  bad("other leaf at depth 256", deep.root, a, null, d256);
  for (const x of out) {
    if (x.name.startsWith("rejected: ") && x.valid) throw new Error(`generateL1: ${x.name} verifies in TS`);
  }
  return out;
}

function findIndexOfFlag(t: SparseMerkleTree, k: (i: number) => Uint8Array, flag: number): number {
  for (let i = 0; ; i++) if (encodeSmtProof(t.prove(k(1000 + i)))[0] === flag) return i;
}

export function buildL1Vectors() {
  const outputRoots = [0, 1, 2].map((i) => {
    const s = i === 0 ? new Uint8Array(32) : seeded("out/state", i);
    const w = i === 0 ? new Uint8Array(32) : seeded("out/withdrawals", i);
    const h = seeded("out/block", i);
    return {
      stateRoot: bytesToHex(s),
      withdrawalsRoot: bytesToHex(w),
      l2BlockHash: bytesToHex(h),
      outputRoot: bytesToHex(outputRoot(s, w, h)),
    };
  });

  const bigWs: Withdrawal[] = [];
  for (let i = 0n; i < BigInt(BIG_TREE_SIZE); i++) bigWs.push(makeWithdrawal("big", i));
  const big = withdrawalsTree("big", bigWs, [0, 1, 2, 77, 4096, 31337, 65535, BIG_TREE_SIZE - 1]);
  // Absent indices: both exclusion kinds.
  const absent: SmtVector[] = [];
  const seen = new Set<number>();
  for (let i = BigInt(BIG_TREE_SIZE); seen.size < 2; i++) {
    const key = withdrawalKey(i);
    const p = encodeSmtProof(big.tree.prove(key));
    if (seen.has(p[0]!)) continue;
    seen.add(p[0]!);
    absent.push(smtVector(`absent withdrawal ${i}`, big.tree.root, key, null, p));
  }

  // Two small trees over the same indices: the honest one, and a forged one (other receivers and
  // amounts) an invalid output could commit to. The invariant tests post both.
  const honestWs = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((i) => makeWithdrawal("honest", i));
  const forgedWs = honestWs.map((w) => ({ ...makeWithdrawal("forged", w.index), index: w.index }));
  const all = [0, 1, 2, 3, 4, 5, 6, 7];

  const smt = [...smtVectors(), ...absent];
  return {
    description:
      "Golden vectors shared by TypeScript and Solidity (contracts/test): output roots, withdrawal keys and leaves, withdrawals trees with SMT proofs, SMT edge cases and proofs every verifier must reject (`valid` is the TypeScript verifier's answer). Generated by test/vectors/generateL1.ts; do not edit.",
    outputRootCount: outputRoots.length,
    outputRoots,
    bigTree: big.json,
    honestTree: withdrawalsTree("honest", honestWs, all).json,
    forgedTree: withdrawalsTree("forged", forgedWs, all).json,
    smtCount: smt.length,
    smt,
  };
}
