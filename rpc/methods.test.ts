import type { FastifyInstance } from "fastify";
import { createClient, http, rpcSchema } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncInfoOf } from "../api/jsonRpc/methods/flops.ts";
import { createApiServer } from "../api/server.ts";
import { FakeBackend, fakeAddress, fakeHash, fakeNodeRecord } from "../api/testBackend.ts";
import { outputRoot } from "../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../chain/commitment/withdrawalLeaf.ts";
import { keccak256, sha256, utf8 } from "../chain/hash.ts";
import { MemoryKv } from "../chain/kv.ts";
import { defaultParams, QUICKNET } from "../chain/params.ts";
import { encodeSmtProof, SparseMerkleTree } from "../chain/smt/index.ts";
import { CHALLENGE_STATUS, type Challenge } from "../chain/types.ts";
import { encodeChallenge } from "../chain/wire/challenge.ts";
import { JsonRpcError } from "../prover/errors.ts";
import { createRpcClient, type RpcClient } from "../prover/rpcClient.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { challengeSmtKey } from "./challengeProofResults.ts";
import { hex } from "./json.ts";
import { type AnyMethodSpec, encodeParams, parseResult } from "./method.ts";
import { type FlopsRpcSchema, RPC_METHODS } from "./methods.ts";
import { INVALID } from "./params.ts";
import type { NodeInfo, OutputInfo, ReceiptLookup, TxLookup, WithdrawalInfo } from "./types.ts";

// One definition per method is the contract of server and client alike. These tests prove they
// agree for every method: what a client encodes the server decodes to the same value, and what the
// server formats a client parses back to the same value.

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const params = defaultParams(QUICKNET);
const account = TestAccount.fromSeed(1, params.l2ChainId);
const signed = account.sign({
  kind: "reveal",
  challengeId: 3n,
  tiles: new Uint8Array(512).fill(7),
  proof: new Uint8Array(64).fill(9),
});
const transfer = account.sign({ kind: "transfer", to: fakeAddress(2), amount: 10n ** 20n });
const location = { blockNumber: 12n, blockHash: fakeHash("b"), index: 1 };

const requested: Challenge = {
  id: 9n,
  node: account.address,
  tier: 1,
  status: CHALLENGE_STATUS.REQUESTED,
  t0: 1000n,
  r1: 5n,
  deadline: 70_000n,
};
const expired: Challenge = {
  ...requested,
  status: CHALLENGE_STATUS.EXPIRED,
  expiredFrom: CHALLENGE_STATUS.SAMPLED,
  r1Signature: new Uint8Array(48).fill(1),
  activeAt: 5000n,
  tc: 9000n,
  root: fakeHash("root"),
  r2: 12n,
  r2Signature: new Uint8Array(48).fill(2),
  settledAt: 44n,
};
const passed: Challenge = {
  ...expired,
  status: CHALLENGE_STATUS.PASSED,
  openingsDigest: fakeHash("d"),
  credits: 10n ** 19n,
};
delete passed.expiredFrom;

const node: NodeInfo = {
  address: account.address,
  credits: 5n,
  multiplierBps: 13_000n,
  streak: 3,
  registeredAt: 1n,
  lastLiveEpoch: 7n,
  currentEpoch: 8n,
  epochWork: 16_384n,
  epochFailed: false,
  openChallenges: 1,
  passed: 5,
  failed: 1,
  expired: 2,
  cancelled: 0,
  totalWork: 81_920n,
  totalCredits: 10n ** 20n,
  provenThroughput: 123_456_789n,
};
const ref = { number: 3n, hash: fakeHash("h"), timestamp: 99n };
const txs: TxLookup[] = [
  { kind: "signed", tx: signed, from: account.address, location },
  { kind: "signed", tx: transfer, from: account.address, location: null },
  {
    kind: "system",
    tx: { kind: "beacon", round: 7n, signature: new Uint8Array(48).fill(3) },
    hash: fakeHash("s1"),
    location,
  },
  {
    kind: "system",
    tx: { kind: "deposit", depositId: 1n, to: fakeAddress(4), amount: 5n, l1BlockNumber: 77n },
    hash: fakeHash("s2"),
    location,
  },
  {
    kind: "system",
    tx: { kind: "revoke", challengeId: 3n, l1BlockNumber: 78n },
    hash: fakeHash("s3"),
    location,
  },
];
const receipts: ReceiptLookup[] = [
  {
    receipt: { txHash: fakeHash("t"), status: "failed", error: "DEADLINE_PASSED: late", challengeId: 3n },
    location,
  },
  { receipt: { txHash: fakeHash("u"), status: "success", credits: 10n ** 19n }, location },
];

