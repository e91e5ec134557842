/**
 * Issue 10's dishonest majority end to end, on the embedded L1 with the rollup's own contracts and
 * the operator stack (bridge/operators/operatorStack.ts): four operators with equal stake; a
 * cheating prover's reveal FAILS on L2; three operators sign an output of that block whose state
 * records it PASSED (test/helpers/fraudState.ts) and serve that state's proof for it. The
 * challenger (`flops challenger`'s node: a verifier with bridge/challenger/challenger.ts) sees the
 * output disagree with its own derivation, gets the record from the signers, checks it against the
 * posted root and proves invalid compute within the window:
 *
 * - every signer's slashable stake drops by the invalid-compute WAD, the non-signer's does not;
 * - the challenger is paid its share; the output is invalidated;
 * - the Portal's verdict reaches L2's derivation as a `revoke` of that challenge, which does not
 *   apply: the faked credits never existed on L2 (the record stays FAILED, the cheater holds
 *   nothing);
 * - an honest output of the same block, posted afterwards with all four signatures, is agreed by
 *   the challenger; a griefer's record demand against it is answered by the challenger;
 * - silent signers: a later output whose state also passes the old reveal, its record served by
 *   nobody: the challenger demands it on L1 and, unanswered, settles it: the output invalidated,
 *   its signers slashed by the availability WAD.
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
  parseAbi,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { FRAUD_PROOFS_ABI } from "../../bridge/challenger/fraudAbi.ts";
import type { L1Deployment } from "../../bridge/deployment.ts";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { type L1HttpServer, serveL1Http } from "../../bridge/l1/serveL1Http.ts";
import { buildAttestation, type OperatorVote } from "../../bridge/operators/attestation.ts";
import { keyPairFromSeed, outputMessageHash, sign } from "../../bridge/operators/bn254Bls.ts";
import { ALLOCATION_MANAGER_ABI, ATTESTED_ORACLE_ABI } from "../../bridge/operators/operatorAbi.ts";
import {
  deployOperatorStack,
  joinOperators,
  type OperatorStack,
} from "../../bridge/operators/operatorStack.ts";
import { ORACLE_ABI, PORTAL_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { deployRollup } from "../../node/commands/l1.ts";
import { beaconFor } from "../../node/commands/node.ts";
import { createNode, type FlopsNode, type VerifierFlopsNode } from "../../node/createNode.ts";
import { devBeaconKeys } from "../../node/devBeaconKey.ts";
import { devGenesis } from "../../node/devnet.ts";
import { createLogger, silentLogger } from "../../node/logger.ts";
import { challengeProofResult } from "../../rpc/challengeProofResults.ts";
import { cheatOnce } from "../helpers/cheatingProver.ts";
import { tamperedRecordState } from "../helpers/fraudState.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/challenger/${tag}/${i}`));
const DEPLOYER = DEV_PRIVATE_KEYS[0]!;
const BATCHER = DEV_PRIVATE_KEYS[1]!;
const CHALLENGER = key("challenger");
const OPERATORS = [0, 1, 2, 3].map((i) => key("op", i));
const BLS = OPERATORS.map((_, i) => keyPairFromSeed(hexToBytes(key("bls", i))));
const WAD = 10n ** 18n;
const STAKE = 1000n * WAD;
/** Seconds: room for the challenger on a loaded box; the stand-in's blocks are 1 s. */
const CHALLENGE_WINDOW = 60;

const dir = mkdtempSync(join(tmpdir(), "flops-challenger-"));
let l1: EmbeddedL1 | undefined;
let l1Http: L1HttpServer | undefined;
let sequencer: FlopsNode | undefined;
let watcher: VerifierFlopsNode | undefined;
let dishonest: Server | undefined;

