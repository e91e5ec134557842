import { describe, expect, it } from "vitest";
import { bytesToHex } from "./bytes.ts";
import { type GenesisDoc, genesisFromJson, genesisHash, genesisToJson } from "./genesisDoc.ts";
import { GenesisError, maxRevealTxBytes, validateGenesis } from "./genesisValidate.ts";
import {
  defaultParams,
  PRODUCTION_TIERS,
  productionParams,
  QUICKNET,
  TIER_DEVNET,
  TIER_SMALL,
  TIER_TINY,
  tierWork,
} from "./params.ts";

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

describe("production params", () => {
  it("default: only production tiers (k ≥ 64, no test or devnet tier), 1 h epochs, live for one real pass", () => {
    const p = productionParams(QUICKNET, 4242n);
    expect(p.l2ChainId).toBe(4242n);
    expect(p.tiers).toEqual(PRODUCTION_TIERS);
    const testIds = [TIER_TINY.id, TIER_SMALL.id, TIER_DEVNET.id];
    for (const t of p.tiers) {
      expect(t.k).toBeGreaterThanOrEqual(64);
      expect(testIds).not.toContain(t.id);
      // GPU-sized: at least 10^13 integer ops a pass (the devnet tier is 6.9·10^10).
      expect(tierWork(t)).toBeGreaterThan(10n ** 13n);
      expect(maxRevealTxBytes(t)).toBeLessThanOrEqual(p.maxTxBytes);
    }
    expect(p.epochMs).toBe(3_600_000n);
    const smallest = p.tiers.map(tierWork).sort((a, b) => (a < b ? -1 : 1))[0];
    expect(p.minLiveWork).toBe(smallest);
    const g = { params: p, timestamp: 1_700_000_000_000n, alloc: [] };
    expect(genesisFromJson(genesisToJson(g))).toEqual(g);
  });
});

/** A JSON object of the document, any depth. */
interface Json {
  [key: string]: Json | Json[] | string | number | undefined;
}

/** A valid production document as a mutable JSON object. */
function baseJson(): Json {
  const g: GenesisDoc = {
    params: productionParams(QUICKNET, 4242n),
    timestamp: 1_700_000_000_000n,
    alloc: [
      { address: new Uint8Array(20).fill(1), credits: 10n ** 20n },
      { address: new Uint8Array(20).fill(2), credits: 5n },
    ],
  };
  return JSON.parse(genesisToJson(g));
}

type Mutation = (d: Json) => void;
/** Sets the value at `path` in the document; `undefined` deletes the key. */
const at =
  (path: ReadonlyArray<string | number>, value: unknown): Mutation =>
  (d) => {
    let o = d as unknown as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (value === undefined) delete o[last];
    else o[last] = value;
  };
const P = (key: string, value: unknown) => at(["params", key], value);
const B = (key: string, value: unknown) => at(["params", "beacon", key], value);
const T = (i: number, key: string, value: unknown) => at(["params", "tiers", i, key], value);
const ADDRESS_1 = `0x${"01".repeat(20)}`;
const U256 = (1n << 256n).toString();

