import { describe, expect, it } from "vitest";
import { bytesToHex } from "./bytes.ts";
import { genesisFromJson, genesisHash, genesisToJson } from "./genesisDoc.ts";
import { defaultParams, QUICKNET } from "./params.ts";

describe("genesis document", () => {
  it("default: JSON round trip keeps every field and the hash", () => {
    const g = {
      params: defaultParams(QUICKNET),
      timestamp: 1_700_000_000_000n,
      alloc: [{ address: new Uint8Array(20).fill(1), credits: 10n ** 20n }],
    };
    const back = genesisFromJson(genesisToJson(g));
    expect(back).toEqual(g);
    expect(bytesToHex(genesisHash(back))).toBe(bytesToHex(genesisHash(g)));
  });
  it("behavior: any parameter change changes the hash", () => {
    const g = { params: defaultParams(QUICKNET), timestamp: 1n, alloc: [] };
    const h = bytesToHex(genesisHash(g));
    expect(bytesToHex(genesisHash({ ...g, params: { ...g.params, epochMs: 1n } }))).not.toBe(h);
  });
});
