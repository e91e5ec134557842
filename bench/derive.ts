/**
 * derive_blocks_per_s: how fast a verifier re-derives a devnet chain from L1 (issue 9: ≥ 10× the
 * sequencer's block rate), against same-run ceilings.
 *
 * The chain (untimed): `flops devnet` itself, in its own process, on a temp datadir: the embedded
 * L1 with the contracts deployed (1 s L1 blocks), the sequencer at the devnet's 500 ms block time,
 * its batcher posting every block, the output proposer, and prover processes (3 at the devnet
 * tier; --quick: 2 at the tiny tier) running challenge → commit → reveal, the reveals carrying
 * their openings (~20 KiB at the devnet tier). Once the provers passed a few lifecycles it is
 * stopped with SIGINT (the batcher flushes) and its L1 is reopened from `<datadir>/l1/` with no
 * mining timer, so the L1 stays still while it is read.
 *
 * Timed, each from a fresh LevelDB store in a temp dir, one after the other:
 * - derive (the figure): the real DerivationDriver over an L1Source on the embedded L1's EIP-1193
 *   provider (viem custom transport), stepped from genesis until it has read every L1 block.
 *   derive_blocks_per_s and derive_txs_per_s (signed L2 txs; system txs counted apart).
 * - L1 only: the same L1Source reads and Deriver (frames, channel bank, brotli, batch rules,
 *   attributes) with no execution: each block "advanced" with its known hash.
 * - execution only: the attributes that pass produced, executed (executeAttributes, sender
 *   recovery) and committed (commitDerivedBlock) exactly as the driver does, with no L1 reading.
 * - follow check (follow_check_blocks_per_s): the sequencer's self-check of the same blocks,
 *   executed again over the state before each (store/pastState.ts) and compared by hash.
 *
 * Ceilings: the devnet's block cadence (1 block / 500 ms; the ratio's target is ≥ 10) and the
 * execution-only rate (what derivation would reach if reading L1 were free). Every derived block
 * must be the sequencer's (its tail may be missing: the stop's flush), or the bench fails: a batch that landed later than maxBatchDelay (a devnet on an overloaded
 * machine) makes derivation fill in default blocks, and the figure would be about those.
 *
 * Run alone: `node --import tsx bench/derive.ts [--quick] [--json] [--devnet DIR]` (DIR: a stopped
 * devnet's datadir, derived instead of a fresh one); bench/run.ts runs it as "derive".
 * @module
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createPublicClient, custom, type PublicClient } from "viem";
import { foundry } from "viem/chains";
import { type L1Deployment, readDeployment } from "../bridge/deployment.ts";
import { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { L1Source } from "../bridge/derivation/l1Source.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { equalBytes, hexToBytes } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import type { BlockAttributes, L1BlockRef } from "../chain/derive/attributes.ts";
import { Deriver } from "../chain/derive/deriver.ts";
import { executeAttributes } from "../chain/derive/executeAttributes.ts";
import { type GenesisDoc, genesisFromJson } from "../chain/genesisDoc.ts";
import { MemoryKv } from "../chain/kv.ts";
import { recoverSender } from "../chain/tx/index.ts";
import type { Hash32 } from "../chain/types.ts";
import { NODE_V8_FLAGS } from "../node/v8Flags.ts";
import { ChainStore } from "../store/chainStore.ts";
import { PastStateKv } from "../store/pastState.ts";
import { ceilingFields } from "./ceiling.ts";
import { machineLoad, median, tempDir } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

/** The devnet's L2 block time (`flops devnet --block-time-ms` default). */
const BLOCK_TIME_MS = 500;

interface Sequenced {
  hashes: Hash32[];
  signedTxs: number;
  systemTxs: number;
  revealBytes: number;
  reveals: number;
  seconds: number;
}

