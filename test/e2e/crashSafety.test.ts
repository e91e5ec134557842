/**
 * Crash safety: a node in a child process is killed with SIGKILL under load and restarted on the
 * same datadir. Every transaction it had accepted is included exactly once, and the state roots
 * at every height it had reported are unchanged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { TIER_TINY } from "../../chain/params.ts";
import type { SignedTx } from "../../chain/types.ts";
import { type Spawned, spawnDevNode } from "../helpers/nodeProcess.ts";
import { rpc, rpcBatch, rpcBatchResults, rpcResult, waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-crash-"));
const running: Spawned[] = [];

afterAll(() => {
  for (const s of running) s.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function startNodeProcess(): Promise<{ proc: Spawned; url: string }> {
  return spawnDevNode(dir, { blockTimeMs: 100, track: running });
}

interface Eth {
  number: string;
  stateRoot: string;
  hash: string;
  transactions: string[];
}

async function blocks(url: string, from: bigint, to: bigint): Promise<Eth[]> {
  const calls = [];
  for (let n = from; n <= to; n++)
    calls.push({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] });
  return rpcBatchResults<Eth>(url, calls);
}

describe("e2e: crash safety", () => {
  it("behavior: SIGKILL under load loses no accepted tx and no block; roots unchanged", async () => {
    let { proc, url } = await startNodeProcess();
    const chainId = BigInt(await rpcResult<string>(url, "eth_chainId"));
    const accounts = Array.from({ length: 400 }, (_, i) => TestAccount.fromSeed(5000 + i, chainId));
    const txs: SignedTx[] = accounts.flatMap((a) => [
      a.sign({ kind: "register" }),
      a.sign({ kind: "challenge", tier: TIER_TINY.id }),
    ]);

    const accepted = new Set<string>();
    let next = 0;
    let killed = false;
    const sender = async () => {
      while (next < txs.length && !killed) {
        const tx = txs[next++]!;
        try {
          const r = await rpc(url, "flops_sendRawTransaction", [bytesToHex(tx.raw)]);
          if (r.result) accepted.add(r.result as string);
        } catch {
          // connection cut by the kill: this tx was not accepted
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, sender));
    await waitFor(async () => accepted.size >= 300, 30_000, "300 accepted txs");
    const headBefore = BigInt(await rpcResult<string>(url, "eth_blockNumber"));
    const before = await blocks(url, 1n, headBefore);
    killed = true;
    proc.child.kill("SIGKILL");
    await proc.exited;
    await load;

    ({ proc, url } = await startNodeProcess());
    // A client resends what was never acknowledged (e.g. a register cut off by the kill while
    // the same account's challenge, one nonce later, was accepted). Resends are either accepted
    // or refused as already known/used; they never make a tx appear twice.
    // (In batches: hundreds of resends one request at a time take seconds of round trips.)
    const resend = txs.filter((tx) => !accepted.has(bytesToHex(tx.hash)));
    const answers = await rpcBatch(
      url,
      resend.map((tx) => ({ method: "flops_sendRawTransaction", params: [bytesToHex(tx.raw)] })),
    );
    answers.forEach((r, i) => {
      if (r.result) accepted.add(bytesToHex(resend[i]!.hash));
      else expect(["ALREADY_KNOWN", "NONCE_TOO_LOW"]).toContain(r.error?.data?.code);
    });
    // Every accepted tx gets a receipt (the journal re-admits those not yet in a block).
    const missing = new Set(accepted);
    try {
      await waitFor(
        async () => {
          const hashes = [...missing];
          const receipts = await rpcBatchResults(
            url,
            hashes.map((h) => ({ method: "flops_getTransactionReceipt", params: [h] })),
          );
          receipts.forEach((r, i) => {
            if (r) missing.delete(hashes[i]!);
          });
          return missing.size === 0;
        },
        120_000,
        "receipts for every accepted tx",
      );
    } catch (e) {
      const sample = [...missing].slice(0, 3);
      const lookups = await Promise.all(sample.map((h) => rpcResult(url, "flops_getTransaction", [h])));
      throw new Error(`${(e as Error).message}: ${missing.size} missing, e.g. ${JSON.stringify(lookups)}`);
    }
    const head = BigInt(await rpcResult<string>(url, "eth_blockNumber"));
    const after = await blocks(url, 1n, head);
    expect(after.slice(0, before.length).map((b) => b.stateRoot)).toEqual(before.map((b) => b.stateRoot));
    expect(after.slice(0, before.length).map((b) => b.hash)).toEqual(before.map((b) => b.hash));
    const seen = new Map<string, number>();
    for (const b of after) for (const h of b.transactions) seen.set(h, (seen.get(h) ?? 0) + 1);
    for (const h of accepted) expect(seen.get(h), `tx ${h}`).toBe(1);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  }, 240_000);
});
