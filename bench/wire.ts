/**
 * Wire codec costs (chain/wire): the per-transaction hot paths (decodeSignedTx, state record
 * encode/decode) and a 1000-tx block. `npm run bench -- --only wire`.
 */
import { keccak256 } from "../chain/hash.ts";
import type { Account, Block, Challenge, NodeRecord, SignedTx, TxBody } from "../chain/types.ts";
import {
  decodeAccount,
  decodeBlock,
  decodeChallenge,
  decodeNodeRecord,
  decodeSignedTx,
  decodeTxBody,
  encodeAccount,
  encodeBlock,
  encodeChallenge,
  encodeNodeRecord,
  encodeSignedTx,
  encodeTxBody,
} from "../chain/wire/index.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const ETHER = 10n ** 18n;
const bytes = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

/** Median ns/op over 7 runs, each calibrated to ~`targetMs`. */
function measure(fn: () => unknown, targetMs: number): { nsPerOp: number; minNs: number; maxNs: number } {
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= targetMs / 4) {
      n = Math.max(1, Math.round((n * targetMs) / Math.max(ms, 0.001)));
      break;
    }
    n *= 4;
  }
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  runs.sort((a, b) => a - b);
  return { nsPerOp: runs[3]!, minNs: runs[0]!, maxNs: runs[6]! };
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const targetMs = opts.quick ? 20 : 200;
  const body: TxBody = {
    chainId: 0xf10b5n,
    nonce: 17n,
    action: { kind: "transfer", to: bytes(20, 1), amount: 3n * ETHER },
  };
  const bodyBytes = encodeTxBody(body);
  const raw = encodeSignedTx(bodyBytes, bytes(65, 2));
  const account: Account = { nonce: 17n, credits: 123_456n * ETHER };
  const node: NodeRecord = {
    registeredAt: 120n,
    streak: 5,
    lastLiveEpoch: 99n,
    currentEpoch: 100n,
    epochWork: 68_719_476_736n,
    epochFailed: false,
    openChallenges: 2,
    passed: 40,
    failed: 1,
    expired: 3,
    cancelled: 0,
    totalWork: 2_748_779_069_440n,
    totalCredits: 1_500n * ETHER,
    lastThroughput: 19_088_743_424n,
  };
  const challenge: Challenge = {
    id: 42n,
    node: bytes(20, 3),
    tier: 1,
    status: "SAMPLED",
    t0: 1_700_000_000_000n,
    r1: 100n,
    r1Signature: bytes(48, 4),
    activeAt: 1_700_000_003_000n,
    tc: 1_700_000_010_000n,
    root: bytes(32, 5),
    r2: 104n,
    r2Signature: bytes(48, 6),
    deadline: 1_700_000_035_000n,
  };
  const accountBytes = encodeAccount(account);
  const nodeBytes = encodeNodeRecord(node);
  const challengeBytes = encodeChallenge(challenge);
  const txs: SignedTx[] = [];
  for (let i = 0; i < 1000; i++) {
    const b: TxBody = { ...body, nonce: BigInt(i) };
    txs.push(decodeSignedTx(encodeSignedTx(encodeTxBody(b), bytes(65, i & 255))));
  }
  const block: Block = {
    header: {
      number: 1n,
      parentHash: bytes(32, 7),
      timestamp: 1n,
      l1Origin: { number: 1n, hash: bytes(32, 8), timestamp: 1n },
      stateRoot: bytes(32, 9),
      withdrawalsRoot: bytes(32, 10),
      txRoot: bytes(32, 11),
      receiptsRoot: bytes(32, 12),
    },
    systemTxs: [],
    txs,
  };
  const blockBytes = encodeBlock(block);

  const cases: [string, () => unknown, Record<string, unknown>][] = [
    [
      "wire_decodeSignedTx",
      () => decodeSignedTx(raw),
      { bytes: raw.length, note: "includes keccak256(raw)" },
    ],
    [
      "wire_keccak256_tx",
      () => keccak256(raw),
      { bytes: raw.length, note: "the hash inside decodeSignedTx" },
    ],
    ["wire_decodeTxBody", () => decodeTxBody(bodyBytes), { bytes: bodyBytes.length }],
    ["wire_encodeTxBody", () => encodeTxBody(body), { bytes: bodyBytes.length }],
    ["wire_encodeAccount", () => encodeAccount(account), { bytes: accountBytes.length }],
    ["wire_decodeAccount", () => decodeAccount(accountBytes), { bytes: accountBytes.length }],
    ["wire_encodeNodeRecord", () => encodeNodeRecord(node), { bytes: nodeBytes.length }],
    ["wire_decodeNodeRecord", () => decodeNodeRecord(nodeBytes), { bytes: nodeBytes.length }],
    ["wire_encodeChallenge", () => encodeChallenge(challenge), { bytes: challengeBytes.length }],
    ["wire_decodeChallenge", () => decodeChallenge(challengeBytes), { bytes: challengeBytes.length }],
  ];
  const results: BenchResult[] = [];
  for (const [name, fn, extra] of cases) {
    const m = measure(fn, targetMs);
    results.push({
      name,
      value: Math.round(m.nsPerOp),
      unit: "ns/op",
      min: Math.round(m.minNs),
      max: Math.round(m.maxNs),
      ...extra,
    });
  }
  const enc = measure(() => encodeBlock(block), targetMs);
  results.push({
    name: "wire_encodeBlock_per_tx",
    value: Math.round(enc.nsPerOp / 1000),
    unit: "ns/tx",
    txs: 1000,
    bytes: blockBytes.length,
  });
  const dec = measure(() => decodeBlock(blockBytes), targetMs);
  results.push({
    name: "wire_decodeBlock_per_tx",
    value: Math.round(dec.nsPerOp / 1000),
    unit: "ns/tx",
    txs: 1000,
    note: "includes keccak256 per tx",
  });
  return results;
}

if (process.argv[1]?.endsWith("bench/wire.ts")) {
  for (const r of await run({ quick: process.argv.includes("--quick") }))
    process.stdout.write(`${JSON.stringify(r)}\n`);
}
