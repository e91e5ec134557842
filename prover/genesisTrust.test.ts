import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { genesisToJson } from "../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { TestChain } from "../test/helpers/testChain.ts";
import { ProverError } from "./errors.ts";
import { genesisRecordPath, parseServedGenesis, trustGenesis } from "./genesisTrust.ts";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "flops-genesis-trust-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const chain = new TestChain();
const text = genesisToJson({ params: chain.params, timestamp: 1_700_000_000_000n, alloc: [] });
const hash = keccak256(utf8(text));
const other = genesisToJson({ params: chain.params, timestamp: 1_700_000_000_001n, alloc: [] });

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ProverError ? e.code : `not a ProverError: ${String(e)}`;
  }
  return undefined;
}

describe("parseServedGenesis", () => {
  it("hashes the exact canonical text and gives back its params", () => {
    const { doc, hash: h } = parseServedGenesis(text);
    expect(h).toEqual(hash);
    expect(doc.params.l2ChainId).toBe(chain.params.l2ChainId);
    expect(doc.params.beacon.publicKey).toEqual(chain.params.beacon.publicKey);
  });

  it("refuses a document that is not canonical (same content, other bytes, other hash)", () => {
    const reformatted = JSON.stringify(JSON.parse(text));
    expect(() => parseServedGenesis(reformatted)).toThrow("not in canonical form");
    expect(code(() => parseServedGenesis(reformatted))).toBe("BAD_GENESIS");
  });

  it("refuses a document that does not parse, without echoing it", () => {
    const junk = `{"version": 0, "params": "${"A".repeat(10_000)}"}`;
    let message = "";
    try {
      parseServedGenesis(junk);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^the node serves an invalid genesis document: /);
    expect(message.length).toBeLessThan(300);
    expect(code(() => parseServedGenesis("not json"))).toBe("BAD_GENESIS");
  });
});

describe("trustGenesis", () => {
  it("first use records the hash; later runs require it", () => {
    expect(trustGenesis(text, { dataDir })).toMatchObject({ trust: "first-use", hash });
    const record = JSON.parse(readFileSync(genesisRecordPath(dataDir), "utf8"));
    expect(record).toEqual({
      version: 1,
      genesisHash: bytesToHex(hash),
      chainId: chain.params.l2ChainId.toString(),
    });
    expect(trustGenesis(text, { dataDir }).trust).toBe("recorded");
    expect(code(() => trustGenesis(other, { dataDir }))).toBe("GENESIS_MISMATCH");
  });

  it("a pin decides: a match is trusted (and recorded), a mismatch refused even with a record", () => {
    expect(trustGenesis(text, { dataDir, pin: hash }).trust).toBe("pinned");
    expect(JSON.parse(readFileSync(genesisRecordPath(dataDir), "utf8")).genesisHash).toBe(bytesToHex(hash));
    expect(code(() => trustGenesis(other, { dataDir, pin: hash }))).toBe("GENESIS_MISMATCH");
    // The operator pins another chain on purpose: the pin wins and replaces the record.
    const otherHash = keccak256(utf8(other));
    expect(trustGenesis(other, { dataDir, pin: otherHash }).trust).toBe("pinned");
    expect(trustGenesis(other, { dataDir }).trust).toBe("recorded");
  });

  it("a damaged record is refused, never read as 'no record'", () => {
    writeFileSync(genesisRecordPath(dataDir), "{ half a file");
    expect(() => trustGenesis(text, { dataDir })).toThrow(/is not a genesis record; delete it/);
    expect(code(() => trustGenesis(text, { dataDir }))).toBe("BAD_STATE_FILE");
    // A pin overrides it (and rewrites it).
    expect(trustGenesis(text, { dataDir, pin: hash }).trust).toBe("pinned");
    expect(trustGenesis(text, { dataDir }).trust).toBe("recorded");
  });
});
