import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createPublicClient, custom, type Hex, http, type PublicClient, parseGwei } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { ANVIL_KEYS, type Anvil, type AnvilOpts, startAnvil } from "../../test/helpers/anvil.ts";
import {
  createL1TxManager,
  type L1TxManager,
  type L1TxManagerOpts,
  type TxCandidate,
} from "./l1TxManager.ts";
import type { L1TxError } from "./txErrors.ts";

type RpcArgs = { method: string; params?: unknown };
const INBOX: Address = "0x00000000000000000000000000000000000face7";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  anvil: Anvil;
  client: PublicClient;
  account: PrivateKeyAccount;
  dir: string;
  manager(o?: Partial<L1TxManagerOpts>, client?: PublicClient): Promise<L1TxManager>;
}

async function rig(
  anvilOpts: AnvilOpts,
  base: Partial<L1TxManagerOpts> = {},
  key: Hex = ANVIL_KEYS[0],
): Promise<Rig> {
  const anvil = await startAnvil(anvilOpts);
  cleanups.push(() => anvil.stop());
  const dir = mkdtempSync(join(tmpdir(), "txmgr-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const client = createPublicClient({ transport: http(anvil.url, { retryCount: 0 }) });
  const account = privateKeyToAccount(key);
  return {
    anvil,
    client,
    account,
    dir,
    async manager(o = {}, c = client) {
      const m = await createL1TxManager(
        {
          journalDir: dir,
          numConfirmations: 1,
          pollIntervalMs: 40,
          resubmissionTimeoutMs: 400,
          ...base,
          ...o,
        },
        { client: c, account },
      );
      cleanups.push(() => m.close());
      return m;
    },
  };
}

const candidate = (id: string, n = 0): TxCandidate => ({
  id,
  to: INBOX,
  data: `0x01${n.toString(16).padStart(8, "0")}${"ab".repeat(64)}`,
});

type Maybe<T> = T | false | null | undefined;
async function until<T>(f: () => Maybe<T> | Promise<Maybe<T>>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Mines a block every `ms` (for L1s started with --no-mining) until the test ends. */
function mineEvery(anvil: Anvil, ms: number): void {
  const t = setInterval(() => void anvil.rpc("evm_mine").catch(() => {}), ms);
  cleanups.push(() => clearInterval(t));
}

/** Every tx `from` sent in the L1's blocks: the ground truth of "landed exactly once". */
async function landed(
  anvil: Anvil,
  from: Address,
): Promise<Array<{ hash: Hex; nonce: number; input: Hex; maxFeePerGas: bigint }>> {
  const head = Number(await anvil.rpc<Hex>("eth_blockNumber"));
  const out = [];
  for (let n = 0; n <= head; n++) {
    const b = await anvil.rpc<{
      transactions: Array<{ hash: Hex; from: string; nonce: Hex; input: Hex; maxFeePerGas: Hex }>;
    }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    for (const tx of b.transactions) {
      if (tx.from.toLowerCase() === from.toLowerCase()) {
        out.push({
          hash: tx.hash,
          nonce: Number(tx.nonce),
          input: tx.input,
          maxFeePerGas: BigInt(tx.maxFeePerGas),
        });
      }
    }
  }
  return out;
}

const hashesOf = (m: L1TxManager, id: string): Hex[] => {
  const s = m.status(id);
  return s.state === "pending" ? s.hashes : [];
};

describe("L1 tx manager on Anvil", () => {
  it("sends, waits for confirmations, and never signs twice for one id; in flight stays within maxPendingTxs", async () => {
    const r = await rig({ blockTimeS: 0.2 }, { numConfirmations: 2, maxPendingTxs: 2 });
    const m = await r.manager();
    const c = candidate("ch-0:0-0");
    const receipt = await m.send(c);
    expect(receipt.status).toBe("success");
    expect(receipt.nonce).toBe(0);
    const head = BigInt(await r.anvil.rpc<Hex>("eth_blockNumber"));
    expect(head - receipt.blockNumber + 1n).toBeGreaterThanOrEqual(2n);
    expect(m.status(c.id)).toEqual({ state: "confirmed", receipt });
    expect(await m.send(c)).toEqual(receipt); // the same id again: the same receipt, no new tx
    await expect(m.send({ ...c, data: "0x02" })).rejects.toMatchObject({ code: "INTENT_CONFLICT" });

    let most = 0;
    const t = setInterval(() => (most = Math.max(most, m.pendingCount())), 5);
    cleanups.push(() => clearInterval(t));
    const many = await Promise.all([1, 2, 3, 4, 5].map((i) => m.send(candidate(`ch-${i}:0-0`, i))));
    expect(most).toBeLessThanOrEqual(2);
    expect(many.map((x) => x.nonce).sort()).toEqual([1, 2, 3, 4, 5]);
    const txs = await landed(r.anvil, r.account.address);
    expect(txs.map((x) => x.nonce)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(txs[0]!.input).toBe(c.data);
  });

  it("a stalled L1 (base fee above the tx's cap): the fee bump replaces the tx; one receipt, one nonce", async () => {
    const r = await rig({ noMining: true });
    const m = await r.manager();
    const c = candidate("stuck");
    const sent = m.send(c);
    const [first] = await until(() => hashesOf(m, c.id).length === 1 && hashesOf(m, c.id), "first attempt");
    // The next blocks' base fee jumps far above the first attempt's fee cap (~3 gwei).
    await r.anvil.rpc("anvil_setNextBlockBaseFeePerGas", [`0x${parseGwei("50").toString(16)}`]);
    await r.anvil.rpc("evm_mine");
    expect(await r.anvil.rpc("eth_getTransactionReceipt", [first])).toBeNull();
    mineEvery(r.anvil, 100);
    const receipt = await sent;
    expect(receipt.transactionHash).not.toBe(first);
    const txs = await landed(r.anvil, r.account.address);
    expect(txs.map((x) => [x.hash, x.nonce])).toEqual([[receipt.transactionHash, 0]]); // one tx, the intent's nonce
    expect(txs[0]!.maxFeePerGas).toBeGreaterThan(parseGwei("40"));
  });

  it("a tx dropped from the pool is sent again", async () => {
    const r = await rig({ noMining: true });
    const m = await r.manager();
    const c = candidate("dropped");
    const sent = m.send(c);
    const [first] = await until(() => hashesOf(m, c.id).length === 1 && hashesOf(m, c.id), "first attempt");
    await r.anvil.rpc("anvil_dropTransaction", [first]);
    mineEvery(r.anvil, 100);
    const receipt = await sent;
    expect(receipt.transactionHash).not.toBe(first);
    const txs = await landed(r.anvil, r.account.address);
    expect(txs.map((x) => [x.hash, x.nonce])).toEqual([[receipt.transactionHash, 0]]);
  });

  it("another sender took the nonce: 'nonce too low', then the intent moves to the next nonce, once", async () => {
    const r = await rig({ blockTimeS: 0.1 });
    const m = await r.manager(); // has read the pending nonce (0) already
    const other = await r.account.signTransaction({
      type: "eip1559",
      chainId: 31337,
      nonce: 0,
      to: r.account.address,
      gas: 21_000n,
      maxFeePerGas: parseGwei("5"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
    await r.anvil.rpc("eth_sendRawTransaction", [other]);
    await until(
      async () =>
        (await r.anvil.rpc<Hex>("eth_getTransactionCount", [r.account.address, "latest"])) === "0x1",
      "mined",
    );
    const c = candidate("moved");
    const receipt = await m.send(c);
    expect(receipt.nonce).toBe(1);
    const txs = await landed(r.anvil, r.account.address);
    expect(txs.map((x) => [x.nonce, x.input])).toEqual([
      [0, "0x"],
      [1, c.data],
    ]);
  });

  describe("restart mid-flight (a new manager over the same journal): exactly one inclusion", () => {
    it("tx still pending: the new manager waits for the journaled tx and signs nothing new", async () => {
      const r = await rig({ noMining: true }, { resubmissionTimeoutMs: 60_000 });
      const m1 = await r.manager();
      const c = candidate("pending");
      m1.send(c).catch(() => {});
      const hashes = await until(() => hashesOf(m1, c.id).length > 0 && hashesOf(m1, c.id), "sent");
      await m1.close();
      const m2 = await r.manager();
      expect(m2.status(c.id)).toMatchObject({ state: "pending", nonce: 0, hashes });
      mineEvery(r.anvil, 100);
      const receipt = await m2.send(c);
      expect(receipt.transactionHash).toBe(hashes[0]);
      expect((await landed(r.anvil, r.account.address)).map((x) => x.hash)).toEqual(hashes);
    });

    it("tx mined but not yet confirmed: the new manager confirms it", async () => {
      const r = await rig({}, { numConfirmations: 3 }); // automine: one block, then none
      const m1 = await r.manager();
      const c = candidate("mined");
      m1.send(c).catch(() => {});
      await until(() => {
        const s = m1.status(c.id);
        return s.state === "pending" && s.minedIn !== undefined;
      }, "mined");
      await m1.close();
      const m2 = await r.manager();
      const hashes = hashesOf(m2, c.id);
      const confirmed = m2.send(c);
      await r.anvil.rpc("evm_mine");
      await r.anvil.rpc("evm_mine");
      expect((await confirmed).transactionHash).toBe(hashes[0]);
      expect(hashesOf(m2, c.id)).toEqual([]);
      expect(await landed(r.anvil, r.account.address)).toHaveLength(1);
    });

    it("tx dropped while the manager was down: the new manager resends at the same nonce", async () => {
      const r = await rig({ noMining: true }, { resubmissionTimeoutMs: 60_000 });
      const m1 = await r.manager();
      const c = candidate("lost");
      m1.send(c).catch(() => {});
      const [first] = await until(() => hashesOf(m1, c.id).length > 0 && hashesOf(m1, c.id), "sent");
      await m1.close();
      await r.anvil.rpc("anvil_dropTransaction", [first]);
      const m2 = await r.manager(); // its resubmission timer (60 s) is not what resends
      mineEvery(r.anvil, 100);
      const receipt = await m2.send(c);
      const txs = await landed(r.anvil, r.account.address);
      expect(txs.map((x) => [x.hash, x.nonce])).toEqual([[receipt.transactionHash, 0]]);
      expect(receipt.transactionHash).not.toBe(first);
    });

    it("journaled but the broadcast never reached the node: the new manager sends it", async () => {
      const r = await rig({ blockTimeS: 0.1 });
      const down = async (args: RpcArgs): Promise<unknown> => {
        if (args.method === "eth_sendRawTransaction") throw new Error("fetch failed: ECONNRESET");
        return r.anvil.rpc(args.method, args.params as unknown[]);
      };
      const m1 = await r.manager(
        {},
        createPublicClient({ transport: custom({ request: down }, { retryCount: 0 }) }),
      );
      const c = candidate("unsent");
      m1.send(c).catch(() => {});
      const err = await until(() => {
        const s = m1.status(c.id);
        return s.state === "pending" && s.lastError;
      }, "broadcast failure");
      expect(err).toMatchObject({ code: "RPC_UNAVAILABLE", kind: "temporary" });
      await m1.close();
      expect(await r.anvil.rpc("eth_getTransactionCount", [r.account.address, "pending"])).toBe("0x0");
      const m2 = await r.manager();
      const receipt = await m2.send(c);
      expect(receipt.nonce).toBe(0);
      expect(await landed(r.anvil, r.account.address)).toHaveLength(1);
    });
  });

  it("insufficient funds: a critical error with a clear message, nothing journaled, the nonce reused", async () => {
    const r = await rig({ blockTimeS: 0.1 }, {}, generatePrivateKey());
    const m = await r.manager();
    const c = candidate("poor");
    const err = (await m.send(c).catch((e: unknown) => e)) as L1TxError;
    expect(err).toMatchObject({ code: "INSUFFICIENT_FUNDS", kind: "critical" });
    expect(err.message).toMatch(/fund the sender's L1 account/);
    expect(m.status(c.id)).toEqual({ state: "unknown" });
    await r.anvil.rpc("anvil_setBalance", [r.account.address, "0xde0b6b3a7640000"]);
    expect((await m.send(c)).nonce).toBe(0);
  });

  it("refused before signing: a reverting call (critical) and L1 fees above the cap (temporary)", async () => {
    const r = await rig({ blockTimeS: 0.1 });
    const reverter: Address = "0x000000000000000000000000000000000000dead";
    await r.anvil.rpc("anvil_setCode", [reverter, "0x60006000fd"]); // PUSH1 0 PUSH1 0 REVERT
    const m = await r.manager();
    await expect(m.send({ ...candidate("revert"), to: reverter })).rejects.toMatchObject({
      code: "ESTIMATE_REVERTED",
      kind: "critical",
    });
    await m.close();
    const capped = await r.manager({ maxFeePerGasCap: parseGwei("1.5") }); // base 1 + tip 1 gwei > cap
    await expect(capped.send(candidate("dear"))).rejects.toMatchObject({
      code: "FEE_ABOVE_CAP",
      kind: "temporary",
    });
    expect(capped.status("dear")).toEqual({ state: "unknown" });
  });

  it("hostile node answers are checked: absurd quantities, a foreign receipt, a huge error text", async () => {
    const r = await rig({ blockTimeS: 0.1 });
    let lie: "fee" | "gas" | "receipt" | "error" = "fee";
    const liar = async (args: RpcArgs): Promise<unknown> => {
      const params = args.params as unknown[];
      if (lie === "fee" && args.method === "eth_getBlockByNumber")
        return { baseFeePerGas: `0x${"f".repeat(64)}` };
      if (lie === "gas" && args.method === "eth_estimateGas") return `0x1${"0".repeat(50)}`;
      if (lie === "error" && args.method === "eth_estimateGas") throw new Error(`${"E".repeat(1_000_000)}`);
      if (lie === "receipt" && args.method === "eth_getTransactionReceipt") {
        const real = await r.anvil.rpc<Record<string, unknown> | null>(args.method, params);
        return real && { ...real, transactionHash: `0x${"11".repeat(32)}` };
      }
      return r.anvil.rpc(args.method, params);
    };
    const m = await r.manager(
      {},
      createPublicClient({ transport: custom({ request: liar }, { retryCount: 0 }) }),
    );
    await expect(m.send(candidate("a"))).rejects.toMatchObject({ code: "FEE_ABOVE_CAP" });
    lie = "gas";
    await expect(m.send(candidate("b"))).rejects.toMatchObject({ code: "GAS_ABOVE_LIMIT", kind: "critical" });
    lie = "error";
    const e = (await m.send(candidate("c")).catch((x: unknown) => x)) as L1TxError;
    expect(e.message.length).toBeLessThanOrEqual(512);
    lie = "receipt";
    void m.send(candidate("d")).catch(() => {});
    const bad = await until(() => {
      const s = m.status("d");
      return s.state === "pending" && s.lastError;
    }, "receipt rejected");
    expect(bad).toMatchObject({ code: "BAD_RPC_ANSWER" });
    expect(m.status("d").state).toBe("pending"); // mined on L1, but the forged receipt is not taken
  });
});
