/**
 * Bad input against a real node (level store, HTTP server, worker pool): each gets its precise
 * error, and the node keeps serving after each. One node serves every case (a node per file of
 * cases would start the same node again for each).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { MAX_ERROR_MESSAGE_CHARS } from "../../chain/errors.ts";
import { keccak256 } from "../../chain/hash.ts";
import type { Tier } from "../../chain/params.ts";
import { signBodyBytes } from "../../chain/tx/signTx.ts";
import type { SignedTx } from "../../chain/types.ts";
import { PB } from "../../chain/wire/schema.ts";
import { startNode } from "../../node/commands/node.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { silentLogger } from "../../node/logger.ts";
import { fastGenesis } from "../helpers/fastGenesis.ts";
import { type RpcResponse, rpc, rpcRaw, rpcResult, waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const FAST: Tier = { id: 7, name: "e2e", n: 16, m: 2, k: 8, commitWindowMs: 1000n, revealWindowMs: 1000n };

let node: FlopsNode;
let dir: string;
let url: string;

async function send(tx: SignedTx) {
  return rpc(url, "flops_sendRawTransaction", [bytesToHex(tx.raw)]);
}

async function included(
  tx: SignedTx,
): Promise<{ status: string; challengeId: string | null; error: string | null }> {
  const hash = bytesToHex(tx.hash);
  return waitFor(() => rpcResult(url, "flops_getTransactionReceipt", [hash]), 15_000, `receipt of ${hash}`);
}

async function stillServing(): Promise<void> {
  expect(await rpcResult<string>(url, "eth_blockNumber")).toMatch(/^0x[0-9a-f]+$/);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flops-rpc-e2e-"));
  node = await startNode({
    datadir: dir,
    // The expiry case waits for a seed round (first after t0 + maxBatchDelayMs): fastGenesis's
    // shorter delay (this node has no L1) makes that ~2.5 s shorter; no code here depends on it.
    genesis: fastGenesis({ tiers: [FAST] }),
    genesisInitOnly: true,
    cfg: {
      "rpc.addr": "127.0.0.1",
      "rpc.port": 0,
      "rpc.rate-limit": 0,
      "block-time-ms": 100,
      "metrics.enabled": true,
      "metrics.addr": "127.0.0.1",
      "metrics.port": 0,
    },
    beaconUrls: [],
    log: silentLogger(),
  });
  url = node.rpcUrl;
});

/** A signed transfer whose amount is `amountBytes` bytes: built raw, as our encoders refuse it. */
function hugeTransfer(account: TestAccount, nonce: number, amountBytes: number): Uint8Array {
  const amount = new Uint8Array(amountBytes).fill(0xee);
  const body = new Uint8Array(
    PB.TxBody.encode({
      chainId: Number(account.chainId),
      ...(nonce === 0 ? {} : { nonce }), // proto3: zero is omitted
      transfer: { to: new Uint8Array(20).fill(1), amount },
    }).finish(),
  );
  const signature = signBodyBytes(body, account.privateKey);
  return new Uint8Array(PB.Tx.encode({ body, signature }).finish());
}

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("e2e: bad input over JSON-RPC", () => {
  it("error: protocol-level errors each get their JSON-RPC code", async () => {
    expect((await rpcRaw(url, "{not json")).json).toMatchObject({ error: { code: -32700 } });
    await stillServing();
    expect(
      (await rpcRaw(url, JSON.stringify({ jsonrpc: "1.0", id: 1, method: "eth_blockNumber" }))).json,
    ).toMatchObject({
      error: { code: -32600 },
    });
    expect((await rpcRaw(url, "[]")).json).toMatchObject({ error: { code: -32600 } });
    const big = JSON.stringify(
      Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_blockNumber" })),
    );
    expect((await rpcRaw(url, big)).json).toMatchObject({
      error: { code: -32600, message: expect.stringMatching(/100/) },
    });
    expect(await rpc(url, "flops_getAccount", [42])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc(url, "flops_getChallenge", ["zz"])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc(url, "no_suchMethod")).toMatchObject({ error: { code: -32601 } });
    expect(await rpc(url, "eth_sendRawTransaction", ["0x00"])).toMatchObject({ error: { code: -32004 } });
    const huge = await rpcRaw(
      url,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "flops_sendRawTransaction",
        params: [`0x${"ab".repeat(1_100_000)}`],
      }),
    );
    expect(huge.status).toBe(413);
    await stillServing();
  });

  it("error: transaction-level rejections carry the domain code in error.data", async () => {
    const chainId = node.genesis.params.l2ChainId;
    const alice = TestAccount.fromSeed(101, chainId);
    const bob = TestAccount.fromSeed(102, chainId);

    // Garbage bytes
    expect(await rpc(url, "flops_sendRawTransaction", ["0xdeadbeef"])).toMatchObject({
      error: { code: -32000, data: { code: "MALFORMED" } },
    });

    // A bad signature: v = 2
    const reg = alice.sign({ kind: "register" });
    const badSig = reg.signature.slice();
    badSig[64] = 2;
    const { encodeSignedTx } = await import("../../chain/wire/index.ts");
    const forged = encodeSignedTx(reg.bodyBytes, badSig);
    expect(await rpc(url, "flops_sendRawTransaction", [bytesToHex(forged)])).toMatchObject({
      error: { code: -32003, data: { code: "BAD_SIGNATURE" } },
    });

    // A wrong chain id
    const other = new TestAccount(alice.privateKey, chainId + 1n);
    expect(await send(other.sign({ kind: "register" }, 0n))).toMatchObject({
      error: { data: { code: "WRONG_CHAIN_ID" } },
    });

    // Register, then replay it (same bytes) and reuse its nonce
    expect((await send(reg)).result).toBe(bytesToHex(reg.hash));
    expect((await included(reg)).status).toBe("success");
    expect(await send(reg)).toMatchObject({ error: { data: { code: "ALREADY_KNOWN" } } });
    expect(await send(alice.sign({ kind: "challenge", tier: FAST.id }, 0n))).toMatchObject({
      error: { data: { code: "NONCE_TOO_LOW" } },
    });

    // A challenge whose commit comes after the deadline
    const ch = alice.sign({ kind: "challenge", tier: FAST.id });
    await send(ch);
    const id = (await included(ch)).challengeId!;
    await waitFor(
      async () => (await rpcResult<{ status: string }>(url, "flops_getChallenge", [id])).status === "EXPIRED",
      15_000,
      "expiry",
    );
    const late = await send(
      alice.sign({ kind: "commit", challengeId: BigInt(id), root: new Uint8Array(32) }),
    );
    expect(late).toMatchObject({ error: { code: -32003, data: { code: "DEADLINE_PASSED" } } });

    // Bob reveals for alice's challenge
    const bobReg = bob.sign({ kind: "register" });
    await send(bobReg);
    await included(bobReg);
    const foreign = await send(
      bob.sign({
        kind: "reveal",
        challengeId: BigInt(id),
        tiles: new Uint8Array(256),
        proof: new Uint8Array(0),
      }),
    );
    expect(foreign).toMatchObject({ error: { code: -32003, data: { code: "NOT_CHALLENGE_OWNER" } } });
    await stillServing();
  });

  // Amounts are uint256, end to end: transfers whose amount is ~1 Mbit (130,000 bytes, just under
  // maxTxBytes). Before the bound, one at the sender's next nonce cost ~190 ms of main-thread CPU
  // to format into a 315,301-char refusal, and one at a future nonce was accepted into the pool
  // (and later into a block). Now each is MALFORMED at decode, at once, with a short message.
  it("behavior: ~1 Mbit amounts are refused as MALFORMED, fast, with short messages", async () => {
    const attacker = TestAccount.fromSeed(7001, node.genesis.params.l2ChainId);
    // The sender's next nonce (runs the admission pre-check) and a future nonce (skips it).
    const txs = [hugeTransfer(attacker, 0, 130_000), hugeTransfer(attacker, 7, 130_000)];
    const batch = txs.map((raw, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "flops_sendRawTransaction",
      params: [bytesToHex(raw)],
    }));

    const t0 = performance.now();
    const res = await rpcRaw(url, JSON.stringify(batch));
    const ms = performance.now() - t0;

    expect(res.status).toBe(200);
    const answers = res.json as RpcResponse[];
    expect(answers).toHaveLength(2);
    for (const a of answers) {
      expect(a.error).toMatchObject({ code: -32000, data: { code: "MALFORMED" } });
      expect(a.error!.message).toContain("Transfer.amount: amount of 130000 bytes, above uint256");
      expect(a.error!.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
      expect(a.error!.data!.message!.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    }
    // Decoding stops at the amount's length: no conversion, no signature recovery, no formatting.
    expect(ms).toBeLessThan(1_000);
    // Neither is pending (the future-nonce one used to wait in the pool), and the node serves on.
    for (const raw of txs)
      expect(await rpcResult(url, "flops_getTransaction", [bytesToHex(keccak256(raw))])).toBeNull();
    await stillServing();
  });

  it("default: metrics and health probes are served on their own port and on the RPC port", async () => {
    expect(node.metricsUrl).toBeDefined();
    const metrics = await (await fetch(`${node.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/flops_sequencer_block_build_seconds_count [1-9]/);
    expect(metrics).toMatch(/flops_chain_head_number [1-9]/);
    expect((await fetch(`${node.metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