afterAll(async () => {
  await watcher?.stop();
  await sequencer?.stop();
  await new Promise((r) => (dishonest ? dishonest.close(r) : r(undefined)));
  await l1Http?.close();
  await l1?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("integration: a dishonest majority's output is proven fraudulent by the challenger", () => {
  let pub: PublicClient;
  let deployment: L1Deployment;
  let stack: OperatorStack;
  let genesis: GenesisDoc;

  const slashable = async (i: number) => {
    const rows = (await pub.readContract({
      address: stack.eigenLayer.AllocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "getMinimumSlashableStake",
      args: [
        stack.operatorSet,
        [privateKeyToAccount(OPERATORS[i]!).address],
        [stack.eigenLayer.strategies[0]!],
        Number(await pub.getBlockNumber()),
      ],
    })) as readonly (readonly bigint[])[];
    return rows[0]![0]!;
  };

  /** Posts output `l2` with root `root`, signed by the operators in `signers`. */
  const postAttested = async (l2: bigint, root: Hex, signers: ReadonlySet<number>) => {
    const head = await pub.getBlock({ blockTag: "latest" });
    const digest = outputMessageHash({
      l1ChainId: BigInt(deployment.l1ChainId),
      outputOracle: deployment.contracts.OutputOracle,
      l2ChainId: genesis.params.l2ChainId,
      l2BlockNumber: l2,
      outputRoot: root,
      l1BlockHash: head.hash,
    });
    const votes: OperatorVote[] = BLS.map((b, i) => ({
      pubkeyG1: b.pubkeyG1,
      pubkeyG2: b.pubkeyG2,
      ...(signers.has(i) ? { signature: sign(b.secretKey, digest) } : {}),
    }));
    const wallet = createWalletClient({
      chain: foundry as Chain,
      transport: custom(l1!, { retryCount: 0 }),
      account: privateKeyToAccount(DEPLOYER),
    });
    const hash = await wallet.writeContract({
      address: deployment.contracts.OutputOracle,
      abi: ATTESTED_ORACLE_ABI,
      functionName: "proposeOutputAttested",
      args: [root, l2, head.hash, head.number, buildAttestation(digest, votes) as never],
    });
    const r = await pub.waitForTransactionReceipt({ hash });
    expect(r.status).toBe("success");
    const [ev] = await pub.getContractEvents({
      address: deployment.contracts.OutputOracle,
      abi: ORACLE_ABI,
      eventName: "OutputProposed",
      blockHash: r.blockHash,
    });
    return (ev!.args as { outputIndex: bigint }).outputIndex;
  };

  it("sets up: the rollup, the operator stack on its own oracle and portal, four operators", async () => {
    l1 = await createEmbeddedL1({
      blockTimeMs: 1000,
      safeLag: 2,
      finalizedLag: 4,
      accounts: [DEPLOYER, BATCHER, CHALLENGER, ...OPERATORS],
    });
    const embedded = l1;
    l1Http = await serveL1Http(embedded, { port: 0 });
    const transport = custom(embedded, { retryCount: 0 });
    pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 50 }) as PublicClient;
    const admin = createWalletClient({
      chain: foundry as Chain,
      transport,
      account: privateKeyToAccount(DEPLOYER),
    });
    const dev = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    // Room for a starved test box (see verifierProposer.test.ts).
    genesis = { ...dev, params: { ...dev.params, maxBatchDelayMs: 12_000n } };
    const a = admin.account.address;
    const rollup = await deployRollup(admin, pub, {
      genesis,
      roles: {
        admin: a,
        batcher: privateKeyToAccount(BATCHER).address,
        proposer: a,
        challenger: a,
        guardian: a,
      },
      challengeWindow: BigInt(CHALLENGE_WINDOW),
      rateLimitWindow: 3600,
      rateLimitCapacity: 10n ** 24n,
    });
    stack = await deployOperatorStack(admin, pub, rollup, {
      genesis,
      windowBlocks: CHALLENGE_WINDOW,
      maxPostingDelayBlocks: CHALLENGE_WINDOW,
      availabilityWindowS: 8,
      deallocationDelay: CHALLENGE_WINDOW * 4,
    });
    deployment = stack.deployment;
    expect(deployment.fraudProofs).toBeDefined();
    await joinOperators(
      admin,
      pub,
      stack,
      OPERATORS.map((k, i) => ({ l1Key: k, bls: BLS[i]! })),
      { stake: STAKE },
    );
    for (let i = 0; i < 4; i++) expect(await slashable(i)).toBe(STAKE);
  }, 180_000);

  it("a cheating reveal fails on L2; three operators attest to a state that passed it; the challenger proves it", async () => {
    const now = () => BigInt(Date.now());
    sequencer = await createNode(
      {
        datadir: join(dir, "sequencer"),
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
      },
      {
        logger: silentLogger(),
        l1Client: pub,
        beacon: (g) => beaconFor(g, [], now, { keys: () => devBeaconKeys(join(dir, "sequencer")) }),
        now,
      },
    );
    const seq = sequencer;
    const cheater = TestAccount.fromSeed(77, genesis.params.l2ChainId);
    const cheat = await cheatOnce(seq, cheater, TIER_TINY);
    expect(cheat.record.status).toBe("FAILED");
    const n = cheat.revealBlock;

    // The dishonest operators' node: the tampered state's record proof for (id, n), else null.
    let tampered: ReturnType<typeof tamperedRecordState> | undefined;
    dishonest = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        const call = JSON.parse(body) as { id: unknown; method: string; params: unknown[] };
        const hit =
          tampered !== undefined &&
          call.method === "flops_getChallengeProof" &&
          BigInt(call.params[0] as string) === tampered.challengeId &&
          BigInt(call.params[1] as string) === n;
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: call.id,
            result: hit ? challengeProofResult.format(tampered!) : null,
          }),
        );
      });
    });
    await new Promise<void>((r) => dishonest!.listen(0, "127.0.0.1", r));
    const dishonestUrl = `http://127.0.0.1:${(dishonest.address() as AddressInfo).port}`;

    watcher = (await createNode(
      {
        datadir: join(dir, "challenger"),
        genesis,
        rpc: { addr: "127.0.0.1", port: 0 },
        blockTimeMs: 200,
        verifier: {
          l1Rpc: l1Http!.url,
          deployment,
          challenger: {
            account: privateKeyToAccount(CHALLENGER),
            operatorRpcUrls: [dishonestUrl],
            pollMs: 500,
          },
        },
      },
      {
        logger: createLogger({ level: "warn", destination: 2 }),
        beacon: () => {
          throw new Error("a verifier reads no beacon");
        },
      },
    )) as VerifierFlopsNode;
    const w = watcher;
    await waitFor(
      async () => w.derivation.initialised && w.derivation.status().finalizedL2.header.number >= n,
      60_000,
      "the challenger's finalized derivation of the reveal's block",
    );
    const honest = await w.backend.challengeProofs!.proof(cheat.challengeId, n);
    expect(honest?.record).not.toBeNull();
    tampered = tamperedRecordState(honest!);
    const badRoot = bytesToHex(tampered.output.outputRoot) as Hex;
    expect(badRoot).not.toBe(bytesToHex(honest!.output.outputRoot));

    const bad = await postAttested(n, badRoot, new Set([0, 1, 2]));
    const [proven] = await waitFor(
      async () => {
        const logs = await pub.getContractEvents({
          address: deployment.fraudProofs!,
          abi: FRAUD_PROOFS_ABI,
          eventName: "InvalidComputeProven",
          fromBlock: BigInt(deployment.deployBlock),
        });
        return logs.length > 0 ? logs : undefined;
      },
      CHALLENGE_WINDOW * 1000,
      "the challenger's invalid-compute proof",
    );
    const args = proven!.args as {
      outputIndex: bigint;
      challengeId: bigint;
      challenger: Hex;
      signers: bigint;
    };
    expect(args.outputIndex).toBe(bad);
    expect(args.challengeId).toBe(cheat.challengeId);
    expect(args.challenger.toLowerCase()).toBe(privateKeyToAccount(CHALLENGER).address.toLowerCase());
    expect(args.signers).toBe(3n);
    // The receipt is seen here as soon as it is mined; the challenger counts it once confirmed.
    await waitFor(async () => w.challenger?.stats.proven === 1, 10_000, "the challenger's own count");

    // Every signer loses 10% (the stack's default invalid-compute WAD); the non-signer nothing.
    for (let i = 0; i < 3; i++) {
      const left = await slashable(i);
      expect(left).toBeGreaterThanOrEqual((STAKE * 9n) / 10n - 2n);
      expect(left).toBeLessThanOrEqual((STAKE * 9n) / 10n);
    }
    expect(await slashable(3)).toBe(STAKE);
    // The challenger is paid its share of what was slashed (the stand-in's token).
    const paid = await pub.readContract({
      address: stack.eigenLayer.DevStakeToken!,
      abi: parseAbi(["function balanceOf(address) view returns (uint256)"]),
      functionName: "balanceOf",
      args: [privateKeyToAccount(CHALLENGER).address],
    });
    expect(paid).toBeGreaterThan(0n);
    const [, , invalidated] = (await pub.readContract({
      address: deployment.contracts.OutputOracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [bad],
    })) as readonly [Hex, bigint, boolean];
    expect(invalidated).toBe(true);
    const verdicts = await pub.getContractEvents({
      address: deployment.contracts.Portal,
      abi: PORTAL_ABI,
      eventName: "ChallengeInvalidated",
      fromBlock: BigInt(deployment.deployBlock),
    });
    expect(verdicts.map((v) => (v.args as { challengeId: bigint }).challengeId)).toEqual([cheat.challengeId]);

    // The verdict reaches L2 as a revoke of that challenge in the first block of its L1 origin.
    // The record is FAILED there (the faked credits never existed on L2), so the revoke does not
    // apply and is left out (PROTOCOL §5: an L1 input that does not apply never invalidates its
    // block): once the sequencer's origin passed the verdict, the record is still FAILED and the
    // cheater holds nothing.
    const verdictL1 = verdicts[0]!.blockNumber;
    await waitFor(
      async () => seq.core.head.header.l1Origin.number > verdictL1,
      30_000,
      "the sequencer's L1 origin past the verdict",
    );
    const from = n + 1n;
    for (let k = from; k <= seq.core.head.header.number; k++) {
      const b = (await seq.backend.getBlockByNumber(k))!;
      expect(b.block.systemTxs.filter((t) => t.kind === "revoke")).toEqual([]);
    }
    expect(seq.core.readState().getChallenge(cheat.challengeId)?.status).toBe("FAILED");
    expect(seq.core.readState().getAccount(cheater.address).credits).toBe(0n);

    // An honest output of the same block: every operator signs, the challenger agrees.
    const good = await postAttested(n, bytesToHex(honest!.output.outputRoot) as Hex, new Set([0, 1, 2, 3]));
    await waitFor(async () => (w.challenger?.stats.agreed ?? 0) >= 1, 20_000, "the challenger's agreement");
    expect(w.challenger?.disputes().map((d) => d.index)).toEqual([bad]);
    expect(good).toBeGreaterThan(bad);

    // A griefer demands the record under the honest output: the challenger answers it from its
    // own chain (and takes the bond), so the honest output cannot be lost to the demand.
    const griefer = createWalletClient({
      chain: foundry as Chain,
      transport: custom(l1!, { retryCount: 0 }),
      account: privateKeyToAccount(DEPLOYER),
    });
    const bond = (await pub.readContract({
      address: deployment.fraudProofs!,
      abi: FRAUD_PROOFS_ABI,
      functionName: "demandBond",
    })) as bigint;
    const grief = await griefer.writeContract({
      address: deployment.fraudProofs!,
      abi: FRAUD_PROOFS_ABI,
      functionName: "demandRecord",
      args: [good, cheat.challengeId],
      value: bond,
    });
    expect((await pub.waitForTransactionReceipt({ hash: grief })).status).toBe("success");
    const provided = await waitFor(
      async () => {
        const logs = await pub.getContractEvents({
          address: deployment.fraudProofs!,
          abi: FRAUD_PROOFS_ABI,
          eventName: "RecordProvided",
          fromBlock: BigInt(deployment.deployBlock),
        });
        return logs[0];
      },
      20_000,
      "the challenger's answer to the griefer's demand",
    );
    expect((provided.args as { record: Hex }).record).toBe(bytesToHex(honest!.record!));
    const answeredBy = await pub.getTransaction({ hash: provided.transactionHash! });
    expect(answeredBy.from.toLowerCase()).toBe(privateKeyToAccount(CHALLENGER).address.toLowerCase());

    // Silent signers: a later output whose state also passes the old cheating reveal, and no
    // operator serves its record. The challenger demands it on L1; unanswered within the
    // availability window, the output is invalidated and its signers slashed (wadAvailability).
    const n2 = await waitFor(
      async () => {
        const f = w.derivation.status().finalizedL2.header.number;
        return f > n ? f : undefined;
      },
      30_000,
      "a finalized block past the first output",
    );
    const honest2 = await w.backend.challengeProofs!.proof(cheat.challengeId, n2);
    expect(honest2?.record).not.toBeNull();
    const before = await Promise.all([0, 1, 2, 3].map(slashable));
    const bad2 = await postAttested(
      n2,
      bytesToHex(tamperedRecordState(honest2!).output.outputRoot) as Hex,
      new Set([0, 1, 2]),
    );
    await waitFor(
      async () => (w.challenger?.stats.demandsFinalized ?? 0) >= 1,
      CHALLENGE_WINDOW * 1000,
      "the challenger's unanswered record demand settled",
    );
    const demanded = await pub.getContractEvents({
      address: deployment.fraudProofs!,
      abi: FRAUD_PROOFS_ABI,
      eventName: "RecordDemanded",
      fromBlock: BigInt(deployment.deployBlock),
    });
    expect(demanded.map((d) => (d.args as { outputIndex: bigint }).outputIndex)).toEqual([good, bad2]);
    for (let i = 0; i < 3; i++) {
      const left = await slashable(i);
      // A quarter of what was left (the stack's default availability WAD), up to rounding.
      expect(left).toBeLessThanOrEqual((before[i]! * 3n) / 4n + 2n);
      expect(left).toBeGreaterThanOrEqual((before[i]! * 3n) / 4n - 2n);
    }
    expect(await slashable(3)).toBe(STAKE);
    // One bond for the silence (a demand per round would pay a bond per round).
    expect(w.challenger?.stats.demandsMade).toBe(1);
    const [, , invalidated2] = (await pub.readContract({
      address: deployment.contracts.OutputOracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [bad2],
    })) as readonly [Hex, bigint, boolean];
    expect(invalidated2).toBe(true);
  }, 240_000);
});