/**
 * Per method: sample args (domain values, as a client passes them) and sample results (domain
 * values, as a handler returns them). A method without samples fails the first test.
 */
// A withdrawal, the output of a block holding it and a real proof: the client checks both.
const withdrawal: WithdrawalInfo = {
  index: 1n,
  from: account.address,
  to: fakeAddress(3),
  amount: 10n ** 18n,
  l2BlockNumber: 7n,
  txHash: fakeHash("w"),
};
const wTree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 0x03 });
const wRoot = wTree.update([
  { key: withdrawalKey(0n), valueHash: fakeHash("w0") },
  { key: withdrawalKey(1n), valueHash: withdrawalLeaf(withdrawal) },
]);
const output: OutputInfo = {
  outputRoot: outputRoot(fakeHash("s"), wRoot, fakeHash("b9")),
  block: { number: 9n, hash: fakeHash("b9"), timestamp: 9000n },
  stateRoot: fakeHash("s"),
  withdrawalsRoot: wRoot,
};
const withdrawalProof = encodeSmtProof(wTree.prove(withdrawalKey(1n)));
// A record in a state tree, its output and proofs of it (inclusion) and of an absent id (exclusion).
const passedBytes = encodeChallenge(passed);
const sTree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 0x02 });
const sRoot = sTree.update([
  { key: challengeSmtKey(passed.id), valueHash: sha256(passedBytes) },
  { key: challengeSmtKey(passed.id + 1n), valueHash: fakeHash("other") },
]);
const stateOutput: OutputInfo = {
  outputRoot: outputRoot(sRoot, wRoot, fakeHash("b9")),
  block: { number: 9n, hash: fakeHash("b9"), timestamp: 9000n },
  stateRoot: sRoot,
  withdrawalsRoot: wRoot,
};
const challengeProofs = [
  {
    challengeId: passed.id,
    record: passedBytes,
    output: stateOutput,
    proof: encodeSmtProof(sTree.prove(challengeSmtKey(passed.id))),
  },
  {
    challengeId: 999n,
    record: null,
    output: stateOutput,
    proof: encodeSmtProof(sTree.prove(challengeSmtKey(999n))),
  },
];

