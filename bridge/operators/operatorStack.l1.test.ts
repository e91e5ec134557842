/**
 * deployOperatorStack + joinOperators on a clocked embedded L1 (blocks on a timer, no mining by
 * hand), for a rollup deployed by deployRollup: the stack lands on the rollup's OWN OutputOracle
 * and Portal in a couple of blocks, four operators join in two more, and the oracle then takes an
 * output signed by them (and only so). Bad timing is refused before anything is sent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Abi,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  type PublicClient,
  parseEventLogs,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { deployRollup } from "../../node/commands/l1.ts";
import { devGenesis } from "../../node/devnet.ts";
import { g2Eip2537 } from "../challenger/invalidComputeProof.ts";
import { DEV_PRIVATE_KEYS } from "../l1/devAccounts.ts";
import { createEmbeddedL1 } from "../l1/embeddedL1.ts";
import { buildAttestation } from "./attestation.ts";
import { keyPairFromSeed, outputMessageHash, sign } from "./bn254Bls.ts";
import { deployOperatorStack, joinOperators, readOperatorStack } from "./operatorStack.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");
const abi = (name: string) =>
  (JSON.parse(readFileSync(join(OUT, `${name}.json`), "utf8")) as { abi: Abi }).abi;
const tagged = (tag: string, i: number): Hex =>
  keccak256(stringToHex(`flops/test/operator-stack/${tag}/${i}`));

describe("operator stack on the rollup's own contracts (clocked embedded L1)", async () => {
  const l1 = await createEmbeddedL1({ blockTimeMs: 200 });
  afterAll(() => l1.close());
  const transport = custom(l1, { retryCount: 0 });
  const pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 20 }) as PublicClient;
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const wallet = createWalletClient({ chain: foundry as Chain, transport, account: admin });
  const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
  const rollup = await deployRollup(wallet, pub, {
    genesis,
    roles: {
      admin: admin.address,
      batcher: admin.address,
      proposer: admin.address,
      challenger: admin.address,
      guardian: admin.address,
    },
    challengeWindow: 60n,
    rateLimitWindow: 3600,
    rateLimitCapacity: 10n ** 24n,
  });
  const timing = {
    windowBlocks: 90,
    maxPostingDelayBlocks: 60,
    availabilityWindowS: 15,
    deallocationDelay: 200,
  };
  const operators = [0, 1, 2, 3].map((i) => ({
    l1Key: tagged("l1", i),
    bls: keyPairFromSeed(hexToBytes(tagged("bls", i))),
  }));
  const read = (address: Hex, name: string, fn: string, args: unknown[] = []) =>
    pub.readContract({ address, abi: abi(name), functionName: fn, args } as never) as Promise<unknown>;

  it("refuses bad timing before sending anything", async () => {
    const nonce = await pub.getTransactionCount({ address: admin.address });
    // 2 × 30 s of availability is the whole 60 s window; 90 + 120 blocks outlast the delay.
    await expect(
      deployOperatorStack(wallet, pub, rollup, { ...timing, genesis, availabilityWindowS: 30 }),
    ).rejects.toThrow(/2 × availabilityWindow \(30 s\) must be above 0 and below challengeWindow \(60 s\)/);
    await expect(
      deployOperatorStack(wallet, pub, rollup, { ...timing, genesis, maxPostingDelayBlocks: 120 }),
    ).rejects.toThrow(/must be below DEALLOCATION_DELAY \(200\)/);
    await expect(
      deployOperatorStack(wallet, pub, rollup, { ...timing, genesis, windowBlocks: 30, l1BlockTimeS: 1 }),
    ).rejects.toThrow(/must cover challengeWindow/);
    expect(await pub.getTransactionCount({ address: admin.address })).toBe(nonce);
  });

  let stack: Awaited<ReturnType<typeof deployOperatorStack>>;
  it("deploys the stack on the rollup's oracle and Portal in at most 3 L1 blocks, wired as PROTOCOL §6.3 has it", async () => {
    const before = await pub.getBlockNumber();
    stack = await deployOperatorStack(wallet, pub, rollup, { ...timing, genesis, l1BlockTimeS: 1 });
    const blocks = (await pub.getBlockNumber()) - before;
    expect(blocks).toBeLessThanOrEqual(3n);
    const d = stack.deployment;
    expect(d.contracts).toEqual(rollup.contracts);
    expect(d.fraudProofs).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(d.eigenLayer?.AllocationManager).toBe(stack.eigenLayer.AllocationManager);
    const oracle = rollup.contracts.OutputOracle;
    const fp = d.fraudProofs!;
    // The oracle is attested over the new registry, FraudProofs holds the two roles.
    const cfg = (await read(oracle, "OutputOracle", "attestationConfig")) as {
      registry: Hex;
      windowBlocks: number;
    };
    expect(cfg.registry).toBe(d.operatorRegistry);
    expect(cfg.windowBlocks).toBe(90);
    const role = async (c: Hex, name: string, r: string) =>
      read(c, name, "hasRole", [await read(c, name, r), fp]);
    expect(await role(oracle, "OutputOracle", "CHALLENGER_ROLE")).toBe(true);
    expect(await role(rollup.contracts.Portal, "Portal", "VERDICT_ROLE")).toBe(true);
    expect(await read(fp, "FraudProofs", "oracle")).toBe(oracle);
    expect(await read(fp, "FraudProofs", "portal")).toBe(rollup.contracts.Portal);
    // The verifier pins this genesis.
    const v = (await read(fp, "FraudProofs", "verifier")) as Hex;
    expect(v).toBe(stack.verifier);
    expect(await read(v, "InvalidComputeProof", "l2ChainId")).toBe(genesis.params.l2ChainId);
    expect(await read(v, "InvalidComputeProof", "beaconPublicKey")).toBe(
      bytesToHex(g2Eip2537(genesis.params.beacon.publicKey)),
    );
    const tier = genesis.params.tiers[0]!;
    expect(await read(v, "InvalidComputeProof", "tierOf", [tier.id])).toEqual([
      BigInt(tier.n),
      BigInt(tier.m),
      BigInt(tier.k),
    ]);
    // The set is redistributing, FraudProofs its slasher and recipient.
    const set = stack.operatorSet;
    expect(set.avs).toBe(admin.address);
    const am = stack.eigenLayer.AllocationManager;
    expect(await read(am, "AllocationManager", "getSlasher", [set])).toBe(fp);
    expect(await read(am, "AllocationManager", "getRedistributionRecipient", [set])).toBe(fp);
    // What a later start reads back from the file's entries alone.
    const again = await readOperatorStack(pub, d);
    expect(again.eigenLayer).toEqual({ ...stack.eigenLayer, strategies: [...stack.eigenLayer.strategies] });
    expect(again.operatorSet).toEqual(set);
  }, 60_000);

  it("joins four operators in two L1 blocks (a second join skips them), and the oracle takes their signed output", async () => {
    const before = await pub.getBlockNumber();
    const joined = await joinOperators(wallet, pub, stack, operators);
    expect(joined).toHaveLength(4);
    expect((await pub.getBlockNumber()) - before).toBeLessThanOrEqual(3n);
    expect(await joinOperators(wallet, pub, stack, operators)).toEqual([]);
    const members = (await read(stack.eigenLayer.AllocationManager, "AllocationManager", "getMembers", [
      stack.operatorSet,
    ])) as Hex[];
    expect(new Set(members)).toEqual(new Set(joined));

    // An output signed by all four (the proposer role is gone: attestation is required).
    const oracle = rollup.contracts.OutputOracle;
    const head = await pub.getBlock({ blockTag: "latest" });
    const outputRoot = tagged("root", 1);
    const digest = outputMessageHash({
      l1ChainId: l1.chainId,
      outputOracle: oracle,
      l2ChainId: genesis.params.l2ChainId,
      l2BlockNumber: 1n,
      outputRoot,
      l1BlockHash: head.hash,
    });
    const att = buildAttestation(
      digest,
      operators.map((o) => ({
        pubkeyG1: o.bls.pubkeyG1,
        pubkeyG2: o.bls.pubkeyG2,
        signature: sign(o.bls.secretKey, digest),
      })),
    );
    const hash = await wallet.writeContract({
      address: oracle,
      abi: abi("OutputOracle"),
      functionName: "proposeOutputAttested",
      args: [outputRoot, 1n, head.hash, head.number, att],
    });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const [signers] = parseEventLogs({
      abi: abi("OutputOracle"),
      logs: receipt.logs,
      eventName: "OutputSigners",
    }) as unknown as [{ args: { signers: Hex[] } }];
    expect(new Set(signers.args.signers)).toEqual(new Set(joined));
    await expect(
      wallet.writeContract({
        address: oracle,
        abi: abi("OutputOracle"),
        functionName: "proposeOutput",
        args: [outputRoot, 2n, head.hash, head.number],
      }),
    ).rejects.toThrow(/AttestationRequired/);
  }, 60_000);
});
