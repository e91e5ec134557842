/**
 * Issue 10's fraud-proof scenarios on two real EVMs, one scenario body: the embedded L1 and a
 * spawned Anvil (--no-mining, so a round's txs share a block as on the hand-mined embedded L1),
 * through viem and the committed artifacts (createDevFraud: 4 operators with equal stake, FraudProofs
 * as the redistributing set's slasher; test/helpers/devL1Backends.ts). One deployment per L1; each
 * case starts from the same snapshot (evm_snapshot / evm_revert), so its numbers are its own, and
 * sets the L1 time it needs (evm_setNextBlockTimestamp).
 *
 * - invalid compute: 3 of 4 sign an output whose state holds a PASSED record of a cheating reveal
 *   (test/vectors/fraudCases.ts); the watcher's one tx slashes exactly the three by the WAD, pays
 *   the watcher its share and the treasury the rest, invalidates the output and a later one, and
 *   the Portal emits ChallengeInvalidated; replayed, after the window, against an honest record,
 *   it reverts;
 * - only FraudProofs slashes: AllocationManager.slashOperator from anyone else reverts;
 * - equivocation: one operator's two signatures over two roots for one (L2 block, L1 block hash);
 * - record demands: unanswered (signers slashed, demander paid, bond back) and answered (the
 *   answerer gets the bond).
 * Reverts are asserted by their error (an eth_call through viem) and then sent, mined and seen
 * reverted with nothing changed.
 */
