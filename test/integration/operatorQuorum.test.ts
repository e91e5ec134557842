/**
 * Attested outputs off chain (issue 10; PROTOCOL §6): on the embedded L1, the EigenLayer stand-in
 * with four operators staked, allocated and registered (bridge/operators/devQuorum.ts), the
 * rollup's OutputOracle with attestation enabled over their registry; a sequencer with its batcher
 * and an attesting proposer; four operator nodes (`--mode operator`: verifiers that sign what they
 * derived from finalized L1 data). The proposer collects the operators' signatures, checks each,
 * aggregates them and posts with proposeOutputAttested:
 *
 * - an attested output lands, its root the sequencer's (and every operator's) at that height, and
 *   finalizes after the challenge window;
 * - with one operator down, the other three (3/4 ≥ 2/3 of the stake) still make outputs, and the
 *   oracle records the missing one as the non-signer;
 * - hostile answers (a forged claim, an oversized answer) are refused, never aggregated;
 * - an operator answers null for what it has not derived from finalized L1 data.
 *
 * L1 time: the quorum's setup mines ~40 blocks by hand, which on a clocked L1 would stamp blocks
 * ahead of the wall clock for good (each block is its parent + 1 s at least). So the L1's clock
 * runs two minutes behind during the setup and catches up before the rollup is deployed.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  type PublicClient,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import type { L1Deployment } from "../../bridge/deployment.ts";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { type L1HttpServer, serveL1Http } from "../../bridge/l1/serveL1Http.ts";
import { keyHash } from "../../bridge/operators/bn254Bls.ts";
import { createDevQuorum, type DevQuorum } from "../../bridge/operators/devQuorum.ts";
import { ATTESTED_ORACLE_ABI } from "../../bridge/operators/operatorAbi.ts";
import { SignatureCollector } from "../../bridge/operators/signatureCollector.ts";
import { ORACLE_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { deployRollup } from "../../node/commands/l1.ts";
import { beaconFor } from "../../node/commands/node.ts";
import { createNode, type FlopsNode, type VerifierFlopsNode } from "../../node/createNode.ts";
import { devBeaconKeys } from "../../node/devBeaconKey.ts";
import { devGenesis } from "../../node/devnet.ts";
import { createLogger, silentLogger } from "../../node/logger.ts";
import { submitLoad } from "../helpers/l1Batches.ts";
import { rpc, waitFor } from "../helpers/rpc.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/operator-quorum/${tag}/${i}`));
const DEPLOYER = DEV_PRIVATE_KEYS[0]!;
const BATCHER = DEV_PRIVATE_KEYS[1]!;
const AVS = key("avs");
const OPERATORS = [0, 1, 2, 3].map((i) => key("op", i));
const WINDOW_BLOCKS = 10;

const dir = mkdtempSync(join(tmpdir(), "flops-operator-quorum-"));
const clockLag = { ms: 120_000 };
let l1: EmbeddedL1 | undefined;
let l1Http: L1HttpServer | undefined;
let sequencer: FlopsNode | undefined;
const operators: Array<VerifierFlopsNode | undefined> = [];
const hostile: Server[] = [];

afterAll(async () => {
  for (const o of operators) await o?.stop();
  await sequencer?.stop();
  for (const s of hostile) await new Promise((r) => s.close(r));
  await l1Http?.close();
  await l1?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An HTTP JSON-RPC endpoint that answers every call with `answer(body)`. */
