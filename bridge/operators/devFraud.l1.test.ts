/**
 * Issue 10's dishonest-majority case on a real EVM (the embedded L1), through viem and the
 * committed artifacts: 4 operators with equal stake, 3 of them sign an output whose state holds a
 * PASSED record of a cheating reveal (test/vectors/fraudCases.ts); a watcher's one transaction
 * (FraudProofs.proveInvalidCompute, claim by bridge/challenger/invalidComputeProof.ts) slashes
 * exactly the three, pays the watcher its share and the treasury the rest, invalidates the output
 * and makes the Portal emit ChallengeInvalidated for the record.
 */
import {
  type Chain,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { QUICKNET_VECTOR_CHAIN } from "../../test/helpers/drandQuicknet.ts";
import { buildFraudState, cheatingClaim, FRAUD_L2_CHAIN_ID, TINY } from "../../test/vectors/fraudCases.ts";
import { claimTuple, g2Eip2537 } from "../challenger/invalidComputeProof.ts";
import { createEmbeddedL1 } from "../l1/embeddedL1.ts";
import { createDevFraud } from "./devFraud.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/dev-fraud/${tag}/${i}`));
const WAD = 10n ** 18n;
const TREASURY: Hex = "0x00000000000000000000000000000000007ea5e7";

describe("fraud proofs on the embedded L1", async () => {
  const operatorKeys = [0, 1, 2, 3].map((i) => key("op", i));
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    gasLimit: 60_000_000n,
    accounts: [key("deployer"), key("avs"), key("watcher"), ...operatorKeys],
  });
  afterAll(() => l1.close());
  const f = await createDevFraud(l1, {
    deployerKey: key("deployer"),
    avsKey: key("avs"),
    operatorKeys,
    l2ChainId: 1_042_000n,
    windowBlocks: 20,
    stake: 1000n * WAD,
    treasury: TREASURY,
    verifier: {
      l2ChainId: FRAUD_L2_CHAIN_ID,
      beaconPublicKey: bytesToHex(g2Eip2537(hexToBytes(QUICKNET_VECTOR_CHAIN.publicKey))) as Hex,
      beaconGenesisTime: BigInt(QUICKNET_VECTOR_CHAIN.genesisTime),
      beaconPeriod: BigInt(QUICKNET_VECTOR_CHAIN.period),
      tiers: [TINY],
    },
  });
  await f.join(0, 4);
  const watcher = privateKeyToAccount(key("watcher"));
  const wallet = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: watcher });

  it("a dishonest majority's output: the watcher's tx slashes the three signers and pays", async () => {
    const state = buildFraudState();
    const built = { claim: cheatingClaim(state) };
    const { stateRoot, withdrawalsRoot, l2BlockHash } = state.preimage;
    const root = bytesToHex(outputRoot(stateRoot, withdrawalsRoot, l2BlockHash)) as Hex;
    const posted = await f.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 2]), root);
    expect(posted.receipt.status).toBe("success");
    const signers = f.signersOf(posted.receipt);
    expect(signers).toEqual(f.operators.slice(0, 3).map((o) => o.address));
    for (let i = 0; i < 4; i++) expect(await f.slashableStake(i)).toBe(1000n * WAD);

    const hash = await wallet.writeContract({
      address: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      functionName: "proveInvalidCompute",
      args: [0n, signers, claimTuple(built.claim)],
      gas: 10_000_000n,
    } as never);
    await l1.mine();
    const receipt = await f.pub.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");

    let taken = 0n;
    for (let i = 0; i < 3; i++) {
      const left = await f.slashableStake(i);
      // 10% of each signer's allocation, up to the stand-in's rounding.
      expect(left).toBeGreaterThanOrEqual(900n * WAD - 2n);
      expect(left).toBeLessThanOrEqual(900n * WAD);
      taken += 1000n * WAD - left;
    }
    expect(await f.slashableStake(3)).toBe(1000n * WAD);
    expect(await f.tokenBalance(watcher.address)).toBe(taken / 2n);
    expect(await f.tokenBalance(TREASURY)).toBe(taken - taken / 2n);
    expect(
      await f.pub.readContract({
        address: f.oracle,
        abi: f.abis.oracle,
        functionName: "isOutputInvalidated",
        args: [0n],
      } as never),
    ).toBe(true);
    const verdicts = parseEventLogs({
      abi: f.fraudAbis.portal,
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === f.portal.toLowerCase()),
      eventName: "ChallengeInvalidated",
    }) as unknown as Array<{ args: { challengeId: bigint } }>;
    expect(verdicts.map((v) => v.args.challengeId)).toEqual([state.cheating.record.id]);

    // The same proof again: the output is gone, nothing more is slashed.
    const again = await wallet.writeContract({
      address: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      functionName: "proveInvalidCompute",
      args: [0n, signers, claimTuple(built.claim)],
      gas: 10_000_000n,
    } as never);
    await l1.mine();
    expect((await f.pub.waitForTransactionReceipt({ hash: again })).status).toBe("reverted");
    expect(await f.tokenBalance(watcher.address)).toBe(taken / 2n);
  });
});
