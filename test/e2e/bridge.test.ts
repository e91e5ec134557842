/**
 * The credits bridge end to end, in process, on the embedded L1 (over HTTP) and on a real Anvil:
 * the real contracts deployed, a real node (createNode) with its JSON-RPC, the output proposer
 * over the L1 tx manager, and every step through the `flops` CLI (runCli):
 *
 *   flops bridge withdraw → status waiting-for-output → proposer posts → ready-to-prove →
 *   flops bridge prove → waiting-to-finalize (final at T) → a finalize now reverts
 *   ChallengeWindowOpen → L1 time passes T → ready-to-finalize → flops bridge finalize → the
 *   ERC-20 is paid → finalized; a second finalize reverts WithdrawalAlreadyFinalized;
 *   flops bridge list; flops bridge deposit (the CreditsDeposited event, the ERC-20 burned);
 *   flops tx force (the TransactionForced event carries the exact bytes).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcBackend } from "../../api/ports.ts";
import { createApiServer } from "../../api/server.ts";
import { writeDeployment } from "../../bridge/deployment.ts";
import { type ContractArtifact, deployContracts } from "../../bridge/l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { createEmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { serveL1Http } from "../../bridge/l1/serveL1Http.ts";
import { OutputProposer } from "../../bridge/proposer/outputProposer.ts";
import { laggingHeadOutput } from "../../bridge/proposer/safeOutputSource.ts";
import { createL1TxManager, type L1TxManager } from "../../bridge/txManager/l1TxManager.ts";
import { CREDIT_ABI, PORTAL_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { WITHDRAWAL_STATES } from "../../bridge/withdrawals/withdrawalStatus.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../../chain/commitment/withdrawalLeaf.ts";
import { genesisHash } from "../../chain/genesisDoc.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { encodeSmtProof, SparseMerkleTree } from "../../chain/smt/index.ts";
import { signTx } from "../../chain/tx/index.ts";
import { createNode, type FlopsNode } from "../../node/createNode.ts";
import { devBeaconSource, devGenesis } from "../../node/devnet.ts";
import { MIN_SCRYPT_N, writeKeystore } from "../../node/keystore.ts";
import { createLogger } from "../../node/logger.ts";
import { startAnvil } from "../helpers/anvil.ts";
import { runFlops } from "../helpers/cli.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");
const CHALLENGE_WINDOW = 3600n;
const CREDIT = 10n ** 18n;

interface L1Under {
  url: string;
  transport: Transport;
  raw(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

async function embedded(): Promise<L1Under> {
  // Blocks on a timer (the CLI waits for receipts as on a real L1); 1 s of L1 time per block.
  const l1 = await createEmbeddedL1({ blockTimeMs: 100 });
  const server = await serveL1Http(l1, { port: 0 });
  return {
    url: server.url,
    transport: custom(l1, { retryCount: 0 }),
    raw: (method, params = []) => l1.request({ method, params }),
    async stop() {
      await server.close();
      await l1.close();
    },
  };
}

async function anvil(): Promise<L1Under> {
  const a = await startAnvil();
  return {
    url: a.url,
    transport: http(a.url, { retryCount: 0 }),
    raw: (m, p = []) => a.rpc(m, p),
    stop: () => a.stop(),
  };
}

/**
 * An API server over the node's own backend, except that its withdrawal proofs are made in another
 * tree (the same withdrawal, another state root): valid proofs of a different output.
 */
async function lyingNode(node: FlopsNode, tx: string): Promise<{ url: string; close(): Promise<void> }> {
  const honest = node.backend.withdrawals!;
  const real = (await honest.byTx(hexToBytes(tx)))!;
  const tree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 0x03 });
  const root = tree.update([{ key: withdrawalKey(real.index), valueHash: withdrawalLeaf(real) }]);
  const stateRoot = new Uint8Array(32).fill(0x66);
  const backend = {
    ...node.backend,
    withdrawals: {
      ...honest,
      async proof(index: bigint, block: bigint | "latest") {
        const p = (await honest.proof(index, block))!;
        const output = {
          ...p.output,
          stateRoot,
          withdrawalsRoot: root,
          outputRoot: outputRoot(stateRoot, root, p.output.block.hash),
        };
        return { ...p, output, proof: encodeSmtProof(tree.prove(withdrawalKey(index))) };
      },
    },
  } as RpcBackend;
  const app = await createApiServer({ rpc: { backend, limits: { rateLimit: false } } });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}