const SAMPLES: Record<string, { args: unknown[][]; results: unknown[] }> = {
  flops_sendRawTransaction: { args: [[signed.raw]], results: [signed.hash] },
  flops_getTransaction: { args: [[signed.hash]], results: [...txs, undefined] },
  flops_getTransactionReceipt: { args: [[fakeHash("t")]], results: [...receipts, undefined] },
  flops_getAccount: {
    args: [[account.address]],
    results: [{ address: account.address, nonce: 2n, pendingNonce: 4n, credits: 10n ** 30n }],
  },
  flops_getNode: {
    args: [[account.address]],
    results: [node, { ...node, lastLiveEpoch: undefined, streak: 0 }, undefined],
  },
  flops_listNodes: {
    args: [[undefined], [{ limit: 3 }], [{ limit: 100, cursor: "abc" }]],
    results: [
      { nodes: [node, node], nextCursor: "x" },
      { nodes: [], nextCursor: null },
    ],
  },
  flops_getChallenge: { args: [[0n], [2n ** 64n - 1n]], results: [requested, expired, passed, undefined] },
  flops_syncStatus: {
    args: [[]],
    results: [
      {
        unsafeL2: ref,
        safeL2: ref,
        finalizedL2: ref,
        currentL1: ref,
        headL1: ref,
        safeL1: ref,
        finalizedL1: ref,
        syncing: true,
      },
      {
        unsafeL2: ref,
        safeL2: ref,
        finalizedL2: ref,
        currentL1: undefined,
        headL1: undefined,
        safeL1: undefined,
        finalizedL1: undefined,
        syncing: false,
      },
    ],
  },
  flops_getParams: { args: [[]], results: [params] },
  flops_getGenesis: { args: [[]], results: [{ genesis: '{"a":1}', hash: keccak256(utf8('{"a":1}')) }] },
  flops_outputAtBlock: { args: [[9n], ["safe"], ["finalized"]], results: [output, undefined] },
  flops_getWithdrawalProof: {
    args: [
      [1n, 9n],
      [0n, "latest"],
    ],
    results: [{ withdrawal, output, proof: withdrawalProof }, undefined],
  },
  flops_getChallengeProof: {
    args: [
      [passed.id, 9n],
      [0n, "finalized"],
    ],
    results: [...challengeProofs, undefined],
  },
  flops_getWithdrawalByTx: { args: [[fakeHash("w")]], results: [withdrawal, undefined] },
  flops_getWithdrawals: {
    args: [[account.address], [account.address, { limit: 2, cursor: "17" }]],
    results: [
      { withdrawals: [withdrawal, { ...withdrawal, index: 2n }], nextCursor: "3" },
      { withdrawals: [], nextCursor: null },
    ],
  },
  flops_getOutputSignature: {
    args: [[12n]],
    results: [
      {
        l2BlockNumber: 12n,
        outputRoot: fakeHash("root"),
        l1BlockHash: fakeHash("l1"),
        l1BlockNumber: 40n,
        signature: new Uint8Array(64).fill(3),
        pubkeyG2: new Uint8Array(128).fill(4),
        operator: fakeAddress(5),
      },
      undefined,
    ],
  },
  eth_chainId: { args: [[]], results: [params.l2ChainId] },
  net_version: { args: [[]], results: ["1001"] },
  net_listening: { args: [[]], results: [true] },
  web3_clientVersion: { args: [[]], results: ["flops/test"] },
  eth_blockNumber: { args: [[]], results: [0n, 2n ** 64n - 1n] },
  eth_getBlockByNumber: {
    args: [[5n], ["latest"], ["safe", true], [0n, false]],
    results: [{ number: "0x5", hash: hex(fakeHash("b5")) }, undefined],
  },
  eth_getBlockByHash: {
    args: [[fakeHash("b5")], [fakeHash("b5"), true]],
    results: [{ number: "0x5" }, undefined],
  },
  eth_syncing: { args: [[]], results: [false, { startingBlock: 1n, currentBlock: 5n, highestBlock: 9n }] },
  eth_subscribe: { args: [["newHeads"], ["newHeads", { address: "0x" }]], results: ["0x1a"] },
  eth_unsubscribe: { args: [["0x1a"]], results: [true, false] },
};

describe("every method definition: client and server agree", () => {
  it("has samples for every method, and every method has a distinct name", () => {
    const names = RPC_METHODS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(SAMPLES).sort()).toEqual([...names].sort());
  });

  it.each(RPC_METHODS.map((m) => [m.name, m] as const))(
    "%s: params the client encodes, the server decodes",
    (_, m) => {
      const spec = m as AnyMethodSpec;
      for (const args of SAMPLES[spec.name]!.args) {
        const wire = json(encodeParams(spec, args as never)) as unknown[];
        expect(wire.length).toBeLessThanOrEqual(spec.params.length);
        spec.params.forEach((p, i) => {
          const sent = wire[i];
          const decoded = sent === undefined || sent === null ? p.fallback : p.parse(sent);
          expect(decoded).not.toBe(INVALID);
          expect(decoded, `${spec.name} param ${p.name}`).toEqual(args[i] ?? p.fallback);
        });
      }
    },
  );

  it.each(RPC_METHODS.map((m) => [m.name, m] as const))(
    "%s: results the server formats, the client parses back",
    (_, m) => {
      const spec = m as AnyMethodSpec;
      for (const value of SAMPLES[spec.name]!.results) {
        const parsed = parseResult(spec, json(spec.result.format(value)));
        expect(parsed).toEqual(value);
        // exactOptionalPropertyTypes: absent fields stay absent rather than `undefined`.
        if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
          expect(Object.keys(parsed as object).sort()).toEqual(Object.keys(value).sort());
        }
      }
    },
  );
});

