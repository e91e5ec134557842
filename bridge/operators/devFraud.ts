/**
 * `createDevFraud(l1, opts)`: a dev quorum (devQuorum.ts) whose operator set is redistributing and
 * slashed by FraudProofs, with the Portal and the InvalidComputeProof verifier it needs, on an
 * embedded L1 from the committed artifacts: the recipe of a fraud-proof deployment
 * (PROTOCOL §6.3, contracts/README.md "Fraud proofs"). Order: EigenLayer stand-in, registry and
 * attested oracle (devQuorum), then Portal, verifier and FraudProofs, then FraudProofs gets the
 * oracle's CHALLENGER_ROLE and the Portal's VERDICT_ROLE, then the AVS creates the set with
 * FraudProofs as slasher and redistribution recipient. The timing rules (bridge/l1/slashingTiming.ts)
 * are checked first. Used by devFraud.l1.test.ts and bench/fraudProofGas.ts; the rollup's own
 * deployment of the same pieces is operatorStack.ts.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join as joinPath } from "node:path";
import {
  type Abi,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type ContractArtifact, deployContracts } from "../l1/deployContracts.ts";
import { assertSlashingTiming } from "../l1/slashingTiming.ts";
import { createDevQuorum, type DevL1, type DevQuorum, type DevQuorumOpts } from "./devQuorum.ts";

const OUT = joinPath(import.meta.dirname, "../../contracts/out");
const WAD = 10n ** 18n;
/** devQuorum's oracle: a 600 s challenge window; its DEALLOCATION_DELAY is 4 × windowBlocks. */
const CHALLENGE_WINDOW_S = 600;

export interface DevFraudOpts extends Omit<DevQuorumOpts, "slasherFor"> {
  /** Receives what the challenger's share leaves. */
  treasury: Hex;
  /** The verifier's pinned genesis: L2 chain id, beacon key (EIP-2537, 256 bytes), tiers. */
  verifier: {
    l2ChainId: bigint;
    beaconPublicKey: Hex;
    beaconGenesisTime: bigint;
    beaconPeriod: bigint;
    tiers: ReadonlyArray<{ id: number; n: number; m: number; k: number }>;
  };
  /** Parts of 1e18 slashed per fault kind. Default 0.5 / 0.1 / 0.25. */
  wads?: { equivocation: bigint; invalidCompute: bigint; availability: bigint };
  /** Default 5000 (half). */
  challengerShareBps?: number;
  /** Seconds. Default 100. */
  availabilityWindowS?: number;
  /** Default windowBlocks (devQuorum's DEALLOCATION_DELAY is 4 × windowBlocks). */
  maxPostingDelayBlocks?: number;
  /** Signers slashed in the proof's transaction, the rest in batches of this size. Default 32. */
  maxSlashesPerTx?: number;
}

export interface DevFraud extends DevQuorum {
  portal: Hex;
  verifier: Hex;
  fraudProofs: Hex;
  /** `verifier`: InvalidComputeProof's, whose errors (SampleCorrect, ...) a proof's revert carries. */
  fraudAbis: { portal: Abi; fraudProofs: Abi; token: Abi; verifier: Abi };
  /** The signers an attested output's receipt lists (OutputSigners), for a fraud proof. */
  signersOf(receipt: TransactionReceipt): Hex[];
  /** Operator `i`'s stake slashable by the set now (the one strategy). */
  slashableStake(i: number): Promise<bigint>;
  /** The stand-in token's balance of `who`. */
  tokenBalance(who: Hex): Promise<bigint>;
}