import {
  type Abi,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createWalletClient,
  custom,
  encodeAbiParameters,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bytesToHex, concatBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { encodeChallenge } from "../../chain/wire/challenge.ts";
import { type DevL1Backend, devL1Backends } from "../../test/helpers/devL1Backends.ts";
import { buildFraudState, cheatingClaim, fraudVerifierPins } from "../../test/vectors/fraudCases.ts";
import { claimTuple, type InvalidComputeClaim, signatureY } from "../challenger/invalidComputeProof.ts";
import { outputMessageHash, sign, toSolG1, toSolG2 } from "./bn254Bls.ts";
import { createDevFraud, type DevFraud } from "./devFraud.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/dev-fraud/${tag}/${i}`));
const WAD = 10n ** 18n;
const STAKE = 1000n * WAD;
const L2_CHAIN_ID = 1_042_000n;
const TREASURY: Hex = "0x00000000000000000000000000000000007ea5e7";
const OPERATOR_KEYS = [0, 1, 2, 3].map((i) => key("op", i));
const KEYS = {
  deployer: key("deployer"),
  avs: key("avs"),
  watcher: key("watcher"),
  demander: key("demander"),
  answerer: key("answerer"),
};
const FUNDED = [...Object.values(KEYS), ...OPERATOR_KEYS];

const state = buildFraudState();
const claim = cheatingClaim(state);
const FRAUD_ROOT = bytesToHex(
  outputRoot(state.preimage.stateRoot, state.preimage.withdrawalsRoot, state.preimage.l2BlockHash),
) as Hex;
const PREIMAGE = claimTuple(claim).preimage;
const DISHONEST = new Set([0, 1, 2]);
/** The deployment's slashing parameters: each case checks its fault's WAD and the payout split. */
const WADS = { equivocation: WAD / 2n, invalidCompute: WAD / 10n, availability: WAD / 4n };
const SHARE_BPS = 4000n;
const share = (taken: bigint) => (taken * SHARE_BPS) / 10_000n;

/** The claim a challenger would send for the honest record (the builder refuses non-fraud). */
function honestClaim(): InvalidComputeClaim {
  const { record, tiles, proof } = state.honest;
  return {
    ...claim,
    record: encodeChallenge(record),
    recordProof: state.proofs.honest,
    beaconY: concatBytes(signatureY(record.r1Signature!), signatureY(record.r2Signature!)),
    tiles,
    proof,
    sampleIndex: 0,
  };
}

describe.each(devL1Backends())("fraud proofs on $name", ({ skip, start }) => {
  let backend: DevL1Backend;
  let f: DevFraud;
  let snapshot: Hex;
  const account = {
    watcher: privateKeyToAccount(KEYS.watcher),
    demander: privateKeyToAccount(KEYS.demander),
    answerer: privateKeyToAccount(KEYS.answerer),
    avs: privateKeyToAccount(KEYS.avs),
  };

  beforeAll(async () => {
    if (skip) return;
    backend = await start(FUNDED);
    f = await createDevFraud(backend.l1, {
      deployerKey: KEYS.deployer,
      avsKey: KEYS.avs,
      operatorKeys: OPERATOR_KEYS,
      l2ChainId: L2_CHAIN_ID,
      windowBlocks: 20,
      stake: STAKE,
      treasury: TREASURY,
      wads: WADS,
      challengerShareBps: Number(SHARE_BPS),
      verifier: fraudVerifierPins(),
    });
    await f.join(0, 4);
  });
  afterAll(async () => {
    await backend?.close();
  });
  beforeEach(async (ctx) => {
    if (skip) ctx.skip();
    snapshot = (await rpc("evm_snapshot")) as Hex;
  });
  afterEach(async () => {
    if (!skip) expect(await rpc("evm_revert", [snapshot])).toBe(true);
  });

  const rpc = (method: string, params: unknown[] = []) => backend.l1.request({ method, params });
  // A block at exactly `timestamp`: evm_increaseTime adds to the wall clock, and a hand-mined
  // chain's head runs ahead of it by a second a block on the embedded L1, so "now + window" can
  // still be inside the window there.
  const mineAt = async (timestamp: bigint) => {
    await rpc("evm_setNextBlockTimestamp", [Number(timestamp)]);
    await backend.l1.mine();
  };
  type Call = { to: Hex; abi: Abi; fn: string; args: readonly unknown[]; value?: bigint };
  const send = async (from: PrivateKeyAccount, c: Call): Promise<TransactionReceipt> => {
    const wallet = createWalletClient({
      chain: foundry as Chain,
      transport: custom(backend.l1, { retryCount: 0 }),
      account: from,
    });
    const hash = await wallet.writeContract({
      address: c.to,
      abi: c.abi,
      functionName: c.fn,
      args: c.args,
      // Fixed: no estimate, so a reverting call is still mined (and seen reverted).
      gas: 10_000_000n,
      ...(c.value === undefined ? {} : { value: c.value }),
    } as never);
    await backend.l1.mine();
    return f.pub.waitForTransactionReceipt({ hash });
  };
  /** The call's revert as `Name(args…)` from an eth_call; then sent: mined and reverted. */
  const revertOf = async (from: PrivateKeyAccount, c: Call): Promise<string> => {
    let reason = "no revert";
    try {
      await f.pub.simulateContract({
        account: from,
        address: c.to,
        abi: c.abi,
        functionName: c.fn,
        args: c.args,
        ...(c.value === undefined ? {} : { value: c.value }),
      } as never);
    } catch (e) {
      const r = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
      const data = (r as ContractFunctionRevertedError | null)?.data;
      reason =
        data === undefined
          ? `undecoded: ${(e as Error).message}`
          : `${data.errorName}(${(data.args ?? []).join(", ")})`;
    }
    expect((await send(from, c)).status).toBe("reverted");
    return reason;
  };
  const read = <T>(to: Hex, abi: Abi, fn: string, args: readonly unknown[] = []) =>
    f.pub.readContract({ address: to, abi, functionName: fn, args } as never) as Promise<T>;
  const stakes = () => Promise.all([0, 1, 2, 3].map((i) => f.slashableStake(i)));
  /** `before − wad·before` up to the stand-in's rounding (at most 2 wei less). */
  const expectSlashedBy = (after: bigint, before: bigint, wad: bigint) => {
    const left = before - (before * wad) / WAD;
    expect(after).toBeGreaterThanOrEqual(left - 2n);
    expect(after).toBeLessThanOrEqual(left);
  };
  const post = async (root: Hex, signers = DISHONEST, l2Block = 1n) => {
    const posted = await f.proposeAttested(l2Block, [0, 1, 2, 3], signers, root);
    expect(posted.receipt.status).toBe("success");
    return f.signersOf(posted.receipt);
  };
  const prove = (signers: readonly Hex[], c: InvalidComputeClaim): Call => ({
    to: f.fraudProofs,
    // With the verifier's errors: its revert reaches the caller unchanged.
    abi: [...f.fraudAbis.fraudProofs, ...f.fraudAbis.verifier.filter((x) => x.type === "error")],
    fn: "proveInvalidCompute",
    args: [0n, signers, claimTuple(c)],
  });
  const invalidated = (index = 0n) => read<boolean>(f.oracle, f.abis.oracle, "isOutputInvalidated", [index]);

  it("a dishonest majority: one proof slashes the three signers, pays, invalidates it and a later output; a replay reverts", async () => {
    const signers = await post(FRAUD_ROOT);
    expect(signers).toEqual(f.operators.slice(0, 3).map((o) => o.address));
    expect(await stakes()).toEqual([STAKE, STAKE, STAKE, STAKE]);
    await post(keccak256(stringToHex("a later output")), DISHONEST, 2n);

    const receipt = await send(account.watcher, prove(signers, claim));
    expect(receipt.status).toBe("success");
    const after = await stakes();
    for (let i = 0; i < 3; i++) expectSlashedBy(after[i]!, STAKE, WADS.invalidCompute);
    expect(after[3]).toBe(STAKE);
    const taken = after.slice(0, 3).reduce((sum, s) => sum + (STAKE - s), 0n);
    expect(await f.tokenBalance(account.watcher.address)).toBe(share(taken));
    expect(await f.tokenBalance(TREASURY)).toBe(taken - share(taken));
    expect(await f.tokenBalance(f.fraudProofs)).toBe(0n);
    expect(await invalidated(0n)).toBe(true);
    expect(await invalidated(1n)).toBe(true);
    const verdicts = parseEventLogs({
      abi: f.fraudAbis.portal,
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === f.portal.toLowerCase()),
      eventName: "ChallengeInvalidated",
    }) as unknown as Array<{ args: { challengeId: bigint } }>;
    expect(verdicts.map((v) => v.args.challengeId)).toEqual([state.cheating.record.id]);

    expect(await revertOf(account.watcher, prove(signers, claim))).toBe("OutputInvalidated(0)");
    expect(await stakes()).toEqual(after);
    expect(await f.tokenBalance(account.watcher.address)).toBe(share(taken));
  });

  it("a proof once the window is over reverts, nobody slashed", async () => {
    const signers = await post(FRAUD_ROOT);
    const [, finalizesAt] = await read<[Hex, bigint, boolean]>(f.oracle, f.abis.oracle, "outputStatus", [0n]);
    await mineAt(finalizesAt);
    expect(await revertOf(account.watcher, prove(signers, claim))).toBe(
      `ChallengeWindowClosed(0, ${finalizesAt})`,
    );
    expect(await stakes()).toEqual([STAKE, STAKE, STAKE, STAKE]);
    expect(await invalidated()).toBe(false);
  });

  it("a proof against a valid output (an honest record) reverts with the verifier's step", async () => {
    const signers = await post(FRAUD_ROOT, new Set([0, 1, 2, 3]));
    expect(await revertOf(account.watcher, prove(signers, honestClaim()))).toBe("SampleCorrect(0, -18440)");
    expect(await stakes()).toEqual([STAKE, STAKE, STAKE, STAKE]);
    expect(await invalidated()).toBe(false);
  });

  it("only the configured slasher slashes: slashOperator from the watcher or the AVS reverts", async () => {
    const slash: Call = {
      to: f.eigenLayer.AllocationManager,
      abi: f.abis.allocationManager,
      fn: "slashOperator",
      args: [
        f.operatorSet.avs,
        {
          operator: f.operators[0]!.address,
          operatorSetId: f.operatorSet.id,
          strategies: [f.eigenLayer.StrategyBase],
          wadsToSlash: [WAD / 10n],
          description: "not the slasher",
        },
      ],
    };
    expect(await revertOf(account.watcher, slash)).toBe("InvalidCaller()");
    expect(await revertOf(account.avs, slash)).toBe("InvalidCaller()");
    expect(await stakes()).toEqual([STAKE, STAKE, STAKE, STAKE]);
  });

  it("equivocation slashes exactly the equivocator; the same proof again reverts", async () => {
    const head = await f.pub.getBlock();
    const l2Block = 10n;
    const roots = [keccak256(stringToHex("root A")), keccak256(stringToHex("root B"))] as const;
    const op = 1;
    const sigs = roots.map((root) => {
      const digest = outputMessageHash({
        l1ChainId: backend.l1.chainId,
        outputOracle: f.oracle,
        l2ChainId: L2_CHAIN_ID,
        l2BlockNumber: l2Block,
        outputRoot: root,
        l1BlockHash: head.hash,
      });
      return toSolG1(sign(f.bls[op]!.secretKey, digest));
    });
    const proof: Call = {
      to: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      fn: "proveEquivocation",
      args: [
        f.operators[op]!.address,
        l2Block,
        head.hash,
        roots,
        toSolG1(f.bls[op]!.pubkeyG1),
        toSolG2(f.bls[op]!.pubkeyG2),
        sigs,
      ],
    };
    expect((await send(account.watcher, proof)).status).toBe("success");
    const after = await stakes();
    expectSlashedBy(after[op]!, STAKE, WADS.equivocation);
    for (const i of [0, 2, 3]) expect(after[i]).toBe(STAKE);
    expect(await f.tokenBalance(account.watcher.address)).toBe(share(STAKE - after[op]!));

    const eqKey = keccak256(
      encodeAbiParameters(
        [{ type: "address" }, { type: "uint256" }, { type: "bytes32" }],
        [f.operators[op]!.address, l2Block, head.hash],
      ),
    );
    expect(await revertOf(account.watcher, proof)).toBe(`AlreadyProven(${eqKey})`);
    expect(await stakes()).toEqual(after);
  });

  /** Output 0 (signed by 0–2) and a demand of record 7 in it, by the demander with the bond. */
  const demand = async () => {
    const signers = await post(FRAUD_ROOT);
    const bond = await read<bigint>(f.fraudProofs, f.fraudAbis.fraudProofs, "demandBond");
    expect(bond).toBe(10n ** 16n);
    const r = await send(account.demander, {
      to: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      fn: "demandRecord",
      args: [0n, state.cheating.record.id],
      value: bond,
    });
    expect(r.status).toBe("success");
    const [ev] = parseEventLogs({
      abi: f.fraudAbis.fraudProofs,
      logs: r.logs,
      eventName: "RecordDemanded",
    }) as unknown as [{ args: { demandKey: Hex; deadline: bigint } }];
    // The demand's own clock: the availability window from the demand's block.
    const window = await read<bigint>(f.fraudProofs, f.fraudAbis.fraudProofs, "availabilityWindow");
    const block = await f.pub.getBlock({ blockNumber: r.blockNumber });
    expect(ev.args.deadline).toBe(block.timestamp + window);
    return { signers, bond, demandKey: ev.args.demandKey, deadline: ev.args.deadline };
  };
  const settle = (demandKey: Hex, signers: readonly Hex[]): Call => ({
    to: f.fraudProofs,
    abi: f.fraudAbis.fraudProofs,
    fn: "finalizeRecordDemand",
    args: [demandKey, signers],
  });
  const eth = (who: Hex) => f.pub.getBalance({ address: who });

  it("a record demand left unanswered: the signers slashed, the demander paid and its bond back", async () => {
    const { signers, bond, demandKey, deadline } = await demand();
    expect(await revertOf(account.watcher, settle(demandKey, signers))).toMatch(/^AvailabilityWindowOpen\(/);
    await mineAt(deadline + 1n);
    const demanderEth = await eth(account.demander.address);
    expect(await eth(f.fraudProofs)).toBe(bond);

    // Anyone settles it: the watcher, so the demander's balance moves by the refund alone.
    const r = await send(account.watcher, settle(demandKey, signers));
    expect(r.status).toBe("success");
    const after = await stakes();
    for (let i = 0; i < 3; i++) expectSlashedBy(after[i]!, STAKE, WADS.availability);
    expect(after[3]).toBe(STAKE);
    const taken = after.slice(0, 3).reduce((sum, s) => sum + (STAKE - s), 0n);
    expect(await f.tokenBalance(account.demander.address)).toBe(share(taken));
    expect(await f.tokenBalance(account.watcher.address)).toBe(0n);
    expect(await f.tokenBalance(TREASURY)).toBe(taken - share(taken));
    expect(await eth(account.demander.address)).toBe(demanderEth + bond);
    expect(await eth(f.fraudProofs)).toBe(0n);
    expect(await invalidated()).toBe(true);
  });

  it("a record demand answered by provideRecord pays the answerer the bond; settling it reverts", async () => {
    const { signers, bond, demandKey, deadline } = await demand();
    const answererEth = await eth(account.answerer.address);
    const r = await send(account.answerer, {
      to: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      fn: "provideRecord",
      args: [
        demandKey,
        PREIMAGE,
        bytesToHex(encodeChallenge(state.cheating.record)),
        bytesToHex(state.proofs.cheating),
      ],
    });
    expect(r.status).toBe("success");
    expect(await eth(account.answerer.address)).toBe(answererEth + bond - r.gasUsed * r.effectiveGasPrice);
    expect(await eth(f.fraudProofs)).toBe(0n);
    await mineAt(deadline + 1n);
    expect(await revertOf(account.watcher, settle(demandKey, signers))).toBe(`DemandAnswered(${demandKey})`);
    expect(await stakes()).toEqual([STAKE, STAKE, STAKE, STAKE]);
    expect(await invalidated()).toBe(false);
  });
});
