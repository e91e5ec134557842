import { Readable } from "node:stream";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import { QUICKNET } from "../chain/params.ts";
import { QUICKNET_VECTORS, quicknetVector } from "../test/helpers/drandQuicknet.ts";
import {
  BEACON_RELAY_ERROR,
  createDrandRelayClient,
  MAX_RELAY_BODY_BYTES,
  parseRelayRound,
  QUICKNET_CHAIN_HASH,
  relayBeaconSource,
} from "./beaconRelay.ts";

/** "hang": never answers; "huge": streams 64 MiB of body (counted in `streamed`). */
type Answer = (round: string) => { status: number; body?: unknown } | "hang" | "huge";

interface Relay {
  url: string;
  /** Request paths it received, in order. */
  hits: string[];
  /** Bytes of "huge" bodies produced so far. */
  streamed: () => number;
  close(): Promise<void>;
}

/** A relay on 127.0.0.1 that answers `/{chainHash}/public/{round|latest}` with `answer`. */
async function startRelay(answer: Answer, chainHash = QUICKNET_CHAIN_HASH): Promise<Relay> {
  // forceCloseConnections: the hanging relay's open requests must not keep close() waiting.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const hits: string[] = [];
  let streamed = 0;
  const route = chainHash === "" ? "/public/:round" : "/:hash/public/:round";
  app.get<{ Params: { hash?: string; round: string } }>(route, async (req, reply) => {
    hits.push(req.url);
    if (chainHash !== "" && req.params.hash !== chainHash)
      return reply.code(404).send({ error: "unknown chain" });
    const a = answer(req.params.round);
    if (a === "hang") return new Promise(() => {});
    if (a === "huge") {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const body = Readable.from(
        (function* () {
          for (let i = 0; i < 1024; i++) {
            streamed += chunk.length;
            yield chunk;
          }
        })(),
      );
      return reply.code(200).header("content-type", "application/json").send(body);
    }
    return reply.code(a.status).send(a.body ?? {});
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, hits, streamed: () => streamed, close: () => app.close() };
}

const LATEST = QUICKNET_VECTORS[QUICKNET_VECTORS.length - 1]!;

/** An honest relay serving the real vectors. */
const honest: Answer = (round) => {
  const v = round === "latest" ? LATEST : QUICKNET_VECTORS.find((x) => x.round.toString() === round);
  return v === undefined ? { status: 404, body: { error: "not found" } } : { status: 200, body: v.json };
};

describe("createDrandRelayClient against local fastify relays", () => {
  let good: Relay;
  let broken: Relay;
  let tampering: Relay;
  let substituting: Relay;
  let lyingRandomness: Relay;
  let hanging: Relay;
  let empty: Relay;

  beforeAll(async () => {
    good = await startRelay(honest);
    broken = await startRelay(() => ({ status: 500, body: { error: "boom" } }));
    tampering = await startRelay((round) => {
      const a = honest(round);
      if (typeof a === "string" || a.status !== 200) return a;
      const json = a.body as { signature: string };
      // Same length and well-formed hex, different last byte.
      const sig = `${json.signature.slice(0, 94)}${json.signature.endsWith("00") ? "01" : "00"}`;
      return { status: 200, body: { ...json, signature: sig } };
    });
    // Answers an older valid round whatever is asked.
    substituting = await startRelay(() => ({ status: 200, body: quicknetVector(2).json }));
    lyingRandomness = await startRelay((round) => {
      const a = honest(round);
      if (typeof a === "string" || a.status !== 200) return a;
      return { status: 200, body: { ...(a.body as object), randomness: "00".repeat(32) } };
    });
    hanging = await startRelay(() => "hang");
    empty = await startRelay(() => ({ status: 404, body: { error: "not found" } }));
  });

  afterAll(async () => {
    await Promise.all(
      [good, broken, tampering, substituting, lyingRandomness, hanging, empty].map((s) => s?.close()),
    );
  });

  it("fetches and verifies real rounds", async () => {
    const client = createDrandRelayClient({ urls: [good.url], config: QUICKNET });
    for (const v of QUICKNET_VECTORS) {
      const r = await client.getRound(v.round);
      expect(r.round).toBe(v.round);
      expect(bytesToHex(r.signature)).toBe(bytesToHex(v.signature));
      expect(bytesToHex(r.randomness)).toBe(bytesToHex(v.randomness));
    }
    expect(good.hits).toContain(`/${QUICKNET_CHAIN_HASH}/public/3`);
  });

  it("fetches the latest round", async () => {
    const client = createDrandRelayClient({ urls: [`${good.url}/`], config: QUICKNET });
    const r = await client.getLatest();
    expect(r.round).toBe(LATEST.round);
    expect(bytesToHex(r.randomness)).toBe(bytesToHex(LATEST.randomness));
  });

  it("falls over from a failing, tampering, substituting or lying relay to the next", async () => {
    for (const bad of [broken, tampering, substituting, lyingRandomness]) {
      const client = createDrandRelayClient({ urls: [bad.url, good.url], config: QUICKNET });
      const r = await client.getRound(3n);
      expect(bytesToHex(r.randomness)).toBe(bytesToHex(quicknetVector(3).randomness));
    }
  });

  it("times out a relay that never answers and uses the next", async () => {
    const client = createDrandRelayClient({
      urls: [hanging.url, good.url],
      config: QUICKNET,
      timeoutMs: 300,
    });
    const started = performance.now();
    const r = await client.getRound(2n);
    expect(r.round).toBe(2n);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("hedges: a relay that hangs costs about hedgeDelayMs, not the request timeout", async () => {
    // Relays tried strictly in turn would wait the whole 5 s timeout on the hanging one.
    const client = createDrandRelayClient({
      urls: [hanging.url, good.url],
      config: QUICKNET,
      timeoutMs: 5_000,
      hedgeDelayMs: 200,
    });
    const started = performance.now();
    const r = await client.getRound(3n);
    const took = performance.now() - started;
    expect(r.round).toBe(3n);
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1_500);
  });

  it("does not hedge when the first relay answers within the hedge delay", async () => {
    const client = createDrandRelayClient({
      urls: [good.url, hanging.url],
      config: QUICKNET,
      hedgeDelayMs: 2_000,
    });
    const before = hanging.hits.length;
    for (const v of QUICKNET_VECTORS) expect((await client.getRound(v.round)).round).toBe(v.round);
    expect(hanging.hits.length).toBe(before);
  });

  it("asks the next relay at once when one fails fast, before the hedge delay", async () => {
    const client = createDrandRelayClient({
      urls: [broken.url, good.url],
      config: QUICKNET,
      hedgeDelayMs: 10_000,
    });
    const started = performance.now();
    expect((await client.getRound(1n)).round).toBe(1n);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("aborts every request when the caller's signal aborts", async () => {
    const client = createDrandRelayClient({
      urls: [hanging.url, hanging.url],
      config: QUICKNET,
      timeoutMs: 10_000,
      hedgeDelayMs: 50,
    });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error("stop now")), 200);
    await expect(client.getRound(3n, controller.signal)).rejects.toThrow("stop now");
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(client.getRound(3n, controller.signal)).rejects.toThrow("stop now");
  });

  it(`stops reading a body past ${MAX_RELAY_BODY_BYTES} bytes`, async () => {
    const huge = await startRelay(() => "huge");
    try {
      const client = createDrandRelayClient({ urls: [huge.url], config: QUICKNET });
      const error = await client.getRound(3n).then(
        () => undefined,
        (e: unknown) => e as RollupError<{ failures: { reason: string }[] }>,
      );
      expect(error?.code).toBe(BEACON_RELAY_ERROR.FAILED);
      expect(error?.meta.failures[0]?.reason).toMatch(/too large \(over 16384 bytes\)/);
      // The relay offered 64 MiB; the client cancelled long before (socket buffers aside).
      await new Promise((r) => setTimeout(r, 100));
      expect(huge.streamed()).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await huge.close();
    }
  });

  it("sticks to the relay that answered last", async () => {
    const client = createDrandRelayClient({ urls: [broken.url, good.url], config: QUICKNET });
    await client.getRound(1n);
    const brokenHits = broken.hits.length;
    await client.getRound(2n);
    await client.getRound(3n);
    expect(broken.hits.length).toBe(brokenHits);
  });

  it("throws BEACON_RELAY_FAILED naming every relay when none returns a verifiable round", async () => {
    const client = createDrandRelayClient({
      urls: [broken.url, tampering.url, hanging.url],
      config: QUICKNET,
      timeoutMs: 300,
    });
    const error = await client.getRound(3n).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RollupError);
    const e = error as RollupError<{ failures: { url: string; reason: string }[] }>;
    expect(e.code).toBe(BEACON_RELAY_ERROR.FAILED);
    expect(e.meta.failures).toHaveLength(3);
    expect(e.meta.failures[0]!.reason).toBe("HTTP 500");
    expect(e.meta.failures[1]!.reason).toMatch(/does not verify|signature/);
    expect(e.meta.failures[2]!.reason).toMatch(/abort|timeout/i);
  });

  it("says BEACON_ROUND_UNAVAILABLE when every relay answers 404", async () => {
    const client = createDrandRelayClient({ urls: [empty.url, good.url], config: QUICKNET });
    await expect(client.getRound(999_999_999n)).rejects.toMatchObject({
      code: BEACON_RELAY_ERROR.UNAVAILABLE,
    });
  });

  it("rejects rounds from another beacon key", async () => {
    const local = createLocalBeacon(deriveBeaconSecretKey(), { genesisTime: 0n, periodSeconds: 3n });
    // No chain hash by default for a non-quicknet key: point it at the quicknet path explicitly.
    const client = createDrandRelayClient({
      urls: [good.url],
      config: local.config,
      chainHash: QUICKNET_CHAIN_HASH,
    });
    await expect(client.getRound(3n)).rejects.toMatchObject({ code: BEACON_RELAY_ERROR.FAILED });
  });

  it("serves a local beacon at a relay root (chainHash '')", async () => {
    const local = createLocalBeacon(deriveBeaconSecretKey(), { genesisTime: 0n, periodSeconds: 3n });
    const localRelay = await startRelay((round) => {
      const r = round === "latest" ? 10n : BigInt(round);
      const signature = local.sign(r);
      return { status: 200, body: { round: Number(r), signature: bytesToHex(signature).slice(2) } };
    }, "");
    try {
      const client = createDrandRelayClient({ urls: [localRelay.url], config: local.config });
      expect((await client.getRound(7n)).round).toBe(7n);
      expect((await client.getLatest()).round).toBe(10n);
      expect(localRelay.hits).toEqual(["/public/7", "/public/latest"]);
    } finally {
      await localRelay.close();
    }
  });

  it("uses an injected fetch", async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(JSON.stringify(quicknetVector(1).json), { status: 200 });
    };
    const client = createDrandRelayClient({
      urls: ["http://relay.invalid"],
      config: QUICKNET,
      fetch: fakeFetch,
    });
    expect((await client.getRound(1n)).round).toBe(1n);
    expect(seen).toEqual([`http://relay.invalid/${QUICKNET_CHAIN_HASH}/public/1`]);
  });
});