async function artifact(name: string): Promise<ContractArtifact> {
  const j = JSON.parse(await readFile(joinPath(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
}

export async function createDevFraud(l1: DevL1, opts: DevFraudOpts): Promise<DevFraud> {
  const availabilityWindowS = opts.availabilityWindowS ?? 100;
  const maxPostingDelayBlocks = opts.maxPostingDelayBlocks ?? opts.windowBlocks;
  assertSlashingTiming({
    challengeWindowS: CHALLENGE_WINDOW_S,
    windowBlocks: opts.windowBlocks,
    maxPostingDelayBlocks,
    deallocationDelay: opts.windowBlocks * 4,
    availabilityWindowS,
  });
  const wads = opts.wads ?? { equivocation: WAD / 2n, invalidCompute: WAD / 10n, availability: WAD / 4n };
  const [portalArt, verifierArt, fraudArt, oracleArt, tokenArt] = await Promise.all(
    ["Portal", "InvalidComputeProof", "FraudProofs", "OutputOracle", "DevStakeToken"].map(artifact),
  );
  const deployer = privateKeyToAccount(opts.deployerKey);
  const transport = custom(l1, { retryCount: 0 });
  const wallet = createWalletClient({ chain: foundry as Chain, transport, account: deployer });
  // The hook runs inside createDevQuorum, before its client is returned: it reads through its own.
  const pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 10 }) as PublicClient;
  let deployed: { portal: Hex; verifier: Hex; fraudProofs: Hex } | undefined;

  const q = await createDevQuorum(l1, {
    ...opts,
    slasherFor: async ({ oracle, eigenLayer, mine }) => {
      const genesisHash = (await pub.readContract({
        address: oracle,
        abi: oracleArt!.abi,
        functionName: "genesisHash",
      })) as Hex;
      const d = await deployContracts(
        wallet,
        pub,
        { Portal: portalArt!, InvalidComputeProof: verifierArt!, FraudProofs: fraudArt! },
        {
          steps: [
            {
              name: "Portal",
              artifact: "Portal",
              args: () => [deployer.address, deployer.address, oracle, genesisHash, 4096n, 3600, 10n ** 30n],
            },
            {
              name: "InvalidComputeProof",
              artifact: "InvalidComputeProof",
              args: () => [
                opts.verifier.l2ChainId,
                opts.verifier.beaconPublicKey,
                opts.verifier.beaconGenesisTime,
                opts.verifier.beaconPeriod,
                opts.verifier.tiers,
              ],
            },
            {
              name: "FraudProofs",
              artifact: "FraudProofs",
              args: (a) => [
                {
                  oracle,
                  portal: a.Portal,
                  verifier: a.InvalidComputeProof,
                  strategyManager: eigenLayer.StrategyManager,
                  treasury: opts.treasury,
                  wadEquivocation: wads.equivocation,
                  wadInvalidCompute: wads.invalidCompute,
                  wadAvailability: wads.availability,
                  challengerShareBps: opts.challengerShareBps ?? 5000,
                  availabilityWindow: BigInt(availabilityWindowS),
                  maxPostingDelayBlocks,
                  maxSlashesPerTx: opts.maxSlashesPerTx ?? 32,
                  demandBond: 10n ** 16n, // 0.01 ether per availability demand
                },
              ],
            },
          ],
          afterSend: mine,
        },
      );
      deployed = {
        portal: d.addresses.Portal!,
        verifier: d.addresses.InvalidComputeProof!,
        fraudProofs: d.addresses.FraudProofs!,
      };
      const grant = async (address: Hex, abi: Abi, role: string) => {
        const roleId = (await pub.readContract({ address, abi, functionName: role })) as Hex;
        const hash = await wallet.writeContract({
          address,
          abi,
          functionName: "grantRole",
          args: [roleId, deployed!.fraudProofs],
        } as never);
        await mine();
        const r = await pub.waitForTransactionReceipt({ hash });
        if (r.status !== "success") throw new Error(`dev fraud: grantRole ${role} reverted`);
      };
      await grant(oracle, oracleArt!.abi, "CHALLENGER_ROLE");
      await grant(deployed.portal, portalArt!.abi, "VERDICT_ROLE");
      return deployed.fraudProofs;
    },
  });
  if (deployed === undefined) throw new Error("dev fraud: the slasher hook never ran");
  const d = deployed;
  const set = { avs: q.operatorSet.avs, id: q.operatorSet.id };
  return {
    ...q,
    ...d,
    fraudAbis: {
      portal: portalArt!.abi,
      fraudProofs: fraudArt!.abi,
      token: tokenArt!.abi,
      verifier: verifierArt!.abi,
    },
    signersOf(receipt) {
      const [ev] = parseEventLogs({
        abi: oracleArt!.abi,
        logs: receipt.logs,
        eventName: "OutputSigners",
      }) as unknown as [{ args: { signers: Hex[] } } | undefined];
      if (ev === undefined) throw new Error("dev fraud: no OutputSigners in the receipt");
      return ev.args.signers;
    },
    async slashableStake(i) {
      const block = await q.pub.getBlockNumber();
      const rows = (await q.pub.readContract({
        address: q.eigenLayer.AllocationManager,
        abi: q.abis.allocationManager,
        functionName: "getMinimumSlashableStake",
        args: [set, [q.operators[i]!.address], [q.eigenLayer.StrategyBase], Number(block)],
      } as never)) as bigint[][];
      return rows[0]![0]!;
    },
    tokenBalance: (who) =>
      q.pub.readContract({
        address: q.eigenLayer.DevStakeToken,
        abi: tokenArt!.abi,
        functionName: "balanceOf",
        args: [who],
      } as never) as Promise<bigint>,
  };
}
