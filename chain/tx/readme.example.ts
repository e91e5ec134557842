import { addressFromPrivateKey, recoverSender, signTx } from "./index.ts";

const privateKey = new Uint8Array(32).fill(1);
const tx = signTx({ chainId: 901n, nonce: 0n, action: { kind: "register" } }, privateKey);

const sender = recoverSender(tx); // { ok: true, value: <20-byte address> }
if (!sender.ok) throw new Error(sender.detail);
const expected = addressFromPrivateKey(privateKey);
if (sender.value.some((b, i) => b !== expected[i])) throw new Error("sender mismatch");

const forged = recoverSender({ ...tx, signature: tx.signature.with(64, 27) }); // v must be 0 or 1
if (forged.ok || forged.error !== "BAD_SIGNATURE") throw new Error("27 accepted");
