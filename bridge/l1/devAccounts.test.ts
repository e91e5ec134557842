import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { expect, it } from "vitest";
import { DEV_MNEMONIC, DEV_PRIVATE_KEYS } from "./devAccounts.ts";

it("the dev keys are m/44'/60'/0'/0/i of the test mnemonic (Anvil's accounts)", () => {
  DEV_PRIVATE_KEYS.forEach((key, i) => {
    const hd = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).getHdKey();
    expect(bytesToHex(hd.privateKey!)).toBe(key);
  });
});