async function hostileOperator(answer: (body: string) => Promise<string>): Promise<string> {
  const s = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      void answer(text).then((a) => res.end(a));
    });
  });
  hostile.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe("integration: operators sign what they derived, the proposer aggregates", () => {
  let q: DevQuorum;
  let pub: PublicClient;
  let deployment: L1Deployment;
  let genesis: GenesisDoc;
  let forged: string;
  let flood: string;

  const attested = async () => {
    const logs = await pub.getContractEvents({
      address: deployment.contracts.OutputOracle,
      abi: ATTESTED_ORACLE_ABI,
      eventName: "OutputAttested",
      fromBlock: BigInt(deployment.deployBlock),
    });
    return logs.map(
      (l) => l.args as { outputIndex: bigint; signedStake: bigint; nonSignerKeyHashes: readonly Hex[] },
    );
  };
  const outputAt = (i: bigint) =>
    pub.readContract({
      address: deployment.contracts.OutputOracle,
      abi: ORACLE_ABI,
      functionName: "getOutput",
      args: [i],
    });

  it("sets up: stake, operator set, registry, an attested rollup oracle", async () => {
    l1 = await createEmbeddedL1(
      { blockTimeMs: 1000, safeLag: 2, finalizedLag: 4, accounts: [DEPLOYER, BATCHER, AVS, ...OPERATORS] },
      { clock: () => Date.now() - clockLag.ms },
    );
    const embedded = l1;
    l1Http = await serveL1Http(embedded, { port: 0 });
    // The devnet genesis's chain id comes from its beacon key (the public test key): the genesis
    // made below, once the L1 clock caught up, has the same one.
    const l2ChainId = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 }).params.l2ChainId;
    q = await createDevQuorum(embedded, {
      deployerKey: DEPLOYER,
      avsKey: AVS,
      operatorKeys: OPERATORS,
      l2ChainId,
      windowBlocks: WINDOW_BLOCKS,
    });
    await q.join(0, 4);
    clockLag.ms = 0;
    const transport = custom(embedded, { retryCount: 0 });
    pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 50 }) as PublicClient;
    // Derivation starts from the deployment block's parent: it must carry the caught-up clock too
    // (the genesis may not be more than maxSequencerDriftMs after its origin).
    const caughtUp = Math.floor(Date.now() / 1000);
    await waitFor(
      async () => (await pub.getBlock({ blockTag: "latest" })).timestamp >= BigInt(caughtUp),
      10_000,
      "an L1 block on the wall clock",
    );
    const admin = createWalletClient({
      chain: foundry as Chain,
      transport,
      account: privateKeyToAccount(DEPLOYER),
    });
    const dev = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    expect(dev.params.l2ChainId).toBe(l2ChainId);
    // Room for a starved test box (see verifierProposer.test.ts).
    genesis = { ...dev, params: { ...dev.params, maxBatchDelayMs: 12_000n } };
    const a = admin.account.address;
    const d = await deployRollup(admin, pub, {
      genesis,
      roles: {
        admin: a,
        batcher: privateKeyToAccount(BATCHER).address,
        proposer: a,
        challenger: a,
        guardian: a,
      },
      challengeWindow: 3n,
      rateLimitWindow: 3600,
      rateLimitCapacity: 10n ** 24n,
    });
    const hash = await admin.writeContract({
      address: d.contracts.OutputOracle,
      abi: q.abis.oracle,
      functionName: "enableAttestation",
      args: [q.registry, genesis.params.l2ChainId, WINDOW_BLOCKS, 2, 3],
    });
    expect((await pub.waitForTransactionReceipt({ hash })).status).toBe("success");
    deployment = {
      ...d,
      eigenLayer: {
        DelegationManager: q.eigenLayer.DelegationManager,
        AllocationManager: q.eigenLayer.AllocationManager,
      },
      operatorRegistry: q.registry,
    };
  }, 120_000);

  it("posts an attested output of the derived chain, which finalizes after the window", async () => {
    const now = () => BigInt(Date.now());
    for (let i = 0; i < 4; i++) {
      operators[i] = (await createNode(
        {
          datadir: join(dir, `operator-${i}`),
          genesis,
          rpc: { addr: "127.0.0.1", port: 0 },
          blockTimeMs: 200,
          verifier: { l1Rpc: l1Http!.url, deployment, operator: { key: q.bls[i]! } },
        },
        {
          logger: silentLogger(),
          beacon: () => {
            throw new Error("a verifier reads no beacon");
          },
        },
      )) as VerifierFlopsNode;
    }
    // A forged claim (operator 0's answer, claiming to be operator 1) and a flood.
    const op1 = q.operators[1]!.address.toLowerCase();
    forged = await hostileOperator(async (body) => {
      const real = (await (
        await fetch(operators[0]!.rpcUrl, {
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        })
      ).json()) as { result?: { operator?: string } | null };
      if (real.result) real.result.operator = op1;
      return JSON.stringify(real);
    });
    flood = await hostileOperator(async (body) =>
      JSON.stringify({
        jsonrpc: "2.0",
        id: (JSON.parse(body) as { id: unknown }).id,
        result: "x".repeat(100_000),
      }),
    );
    const seqDir = join(dir, "sequencer");
    sequencer = await createNode(
      {
        datadir: seqDir,
        genesis,
        genesisInitOnly: true,
        rpc: { addr: "127.0.0.1", port: 0 },
        blockTimeMs: 200,
        l1: {
          deployment,
          confirmations: 1,
          batcher: {
            account: privateKeyToAccount(BATCHER),
            targetBytes: 600_000,
            numConfirmations: 2,
            maxDelayMs: 300,
          },
        },
        proposer: {
          account: privateKeyToAccount(DEPLOYER),
          intervalMs: 500,
          lagBlocks: 0,
          attest: { operatorRpcUrls: [...operators.map((o) => o!.rpcUrl), forged, flood], timeoutMs: 2000 },
        },
      },
      {
        logger: createLogger({ level: "warn", destination: 2 }),
        l1Client: pub,
        beacon: (g) => beaconFor(g, [], now, { keys: () => devBeaconKeys(seqDir) }),
        now,
      },
    );
    await submitLoad(sequencer, genesis.params.l2ChainId, 9100, 4);
    const first = await waitFor(async () => (await attested())[0], 120_000, "an attested output");
    expect(first.signedStake).toBeGreaterThanOrEqual(3000n * 10n ** 18n);
    const out = await outputAt(first.outputIndex);
    const n = out.l2BlockNumber;
    const seq = (await sequencer.backend.getBlockByNumber(n))!;
    const root = bytesToHex(
      outputRoot(seq.block.header.stateRoot, seq.block.header.withdrawalsRoot, seq.hash),
    );
    expect(out.outputRoot).toBe(root);
    // Every operator that answers for that block signed the same root, citing the same L1 block.
    for (const o of operators) {
      const r = await rpc(o!.rpcUrl, "flops_getOutputSignature", [`0x${n.toString(16)}`]);
      const s = r.result as { outputRoot: Hex; l1BlockHash: Hex } | null;
      if (s !== null)
        expect({ root: s.outputRoot, l1: s.l1BlockHash }).toEqual({ root, l1: out.l1BlockHash });
    }
    const finalized = () =>
      pub.readContract({
        address: deployment.contracts.OutputOracle,
        abi: q.abis.oracle,
        functionName: "isOutputFinalized",
        args: [first.outputIndex],
      }) as Promise<boolean>;
    // Not final when posted: its window is the deployment's 3 s of L1 time from then.
    const [, finalizesAt] = await pub.readContract({
      address: deployment.contracts.OutputOracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [first.outputIndex],
    });
    expect(finalizesAt).toBe(out.timestamp + 3n);
    await waitFor(finalized, 30_000, "the output final after its challenge window");
    // The sequencer's explorer reads the same operators from L1 (node/explorerOperators.ts, wired
    // by createNode from the deployment's operatorRegistry): all four, with their stake (read from
    // the registry and the AllocationManager; attestation counts follow events 12 L1 blocks deep,
    // test/integration/explorerOperators.test.ts checks those).
    const listed = await waitFor(
      async () => {
        const r = (await (await fetch(`${sequencer!.rpcUrl}/api/v2/operators`)).json()) as {
          items: Array<{ address: string; stake: string }>;
        };
        return r.items.length === operators.length ? r.items : undefined;
      },
      30_000,
      "the explorer listing the operators",
    );
    for (const i of listed) expect(BigInt(i.stake)).toBeGreaterThan(0n);
  }, 180_000);

  it("answers null for blocks it has not derived from finalized L1 data, and refuses a bad request", async () => {
    const o = operators[0]!;
    const fin = o.derivation.status().finalizedL2.header.number;
    const ask = (n: bigint) => rpc(o.rpcUrl, "flops_getOutputSignature", [`0x${n.toString(16)}`]);
    expect((await ask(0n)).result).toBeNull();
    expect((await ask(fin + 1000n)).result).toBeNull();
    expect((await ask(2n ** 63n)).result).toBeNull();
    expect((await rpc(o.rpcUrl, "flops_getOutputSignature", ["latest"])).error?.code).toBe(-32602);
    // The collector refuses the forged claim (wrong G2 key for operator 1) and the flood, and
    // keeps operator 0's real answer: one of four is short of the quorum.
    const mine = (await ask(fin)).result as { outputRoot: Hex; l1BlockHash: Hex; l1BlockNumber: Hex };
    const got = await new SignatureCollector(
      {
        oracle: deployment.contracts.OutputOracle,
        l1ChainId: BigInt(deployment.l1ChainId),
        operatorRpcUrls: [forged, flood, o.rpcUrl],
      },
      pub,
    ).collect({
      l2BlockNumber: fin,
      outputRoot: mine.outputRoot,
      l1BlockHash: mine.l1BlockHash,
      l1BlockNumber: BigInt(mine.l1BlockNumber),
    });
    expect(got.kind).toBe("short");
    expect(got.signers).toEqual([q.operators[0]!.address]);
    if (got.kind === "short") {
      expect(got.refused).toHaveLength(2);
      expect(got.refused[0]).toMatch(/G2 key is not .* registered key/);
      expect(got.refused[1]).toMatch(/more than 4096 bytes/);
    }
    // A node that is not an operator does not serve signatures at all.
    expect((await rpc(sequencer!.rpcUrl, "flops_getOutputSignature", ["0x1"])).error?.code).toBe(-32004);
  });

  it("with one operator down, the other three still make the quorum; the oracle names the absent one", async () => {
    await operators[3]!.stop();
    operators[3] = undefined;
    const before = (await attested()).length;
    const next = await waitFor(
      async () => {
        const all = await attested();
        return all.slice(before).find((e) => e.nonSignerKeyHashes.length > 0);
      },
      120_000,
      "an output attested by three operators",
    );
    expect(next.nonSignerKeyHashes).toEqual([keyHash(q.bls[3]!.pubkeyG1)]);
    expect(next.signedStake).toBe(3000n * 10n ** 18n);
  }, 150_000);
});