describe("the client refuses malformed results, naming the field", () => {
  const [getAccount, getChallenge, getReceipt, getTx] = [
    "flops_getAccount",
    "flops_getChallenge",
    "flops_getTransactionReceipt",
    "flops_getTransaction",
  ].map((name) => RPC_METHODS.find((m) => m.name === name) as AnyMethodSpec) as [
    AnyMethodSpec,
    AnyMethodSpec,
    AnyMethodSpec,
    AnyMethodSpec,
  ];

  it("a quantity, a status, a missing field, an absent result", () => {
    expect(() =>
      parseResult(getAccount, { address: hex(account.address), nonce: "12", credits: "0x1" }),
    ).toThrow("flops_getAccount: nonce is not a hex quantity");
    const challenge = json(getChallenge.result.format(requested)) as object;
    expect(() => parseResult(getChallenge, { ...challenge, status: "DONE" })).toThrow(
      "flops_getChallenge: status is not a challenge status",
    );
    expect(() => parseResult(getReceipt, { transactionHash: "0x12" })).toThrow(/status/);
    expect(() => parseResult(getChallenge, undefined)).toThrow("flops_getChallenge: result is not an object");
  });

  it("a signed tx whose raw bytes do not decode, or are not the tx the hash names", () => {
    const good = json(getTx.result.format(txs[0])) as Record<string, unknown>;
    expect(() => parseResult(getTx, { ...good, raw: "0x0102" })).toThrow(
      "flops_getTransaction: raw is not a canonical signed tx",
    );
    expect(() => parseResult(getTx, { ...good, hash: hex(fakeHash("other")) })).toThrow(
      "flops_getTransaction: hash is not keccak256 of raw",
    );
  });
});

describe("the bridge's results: the client checks roots and proofs itself", () => {
  const byName = (name: string) => RPC_METHODS.find((m) => m.name === name) as AnyMethodSpec;
  const outputAt = byName("flops_outputAtBlock");
  const getProof = byName("flops_getWithdrawalProof");
  const good = json(getProof.result.format({ withdrawal, output, proof: withdrawalProof })) as Record<
    string,
    Record<string, unknown>
  >;

  it("an output root that is not its preimage's hash", () => {
    const o = json(outputAt.result.format(output)) as Record<string, unknown>;
    expect(() => parseResult(outputAt, { ...o, stateRoot: hex(fakeHash("other")) })).toThrow(
      "flops_outputAtBlock: outputRoot is not keccak256(abi.encode(0, stateRoot, withdrawalsRoot, blockRef.hash))",
    );
    expect(() => parseResult(outputAt, { ...o, version: "0x01" })).toThrow(/version is not output version 0/);
  });

  it("a proof of another withdrawal, of another amount, or not a proof", () => {
    expect(() =>
      parseResult(getProof, { ...good, proof: hex(encodeSmtProof(wTree.prove(withdrawalKey(0n)))) }),
    ).toThrow(
      "flops_getWithdrawalProof: proof is not an SMT proof of the withdrawal under output.withdrawalsRoot",
    );
    expect(() =>
      parseResult(getProof, { ...good, withdrawal: { ...good.withdrawal, amount: "0x1" } }),
    ).toThrow(/proof is not an SMT proof/);
    expect(() => parseResult(getProof, { ...good, proof: "0x0001" })).toThrow(/proof is not an SMT proof/);
    expect(() => parseResult(getProof, { ...good, proof: `0x${"00".repeat(9000)}` })).toThrow(
      /proof is not hex data of at most 8291 bytes/,
    );
    expect(() =>
      parseResult(getProof, { ...good, withdrawal: { ...good.withdrawal, l2BlockNumber: "0xa" } }),
    ).toThrow("flops_getWithdrawalProof: withdrawal.l2BlockNumber is not at most output.blockRef.number");
  });
});

