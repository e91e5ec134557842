/**
 * The challenger's equivocation watch on a real EVM (the embedded L1, createDevFraud): operator 1
 * serves signatures over two different roots for the block of a posted output (the same L1 block
 * hash); one `tick()` proves it with FraudProofs.proveEquivocation and only operator 1 is slashed,
 * by the equivocation WAD. A signature that claims operator 2 but is made with operator 1's key,
 * and a signature that does not verify, are not evidence (operator 2 keeps its stake).
 */
import {
  type Chain,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  numberToHex,
  parseEventLogs,
  stringToHex,
  hexToBytes as viemHexToBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { hexToBytes } from "../../chain/bytes.ts";
import type { OutputSignatureInfo } from "../../rpc/operatorResults.ts";
import { fraudVerifierPins } from "../../test/vectors/fraudCases.ts";
import { createEmbeddedL1 } from "../l1/embeddedL1.ts";
import { outputMessageHash, sign, toSolG1, toSolG2 } from "../operators/bn254Bls.ts";
import { createDevFraud } from "../operators/devFraud.ts";
import type { L1Receipt } from "../txManager/txJournal.ts";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";
import { Challenger } from "./challenger.ts";
import { FRAUD_PROOFS_ABI } from "./fraudAbi.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/challenger-l1/${tag}/${i}`));
const WAD = 10n ** 18n;
const word = (v: bigint) => viemHexToBytes(numberToHex(v, { size: 32 }));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe("the challenger proves an operator's equivocation", async () => {
  const operatorKeys = [0, 1, 2, 3].map((i) => key("op", i));
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    gasLimit: 60_000_000n,
    accounts: [key("deployer"), key("avs"), key("watcher"), ...operatorKeys],
  });
  afterAll(() => l1.close());
  const l2ChainId = 1_042_000n;
  const f = await createDevFraud(l1, {
    deployerKey: key("deployer"),
    avsKey: key("avs"),
    operatorKeys,
    l2ChainId,
    windowBlocks: 20,
    stake: 1000n * WAD,
    treasury: "0x00000000000000000000000000000000007ea5e7",
    verifier: fraudVerifierPins(),
  });
  await f.join(0, 4);
  const watcher = privateKeyToAccount(key("watcher"));
  const wallet = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: watcher });

  it("one tick: the equivocating operator alone is slashed", async () => {
    const rootA = keccak256(stringToHex("root a"));
    const rootB = keccak256(stringToHex("root b"));
    const posted = await f.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 2, 3]), rootA);
    expect(posted.receipt.status).toBe("success");
    const [proposed] = parseEventLogs({
      abi: ORACLE_ABI,
      logs: posted.receipt.logs,
      eventName: "OutputProposed",
    });
    const { l1BlockHash, l1BlockNumber } = proposed!.args as { l1BlockHash: Hex; l1BlockNumber: bigint };
    const served = (who: number, signer: number, root: Hex): OutputSignatureInfo => {
      const digest = outputMessageHash({
        l1ChainId: BigInt(l1.chainId),
        outputOracle: f.oracle,
        l2ChainId,
        l2BlockNumber: 1n,
        outputRoot: root,
        l1BlockHash,
      });
      const s = toSolG1(sign(f.bls[signer]!.secretKey, digest));
      const g2 = toSolG2(f.bls[signer]!.pubkeyG2);
      return {
        l2BlockNumber: 1n,
        outputRoot: hexToBytes(root),
        l1BlockHash: hexToBytes(l1BlockHash),
        l1BlockNumber,
        signature: cat(word(s.x), word(s.y)),
        pubkeyG2: cat(word(g2.x[0]), word(g2.x[1]), word(g2.y[0]), word(g2.y[1])),
        operator: hexToBytes(f.operators[who]!.address),
      };
    };
    const bad = served(3, 3, rootB);
    bad.signature = served(3, 3, rootA).signature; // over another root: does not verify
    const answers = [
      served(1, 1, rootA),
      served(2, 2, rootA),
      served(2, 1, rootB), // operator 1's key, claiming operator 2: no evidence against 2
      served(3, 3, rootA),
      bad,
      served(1, 1, rootB),
    ];
    const challenger = new Challenger(
      {
        oracle: f.oracle,
        fraudProofs: f.fraudProofs,
        fromBlock: 0n,
        l2ChainId,
        tiers: [],
        equivocation: { l1ChainId: BigInt(l1.chainId), registry: f.registry },
      },
      {
        client: f.pub,
        txManager: {
          async send(c) {
            const hash = await wallet.sendTransaction({
              to: c.to,
              data: c.data,
              ...(c.value === undefined ? {} : { value: c.value }),
              ...(c.gasLimit === undefined ? {} : { gas: c.gasLimit }),
            });
            await l1.mine();
            return (await f.pub.waitForTransactionReceipt({ hash })) as unknown as L1Receipt;
          },
        },
        own: {
          finalizedL2: () => 1n,
          outputAt: () => ({
            outputRoot: hexToBytes(rootA),
            block: { number: 1n, hash: new Uint8Array(32), timestamp: 0n },
            stateRoot: new Uint8Array(32),
            withdrawalsRoot: new Uint8Array(32),
          }),
          challengeProof: () => undefined,
          reveals: () => [],
        },
        signers: { proofs: async () => [] },
        signatures: { fetch: async (n) => (n === 1n ? answers : []) },
        log: { info: () => {}, warn: () => {}, error: () => {} },
      },
    );
    await challenger.tick();
    expect(challenger.stats.agreed).toBe(1);
    expect(challenger.stats.equivocations).toBe(1);
    const proven = await f.pub.getContractEvents({
      address: f.fraudProofs,
      abi: FRAUD_PROOFS_ABI,
      eventName: "EquivocationProven",
      fromBlock: 0n,
    });
    expect(proven.map((p) => (p.args as { operator: Hex }).operator)).toEqual([f.operators[1]!.address]);
    expect(await f.slashableStake(1)).toBe(500n * WAD);
    for (const i of [0, 2, 3]) expect(await f.slashableStake(i)).toBe(1000n * WAD);
    // Nothing unproven was sent: the watcher's only tx is the proof.
    expect(await f.pub.getTransactionCount({ address: watcher.address })).toBe(1);
    // Asked once per output: a second round proves nothing more.
    await challenger.tick();
    expect(challenger.stats.equivocations).toBe(1);
  });
});
