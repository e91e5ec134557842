import { createCipheriv, createHash, pbkdf2Sync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyPairFromSeed } from "../bridge/operators/bn254Bls.ts";
import {
  blsPubkeys,
  decryptBlsKeystore,
  encryptBlsKeystore,
  loadBlsKeystore,
  processBlsPassword,
} from "./blsKeystore.ts";

const key = keyPairFromSeed(new Uint8Array(32).fill(7));
const N = 2 ** 10; // cheap for tests; the reader's bounds are the same as for 2^18

describe("BLS keystore (BN254 key in an EIP-2335 container)", () => {
  it("round trips: same secret, EIP-2335 shape, both public keys", async () => {
    const ks = await encryptBlsKeystore(key, "correct horse", { scryptN: N });
    expect(ks.version).toBe(4);
    expect(ks.path).toBe("");
    expect(ks.crypto.kdf.function).toBe("scrypt");
    expect(ks.crypto.checksum.function).toBe("sha256");
    expect(ks.crypto.cipher.function).toBe("aes-128-ctr");
    expect(ks.pubkey).toHaveLength(66);
    expect(ks.pubkeyG2).toHaveLength(130);
    expect(ks.crypto.cipher.message).not.toContain(key.secretKey.toString(16));
    const dir = mkdtempSync(join(tmpdir(), "bls-ks-"));
    writeFileSync(join(dir, "k.json"), JSON.stringify(ks));
    const back = await loadBlsKeystore(join(dir, "k.json"), "correct horse");
    expect(back.secretKey).toBe(key.secretKey);
    expect(blsPubkeys(back)).toEqual(blsPubkeys(key));
  });

  it("refuses a wrong password", async () => {
    const ks = await encryptBlsKeystore(key, "pw-one", { scryptN: N });
    await expect(decryptBlsKeystore(ks, "pw-two")).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
  });

  it("refuses a tampered checksum or ciphertext", async () => {
    const ks = await encryptBlsKeystore(key, "pw", { scryptN: N });
    const flip = (h: string) => (h[0] === "0" ? "1" : "0") + h.slice(1);
    const badSum = structuredClone(ks);
    badSum.crypto.checksum.message = flip(badSum.crypto.checksum.message);
    await expect(decryptBlsKeystore(badSum, "pw")).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
    const badCipher = structuredClone(ks);
    badCipher.crypto.cipher.message = flip(badCipher.crypto.cipher.message);
    await expect(decryptBlsKeystore(badCipher, "pw")).rejects.toMatchObject({ code: "WRONG_PASSWORD" });
  });

  it("refuses public keys that are not the secret's", async () => {
    const ks = await encryptBlsKeystore(key, "pw", { scryptN: N });
    const other = blsPubkeys(keyPairFromSeed(new Uint8Array(32).fill(8)));
    await expect(decryptBlsKeystore({ ...ks, pubkey: other.pubkey }, "pw")).rejects.toThrow(
      /not the public keys/,
    );
    await expect(decryptBlsKeystore({ ...ks, pubkeyG2: other.pubkeyG2 }, "pw")).rejects.toThrow(
      /not the public keys/,
    );
  });

  it("bounds the KDF before deriving (a 2^30 scrypt is refused, not run)", async () => {
    const ks = await encryptBlsKeystore(key, "pw", { scryptN: N });
    const costly = structuredClone(ks);
    costly.crypto.kdf.params = { ...costly.crypto.kdf.params, n: 2 ** 30 };
    await expect(decryptBlsKeystore(costly, "pw")).rejects.toMatchObject({ code: "KEYSTORE_OUT_OF_BOUNDS" });
  });

  it("reads a pbkdf2 file laid out by hand from the EIP-2335 algorithm", async () => {
    const salt = Buffer.alloc(32, 3);
    const iv = Buffer.alloc(16, 4);
    const dk = pbkdf2Sync(processBlsPassword("pässword\u0007"), salt, 4096, 32, "sha256");
    const c = createCipheriv("aes-128-ctr", dk.subarray(0, 16), iv);
    const msg = Buffer.concat([
      c.update(Buffer.from(key.secretKey.toString(16).padStart(64, "0"), "hex")),
      c.final(),
    ]);
    const sum = createHash("sha256").update(dk.subarray(16, 32)).update(msg).digest("hex");
    const file = {
      crypto: {
        kdf: {
          function: "pbkdf2",
          params: { dklen: 32, c: 4096, prf: "hmac-sha256", salt: salt.toString("hex") },
          message: "",
        },
        checksum: { function: "sha256", params: {}, message: sum },
        cipher: { function: "aes-128-ctr", params: { iv: iv.toString("hex") }, message: msg.toString("hex") },
      },
      ...blsPubkeys(key),
      path: "",
      uuid: "00000000-0000-4000-8000-000000000000",
      version: 4,
    };
    // The control character is stripped and the umlaut NFKD-normalised on both sides.
    expect((await decryptBlsKeystore(file, "pa\u0308ssword")).secretKey).toBe(key.secretKey);
  });
});