describe("over HTTP: the real server's method table and the viem client", () => {
  let app: FastifyInstance;
  let client: RpcClient;
  let url: string;
  const backend = new FakeBackend();
  const nodeAddress = fakeAddress(5);

  beforeAll(async () => {
    backend.txs.set(hex(signed.hash).slice(2), txs[0]!);
    backend.receipts.set(hex(fakeHash("t")).slice(2), receipts[0]!);
    backend.setAccount(account.address, { nonce: 2n, credits: 7n });
    backend.addNode(nodeAddress, { record: fakeNodeRecord({ streak: 0 }) });
    backend.challenges.set(9n, expired);
    backend.addBlock();
    app = await createApiServer({ rpc: { backend, limits: { rateLimit: false } } });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    client = createRpcClient({ url, retries: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers every method with the value the backend holds", async () => {
    const [byName] = [Object.fromEntries(RPC_METHODS.map((m) => [m.name, m as AnyMethodSpec]))];
    const call = (name: string, ...args: unknown[]) => client.request(byName[name]!, ...(args as never[]));
    expect(await call("flops_sendRawTransaction", signed.raw)).toEqual(keccak256(signed.raw));
    expect(await call("flops_getTransaction", signed.hash)).toEqual(txs[0]);
    expect(await call("flops_getTransaction", fakeHash("none"))).toBeUndefined();
    expect(await call("flops_getTransactionReceipt", fakeHash("t"))).toEqual(receipts[0]);
    expect(await call("flops_getAccount", account.address)).toEqual({
      address: account.address,
      nonce: 2n,
      pendingNonce: 2n,
      credits: 7n,
    });
    const view = backend.nodes.get(hex(nodeAddress).slice(2))!;
    const nodeInfo = await call("flops_getNode", nodeAddress);
    expect(nodeInfo).toMatchObject({ address: nodeAddress, streak: view.streak, lastLiveEpoch: undefined });
    expect(await call("flops_listNodes", { limit: 1 })).toEqual({ nodes: [nodeInfo], nextCursor: null });
    expect(await call("flops_listNodes")).toEqual({ nodes: [nodeInfo], nextCursor: null });
    expect(await call("flops_getChallenge", 9n)).toEqual(expired);
    expect(await call("flops_syncStatus")).toEqual(syncInfoOf(await backend.syncStatus()));
    expect(await call("flops_getParams")).toEqual(backend.params());
    const genesis = backend.genesisJson();
    expect(await call("flops_getGenesis")).toEqual({ genesis, hash: keccak256(utf8(genesis)) });
    expect(await call("eth_chainId")).toBe(backend.chainId());
    expect(await call("net_version")).toBe(backend.chainId().toString(10));
    expect(await call("net_listening")).toBe(true);
    expect(await call("web3_clientVersion")).toBe("flops/test");
    expect(await call("eth_blockNumber")).toBe(1n);
    const head = backend.head;
    expect(await call("eth_getBlockByNumber", "latest")).toMatchObject({
      number: "0x1",
      hash: hex(head.hash),
    });
    expect(await call("eth_getBlockByNumber", 1n, true)).toMatchObject({ hash: hex(head.hash) });
    expect(await call("eth_getBlockByNumber", 99n)).toBeUndefined();
    expect(await call("eth_getBlockByHash", head.hash)).toMatchObject({ number: "0x1" });
    expect(await call("eth_syncing")).toBe(false);
    // Subscriptions need a WebSocket: over HTTP the definition still decodes the params, then -32004.
    for (const [name, args] of [
      ["eth_subscribe", ["newHeads"]],
      ["eth_unsubscribe", ["0x1"]],
    ] as const) {
      const err = await call(name, ...args).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JsonRpcError);
      expect(err).toMatchObject({ rpcCode: -32004 });
    }
  });

  it("types viem's client.request from the definitions (FlopsRpcSchema)", async () => {
    const viem = createClient({
      transport: http(url, { retryCount: 0 }),
      rpcSchema: rpcSchema<FlopsRpcSchema>(),
    });
    // The JSON form of the answer, typed: streak is a number, credits a quantity string.
    const answer = await viem.request({ method: "flops_getNode", params: [hex(nodeAddress)] });
    const streak: number | undefined = answer?.streak;
    const credits: `0x${string}` | undefined = answer?.credits;
    expect({ streak, credits }).toEqual({ streak: 3, credits: "0x3635c9adc5dea00000" });
    expect(await viem.request({ method: "eth_chainId" })).toBe(`0x${backend.chainId().toString(16)}`);
    // @ts-expect-error flops_getNode takes a 0x-hex address, not a number
    await expect(viem.request({ method: "flops_getNode", params: [5] })).rejects.toThrow(/invalid params/);
  });
});
