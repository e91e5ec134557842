/**
 * Amounts are uint256, end to end: a node in a child process is sent transfers whose amount is
 * ~1 Mbit (130,000 bytes, just under maxTxBytes). Before the bound, one at the sender's next nonce
 * cost ~190 ms of main-thread CPU to format into a 315,301-char refusal, and one at a future nonce
 * was accepted into the pool (and later into a block). Now each is MALFORMED at decode, at once,
 * with a short message, and the node keeps serving.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { MAX_ERROR_MESSAGE_CHARS } from "../../chain/errors.ts";
import { keccak256 } from "../../chain/hash.ts";
import { signBodyBytes } from "../../chain/tx/signTx.ts";
import { PB } from "../../chain/wire/schema.ts";
import { type Spawned, spawnDevNode } from "../helpers/nodeProcess.ts";
import { type RpcResponse, rpcRaw, rpcResult } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-amount-"));
let proc: Spawned | undefined;

afterAll(() => {
  proc?.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
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

describe("e2e: amounts are uint256", () => {
  it("behavior: ~1 Mbit amounts are refused as MALFORMED, fast, with short messages", async () => {
    const started = await spawnDevNode(dir);
    proc = started.proc;
    const url = started.url;
    const chainId = BigInt(await rpcResult<string>(url, "eth_chainId"));
    const attacker = TestAccount.fromSeed(7001, chainId);
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
    expect(await rpcResult<string>(url, "eth_blockNumber")).toMatch(/^0x[0-9a-f]+$/);
  }, 60_000);
});
