/**
 * Deploys the rollup's real contract artifacts (contracts/out) on the embedded L1 with
 * deployContracts, writes the deployment file, reads it back, and checks the contracts answer.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, custom, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { readDeployment, writeDeployment } from "../deployment.ts";
import { type ContractArtifact, deployContracts } from "./deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { createEmbeddedL1 } from "./embeddedL1.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");

async function artifact(name: string): Promise<ContractArtifact> {
  const json = JSON.parse(await readFile(join(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: json.abi, bytecode: json.bytecode };
}

describe("deployContracts", async () => {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), "flops-deploy-"));
  afterAll(async () => {
    await l1.close();
    await rm(dir, { recursive: true, force: true });
  });
  const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const transport = custom(l1, { retryCount: 0 });
  const pub = createPublicClient({ chain: foundry, transport, pollingInterval: 10 });
  const wallet = createWalletClient({ chain: foundry, transport, account: admin });
  const genesisHash = keccak256(toHex("flops genesis"));

  it("deploys the artifacts in order, wires constructor args, and writes a deployment file that reads back", async () => {
    const artifacts = {
      BatchInbox: await artifact("BatchInbox"),
      OutputOracle: await artifact("OutputOracle"),
      Portal: await artifact("Portal"),
    };
    const a = admin.address;
    const result = await deployContracts(wallet, pub, artifacts, {
      steps: [
        { name: "BatchInbox", artifact: "BatchInbox", args: () => [a, a] },
        { name: "OutputOracle", artifact: "OutputOracle", args: () => [a, a, a, genesisHash, 10n] },
        {
          name: "Portal",
          artifact: "Portal",
          args: (d) => [a, a, d.OutputOracle, genesisHash, 131_072n, 3600, 10n ** 24n],
        },
      ],
      afterSend: async () => {
        await l1.mine();
      },
    });
    expect(Object.keys(result.addresses)).toEqual(["BatchInbox", "OutputOracle", "Portal"]);
    expect(result.deployBlock).toBe(1n);
    const credit = (await pub.readContract({
      address: result.addresses.Portal!,
      abi: artifacts.Portal.abi,
      functionName: "credit",
    })) as Hex;
    const oracle = await pub.readContract({
      address: result.addresses.Portal!,
      abi: artifacts.Portal.abi,
      functionName: "oracle",
    });
    expect(oracle).toBe(result.addresses.OutputOracle);

    const path = join(dir, "l1-deployment.json");
    await writeDeployment(path, {
      version: 1,
      l1ChainId: await pub.getChainId(),
      genesisHash,
      deployBlock: Number(result.deployBlock),
      deployBlockHash: result.deployBlockHash,
      contracts: {
        BatchInbox: result.addresses.BatchInbox!,
        OutputOracle: result.addresses.OutputOracle!,
        Portal: result.addresses.Portal!,
        FlopsCredit: credit,
      },
    });
    const back = await readDeployment(path);
    expect(back.contracts.Portal).toBe(result.addresses.Portal);
    expect(back.contracts.FlopsCredit.toLowerCase()).toBe(credit.toLowerCase());
    expect(back.l1ChainId).toBe(31337);
    expect(back.deployBlockHash).toBe(result.deployBlockHash);
  });

  it("fails on a reverting constructor and on an unknown artifact", async () => {
    const reverting: ContractArtifact = { abi: [], bytecode: "0x60006000fd" }; // REVERT(0, 0)
    await expect(
      deployContracts(
        wallet,
        pub,
        { R: reverting },
        {
          steps: [{ name: "R", artifact: "R" }],
          afterSend: async () => {
            await l1.mine();
          },
        },
      ),
    ).rejects.toThrow(/reverted|execution/);
    await expect(deployContracts(wallet, pub, {}, { steps: [{ name: "X", artifact: "X" }] })).rejects.toThrow(
      /no artifact named X/,
    );
  });
});