describe("relayBeaconSource", () => {
  it("gives signatures, undefined for a round not published yet, and throws on failure", async () => {
    const good = await startRelay(honest);
    const empty = await startRelay(() => ({ status: 404, body: { error: "not found" } }));
    const broken = await startRelay(() => ({ status: 500, body: {} }));
    try {
      const config = QUICKNET;
      const ok = relayBeaconSource(createDrandRelayClient({ urls: [good.url], config }));
      expect(bytesToHex((await ok.getRound(3n))!)).toBe(bytesToHex(quicknetVector(3).signature));
      const notYet = relayBeaconSource(createDrandRelayClient({ urls: [empty.url], config }));
      expect(await notYet.getRound(3n)).toBeUndefined();
      const failing = relayBeaconSource(createDrandRelayClient({ urls: [broken.url], config }));
      await expect(failing.getRound(3n)).rejects.toMatchObject({ code: BEACON_RELAY_ERROR.FAILED });
    } finally {
      await Promise.all([good.close(), empty.close(), broken.close()]);
    }
  });
});

describe("parseRelayRound", () => {
  const v = quicknetVector(3);
  it("accepts a drand answer and rejects malformed ones", () => {
    expect(parseRelayRound(QUICKNET, JSON.stringify(v.json), 3n).round).toBe(3n);
    expect(
      parseRelayRound(QUICKNET, JSON.stringify({ round: 3, signature: v.json.signature }), undefined).round,
    ).toBe(3n);
    expect(() => parseRelayRound(QUICKNET, "not json", 3n)).toThrow(/not JSON/);
    expect(() => parseRelayRound(QUICKNET, "[]", 3n)).toThrow(/round/);
    expect(() => parseRelayRound(QUICKNET, JSON.stringify({ ...v.json, round: "3" }), 3n)).toThrow(/round/);
    expect(() => parseRelayRound(QUICKNET, JSON.stringify({ ...v.json, signature: "zz" }), 3n)).toThrow(
      /hex/,
    );
    expect(() => parseRelayRound(QUICKNET, JSON.stringify({ ...v.json, signature: "abcd" }), 3n)).toThrow(
      /2 bytes/,
    );
    expect(() => parseRelayRound(QUICKNET, JSON.stringify(v.json), 4n)).toThrow(/asked for 4/);
  });
});