const BIN = fileURLToPath(new URL("../bin/flops.mjs", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * Runs `flops devnet` (its own process, provers as processes, no verifier) on `dir` until its
 * provers passed `lifecycles` challenges, then stops it with SIGINT (the batcher flushes).
 */
async function runDevnet(
  dir: string,
  o: { provers: number; tier: string; lifecycles: number; capMs: number },
): Promise<number> {
  const { provers, tier, lifecycles, capMs } = o;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...NODE_V8_FLAGS,
      BIN,
      "devnet",
      "--datadir",
      dir,
      "--provers",
      String(provers),
      "--tier",
      tier,
      "--no-verifier",
      "--rpc.port",
      String(port),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const start = performance.now();
  try {
    for (let passed = 0; passed < lifecycles; ) {
      if (performance.now() - start > capMs)
        throw new Error(`derive: devnet did not pass ${lifecycles} challenges in ${capMs} ms`);
      if (child.exitCode !== null) throw new Error(`derive: devnet exited (${child.exitCode}): ${stderr}`);
      await sleep(500);
      try {
        const r = (await rpc(url, "flops_listNodes", [{ limit: 100 }])) as {
          nodes: Array<{ passed: number }>;
        };
        passed = r.nodes.reduce((a, n) => a + n.passed, 0);
      } catch {
        // Not up yet.
      }
    }
    // A few blocks after the last verdict, as the devnet goes on.
    await sleep(4 * BLOCK_TIME_MS);
  } finally {
    child.kill("SIGINT");
    const code = await Promise.race([exited, sleep(30_000).then(() => "timeout" as const)]);
    if (code === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
  }
  return (performance.now() - start) / 1000;
}

/** The devnet's chain as its sequencer stored it. */
async function readSequenced(dir: string, seconds: number): Promise<Sequenced> {
  const store = await ChainStore.open(join(dir, "chain"));
  try {
    const out: Sequenced = {
      hashes: [],
      signedTxs: 0,
      systemTxs: 0,
      revealBytes: 0,
      reveals: 0,
      seconds,
    };
    for (let n = 1n; n <= store.head()!.header.number; n++) {
      const b = store.getBlock(n)!;
      out.hashes.push(b.hash);
      out.signedTxs += b.block.txs.length;
      out.systemTxs += b.block.systemTxs.length;
      for (const t of b.block.txs)
        if (t.body.action.kind === "reveal") {
          out.reveals++;
          out.revealBytes += t.raw.length;
        }
    }
    return out;
  } finally {
    await store.close();
  }
}

/** A fresh verifier store holding the genesis. */
async function freshStore(dir: string, genesis: GenesisDoc): Promise<ChainStore> {
  const store = await ChainStore.open(dir);
  const g = ChainCore.genesis(store.kv, { timestamp: genesis.timestamp, alloc: genesis.alloc });
  await store.writeGenesis(genesis, g.head, g.ops);
  return store;
}

/** The devnet's L1 after the run, replayed from its datadir with no mining timer: it stays still. */
interface FrozenL1 {
  l1: EmbeddedL1;
  deployment: L1Deployment;
}

/** An L1Source over the embedded L1's EIP-1193 provider, as a verifier in the devnet's process has it. */
function sourceOf(l1: FrozenL1): L1Source {
  const client = createPublicClient({ chain: foundry, transport: custom(l1.l1, { retryCount: 0 }) });
  const c = l1.deployment.contracts;
  return new L1Source({ batchInbox: c.BatchInbox, portal: c.Portal }, { client: client as PublicClient });
}

interface Derived {
  seconds: number;
  blocks: number;
  /** Every derived block's hash (the sequencer's, then any default block L1's window rule added). */
  hashes: Hash32[];
  signedTxs: number;
  l1Blocks: number;
  /** Leading derived blocks equal to the sequencer's. */
  matched: number;
  /** Derivation's warning lines (dropped batches): none on a devnet that kept up. */
  warnings: number;
}

/** The real verifier path: DerivationDriver from genesis until it has read every L1 block. */
async function deriveAll(dir: string, genesis: GenesisDoc, l1: FrozenL1, want: Hash32[]): Promise<Derived> {
  const d = l1.deployment;
  const store = await freshStore(dir, genesis);
  // Warnings (dropped batches, skipped txs) are kept: a clean devnet chain has none.
  const warnings: string[] = [];
  const keep = (o: object, msg?: string) => {
    if (warnings.length < 20)
      warnings.push(`${msg ?? ""} ${JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
  };
  const log = { info() {}, warn: keep, error: keep };
  try {
    const driver = new DerivationDriver(
      {
        params: genesis.params,
        l1ChainId: d.l1ChainId,
        deployBlock: BigInt(d.deployBlock),
        deployBlockHash: hexToBytes(d.deployBlockHash),
      },
      { source: sourceOf(l1), store, log },
    );
    let signedTxs = 0;
    driver.onBlock((b) => {
      signedTxs += b.block.txs.length;
    });
    let l1Blocks = 0;
    const start = performance.now();
    for (let i = 0; ; i++) {
      const r = await driver.step();
      l1Blocks += r.l1Blocks;
      if (r.rewound > 0n) throw new Error("derive: an L1 reorg in the bench");
      if (driver.status().behindL1 === 0n) break;
      if (i > 10_000) throw new Error("derive: the driver did not catch up");
    }
    const seconds = (performance.now() - start) / 1000;
    const blocks = Number(driver.core.head.header.number);
    const hashes: Hash32[] = [];
    for (let n = 1; n <= blocks; n++) hashes.push(store.getBlock(BigInt(n))!.hash);
    // The sequencer's chain, block for block, as far as both go: a batch dropped (late under load)
    // makes derivation fill in default blocks from there (D8), which is then no devnet chain.
    let matched = 0;
    while (matched < Math.min(blocks, want.length) && equalBytes(hashes[matched]!, want[matched]!)) matched++;
    if (matched < blocks)
      throw new Error(
        `derive: only ${matched} of ${blocks} derived blocks are the sequencer's (of ${want.length}); derivation said:\n${warnings.join("\n")}`,
      );
    return { seconds, blocks, hashes, signedTxs, l1Blocks, matched, warnings: warnings.length };
  } finally {
    await store.close();
  }
}

/**
 * L1 reading and decoding alone: every L1 block from the genesis origin fetched through L1Source
 * and fed to a Deriver, each block's attributes taken and advanced with the known hash.
 */
async function readL1Only(
  genesis: GenesisDoc,
  l1: FrozenL1,
  hashes: Hash32[],
): Promise<{ seconds: number; attrs: BlockAttributes[] }> {
  const source = sourceOf(l1);
  const d = l1.deployment;
  const start = performance.now();
  const origin = (await source.blockRef(BigInt(d.deployBlock) - 1n)) as L1BlockRef;
  const g = ChainCore.genesis(new MemoryKv(), {
    timestamp: genesis.timestamp,
    alloc: genesis.alloc,
  });
  const deriver = new Deriver(genesis.params, {
    number: 0n,
    hash: g.head.hash,
    timestamp: genesis.timestamp,
    origin,
  });
  const attrs: BlockAttributes[] = [];
  const head = (await source.blockRef("latest"))!.number;
  for (let n = origin.number; n <= head; n++) {
    const { input } = await source.fetch(n);
    if (!deriver.addL1Block(input).ok) throw new Error(`derive: L1 block ${n} does not link`);
    for (;;) {
      const next = deriver.next();
      if (next.kind === "wait") break;
      attrs.push(next.attrs);
      const hash = hashes[Number(next.attrs.number) - 1];
      if (hash === undefined) throw new Error(`derive: block ${next.attrs.number} past the driver's`);
      deriver.advance({ number: next.attrs.number, hash, timestamp: next.attrs.timestamp });
    }
  }
  if (attrs.length !== hashes.length)
    throw new Error(`derive: ${attrs.length} blocks, the driver derived ${hashes.length}`);
  return { seconds: (performance.now() - start) / 1000, attrs };
}

/**
 * Execution alone: the attributes executed and committed as the driver does, no L1 reads. Then
 * (`followS`) the sequencer's self-check of the same chain (bridge/derivation follow mode): every
 * block executed again over the state before it (store/pastState.ts, from genesis, through the
 * undo records just written) and its hash compared with the stored one, no write.
 */
async function executeOnly(
  dir: string,
  genesis: GenesisDoc,
  attrs: BlockAttributes[],
): Promise<{ execS: number; followS: number }> {
  const store = await freshStore(dir, genesis);
  try {
    const core = new ChainCore(genesis.params, store.kv, store.head()!);
    const from = {
      originParentHash: new Uint8Array(32),
      l1Number: 0n,
      l1Hash: new Uint8Array(32),
      channels: [],
    };
    const start = performance.now();
    for (const a of attrs) {
      const senders: Uint8Array[] = [];
      const ex = executeAttributes(core, a, (tx) => {
        const r = recoverSender(tx);
        if (r.ok) senders.push(r.value);
        return r;
      });
      const b = ex.built;
      await store.commitDerivedBlock(
        { block: b.block, hash: b.hash, receipts: b.receipts, senders, size: b.size, encoded: b.encoded },
        b.ops,
        { ...from, l1Number: a.derivedFrom },
      );
      core.advance({ header: b.block.header, hash: b.hash });
    }
    const execS = (performance.now() - start) / 1000;
    const g = store.getBlock(0n)!;
    const followStart = performance.now();
    const past = new PastStateKv(store, 0n);
    const check = new ChainCore(genesis.params, past, { header: g.block.header, hash: g.hash });
    for (const a of attrs) {
      past.refresh();
      const b = executeAttributes(check, a, recoverSender).built;
      if (!equalBytes(b.hash, store.getBlock(a.number)!.hash))
        throw new Error(`derive: the follow check of block ${a.number} differs from the stored block`);
      past.advance(b.ops);
      check.advance({ header: b.block.header, hash: b.hash });
    }
    return { execS, followS: (performance.now() - followStart) / 1000 };
  } finally {
    await store.close();
  }
}

/**
 * `existing`: derive the chain of a stopped devnet's datadir (`--devnet DIR` when run alone)
 * instead of running one (its L1 replayed from there, no block mined).
 */
export async function run(opts: BenchOpts, existing?: string): Promise<BenchResult[]> {
  // The devnet's 3 provers at the devnet tier; --quick: 2 at the tiny tier (the devnet's
  // seconds-long cycles: on a busy 2-core machine a devnet-tier compute outlives the commit
  // deadline, and no lifecycle ends). Lifecycles passed before the devnet is stopped.
  const provers = opts.quick ? 2 : 3;
  const tier = opts.quick ? "tiny" : "devnet";
  const lifecycles = opts.quick ? 4 : 6;
  const tmp = tempDir("derive");
  const devnet = existing ?? join(tmp.dir, "devnet");
  let frozen: FrozenL1 | undefined;
  try {
    const seconds =
      existing === undefined
        ? await runDevnet(devnet, { provers, tier, lifecycles, capMs: opts.quick ? 300_000 : 480_000 })
        : 0;
    const genesis = genesisFromJson(await readFile(join(devnet, "genesis.json"), "utf8"));
    const seq = await readSequenced(devnet, seconds);
    // The devnet's L1 reopened from its datadir without its timer: derivation then reads a fixed
    // L1 (a moving one would add a default block per block time once the window closes, D8).
    frozen = {
      l1: await createEmbeddedL1({ datadir: devnet, blockTimeMs: 0 }),
      deployment: await readDeployment(join(devnet, "l1-deployment.json")),
    };
    const n = seq.hashes.length;
    const note = machineLoad();

    // Warm-up (and the first check that L1 holds the whole chain), then rounds of the three timed
    // passes, interleaved so that each sees the same load; each one's median counts (a pass is
    // a second or two: one neighbour's burst moves a single timing by 2x on this machine).
    const first = await deriveAll(join(tmp.dir, "warm"), genesis, frozen, seq.hashes);
    const fullS: number[] = [];
    const l1S: number[] = [];
    const execS: number[] = [];
    const followS: number[] = [];
    let l1 = await readL1Only(genesis, frozen, first.hashes);
    for (let round = 0; round < (opts.quick ? 3 : 5); round++) {
      fullS.push((await deriveAll(join(tmp.dir, `verifier-${round}`), genesis, frozen, seq.hashes)).seconds);
      l1 = await readL1Only(genesis, frozen, first.hashes);
      l1S.push(l1.seconds);
      const e = await executeOnly(join(tmp.dir, `exec-${round}`), genesis, l1.attrs);
      execS.push(e.execS);
      followS.push(e.followS);
    }
    const full = { ...first, seconds: median(fullS) };
    const execSeconds = median(execS);
    const followRate = l1.attrs.length / median(followS);

    const rate = full.blocks / full.seconds;
    const cadence = 1000 / BLOCK_TIME_MS;
    const execRate = l1.attrs.length / execSeconds;
    const l1Rate = l1.attrs.length / median(l1S);
    const chain = {
      l2Blocks: full.blocks,
      signedTxs: seq.signedTxs,
      systemTxs: seq.systemTxs,
      reveals: seq.reveals,
      revealBytes: seq.revealBytes,
      provers,
      l1Blocks: full.l1Blocks,
      sequencerBlocks: n,
      matchedSequencer: full.matched,
      derivationWarnings: full.warnings,
      sequencedInS: Number(seq.seconds.toFixed(1)),
    };
    const split = {
      deriveS: Number(full.seconds.toFixed(3)),
      l1OnlyS: Number(median(l1S).toFixed(3)),
      execOnlyS: Number(execSeconds.toFixed(3)),
      l1OnlyBlocksPerS: Number(l1Rate.toFixed(1)),
      rounds: fullS.length,
      deriveSAll: fullS.map((x) => Number(x.toFixed(3))),
      execOnlySAll: execS.map((x) => Number(x.toFixed(3))),
    };
    return [
      {
        name: "derive_blocks_per_s",
        value: Number(rate.toFixed(1)),
        unit: "blocks/s",
        ...ceilingFields(
          rate,
          cadence,
          `the devnet sequencer's cadence, 1 block / ${BLOCK_TIME_MS} ms (target ratio ≥ 10)`,
        ),
        target: "ratio ≥ 10",
        tier,
        chain,
        split,
        note,
      },
      {
        name: "derive_exec_blocks_per_s",
        value: Number(rate.toFixed(1)),
        unit: "blocks/s",
        ...ceilingFields(
          rate,
          execRate,
          "the same blocks executed and committed alone (no L1 reads, no decode), blocks/s",
        ),
        split,
        note,
      },
      {
        // The sequencer's self-check (follow mode): what it costs a sequencer to derive its own
        // blocks again. The share of one core it takes at the devnet's cadence: cadence / value.
        name: "follow_check_blocks_per_s",
        value: Number(followRate.toFixed(1)),
        unit: "blocks/s",
        ...ceilingFields(
          followRate,
          execRate,
          "the same blocks executed and committed (fsync) by a verifier, blocks/s",
        ),
        coreShareAtDevnetCadence: Number((cadence / followRate).toFixed(4)),
        followSAll: followS.map((x) => Number(x.toFixed(3))),
        note,
      },
      {
        name: "derive_txs_per_s",
        value: Number((full.signedTxs / full.seconds).toFixed(1)),
        unit: "tx/s",
        ...ceilingFields(
          full.signedTxs / full.seconds,
          full.signedTxs / execSeconds,
          "the same signed txs executed alone (no L1 reads), tx/s",
        ),
        signedTxs: full.signedTxs,
        note,
      },
    ];
  } finally {
    await frozen?.l1.close();
    tmp.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const json = process.argv.includes("--json");
  const at = process.argv.indexOf("--devnet");
  const existing = at > 0 ? process.argv[at + 1] : undefined;
  for (const r of await run({ quick: process.argv.includes("--quick") }, existing)) {
    process.stdout.write(
      json
        ? `${JSON.stringify(r)}\n`
        : `${r.name} ${r.value} ${r.unit} ceiling ${r.ceiling} ratio ${r.ratio}\n`,
    );
  }
}
