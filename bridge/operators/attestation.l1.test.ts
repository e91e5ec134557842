/**
 * The attested-output path end to end on a real EVM (the embedded L1) with the committed
 * artifacts: the EigenLayer stand-in's AllocationManager as the stake source, OperatorRegistry
 * registrations with proofs of possession made in TypeScript, and OutputOracle outputs whose
 * aggregate signatures bridge/operators/attestation.ts builds. Checks that the EVM precompiles
 * agree with @noble/curves (keys, hashToG1, G2 coordinate order), and the quorum's arithmetic.
 */
import {
  type Chain,
  createWalletClient,
  custom,
  decodeErrorResult,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { createEmbeddedL1 } from "../l1/embeddedL1.ts";
import { aggregateG1, keyHash, toSolG1 } from "./bn254Bls.ts";
import { createDevQuorum } from "./devQuorum.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/attestation-l1/${tag}/${i}`));
const WAD = 10n ** 18n;

describe("attested outputs on the embedded L1", async () => {
  const operatorKeys = [0, 1, 2, 3].map((i) => key("op", i));
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    accounts: [key("deployer"), key("avs"), ...operatorKeys],
  });
  afterAll(() => l1.close());
  const q = await createDevQuorum(l1, {
    deployerKey: key("deployer"),
    avsKey: key("avs"),
    operatorKeys,
    l2ChainId: 1_042_000n,
    windowBlocks: 20,
    stake: 1000n * WAD,
  });
  await q.join(0, 4);
  const read = (fn: string, args: unknown[] = [], address: Hex = q.oracle, abi = q.abis.oracle) =>
    q.pub.readContract({ address, abi, functionName: fn, args } as never) as Promise<unknown>;

  it("registers TypeScript-made keys: the registry's aggregate is noble's sum", async () => {
    expect(await read("operatorCount", [], q.registry, q.abis.registry)).toBe(4n);
    const apk = (await read("apk", [], q.registry, q.abis.registry)) as { x: bigint; y: bigint };
    expect(apk).toEqual(toSolG1(aggregateG1(q.bls.map((k) => k.pubkeyG1))));
  });

  it("accepts 3 of 4 equal stakes and records who did not sign; refuses 2 of 4", async () => {
    const ok = await q.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 2]));
    expect(ok.receipt.status).toBe("success");
    const [ev] = parseEventLogs({
      abi: q.abis.oracle,
      logs: ok.receipt.logs,
      eventName: "OutputAttested",
    }) as unknown as [{ args: { signedStake: bigint; totalStake: bigint; nonSignerKeyHashes: Hex[] } }];
    expect(ev.args.signedStake).toBe(3000n * WAD);
    expect(ev.args.totalStake).toBe(4000n * WAD);
    expect(ev.args.nonSignerKeyHashes).toEqual([keyHash(q.bls[3]!.pubkeyG1)]);
    expect(await read("outputCount")).toBe(1n);

    const short = await q.proposeAttested(2n, [0, 1, 2, 3], new Set([0, 1]));
    expect(short.receipt.status).toBe("reverted");
    const err = await q.pub.call({ to: q.oracle, data: short.input }).then(
      () => undefined,
      (e: { walk: (f: (x: unknown) => boolean) => { data?: Hex } | null }) =>
        e.walk((x) => (x as { data?: Hex }).data !== undefined),
    );
    const decoded = decodeErrorResult({ abi: q.abis.oracle, data: err!.data! });
    expect(decoded.errorName).toBe("QuorumNotReached");
    expect(decoded.args).toEqual([2000n * WAD, 4000n * WAD]);
  });

  it("drops a leaver from the aggregate once it left the operator set", async () => {
    const leaver = privateKeyToAccount(operatorKeys[3]!);
    const wallet = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: leaver });
    const hash = await wallet.writeContract({
      address: q.eigenLayer.AllocationManager,
      abi: q.abis.allocationManager,
      functionName: "deregisterFromOperatorSets",
      args: [{ operator: leaver.address, avs: q.operatorSet.avs, operatorSetIds: [0] }],
    } as never);
    await l1.mine();
    expect((await q.pub.waitForTransactionReceipt({ hash })).status).toBe("success");
    const anyone = createWalletClient({
      chain: foundry as Chain,
      transport: custom(l1),
      account: privateKeyToAccount(operatorKeys[0]!),
    });
    const h2 = await anyone.writeContract({
      address: q.registry,
      abi: q.abis.registry,
      functionName: "deregisterNonMember",
      args: [leaver.address],
    } as never);
    await l1.mine();
    expect((await q.pub.waitForTransactionReceipt({ hash: h2 })).status).toBe("success");
    // Two of the three remaining members: exactly 2/3.
    const ok = await q.proposeAttested(2n, [0, 1, 2], new Set([0, 1]));
    expect(ok.receipt.status).toBe("success");
  });
});