/** [rule, mutation of a valid document, the error it must raise]: one block per rule family. */
const CASES: Array<[string, Mutation | string, RegExp]> = [
  // --- structure: JSON types, canonical decimals, no unknown or missing keys ---
  ["not JSON", "{", /^genesis: document is not valid JSON/],
  ["top level not an object", "[]", /^genesis: document must be a JSON object, got an array$/],
  ["unknown top-level key", at(["extra"], 1), /^genesis: extra is not a field of the genesis document$/],
  ["unknown params key (typo)", P("epochMS", "1"), /^genesis: params\.epochMS is not a field/],
  ["unknown tier key", T(0, "work", 1), /^genesis: params\.tiers\[0\]\.work is not a field/],
  ["unknown beacon key", B("chainHash", "00"), /^genesis: params\.beacon\.chainHash is not a field/],
  ["missing field", P("maxBlockGapMs", undefined), /^genesis: params\.maxBlockGapMs is missing$/],
  ["missing params", at(["params"], undefined), /^genesis: params is missing$/],
  [
    "bigint as a JSON number",
    P("epochMs", 3_600_000),
    /^genesis: params\.epochMs must be a non-negative decimal integer string .*got 3600000$/,
  ],
  ["hex quantity", P("epochMs", "0x10"), /^genesis: params\.epochMs must be a non-negative decimal/],
  ["leading zero", P("epochMs", "01"), /^genesis: params\.epochMs must be a non-negative decimal/],
  ["negative", P("stepBps", "-1"), /^genesis: params\.stepBps must be a non-negative decimal/],
  ["spaces", P("epochMs", " 1"), /^genesis: params\.epochMs must be a non-negative decimal/],
  [
    "over 78 digits",
    P("minLiveWork", "1".repeat(79)),
    /^genesis: params\.minLiveWork must be a non-negative decimal/,
  ],
  [
    "int as a string",
    T(0, "n", "16384"),
    /^genesis: params\.tiers\[0\]\.n must be an integer \(a JSON number\), got "16384"$/,
  ],
  ["fractional int", P("maxTxBytes", 1.5), /^genesis: params\.maxTxBytes must be an integer/],
  ["tiers not an array", P("tiers", {}), /^genesis: params\.tiers must be an array, got an object$/],
  ["tier not an object", P("tiers", [1]), /^genesis: params\.tiers\[0\] must be a JSON object, got 1$/],
  // --- version ---
  ["unknown version", at(["version"], 1), /^genesis: version must be 0, got 1$/],
  ["version as a string", at(["version"], "0"), /^genesis: version must be an integer/],
  // --- chain id ---
  [
    "chain id 0",
    P("l2ChainId", "0"),
    /^genesis: params\.l2ChainId must be in \[1, 18446744073709551615\], got 0$/,
  ],
  ["chain id 2^64", P("l2ChainId", (1n << 64n).toString()), /^genesis: params\.l2ChainId must be in \[1, /],
  [
    "Ethereum mainnet's id",
    P("l2ChainId", "1"),
    /^genesis: params\.l2ChainId must not be 1 \(Ethereum mainnet\)/,
  ],
  [
    "Sepolia's id",
    P("l2ChainId", "11155111"),
    /^genesis: params\.l2ChainId must not be 11155111 \(Sepolia\)/,
  ],
  // --- beacon ---
  [
    "public key wrong length",
    B("publicKey", `0x${"ab".repeat(48)}`),
    /^genesis: params\.beacon\.publicKey must be 0x-hex of 96 bytes/,
  ],
  [
    "public key not hex",
    B("publicKey", "zz"),
    /^genesis: params\.beacon\.publicKey must be 0x-hex of 96 bytes, got "zz"$/,
  ],
  [
    "public key off the curve",
    B("publicKey", `0x${"83".padEnd(192, "1")}`),
    /^genesis: params\.beacon\.publicKey must be a valid 96-byte compressed BLS12-381 G2 point/,
  ],
  [
    "public key is infinity",
    B("publicKey", `0x${"c0".padEnd(192, "0")}`),
    /^genesis: params\.beacon\.publicKey must be a valid/,
  ],
  [
    "period 0",
    B("periodSeconds", "0"),
    /^genesis: params\.beacon\.periodSeconds must be in \[1, 3600\] s, got 0$/,
  ],
  [
    "period over an hour",
    B("periodSeconds", "3601"),
    /^genesis: params\.beacon\.periodSeconds must be in \[1, 3600\] s/,
  ],
  [
    "genesis time past 2^53 ms",
    B("genesisTime", (1n << 53n).toString()),
    /^genesis: params\.beacon\.genesisTime must be in \[0, /,
  ],
  [
    "unknown scheme",
    B("scheme", "pedersen-bls-chained"),
    /^genesis: params\.beacon\.scheme must be "bls-unchained-g1-rfc9380", got "pedersen-bls-chained"$/,
  ],
  // --- tiers ---
  ["no tiers", P("tiers", []), /^genesis: params\.tiers must hold 1 to 64 tiers, got 0$/],
  [
    "n not a power of two",
    T(1, "n", 48),
    /^genesis: params\.tiers\[1\]\.n must be a power of two in \[8, 2\^17\), got 48$/,
  ],
  [
    "n below 8",
    T(0, "n", 4),
    /^genesis: params\.tiers\[0\]\.n must be a power of two in \[8, 2\^17\), got 4$/,
  ],
  ["n 2^17 (int32 overflow)", T(0, "n", 1 << 17), /^genesis: params\.tiers\[0\]\.n must be a power of two/],
  [
    "m not a power of two",
    T(0, "m", 3),
    /^genesis: params\.tiers\[0\]\.m must be a power of two in \[1, 2\^16\], got 3$/,
  ],
  ["k 0", T(0, "k", 0), /^genesis: params\.tiers\[0\]\.k must be an integer in \[1, 2\^16\], got 0$/],
  [
    "k whose reveal cannot fit in a tx",
    T(0, "k", 200),
    /^genesis: params\.tiers\[0\]\.k is too large: a reveal at this tier can take up to 205056 bytes, above params\.maxTxBytes \(131072\)/,
  ],
  ["duplicate id", T(1, "id", 16), /^genesis: params\.tiers\[1\]\.id duplicates another tier's id 16$/],
  [
    "duplicate name",
    T(1, "name", "gpu-16k"),
    /^genesis: params\.tiers\[1\]\.name duplicates another tier's name "gpu-16k"$/,
  ],
  ["bad name", T(0, "name", "GPU 16k"), /^genesis: params\.tiers\[0\]\.name must match .*, got "GPU 16k"$/],
  ["empty name", T(0, "name", ""), /^genesis: params\.tiers\[0\]\.name must match/],
  [
    "negative id",
    T(0, "id", -1),
    /^genesis: params\.tiers\[0\]\.id must be an integer in \[0, 4294967295\], got -1$/,
  ],
  [
    "id above u32",
    T(0, "id", 2 ** 32),
    /^genesis: params\.tiers\[0\]\.id must be an integer in \[0, 4294967295\]/,
  ],
  [
    "commit window 0",
    T(0, "commitWindowMs", "0"),
    /^genesis: params\.tiers\[0\]\.commitWindowMs must be in \[1, 31622400000\] ms, got 0$/,
  ],
  [
    "reveal window over a year",
    T(1, "revealWindowMs", "31622400001"),
    /^genesis: params\.tiers\[1\]\.revealWindowMs must be in \[1, 31622400000\] ms/,
  ],
  // --- durations and timing ---
  ["epoch 0", P("epochMs", "0"), /^genesis: params\.epochMs must be in \[1, 31622400000\] ms, got 0$/],
  [
    "block gap 0",
    P("maxBlockGapMs", "0"),
    /^genesis: params\.maxBlockGapMs must be in \[1, 31622400000\] ms, got 0$/,
  ],
  ["batch delay 0", P("maxBatchDelayMs", "0"), /^genesis: params\.maxBatchDelayMs must be in \[1, /],
  [
    "sequencer drift 0",
    P("maxSequencerDriftMs", "0"),
    /^genesis: params\.maxSequencerDriftMs must be in \[1, /,
  ],
  [
    "round timeout not above the beacon period",
    P("roundTimeoutMs", "3000"),
    /^genesis: params\.roundTimeoutMs must exceed the beacon period \(3000 ms\), got 3000$/,
  ],
  // --- liveness and credits ---
  [
    "min live work 0",
    P("minLiveWork", "0"),
    /^genesis: params\.minLiveWork must be in \[1, 2\^256\), got 0$/,
  ],
  ["min live work 2^256", P("minLiveWork", U256), /^genesis: params\.minLiveWork must be in \[1, 2\^256\)/],
  [
    "cap below 1.0x",
    P("capBps", "9999"),
    /^genesis: params\.capBps must be in \[10000, 1000000\] \(at least 1\.0x\), got 9999$/,
  ],
  [
    "step above 100x",
    P("stepBps", "1000001"),
    /^genesis: params\.stepBps must be in \[0, 1000000\], got 1000001$/,
  ],
  [
    "flops per credit 0",
    P("flopsPerCredit", "0"),
    /^genesis: params\.flopsPerCredit must be in \[1, 2\^256\), got 0$/,
  ],
  // --- block and tx limits ---
  [
    "max tx bytes 0",
    P("maxTxBytes", 0),
    /^genesis: params\.maxTxBytes must be an integer in \[1, 67108864\], got 0$/,
  ],
  [
    "max block bytes 0",
    P("maxBlockBytes", 0),
    /^genesis: params\.maxBlockBytes must be an integer in \[1, 67108864\], got 0$/,
  ],
  [
    "tx above block",
    (d) => {
      P("maxBlockBytes", 100_000)(d);
      P("maxTxBytes", 100_001)(d);
    },
    /^genesis: params\.maxTxBytes must be at most params\.maxBlockBytes \(100000\), got 100001$/,
  ],
  [
    "reveals per block 0",
    P("maxRevealsPerBlock", 0),
    /^genesis: params\.maxRevealsPerBlock must be an integer in \[1, 65536\], got 0$/,
  ],
  [
    "open challenges 0",
    P("maxOpenChallenges", 0),
    /^genesis: params\.maxOpenChallenges must be an integer in \[1, 65536\], got 0$/,
  ],
  // --- timestamp and alloc ---
  ["timestamp negative", at(["timestamp"], "-1"), /^genesis: timestamp must be a non-negative decimal/],
  [
    "timestamp past 2^53",
    at(["timestamp"], (1n << 53n).toString()),
    /^genesis: timestamp must be in \[0, 9007199254740991\] ms/,
  ],
  ["alloc not an array", at(["alloc"], {}), /^genesis: alloc must be an array, got an object$/],
  [
    "address too short",
    at(["alloc", 0, "address"], "0x0101"),
    /^genesis: alloc\[0\]\.address must be 0x-hex of 20 bytes, got "0x0101"$/,
  ],
  [
    "duplicate address (any case)",
    at(["alloc", 1, "address"], ADDRESS_1.toUpperCase().replace("0X", "0x")),
    /^genesis: alloc\[1\]\.address duplicates an earlier entry \(0x0101010101010101010101010101010101010101\)$/,
  ],
  [
    "credits 2^256",
    at(["alloc", 0, "credits"], U256),
    /^genesis: alloc\[0\]\.credits must be in \[0, 2\^256\)/,
  ],
  [
    "credits summing to 2^256",
    (d) => {
      at(["alloc", 0, "credits"], (1n << 255n).toString())(d);
      at(["alloc", 1, "credits"], (1n << 255n).toString())(d);
    },
    /^genesis: alloc credits sum to 2\^256 or more$/,
  ],
  ["unknown alloc key", at(["alloc", 0, "nonce"], "0"), /^genesis: alloc\[0\]\.nonce is not a field/],
];

describe("genesis validation (genesisFromJson)", () => {
  it("default: the valid base document loads", () => {
    expect(() => genesisFromJson(JSON.stringify(baseJson()))).not.toThrow();
  });

  it.each(CASES)("refuses %s, naming the field", (_rule, mutation, expected) => {
    let text: string;
    if (typeof mutation === "string") text = mutation;
    else {
      const d = baseJson();
      mutation(d);
      text = JSON.stringify(d);
    }
    let error: unknown;
    try {
      genesisFromJson(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GenesisError);
    expect((error as Error).message).toMatch(expected);
  });

  it("error: carries the field path and stays short whatever the bad value's size", () => {
    const d = baseJson();
    B("scheme", "x".repeat(1_000_000))(d);
    try {
      genesisFromJson(JSON.stringify(d));
      expect.unreachable();
    } catch (e) {
      expect((e as GenesisError).code).toBe("GENESIS_INVALID");
      expect((e as GenesisError).meta.path).toBe("params.beacon.scheme");
      expect((e as Error).message.length).toBeLessThan(300);
    }
  });

  it("behavior: a document built in code meets the same rules (validateGenesis)", () => {
    const ok: GenesisDoc = { params: productionParams(QUICKNET, 7n), timestamp: 0n, alloc: [] };
    expect(() => validateGenesis(ok)).not.toThrow();
    const bad = { ...ok, params: { ...ok.params, epochMs: 0n } };
    expect(() => validateGenesis(bad)).toThrow(/^genesis: params\.epochMs must be in \[1, /);
    const dup = { ...ok, params: { ...ok.params, tiers: [TIER_TINY, { ...TIER_SMALL, id: TIER_TINY.id }] } };
    expect(() => validateGenesis(dup)).toThrow(
      "genesis: params.tiers[1].id duplicates another tier's id 100",
    );
  });
});
