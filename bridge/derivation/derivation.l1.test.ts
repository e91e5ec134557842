/**
 * A verifier rebuilds the sequencer's chain from L1 alone, on a real Anvil and on the embedded L1:
 * the real contracts deployed, a sequencer-side ChainCore building blocks from L1 origins and
 * posting them through BatchInbox.postBatch, forced txs (and, on Anvil, deposits) through the
 * Portal; the DerivationDriver (L1Source over viem, ChainStore on disk) derives from genesis.
 * Checked: equal block hashes and state roots at every height; again after an L1 reorg that
 * moves a batch (rewind + re-derive), after one that drops it (the head goes back, then follows
 * the re-post), after a restart mid-way (a channel open across it); an L1 with another chain id is
 * refused; a malformed batcher tx and a zip bomb are dropped with a
 * log line; safe/finalized heads follow L1's tags.
 */

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  numberToHex,
  type PublicClient,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes } from "../../chain/bytes.ts";
import { ChainCore } from "../../chain/chainCore.ts";
import { type BlockAttributes, epochInputs } from "../../chain/derive/attributes.ts";
import { batchBlockOf } from "../../chain/derive/batchBlockOf.ts";
import { channelIdOf, encodeChannel, splitChannel } from "../../chain/derive/channel.ts";
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeBatcherData,
  FRAME_OVERHEAD_BYTES,
} from "../../chain/derive/frame.ts";
import { type GenesisDoc, genesisHash } from "../../chain/genesisDoc.ts";
import type { ChainParams } from "../../chain/params.ts";
import type { Block } from "../../chain/types.ts";
import type { BatchBlock } from "../../chain/wire/index.ts";
import { startVerifier } from "../../node/commands/node.ts";
import { formatStatusText, gatherStatus } from "../../node/commands/status.ts";
import { silentLogger } from "../../node/logger.ts";
import { ChainStore } from "../../store/chainStore.ts";
import { startAnvil } from "../../test/helpers/anvil.ts";
import { L2Node, testParams } from "../../test/helpers/deriveHarness.ts";
import { TestAccount } from "../../test/helpers/testChain.ts";
import { writeDeployment } from "../deployment.ts";
import { type ContractArtifact, deployContracts } from "../l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../l1/devAccounts.ts";
import { createEmbeddedL1 } from "../l1/embeddedL1.ts";
import { serveL1Http } from "../l1/serveL1Http.ts";
import { DerivationDriver, type DerivationLog } from "./derivationDriver.ts";
import { L1SourceError } from "./l1Json.ts";
import { DERIVATION_ABI, L1Source } from "./l1Source.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");
const artifact = async (name: string): Promise<ContractArtifact> => {
  const j = JSON.parse(await readFile(join(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
};

interface L1Harness {
  name: string;
  /** An HTTP URL for other processes and nodes. */
  url: string;
  transport: Transport;
  raw(method: string, params?: unknown[]): Promise<unknown>;
  /** Anvil only: FlopsCredit storage can be written (the embedded L1 has no anvil_setStorageAt). */
  canSetStorage: boolean;
  stop(): Promise<void>;
}

async function anvilL1(): Promise<L1Harness> {
  const a = await startAnvil({ noMining: true, extra: ["--slots-in-an-epoch", "4"] });
  // Ethereum's timestamps strictly increase; Anvil's re-mined blocks (anvil_reorg) keep this step.
  await a.rpc("anvil_setBlockTimestampInterval", [1]);
  return {
    name: "Anvil",
    url: a.url,
    transport: http(a.url, { retryCount: 0 }),
    raw: (m, p = []) => a.rpc(m, p),
    canSetStorage: true,
    stop: () => a.stop(),
  };
}

async function embeddedL1(): Promise<L1Harness> {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
  const server = await serveL1Http(l1, { host: "127.0.0.1", port: 0 });
  return {
    name: "embedded L1",
    url: server.url,
    transport: custom(l1, { retryCount: 0 }),
    raw: (method, params = []) => l1.request({ method, params }),
    canSetStorage: false,
    stop: async () => {
      await server.close();
      await l1.close();
    },
  };
}

interface Sequenced {
  block: Block;
  hash: Uint8Array;
  batch: BatchBlock;
}

/** Captured log lines. */
function testLog(): DerivationLog & { lines: Array<{ level: string; msg: string; o: object }> } {
  const lines: Array<{ level: string; msg: string; o: object }> = [];
  const at = (level: string) => (o: object, msg?: string) => void lines.push({ level, msg: msg ?? "", o });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

describe.each([
  ["Anvil", anvilL1],
  ["embedded L1", embeddedL1],
])("verifier on %s", (_name, makeL1) => {
  let l1: L1Harness;
  let pub: PublicClient;
  let dir: string;
  let params: ChainParams;
  let genesis: GenesisDoc;
  let addresses: Record<string, Hex>;
  let deployBlock: bigint;
  let deployBlockHash: Hex;
  let seq: L2Node;
  let seqOrigin: bigint;
  const seqBlocks: Sequenced[] = [];
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const user = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!);
  let alice: TestAccount;
  let bob: TestAccount;
  let lastTime = 0n;
  let source: L1Source;
  let store: ChainStore;
  let driver: DerivationDriver;
  let log: ReturnType<typeof testLog>;

  const head = async () => (await source.blockRef("latest"))!;
  /** Mines one block one second after the last (strictly increasing, as on Ethereum). */
  const mine = async () => {
    const h = await head();
    await l1.raw("evm_setNextBlockTimestamp", [Number(h.timestamp + 1n)]);
    await l1.raw("evm_mine", []);
  };
  /** Signs and sends a tx (kept raw for reorgs), mines it, checks it succeeded. */
  const send = async (from: typeof admin, to: Hex, data: Hex, opts: { mine?: boolean } = {}) => {
    const w = createWalletClient({ chain: foundry as Chain, transport: l1.transport, account: from });
    const req = await w.prepareTransactionRequest({ to, data, gas: 2_000_000n });
    const raw = await w.signTransaction(req);
    const hash = await pub.sendRawTransaction({ serializedTransaction: raw });
    if (opts.mine !== false) {
      await mine();
      const r = await pub.getTransactionReceipt({ hash });
      expect(r.status).toBe("success");
    }
    return { hash, raw };
  };
  const postData = (data: Uint8Array, opts: { mine?: boolean } = {}) =>
    send(
      admin,
      addresses.BatchInbox!,
      encodeFunctionData({ abi: DERIVATION_ABI, functionName: "postBatch", args: [bytesToHex(data)] }),
      opts,
    );
  const post = async (blocks: readonly Sequenced[], opts: { mine?: boolean } = {}) => {
    const id = channelIdOf(blocks[0]!.hash, blocks[blocks.length - 1]!.hash);
    const frames = splitChannel(id, encodeChannel(blocks.map((b) => b.batch)), DEFAULT_MAX_FRAME_BYTES);
    let last: { hash: Hex; raw: Hex } | undefined;
    for (const f of frames) last = await postData(encodeBatcherData([f]), opts);
    return last!;
  };

  /** The honest sequencer: one block per new origin up to the L1 head (first one with its L1 inputs). */
  const sequence = async (txsPerBlock = 1): Promise<Sequenced[]> => {
    const tip = (await head()).number;
    const out: Sequenced[] = [];
    while (seqOrigin < tip) {
      const n = seqOrigin + 1n;
      const fetched = await source.fetch(n);
      const epoch = epochInputs(fetched.input);
      for (let i = 0; i < 2; i++) {
        const origin = fetched.input.block;
        const t0 = origin.timestamp * 1000n + BigInt(i) * 300n;
        lastTime = t0 > lastTime ? t0 : lastTime + 1n;
        const txs = Array.from(
          { length: txsPerBlock },
          () => alice.sign({ kind: "transfer", to: bob.address, amount: 1n }).raw,
        );
        const attrs: BlockAttributes = {
          number: seq.core.head.header.number + 1n,
          parentHash: seq.core.head.hash,
          timestamp: lastTime,
          l1Origin: { number: origin.number, hash: origin.hash, timestamp: origin.timestamp },
          l1SystemTxs: i === 0 ? epoch.l1SystemTxs : [],
          forcedTxs: i === 0 ? epoch.forcedTxs : [],
          beacons: [],
          txs,
          source: "batch",
          derivedFrom: 0n,
        };
        const r = seq.apply(attrs);
        if (r.replaced) throw new Error(`sequencer built an invalid block: ${r.replaced}`);
        const forced = attrs.forcedTxs.length - r.skippedForced.length;
        const s = { block: r.built.block, hash: r.built.hash, batch: batchBlockOf(r.built.block, forced) };
        seqBlocks.push(s);
        out.push(s);
      }
      seqOrigin = n;
    }
    return out;
  };

  /** Steps the driver until it has read every L1 block. */
  const sync = async () => {
    for (let i = 0; i < 200; i++) {
      await driver.step();
      const s = driver.status();
      if (s.behindL1 === 0n) return s;
    }
    throw new Error("driver did not catch up");
  };

  const expectEqualChains = (upTo: bigint) => {
    expect(driver.core.head.header.number).toBe(upTo);
    for (let n = 1n; n <= upTo; n++) {
      const got = store.getBlock(n)!;
      const want = seqBlocks[Number(n) - 1]!;
      expect(bytesToHex(got.hash), `block ${n}`).toBe(bytesToHex(want.hash));
      expect(bytesToHex(got.block.header.stateRoot)).toBe(bytesToHex(want.block.header.stateRoot));
    }
  };

  const openDriver = async () => {
    store = await ChainStore.open(join(dir, "chain"));
    if (!store.head()) {
      const { head: g, ops } = ChainCore.genesis(store.kv, {
        timestamp: genesis.timestamp,
        alloc: genesis.alloc,
      });
      await store.writeGenesis(genesis, g, ops);
    }
    driver = new DerivationDriver(
      {
        params,
        l1ChainId: Number(await pub.getChainId()),
        deployBlock,
        deployBlockHash: hexToBytes(deployBlockHash),
      },
      { source, store, log },
    );
  };

  beforeAll(async () => {
    l1 = await makeL1();
    dir = await mkdtemp(join(tmpdir(), "flops-verifier-"));
    pub = createPublicClient({ chain: foundry as Chain, transport: l1.transport }) as PublicClient;
    log = testLog();
    // A few empty blocks, so the genesis origin's time is past L1 genesis.
    source = new L1Source({ batchInbox: admin.address, portal: admin.address }, { client: pub });
    for (let i = 0; i < 3; i++) await mine();
    params = testParams();
    alice = TestAccount.fromSeed(1, params.l2ChainId);
    bob = TestAccount.fromSeed(2, params.l2ChainId);
    const origin = await head(); // the deployment goes into the next block: this is the genesis origin
    genesis = {
      params,
      timestamp: origin.timestamp * 1000n,
      alloc: [
        { address: alice.address, credits: 10n ** 21n },
        { address: bob.address, credits: 10n ** 21n },
      ],
    };
    lastTime = genesis.timestamp;
    seqOrigin = origin.number;
    seq = new L2Node(params, genesis.timestamp, genesis.alloc);
    const gh = bytesToHex(genesisHash(genesis));
    const a = admin.address;
    const wallet = createWalletClient({ chain: foundry as Chain, transport: l1.transport, account: admin });
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
          { name: "OutputOracle", artifact: "OutputOracle", args: () => [a, a, a, gh, 10n] },
          {
            name: "Portal",
            artifact: "Portal",
            args: (d) => [a, a, d.OutputOracle, gh, BigInt(params.maxTxBytes), 3600, 10n ** 24n],
          },
          { name: "BatchInbox", artifact: "BatchInbox", args: () => [a, a] },
        ],
        afterSend: mine,
      },
    );
    addresses = deployed.addresses;
    deployBlock = deployed.deployBlock;
    deployBlockHash = deployed.deployBlockHash;
    expect(deployBlock).toBe(origin.number + 1n);
    source = new L1Source({ batchInbox: addresses.BatchInbox!, portal: addresses.Portal! }, { client: pub });
    await openDriver();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await l1?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("derives every block and state root from L1 alone, forced txs and deposits included", async () => {
    // Rounds: sequence the new origins, post them; a forced tx and a deposit in between.
    for (let round = 0; round < 4; round++) {
      const blocks = await sequence();
      await post(blocks);
    }
    const forced = bob.sign({ kind: "transfer", to: alice.address, amount: 7n }).raw;
    const portalAbi = (await artifact("Portal")).abi;
    await send(
      user,
      addresses.Portal!,
      encodeFunctionData({ abi: portalAbi, functionName: "forceTransaction", args: [bytesToHex(forced)] }),
    );
    if (l1.canSetStorage) {
      // FlopsCredit (OpenZeppelin ERC20): _balances at slot 0, _totalSupply at slot 2.
      const credit = (await pub.readContract({
        address: addresses.Portal!,
        abi: portalAbi,
        functionName: "credit",
      })) as Hex;
      const slot = keccak256(
        encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [user.address, 0n]),
      );
      await l1.raw("anvil_setStorageAt", [credit, slot, numberToHex(10n ** 18n, { size: 32 })]);
      await l1.raw("anvil_setStorageAt", [
        credit,
        numberToHex(2n, { size: 32 }),
        numberToHex(10n ** 18n, { size: 32 }),
      ]);
      await send(
        user,
        addresses.Portal!,
        encodeFunctionData({
          abi: portalAbi,
          functionName: "depositCredits",
          args: [bytesToHex(alice.address), 5n * 10n ** 17n],
        }),
      );
    }
    for (let round = 0; round < 3; round++) await post(await sequence());
    const s = await sync();
    const n = BigInt(seqBlocks.length);
    expectEqualChains(n);
    const kinds = seqBlocks.flatMap((b) => b.block.systemTxs.map((t) => t.kind));
    if (l1.canSetStorage) expect(kinds).toContain("deposit");
    const forcedIn = seqBlocks.find((b) => b.block.txs.some((t) => bytesToHex(t.raw) === bytesToHex(forced)));
    expect(forcedIn).toBeDefined();
    expect(s.error).toBeUndefined();
    expect(s.unsafeL2.header.number).toBe(n);
    // L1 safe/finalized lag the head (Anvil: 4-slot epochs; embedded: 4 and 8 blocks).
    expect(s.safeL1).toBeDefined();
    expect(s.finalizedL1).toBeDefined();
    expect(s.safeL2.header.number).toBeLessThanOrEqual(n);
    expect(s.finalizedL2.header.number).toBeLessThanOrEqual(s.safeL2.header.number);
    for (const h of [s.safeL2, s.finalizedL2]) {
      const l1Tag = h === s.safeL2 ? s.safeL1! : s.finalizedL1!;
      const from = store.derivedFrom(h.header.number);
      if (from) expect(from.l1Number).toBeLessThanOrEqual(l1Tag.number);
      const next = store.derivedFrom(h.header.number + 1n);
      if (next) expect(next.l1Number).toBeGreaterThan(l1Tag.number);
    }
  }, 120_000);

  it("drops a malformed batcher tx and a zip bomb with a log line, and goes on", async () => {
    log.lines.length = 0;
    await postData(concatBytes(Uint8Array.of(7), new Uint8Array(40))); // version 7
    // A channel that inflates past maxChannelBytes: brotli of zeros, a few KB on L1.
    const bomb = concatBytes(
      Uint8Array.of(1),
      brotliCompressSync(new Uint8Array(Number(params.maxChannelBytes) + 1024), {
        params: { [zlib.BROTLI_PARAM_QUALITY]: 5 },
      }),
    );
    for (const f of splitChannel(new Uint8Array(16).fill(0xbb), bomb, DEFAULT_MAX_FRAME_BYTES))
      await postData(encodeBatcherData([f]));
    await post(await sequence());
    await sync();
    expectEqualChains(BigInt(seqBlocks.length));
    const msgs = log.lines.map((l) => l.msg);
    expect(msgs).toContain("derivation dropped a batcher tx: unknown version");
    expect(msgs).toContain("derivation dropped a channel: decompressed size above maxChannelBytes");
  }, 60_000);

  it("an L1 reorg that moves a batch to another block: rewinds and re-derives the same blocks", async () => {
    const blocks = await sequence();
    const posted = await post(blocks); // in block I
    await mine(); // I + 1
    await sync();
    expectEqualChains(BigInt(seqBlocks.length));
    const top = BigInt(seqBlocks.length);
    const I = (await pub.getTransactionReceipt({ hash: posted.hash })).blockNumber;
    expect(store.derivedFrom(top)!.l1Number).toBe(I);
    // Replace I and I + 1: the batch now lands in the second one.
    await l1.raw("anvil_reorg", [2, [[posted.raw, 1]]]);
    await mine();
    log.lines.length = 0;
    await sync();
    expect(log.lines.map((l) => l.msg)).toContain("derivation: rewound L2 blocks");
    expectEqualChains(top);
    expect(store.derivedFrom(top)!.l1Number).toBe(I + 1n);
  }, 60_000);

  it("an L1 reorg that drops a batch: the head goes back to a canonical block, then follows the re-post", async () => {
    // Catch up first, so the dropped blocks' origin is the L1 block right before their post.
    await post(await sequence());
    await sync();
    const before = BigInt(seqBlocks.length);
    const blocks = await sequence();
    await post(blocks);
    await sync();
    expectEqualChains(BigInt(seqBlocks.length));
    await l1.raw("anvil_reorg", [1, []]);
    await mine();
    await sync();
    // Back to the last block derived from a canonical L1 block, with its state root.
    expect(driver.core.head.header.number).toBe(before);
    expect(bytesToHex(driver.core.head.header.stateRoot)).toBe(
      bytesToHex(seqBlocks[Number(before) - 1]!.block.header.stateRoot),
    );
    await post(blocks);
    await sync();
    expectEqualChains(BigInt(seqBlocks.length));
  }, 60_000);

  it("restarts mid-way: resumes before the stored head's deciding L1 block, a channel open across it rebuilt", async () => {
    await post(await sequence());
    await post(await sequence());
    const mid = await sequence();
    // The rest of `mid` as a channel of two frames, the first posted before the stored head's
    // deciding L1 block: open across the restart, rebuilt from the stored bank.
    const restId = channelIdOf(mid[1]!.hash, mid[mid.length - 1]!.hash);
    const rest = encodeChannel(mid.slice(1).map((b) => b.batch));
    const restFrames = splitChannel(restId, rest, Math.ceil(rest.length / 2) + FRAME_OVERHEAD_BYTES);
    expect(restFrames.length).toBe(2);
    await postData(encodeBatcherData([restFrames[0]!]));
    await post(mid.slice(0, 1));
    await sync();
    await store.close();
    // More L1 while it is down: the rest of the blocks.
    await postData(encodeBatcherData([restFrames[1]!]));
    await post(await sequence());
    await openDriver();
    const stopped = store.head()!.header.number;
    // Resumed before the L1 block that decided the stored head (its blocks are derived again,
    // PROTOCOL §5 "Resets"), re-reading L1 from there (not from genesis).
    const decidedBy = store.derivedFrom(stopped)!;
    expect(decidedBy.channels!.map((c) => c.id)).toEqual([bytesToHex(restId)]);
    let resumeAt = stopped - 1n;
    while (resumeAt > 0n && store.derivedFrom(resumeAt)!.l1Number === decidedBy.l1Number) resumeAt--;
    await driver.init();
    expect(driver.core.head.header.number).toBe(resumeAt);
    expect(store.head()!.header.number).toBe(resumeAt);
    expect(driver.status().currentL1).toBeUndefined();
    await sync();
    expectEqualChains(BigInt(seqBlocks.length));
  }, 60_000);

  it("refuses an L1 whose chain id is not the deployment file's l1ChainId", async () => {
    const id = Number(await pub.getChainId());
    const wrong = new DerivationDriver(
      { params, l1ChainId: id + 1, deployBlock, deployBlockHash: hexToBytes(deployBlockHash) },
      { source, store, log },
    );
    const e = await wrong.init().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(L1SourceError);
    expect((e as L1SourceError).kind).toBe("critical");
    expect((e as Error).message).toContain(`chain id ${id}, not the deployment file's l1ChainId ${id + 1}`);
    expect(wrong.initialised).toBe(false);
  }, 60_000);

  it("flops node --mode verifier: follows L1 over HTTP, serves the read RPC, refuses txs, shows the heads", async () => {
    await post(await sequence());
    const vdir = join(dir, "verifier-node");
    const deploymentFile = join(dir, "l1-deployment.json");
    await writeDeployment(deploymentFile, {
      version: 1,
      l1ChainId: await pub.getChainId(),
      genesisHash: bytesToHex(genesisHash(genesis)),
      deployBlock: Number(deployBlock),
      deployBlockHash,
      contracts: {
        BatchInbox: addresses.BatchInbox!,
        OutputOracle: addresses.OutputOracle!,
        Portal: addresses.Portal!,
        FlopsCredit: addresses.Portal!,
      },
    });
    const node = await startVerifier({
      datadir: vdir,
      genesis,
      genesisInitOnly: false,
      cfg: {
        "rpc.addr": "127.0.0.1",
        "rpc.port": 0,
        "rpc.rate-limit": 0,
        "block-time-ms": 1000,
        "metrics.enabled": false,
        "metrics.addr": "127.0.0.1",
        "metrics.port": 0,
      },
      log: silentLogger(),
      l1Rpc: l1.url,
      deploymentFile,
    });
    try {
      const call = async (method: string, params: unknown[] = []) =>
        (await (
          await fetch(node.rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
          })
        ).json()) as {
          result?: Record<string, { number: string; hash: string }>;
          error?: { message: string };
        };
      const top = seqBlocks.length;
      for (let i = 0; i < 300; i++) {
        const s = await call("flops_syncStatus");
        if (Number(s.result?.unsafeL2?.number) === top) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const s = (await call("flops_syncStatus")).result!;
      expect(Number(s.unsafeL2!.number)).toBe(top);
      expect(s.unsafeL2!.hash).toBe(bytesToHex(seqBlocks[top - 1]!.hash));
      expect(s.headL1).toBeTruthy();
      expect(s.safeL1).toBeTruthy();
      expect(s.finalizedL1).toBeTruthy();
      const sent = await call("flops_sendRawTransaction", [
        bytesToHex(alice.sign({ kind: "transfer", to: bob.address, amount: 1n }).raw),
      ]);
      expect(sent.error?.message).toMatch(/verifier: not accepting/);
      const text = formatStatusText(await gatherStatus(node.rpcUrl, undefined));
      expect(text).toMatch(new RegExp(`Head +#${top} \\(unsafe\\), safe #\\d+, finalized #\\d+`));
      expect(text).toMatch(/L1 +derived to #\d+, L1 head #\d+, safe #\d+, finalized #\d+/);
    } finally {
      await node.stop();
    }
  }, 60_000);
});
