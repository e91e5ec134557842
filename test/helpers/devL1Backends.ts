/**
 * The two L1s a dev quorum or dev fraud deployment (bridge/operators/devQuorum.ts's DevL1) runs on
 * in tests, for `describe.each`: the embedded L1 (hand-mined) and a spawned Anvil (--no-mining, so
 * a round's txs share a block as they do on the embedded L1). Both fund the given keys and answer
 * evm_snapshot / evm_revert / evm_setNextBlockTimestamp, so one scenario body runs on either.
 * Anvil's entry is marked `skip` where its binary is missing (a warning says so).
 * @module
 */
import { existsSync } from "node:fs";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createEmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import type { DevL1 } from "../../bridge/operators/devQuorum.ts";
import { ANVIL_BIN, anvilL1, startAnvil } from "./anvil.ts";

export interface DevL1Backend {
  l1: DevL1;
  close(): Promise<void>;
}

export interface DevL1Factory {
  name: string;
  skip: boolean;
  /** A fresh L1 with each of `funded` holding ample ETH. */
  start(funded: readonly Hex[]): Promise<DevL1Backend>;
}

/** Each funded account's ETH on Anvil (the embedded L1 funds its `accounts` itself). */
const ANVIL_FUNDS = 10n ** 22n;

export function devL1Backends(): DevL1Factory[] {
  const anvilPresent = existsSync(ANVIL_BIN);
  if (!anvilPresent) console.warn(`devL1Backends: Anvil not found at ${ANVIL_BIN}; its half is skipped`);
  return [
    {
      name: "the embedded L1",
      skip: false,
      async start(funded) {
        const l1 = await createEmbeddedL1({ blockTimeMs: 0, gasLimit: 60_000_000n, accounts: [...funded] });
        return { l1, close: () => l1.close() };
      },
    },
    {
      name: "Anvil",
      skip: !anvilPresent,
      async start(funded) {
        const anvil = await startAnvil({ noMining: true });
        try {
          const l1 = anvilL1(anvil);
          for (const k of funded) {
            const who = privateKeyToAccount(k).address;
            await l1.request({ method: "anvil_setBalance", params: [who, `0x${ANVIL_FUNDS.toString(16)}`] });
          }
          return { l1, close: () => anvil.stop() };
        } catch (e) {
          await anvil.stop();
          throw e;
        }
      },
    },
  ];
}
