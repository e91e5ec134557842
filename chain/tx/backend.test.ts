import { afterEach, describe, expect, it, vi } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes.ts";

afterEach(() => {
  vi.doUnmock("node:module");
  vi.resetModules();
});

describe("backend selection", () => {
  it("falls back to noble, and says why, when the native addon cannot load", async () => {
    vi.resetModules();
    vi.doMock("node:module", () => ({
      createRequire: () => () => {
        throw new Error("simulated: no prebuild for this platform");
      },
    }));
    const tx = await import("./index.ts");
    expect(tx.SIG_BACKEND).toBe("noble");
    expect(tx.isBackendAvailable("native")).toBe(false);
    expect(String(tx.nativeLoadError())).toMatch(/simulated/);

    // recoverSender still works, on noble.
    const key = hexToBytes("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    const bodyBytes = hexToBytes("0x0801");
    const r = tx.recoverSender({ bodyBytes, signature: tx.signBodyBytes(bodyBytes, key) });
    expect(r.ok && bytesToHex(r.value)).toBe("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    // Asking for native explicitly is a programming error, not a silent fallback.
    expect(() => tx.recoverPublicKey(new Uint8Array(32), new Uint8Array(65), "native")).toThrow(
      /not available/,
    );
  });
});
