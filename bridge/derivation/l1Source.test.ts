/**
 * L1Source against a scripted JSON-RPC node (viem's custom transport): what it keeps (successful
 * postBatch calls to the inbox, Portal events in log order) and how it classifies a hostile or
 * inconsistent node (critical / reset / temporary), never crashing. The ABI it decodes with is
 * checked against the committed artifacts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionData,
  type Hex,
  type PublicClient,
} from "viem";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { encodeBatcherData } from "../../chain/derive/frame.ts";
import { ResponseTooLargeError } from "../../rpc/cappedFetch.ts";
import { L1SourceError } from "./l1Json.ts";
import { DERIVATION_ABI, L1Source } from "./l1Source.ts";

const INBOX = "0x1111111111111111111111111111111111111111";
const PORTAL = "0x2222222222222222222222222222222222222222";
const OTHER = "0x3333333333333333333333333333333333333333";
const BLOCK_HASH = `0x${"ab".repeat(32)}` as Hex;
const h = (b: number): Hex => `0x${b.toString(16).padStart(64, "0")}`;

// Two frames of one channel in one batcher tx (the explorer's rows count frames).
const TWO_FRAMES = bytesToHex(
  encodeBatcherData([
    { channelId: new Uint8Array(16).fill(7), number: 0, data: Uint8Array.of(1, 2, 3), isLast: false },
    { channelId: new Uint8Array(16).fill(7), number: 1, data: Uint8Array.of(4), isLast: true },
  ]),
);

const postBatch = (data: Hex) =>
  encodeFunctionData({ abi: DERIVATION_ABI, functionName: "postBatch", args: [data] });

function block(overrides: Record<string, unknown> = {}) {
  return {
    number: "0x10",
    hash: BLOCK_HASH,
    parentHash: h(0xf),
    timestamp: "0x6553f100",
    transactions: [
      { hash: h(1), to: INBOX, input: postBatch("0x00aa") }, // kept
      { hash: h(2), to: INBOX, input: postBatch("0x00bb") }, // reverted: left out
      { hash: h(3), to: OTHER, input: postBatch("0x00cc") }, // not the inbox
      { hash: h(4), to: INBOX, input: "0xdeadbeef" }, // another selector
      { hash: h(5), to: null, input: "0x6000" }, // a contract creation
      { hash: h(6), to: INBOX, input: postBatch(TWO_FRAMES) }, // kept, after
    ],
    ...overrides,
  };
}

const forcedLog = (index: number, logIndex: number) => ({
  address: PORTAL,
  blockHash: BLOCK_HASH,
  logIndex: `0x${logIndex.toString(16)}`,
  removed: false,
  topics: encodeEventTopics({
    abi: DERIVATION_ABI,
    eventName: "TransactionForced",
    args: { forcedTxIndex: BigInt(index), sender: OTHER },
  }),
  data: encodeAbiParameters([{ type: "bytes" }], ["0x0102"]),
});
const depositLog = (logIndex: number) => ({
  address: PORTAL,
  blockHash: BLOCK_HASH,
  logIndex: `0x${logIndex.toString(16)}`,
  removed: false,
  topics: encodeEventTopics({
    abi: DERIVATION_ABI,
    eventName: "CreditsDeposited",
    args: { depositId: 9n, from: OTHER, to: OTHER },
  }),
  data: encodeAbiParameters([{ type: "uint256" }], [5n]),
});
const verdictLog = (logIndex: number) => ({
  address: PORTAL,
  blockHash: BLOCK_HASH,
  logIndex: `0x${logIndex.toString(16)}`,
  removed: false,
  topics: encodeEventTopics({
    abi: DERIVATION_ABI,
    eventName: "ChallengeInvalidated",
    args: { challengeId: 42n },
  }),
  data: "0x",
});
// Paused(address): a Portal event that is not a derivation input.
const pausedLog = (logIndex: number) => ({
  address: PORTAL,
  blockHash: BLOCK_HASH,
  logIndex: `0x${logIndex.toString(16)}`,
  removed: false,
  topics: ["0x62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a258"],
  data: encodeAbiParameters([{ type: "address" }], [OTHER]),
});

type Answers = Record<string, (params: unknown[]) => unknown>;

function node(answers: Partial<Answers> = {}): L1Source {
  const base: Answers = {
    eth_getBlockByNumber: () => block(),
    eth_getTransactionReceipt: ([hash]) => ({
      blockHash: BLOCK_HASH,
      transactionHash: hash,
      status: hash === h(2) ? "0x0" : "0x1",
    }),
    eth_getLogs: () => [forcedLog(1, 7), pausedLog(3), depositLog(2), verdictLog(9)],
    ...answers,
  } as Answers;
  const client = createPublicClient({
    transport: custom(
      {
        async request({ method, params }: { method: string; params: unknown[] }) {
          const f = base[method];
          if (!f) throw new Error(`unexpected ${method}`);
          return f(params);
        },
      },
      { retryCount: 0 },
    ),
  }) as PublicClient;
  return new L1Source({ batchInbox: INBOX, portal: PORTAL }, { client });
}

async function failure(p: Promise<unknown>): Promise<L1SourceError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(L1SourceError);
  return e as L1SourceError;
}

describe("L1Source", () => {
  it("keeps successful postBatch calls to the inbox in tx order, and the Portal's inputs in log order", async () => {
    const { input, skipped, batcherTxs } = await node().fetch(16n);
    expect(input.block.number).toBe(16n);
    expect(input.batcherData.map(bytesToHex)).toEqual(["0x00aa", TWO_FRAMES]);
    // Beside the data, for the explorer: each kept tx's hash, bytes and frames (0: not parseable).
    expect(batcherTxs.map((t) => [bytesToHex(t.hash), t.bytes, t.frames])).toEqual([
      [h(1), 2, 0],
      [h(6), (TWO_FRAMES.length - 2) / 2, 2],
    ]);
    expect(skipped).toEqual([]);
    expect(input.events).toEqual([
      { kind: "deposit", depositId: 9n, to: expect.any(Uint8Array), amount: 5n },
      { kind: "forced", index: 1n, tx: Uint8Array.of(1, 2) },
      { kind: "revoke", challengeId: 42n },
    ]);
  });

  it("classifies a node answering garbage as critical, with the field named", async () => {
    const cases: Array<[string, Partial<Answers>, RegExp]> = [
      ["short hash", { eth_getBlockByNumber: () => block({ hash: "0xabcd" }) }, /block\.hash/],
      ["wrong number", { eth_getBlockByNumber: () => block({ number: "0x11" }) }, /number/],
      ["non-hex time", { eth_getBlockByNumber: () => block({ timestamp: "soon" }) }, /block\.timestamp/],
      ["not an object", { eth_getBlockByNumber: () => "block" }, /malformed answer: block is/],
      [
        "too many txs",
        { eth_getBlockByNumber: () => block({ transactions: new Array(20_001).fill(0) }) },
        /20001 items/,
      ],
      [
        "bad to",
        { eth_getBlockByNumber: () => block({ transactions: [{ hash: h(1), to: "0x12" }] }) },
        /\.to/,
      ],
      ["bad status", { eth_getTransactionReceipt: () => ({ blockHash: BLOCK_HASH, status: 1 }) }, /status/],
      ["log of another contract", { eth_getLogs: () => [{ ...forcedLog(1, 1), address: OTHER }] }, /Portal/],
      ["duplicate log index", { eth_getLogs: () => [forcedLog(1, 1), forcedLog(2, 1)] }, /duplicated/],
      ["undecodable Portal event", { eth_getLogs: () => [{ ...depositLog(1), data: "0x01" }] }, /decode/],
      [
        "oversized answer",
        {
          eth_getBlockByNumber: () => {
            throw new Error("fetch failed", { cause: new ResponseTooLargeError(10, 200) });
          },
        },
        /byte cap/,
      ],
    ];
    for (const [name, answers, why] of cases) {
      const e = await failure(node(answers).fetch(16n));
      expect(e.kind, name).toBe("critical");
      expect(e.message, name).toMatch(why);
      expect(e.message.length, name).toBeLessThan(300);
    }
  });

  it("answers that do not fit together (a reorg while reading) ask for a reset", async () => {
    const cases: Partial<Answers>[] = [
      { eth_getTransactionReceipt: () => ({ blockHash: h(9), status: "0x1" }) },
      { eth_getTransactionReceipt: () => null },
      { eth_getLogs: () => [{ ...forcedLog(1, 1), removed: true }] },
      { eth_getLogs: () => [{ ...forcedLog(1, 1), blockHash: h(9) }] },
    ];
    for (const answers of cases) expect((await failure(node(answers).fetch(16n))).kind).toBe("reset");
  });

  it("a block not there yet and a failing transport are temporary; a tag the node lacks is undefined", async () => {
    expect((await failure(node({ eth_getBlockByNumber: () => null }).fetch(16n))).kind).toBe("temporary");
    const down = node({
      eth_getBlockByNumber: () => {
        throw new Error("ECONNREFUSED");
      },
    });
    expect((await failure(down.fetch(16n))).kind).toBe("temporary");
    expect((await failure(down.blockRef("latest"))).kind).toBe("temporary");
    const noSafe = node({
      eth_getBlockByNumber: ([tag]) => {
        if (tag === "safe") throw Object.assign(new Error("unknown block tag"), { code: -32602 });
        return block();
      },
    });
    expect(await noSafe.blockRef("safe")).toBeUndefined();
    expect((await noSafe.blockRef("latest"))?.number).toBe(16n);
  });

  it("decodes with exactly the artifacts' ABI (contracts/out)", () => {
    const out = join(import.meta.dirname, "../../contracts/out");
    const abiOf = (name: string) =>
      (JSON.parse(readFileSync(join(out, `${name}.json`), "utf8")) as { abi: Array<{ name?: string }> }).abi;
    const strip = (x: unknown) =>
      JSON.parse(JSON.stringify(x, (k, v) => (k === "internalType" || v === false ? undefined : v)));
    const pick = (abi: Array<{ name?: string }>, name: string) => strip(abi.find((x) => x.name === name));
    const ours = (name: string) => strip(DERIVATION_ABI.find((x) => x.name === name));
    expect(ours("postBatch")).toEqual(pick(abiOf("BatchInbox"), "postBatch"));
    expect(ours("CreditsDeposited")).toEqual(pick(abiOf("Portal"), "CreditsDeposited"));
    expect(ours("TransactionForced")).toEqual(pick(abiOf("Portal"), "TransactionForced"));
  });
});