async function artifact(name: string): Promise<ContractArtifact> {
  const j = JSON.parse(await readFile(join(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
}

describe.each([
  ["the embedded L1", embedded],
  ["Anvil", anvil],
])("the credits bridge round trip on %s", (_name, makeL1) => {
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const proposerKey = DEV_PRIVATE_KEYS[1]!;
  // Alice holds credits on L2 and ETH on L1 (one key, one address on both); Bob is paid on L1.
  const aliceKey = hexToBytes(DEV_PRIVATE_KEYS[2]!);
  const alice = privateKeyToAccount(DEV_PRIVATE_KEYS[2]!).address;
  const bobKey = hexToBytes(DEV_PRIVATE_KEYS[3]!);
  const bob = privateKeyToAccount(DEV_PRIVATE_KEYS[3]!).address;
  let l1: L1Under;
  let pub: PublicClient;
  let dir: string;
  let node: FlopsNode;
  let txm: L1TxManager;
  let proposer: OutputProposer;
  let portal: Hex;
  let credit: Hex;
  let common: string[];
  const keys: Record<string, string[]> = {};
  let withdrawTx: string;

  const flops = async (args: string[]) => runFlops([...args]);
  const status = async () => {
    const r = await flops(["bridge", "status", "--tx", withdrawTx, ...common, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string | null>;
  };
  const nextL1Block = async () => {
    const start = await pub.getBlockNumber();
    await l1.raw("evm_mine", []);
    while ((await pub.getBlockNumber()) <= start) await new Promise((r) => setTimeout(r, 20));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flops-bridge-"));
    l1 = await makeL1();
    pub = createPublicClient({ chain: foundry as Chain, transport: l1.transport, pollingInterval: 50 });
    const wallet = createWalletClient({ chain: foundry as Chain, transport: l1.transport, account: admin });

    const now = BigInt(Date.now());
    const genesis = {
      ...devGenesis({ now, epochSeconds: 30 }),
      alloc: [{ address: hexToBytes(alice), credits: 100n * CREDIT }],
    };
    const gh = bytesToHex(genesisHash(genesis));
    const a = admin.address;
    const proposerAddress = privateKeyToAccount(proposerKey).address;
    const deployed = await deployContracts(
      wallet,
      pub,
      {
        BatchInbox: await artifact("BatchInbox"),
        OutputOracle: await artifact("OutputOracle"),
        Portal: await artifact("Portal"),
      },
      {
        steps: [
          {
            name: "OutputOracle",
            artifact: "OutputOracle",
            args: () => [a, proposerAddress, a, gh, CHALLENGE_WINDOW],
          },
          {
            name: "Portal",
            artifact: "Portal",
            args: (d) => [a, a, d.OutputOracle, gh, 131_072n, 3600, 10n ** 24n],
          },
          { name: "BatchInbox", artifact: "BatchInbox", args: () => [a, a] },
        ],
      },
    );
    portal = deployed.addresses.Portal!;
    credit = await pub.readContract({ address: portal, abi: PORTAL_ABI, functionName: "credit" });
    const deploymentFile = join(dir, "l1-deployment.json");
    await writeDeployment(deploymentFile, {
      version: 1,
      l1ChainId: 31337,
      genesisHash: gh,
      deployBlock: Number(deployed.deployBlock),
      deployBlockHash: deployed.deployBlockHash,
      contracts: {
        BatchInbox: deployed.addresses.BatchInbox!,
        OutputOracle: deployed.addresses.OutputOracle!,
        Portal: portal,
        FlopsCredit: credit,
      },
    });

    const logger = createLogger({ level: "silent" });
    node = await createNode(
      { datadir: join(dir, "node"), genesis, rpc: { addr: "127.0.0.1", port: 0 }, blockTimeMs: 100 },
      { logger, beacon: (g) => devBeaconSource(g, () => BigInt(Date.now())) },
    );
    common = ["--rpc", node.rpcUrl, "--l1.rpc", l1.url, "--l1.deployment", deploymentFile];
    for (const [name, key] of [
      ["alice", aliceKey],
      ["bob", bobKey],
    ] as const) {
      const entry = await writeKeystore(key, "pw", {
        dir: join(dir, `keys-${name}`),
        scryptN: MIN_SCRYPT_N,
        warn: () => {},
      });
      await writeFile(join(dir, `pw-${name}`), "pw\n", { mode: 0o600 });
      keys[name] = ["--keystore", entry.file, "--password-file", join(dir, `pw-${name}`)];
    }

    txm = await createL1TxManager(
      { journalDir: join(dir, "proposer-txs"), chainId: 31337, numConfirmations: 1, pollIntervalMs: 50 },
      { client: pub, account: privateKeyToAccount(proposerKey) },
    );
    proposer = new OutputProposer(
      { oracle: deployed.addresses.OutputOracle!, intervalMs: 1000 },
      {
        client: pub,
        txManager: txm,
        // The sequencer's own head (no verifier here), as createNode's `opts.proposer` does.
        safeOutput: laggingHeadOutput(0, {
          headNumber: () => node.core.head.header.number,
          getBlock: (n) => {
            const b = node.backend.getBlockByNumber(n);
            if (b instanceof Promise) throw new Error("the node's block reads are synchronous");
            return b;
          },
        }),
        log: { info: () => {}, warn: () => {} },
      },
    );
  }, 60_000);

  afterAll(async () => {
    await txm?.close();
    await node?.stop();
    await l1?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("withdraw → output → prove → window → finalize pays the ERC-20, every state in order", async () => {
    const seen: string[] = [];
    const w = await flops([
      "bridge",
      "withdraw",
      "--amount",
      "2.5",
      "--to",
      bob,
      "--rpc",
      node.rpcUrl,
      ...keys.alice!,
      "--json",
    ]);
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
    const made = JSON.parse(w.stdout) as { txHash: string; index: string; l2BlockNumber: string };
    expect(made.index).toBe("0");
    withdrawTx = made.txHash;

    let s = await status();
    expect(s).toMatchObject({
      state: "waiting-for-output",
      index: "0",
      amount: ((25n * CREDIT) / 10n).toString(),
    });
    expect(s.to).toBe(getAddress(bob));
    seen.push(s.state!);

    // An output at or past the withdrawal's block: the proposer's round reads the oracle first.
    const posted = await proposer.proposeOnce();
    expect(posted.kind).toBe("posted");
    // Nothing new to post: the next round is idle (restart-safe: it asks the oracle, not memory).
    s = await status();
    expect(s.state).toBe("ready-to-prove");
    expect(s.outputIndex).toBe("0");
    seen.push(s.state!);

    // A node on another chain (or a lying one) serves a self-consistent output and proof that are
    // not the output on L1: prove refuses before any L1 call.
    const liar = await lyingNode(node, withdrawTx);
    const lied = await flops([
      "bridge",
      "prove",
      "--tx",
      withdrawTx,
      ...common,
      "--rpc",
      liar.url,
      ...keys.alice!,
    ]);
    await liar.close();
    expect(lied.code).toBe(1);
    expect(lied.stderr).toMatch(
      /^error: the L2 node's output root at block #\d+ \(0x[0-9a-f]{64}\) is not output #0 on L1/,
    );

    const p = await flops(["bridge", "prove", "--tx", withdrawTx, ...common, ...keys.alice!, "--json"]);
    expect(p.stderr).toBe("");
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ index: "0", outputIndex: "0" });

    s = await status();
    expect(s.state).toBe("waiting-to-finalize");
    const finalizesAt = BigInt(s.finalizesAt!);
    expect(s.finalizesAtIso).toBe(new Date(Number(finalizesAt) * 1000).toISOString());
    expect(s.proveTx).toMatch(/^0x[0-9a-f]{64}$/);
    seen.push(s.state!);

    // Before the window ends the Portal refuses, and the CLI names its custom error.
    const early = await flops(["bridge", "finalize", "--tx", withdrawTx, ...common, ...keys.alice!]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      `Portal.finalizeWithdrawal would revert: ChallengeWindowOpen(0, ${finalizesAt})`,
    );
    expect(
      await pub.readContract({ address: credit, abi: CREDIT_ABI, functionName: "balanceOf", args: [bob] }),
    ).toBe(0n);

    // The next L1 block is the first at the output's finality time (block time, not wall time).
    await l1.raw("evm_setNextBlockTimestamp", [Number(finalizesAt)]);
    await nextL1Block();
    s = await status();
    expect(s.state).toBe("ready-to-finalize");
    seen.push(s.state!);

    const f = await flops(["bridge", "finalize", "--tx", withdrawTx, ...common, ...keys.alice!, "--json"]);
    expect(f.stderr).toBe("");
    expect(f.code).toBe(0);
    expect(
      await pub.readContract({ address: credit, abi: CREDIT_ABI, functionName: "balanceOf", args: [bob] }),
    ).toBe((25n * CREDIT) / 10n);
    s = await status();
    expect(s.state).toBe("finalized");
    expect(s.finalizeTx).toBe(JSON.parse(f.stdout).l1Tx);
    seen.push(s.state!);
    expect(seen).toEqual([...WITHDRAWAL_STATES]);

    // Paid once: a second finalize reverts with the Portal's custom error, and pays nothing.
    const again = await flops(["bridge", "finalize", "--tx", withdrawTx, ...common, ...keys.alice!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Portal.finalizeWithdrawal would revert: WithdrawalAlreadyFinalized(0)");
    expect(
      await pub.readContract({ address: credit, abi: CREDIT_ABI, functionName: "balanceOf", args: [bob] }),
    ).toBe((25n * CREDIT) / 10n);

    const list = await flops(["bridge", "list", "--address", alice, ...common, "--json"]);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { withdrawals: Array<Record<string, string>> };
    expect(listed.withdrawals).toHaveLength(1);
    expect(listed.withdrawals[0]).toMatchObject({
      txHash: withdrawTx,
      state: "finalized",
      finalizeTx: s.finalizeTx,
    });
    const text = await flops(["bridge", "list", "--address", bob, ...common]);
    expect(text.stdout).toMatch(/^#0 +2\.5 +finalized +L2 0x[0-9a-f]{64} +L1 0x[0-9a-f]{64}\n$/);
  }, 120_000);

  it("deposit burns the ERC-20 on L1 and emits CreditsDeposited for the L2 address", async () => {
    const d = await flops([
      "bridge",
      "deposit",
      "--amount",
      "1",
      "--to",
      alice,
      ...common.slice(2),
      ...keys.bob!,
      "--json",
    ]);
    expect(d.stderr).toBe("");
    expect(d.code).toBe(0);
    const out = JSON.parse(d.stdout) as { depositId: string; l1Tx: Hex };
    expect(out.depositId).toBe("0");
    const receipt = await pub.getTransactionReceipt({ hash: out.l1Tx });
    const [event] = parseEventLogs({ abi: PORTAL_ABI, eventName: "CreditsDeposited", logs: receipt.logs });
    expect(event?.args).toMatchObject({
      depositId: 0n,
      from: getAddress(bob),
      to: getAddress(alice),
      amount: CREDIT,
    });
    expect(
      await pub.readContract({ address: credit, abi: CREDIT_ABI, functionName: "balanceOf", args: [bob] }),
    ).toBe((15n * CREDIT) / 10n);
    // More than Bob holds: refused before sending, naming the ERC-20's error.
    const tooMuch = await flops([
      "bridge",
      "deposit",
      "--amount",
      "5",
      "--to",
      alice,
      ...common.slice(2),
      ...keys.bob!,
    ]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toContain("ERC20InsufficientBalance(");
  }, 60_000);

  it("flops tx force sends the signed tx to the Portal: TransactionForced carries its exact bytes", async () => {
    const chainId = node.genesis.params.l2ChainId;
    const tx = signTx(
      { chainId, nonce: 1n, action: { kind: "transfer", to: hexToBytes(bob), amount: 1n } },
      aliceKey,
    );
    const r = await flops([
      "tx",
      "force",
      "--raw",
      bytesToHex(tx.raw),
      ...common.slice(2),
      ...keys.bob!,
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { forcedTxIndex: string; l2Sender: string; l1Tx: Hex };
    expect(out).toMatchObject({ forcedTxIndex: "0", l2Sender: getAddress(alice) });
    const receipt = await pub.getTransactionReceipt({ hash: out.l1Tx });
    const [event] = parseEventLogs({ abi: PORTAL_ABI, eventName: "TransactionForced", logs: receipt.logs });
    expect(event?.args.signedTx).toBe(bytesToHex(tx.raw));
    expect(event?.args.sender).toBe(getAddress(bob));
    // Bytes that are not a canonical signed tx are refused before anything is sent.
    const bad = await flops(["tx", "force", "--raw", "0x0102", ...common.slice(2), ...keys.bob!]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("refusing to force this tx: not a canonical signed tx");
  }, 60_000);
});

describe("a sequencer following the embedded L1, with its own output proposer (createNode opts.proposer)", () => {
  // Real-time L1 blocks (1 s): the sequencer's L1 origins must keep up with L2 time (PROTOCOL §5 D4).
  const WINDOW = 3n;
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const aliceKey = hexToBytes(DEV_PRIVATE_KEYS[5]!);
  const alice = privateKeyToAccount(DEV_PRIVATE_KEYS[5]!).address;
  const bob = privateKeyToAccount(DEV_PRIVATE_KEYS[6]!).address;
  let l1: L1Under;
  let dir: string;
  let node: FlopsNode | undefined;

  afterAll(async () => {
    await node?.stop();
    await l1?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("withdraw → the node's proposer posts → prove → finalize → deposit back → credits on L2", async () => {
    dir = await mkdtemp(join(tmpdir(), "flops-bridge-node-"));
    const embeddedL1 = await createEmbeddedL1({ blockTimeMs: 1000 });
    const server = await serveL1Http(embeddedL1, { port: 0 });
    l1 = {
      url: server.url,
      transport: custom(embeddedL1, { retryCount: 0 }),
      raw: (method, params = []) => embeddedL1.request({ method, params }),
      stop: async () => {
        await server.close();
        await embeddedL1.close();
      },
    };
    const pub = createPublicClient({ chain: foundry as Chain, transport: l1.transport, pollingInterval: 50 });
    const wallet = createWalletClient({ chain: foundry as Chain, transport: l1.transport, account: admin });
    const genesis = {
      ...devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 }),
      alloc: [{ address: hexToBytes(alice), credits: 10n * CREDIT }],
    };
    const gh = bytesToHex(genesisHash(genesis));
    const a = admin.address;
    const proposer = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!);
    const d = await deployContracts(
      wallet,
      pub,
      {
        BatchInbox: await artifact("BatchInbox"),
        OutputOracle: await artifact("OutputOracle"),
        Portal: await artifact("Portal"),
      },
      {
        steps: [
          {
            name: "OutputOracle",
            artifact: "OutputOracle",
            args: () => [a, proposer.address, a, gh, WINDOW],
          },
          {
            name: "Portal",
            artifact: "Portal",
            args: (x) => [a, a, x.OutputOracle, gh, 131_072n, 3600, 10n ** 24n],
          },
          { name: "BatchInbox", artifact: "BatchInbox", args: () => [a, a] },
        ],
      },
    );
    const credit = await pub.readContract({
      address: d.addresses.Portal!,
      abi: PORTAL_ABI,
      functionName: "credit",
    });
    const deployment = {
      version: 1 as const,
      l1ChainId: 31337,
      genesisHash: gh,
      deployBlock: Number(d.deployBlock),
      deployBlockHash: d.deployBlockHash,
      contracts: {
        BatchInbox: d.addresses.BatchInbox!,
        OutputOracle: d.addresses.OutputOracle!,
        Portal: d.addresses.Portal!,
        FlopsCredit: credit,
      },
    };
    const deploymentFile = join(dir, "l1-deployment.json");
    await writeDeployment(deploymentFile, deployment);
    node = await createNode(
      {
        datadir: join(dir, "node"),
        genesis,
        rpc: { addr: "127.0.0.1", port: 0 },
        blockTimeMs: 200,
        l1: { deployment, confirmations: 0 },
        proposer: { account: proposer, intervalMs: 300, lagBlocks: 0, numConfirmations: 1 },
      },
      {
        logger: createLogger({ level: "silent" }),
        beacon: (g) => devBeaconSource(g, () => BigInt(Date.now())),
        l1Client: pub as PublicClient,
      },
    );
    const common = ["--rpc", node.rpcUrl, "--l1.rpc", l1.url, "--l1.deployment", deploymentFile];
    const entry = await writeKeystore(aliceKey, "pw", {
      dir: join(dir, "keys"),
      scryptN: MIN_SCRYPT_N,
      warn: () => {},
    });
    await writeFile(join(dir, "pw"), "pw\n", { mode: 0o600 });
    const key = ["--keystore", entry.file, "--password-file", join(dir, "pw")];
    const state = async (tx: string) => {
      const r = await runFlops(["bridge", "status", "--tx", tx, ...common, "--json"]);
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout) as { state: string; finalizesAt: string | null };
    };
    const until = async <T>(what: string, f: () => Promise<T | undefined>): Promise<T> => {
      const end = Date.now() + 30_000;
      for (;;) {
        const v = await f();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    const w = await runFlops([
      "bridge",
      "withdraw",
      "--amount",
      "3",
      "--to",
      alice,
      "--rpc",
      node.rpcUrl,
      ...key,
      "--json",
    ]);
    expect(w.stderr).toBe("");
    const tx = (JSON.parse(w.stdout) as { txHash: string }).txHash;
    // The node's own proposer posts an output covering it: no hand-driven round here.
    await until("an output", async () => ((await state(tx)).state === "ready-to-prove" ? true : undefined));
    const p = await runFlops(["bridge", "prove", "--tx", tx, ...common, ...key]);
    expect(p.stderr).toBe("");
    await until("the window", async () =>
      (await state(tx)).state === "ready-to-finalize" ? true : undefined,
    );
    const f = await runFlops(["bridge", "finalize", "--tx", tx, ...common, ...key]);
    expect(f.stderr).toBe("");
    expect(
      await pub.readContract({ address: credit, abi: CREDIT_ABI, functionName: "balanceOf", args: [alice] }),
    ).toBe(3n * CREDIT);

    // Back to L2: the sequencer includes the deposit in the first block of the L1 origin holding it.
    const before = await node.backend.getAccount(hexToBytes(alice));
    const dep = await runFlops([
      "bridge",
      "deposit",
      "--amount",
      "2",
      "--to",
      bob,
      ...common.slice(2),
      ...key,
    ]);
    expect(dep.stderr).toBe("");
    const credited = await until("the deposit on L2", async () => {
      const acc = await node!.backend.getAccount(hexToBytes(bob));
      return acc.credits > 0n ? acc.credits : undefined;
    });
    expect(credited).toBe(2n * CREDIT);
    expect((await node.backend.getAccount(hexToBytes(alice))).credits).toBe(before.credits);
  }, 90_000);
});
