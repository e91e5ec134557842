/**
 * The explorer's REST API, in the shape of Blockscout's `/api/v2` (so explorer clients feel at
 * home), over the ExplorerReads port (api/explorer/ports.ts):
 *
 * - every route has TypeBox schemas (params, query, response) that validate the request and
 *   become the OpenAPI document: `/api-docs` (Swagger UI) and `/api-docs/json`;
 * - lists take `limit` (1..100, default 50) and the keyset fields of `next_page_params` (null on
 *   the last page), never an offset;
 * - finalized data (blocks and txs at or under the finalized head) is served with an ETag and
 *   `cache-control: immutable` (a matching If-None-Match answers 304); the rest for 2 s;
 * - CORS is open for GET (and the OPTIONS preflight): the data is public;
 * - bad ids, unknown hashes and bad parameters answer 400/404 with `{message}`; an internal error
 *   answers 500 `{message}` and is logged, never shown;
 * - every request takes a token from the node's per-IP bucket (shared with JSON-RPC), and each
 *   response's bytes are charged to it (api/jsonRpc/rateLimit.ts);
 * - CSV exports of an address's txs and of a node's challenges stream page by page, capped at
 *   {@link MAX_CSV_ROWS} rows.
 * @module
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type TSchema, Type } from "typebox";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import type { RateLimiter } from "../jsonRpc/rateLimit.ts";
import * as F from "./format.ts";
import {
  BadCursorError,
  CHART_NAMES,
  type ExplorerReads,
  type Finality,
  MAX_PAGE_LIMIT,
  type Page,
  type PageQuery,
} from "./ports.ts";
import * as S from "./schemas.ts";

/** Rows a CSV export writes at most (then it stops: the file says so in its last line). */
export const MAX_CSV_ROWS = 10_000;
/** Counted txs of an address at most (a bounded scan; node/explorerReads.ts). */
const ADDRESS_TX_COUNT_CAP = 10_000;
const DEFAULT_LIMIT = 50;
const SHORT_CACHE = "public, max-age=2";
const IMMUTABLE = "public, max-age=31536000, immutable";

export interface ExplorerPluginOpts {
  reads: ExplorerReads;
  /** The node's per-IP bucket, shared with JSON-RPC; absent: no limit here. */
  limiter?: RateLimiter;
}

/** A request the client got wrong: 400 with its message. */
class BadRequest extends Error {}
/** Nothing there: 404 with its message. */
class NotFound extends Error {}

/** A Blockscout-style list: how its keyset fields become a port cursor and back. */
interface Keyset {
  fields: Record<string, TSchema>;
  toCursor(q: Record<string, unknown>): string | undefined;
  toParams(next: string): Record<string, string>;
}

function single(name: string, schema: TSchema = S.U64): Keyset {
  return {
    fields: { [name]: schema },
    toCursor: (q) => (q[name] === undefined ? undefined : String(q[name])),
    toParams: (next) => ({ [name]: next }),
  };
}

/** txs: `block_number` and `index` together, as Blockscout's transaction lists. */
const TX_KEYSET: Keyset = {
  fields: { block_number: S.U64, index: S.U32 },
  toCursor(q) {
    if (q.block_number === undefined && q.index === undefined) return undefined;
    if (q.block_number === undefined || q.index === undefined)
      throw new BadRequest("block_number and index go together");
    return `${q.block_number}:${q.index}`;
  },
  toParams(next) {
    const [b, i] = next.split(":") as [string, string];
    return { block_number: b, index: i };
  },
};

function pageQuery(q: Record<string, unknown>, keyset: Keyset): PageQuery {
  const limit = typeof q.limit === "number" ? q.limit : DEFAULT_LIMIT;
  const cursor = keyset.toCursor(q);
  return cursor === undefined ? { limit } : { limit, cursor };
}

function listBody<T>(page: Page<T>, q: Record<string, unknown>, keyset: Keyset, format: (t: T) => unknown) {
  const seen = (typeof q.items_count === "number" ? q.items_count : 0) + page.items.length;
  return {
    items: page.items.map(format),
    next_page_params: page.next === null ? null : { ...keyset.toParams(page.next), items_count: seen },
  };
}

function parseHash(s: string, what: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw new BadRequest(`invalid ${what}: expected 0x and 64 hex digits`);
  return hexToBytes(s);
}

function parseAddress(s: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw new BadRequest("invalid address: expected 0x and 40 hex digits");
  return hexToBytes(s);
}

function parseU64(s: string, what: string): bigint {
  if (!/^[0-9]{1,20}$/.test(s) || BigInt(s) >= 1n << 64n)
    throw new BadRequest(`invalid ${what}: expected an integer`);
  return BigInt(s);
}

/** A block id: a number or a 0x hash. */
function parseBlockId(s: string): bigint | Uint8Array {
  return s.startsWith("0x") ? parseHash(s, "block hash") : parseU64(s, "block number");
}

function errorSchemas(ok: TSchema) {
  return { 200: ok, 400: S.ErrorBody, 404: S.ErrorBody, 429: S.ErrorBody, 500: S.ErrorBody };
}

/** Sends `body` as JSON; finalized data gets an ETag and immutable caching. */
function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  finality: Finality | "live",
): unknown {
  if (finality !== "finalized") {
    reply.header("cache-control", SHORT_CACHE);
    return body;
  }
  const text = JSON.stringify(body);
  const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"`;
  reply.header("cache-control", IMMUTABLE).header("etag", etag);
  if (request.headers["if-none-match"] === etag) return reply.code(304).send();
  return reply.type("application/json; charset=utf-8").send(text);
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Streams a CSV of a list, page by page (MAX_PAGE_LIMIT rows a read), up to MAX_CSV_ROWS. */
function csvStream<T>(
  header: string[],
  read: (q: PageQuery) => Promise<Page<T> | undefined>,
  row: (t: T) => string[],
): Readable {
  return Readable.from(
    (async function* () {
      yield `${header.join(",")}\n`;
      let cursor: string | undefined;
      let rows = 0;
      for (;;) {
        const p = await read(
          cursor === undefined ? { limit: MAX_PAGE_LIMIT } : { limit: MAX_PAGE_LIMIT, cursor },
        );
        if (!p) return;
        let chunk = "";
        for (const t of p.items) {
          if (rows === MAX_CSV_ROWS) {
            yield `${chunk}# truncated at ${MAX_CSV_ROWS} rows\n`;
            return;
          }
          chunk += `${row(t).map(csvCell).join(",")}\n`;
          rows++;
        }
        yield chunk;
        if (p.next === null) return;
        cursor = p.next;
      }
    })(),
  );
}

export async function explorerPlugin(root: FastifyInstance, opts: ExplorerPluginOpts): Promise<void> {
  const { reads, limiter } = opts;
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const log = root.log.child({ module: "explorer" });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Flops explorer API",
        description: "Blockscout /api/v2-shaped REST API of a Flops rollup node",
        version: "0.1.0",
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/api-docs" });

  app.addHook("onRequest", (request, reply, done) => {
    if (!request.url.startsWith("/api/v2/") && !request.url.startsWith("/api-docs")) return done();
    // CORS: public data, readable from any page.
    reply.header("access-control-allow-origin", "*");
    if (limiter !== undefined) {
      const wait = limiter.take(request.ip, 1);
      if (wait > 0) {
        reply
          .code(429)
          .header("retry-after", String(wait))
          .send({ message: `Rate limit exceeded: retry after ${wait} s` });
        return;
      }
    }
    done();
  });
  if (limiter !== undefined) {
    app.addHook("onSend", (request, _reply, payload, done) => {
      if (request.url.startsWith("/api/v2/") && typeof payload === "string")
        limiter.chargeBytes(request.ip, payload.length);
      done(null, payload);
    });
  }

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof BadRequest || err instanceof BadCursorError || err.validation !== undefined) {
      reply.code(400).send({ message: err.message });
    } else if (err instanceof NotFound) {
      reply.code(404).send({ message: err.message });
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      reply.code(err.statusCode).send({ message: err.message });
    } else {
      log.error({ err, reqId: request.id }, "explorer internal error");
      reply.code(500).send({ message: "internal error" });
    }
  });

  app.options("/api/v2/*", { schema: { hide: true } }, (_request, reply) => {
    reply
      .code(204)
      .header("access-control-allow-methods", "GET, OPTIONS")
      .header("access-control-allow-headers", "content-type, if-none-match")
      .header("access-control-max-age", "86400")
      .send();
  });

  const tags = (t: string) => ({ tags: [t] });
  const IdParam = (name: string, schema: TSchema) => Type.Object({ [name]: schema });

  /** A list route: `read` gets the page query (and the params). */
  function list<T>(
    url: string,
    tag: string,
    keyset: Keyset,
    item: TSchema,
    format: (t: T) => unknown,
    read: (q: PageQuery, params: Record<string, string>) => Promise<Page<T> | undefined>,
    params?: TSchema,
  ): void {
    app.get(
      url,
      {
        schema: {
          ...tags(tag),
          ...(params ? { params } : {}),
          querystring: S.listQuery(keyset.fields),
          response: errorSchemas(
            S.listOf(item, Object.fromEntries(Object.keys(keyset.fields).map((k) => [k, Type.String()]))),
          ),
        },
      },
      async (request, reply) => {
        const q = request.query as Record<string, unknown>;
        const page = await read(pageQuery(q, keyset), request.params as Record<string, string>);
        if (!page) throw new NotFound("not found");
        reply.header("cache-control", SHORT_CACHE).type("application/json; charset=utf-8");
        // JSON.stringify, not the schema's serializer: the item formatters build exactly the
        // schema's fields, and fast-json-stringify checks every nullable field of every row
        // against the schema (anyOf: an ajv call each): 151 µs against 85 µs for a page of 50
        // txs (2026-12-06, a loaded 2-core box). The schema still documents the route (OpenAPI).
        return JSON.stringify(listBody(page, q, keyset, format));
      },
    );
  }

  const blockIdSchema = Type.String({ description: "a block number or 0x hash", maxLength: 66 });
  const hashParam = IdParam("hash", Type.String({ maxLength: 66 }));
  const addressParam = IdParam("hash", Type.String({ maxLength: 42 }));

  // --- blocks ---
  list("/api/v2/blocks", "blocks", single("block_number"), S.Block, F.formatBlock, async (q) =>
    reads.blocks(q),
  );
  app.get(
    "/api/v2/blocks/:id",
    {
      schema: {
        ...tags("blocks"),
        params: IdParam("id", blockIdSchema),
        response: errorSchemas(S.BlockDetail),
      },
    },
    async (request, reply) => {
      const b = await reads.block(parseBlockId((request.params as Record<string, string>).id!));
      if (!b) throw new NotFound(`block ${(request.params as Record<string, string>).id!} not found`);
      return sendCached(request, reply, F.formatBlockDetail(b), b.finality);
    },
  );
  list(
    "/api/v2/blocks/:id/transactions",
    "blocks",
    single("index", S.U32),
    S.Tx,
    F.formatTx,
    async (q, p) => reads.blockTxs(parseBlockId(p.id!), q),
    IdParam("id", blockIdSchema),
  );

  // --- transactions ---
  list("/api/v2/transactions", "transactions", TX_KEYSET, S.Tx, F.formatTx, async (q) => reads.txs(q));
  app.get(
    "/api/v2/transactions/:hash",
    { schema: { ...tags("transactions"), params: hashParam, response: errorSchemas(S.TxDetail) } },
    async (request, reply) => {
      const t = await reads.tx(
        parseHash((request.params as Record<string, string>).hash!, "transaction hash"),
      );
      if (!t) throw new NotFound(`transaction ${(request.params as Record<string, string>).hash!} not found`);
      return sendCached(request, reply, F.formatTxDetail(t), t.finality);
    },
  );

  // --- addresses ---
  app.get(
    "/api/v2/addresses/:hash",
    { schema: { ...tags("addresses"), params: addressParam, response: errorSchemas(S.Address) } },
    async (request, reply) => {
      const a = await reads.address(parseAddress((request.params as Record<string, string>).hash!));
      reply.header("cache-control", SHORT_CACHE);
      return F.formatAddress(a, ADDRESS_TX_COUNT_CAP);
    },
  );
  list(
    "/api/v2/addresses/:hash/transactions",
    "addresses",
    TX_KEYSET,
    S.Tx,
    F.formatTx,
    async (q, p) => reads.addressTxs(parseAddress(p.hash!), q),
    addressParam,
  );
  app.get(
    "/api/v2/addresses/:hash/transactions.csv",
    {
      schema: {
        ...tags("addresses"),
        description: `The address's txs, newest first, as CSV (at most ${MAX_CSV_ROWS} rows)`,
        params: addressParam,
        response: { 200: Type.String({ description: "text/csv" }), 400: S.ErrorBody },
      },
    },
    async (request, reply) => {
      const a = parseAddress((request.params as Record<string, string>).hash!);
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${bytesToHex(a)}-transactions.csv"`)
        .header("cache-control", SHORT_CACHE);
      return reply.send(
        // A stream: the response schema (text) documents it, the serializer never sees it.
        csvStream(
          [
            "hash",
            "block_number",
            "position",
            "timestamp",
            "type",
            "from",
            "to",
            "value",
            "challenge_id",
            "status",
            "credits",
          ],
          (q) => Promise.resolve(reads.addressTxs(a, q)),
          (t) => {
            const f = F.formatTx(t);
            return [
              f.hash,
              f.block_number,
              String(f.position),
              f.timestamp,
              f.type,
              f.from?.hash ?? "",
              f.to?.hash ?? "",
              f.value ?? "",
              f.challenge_id ?? "",
              f.result,
              f.credits ?? "",
            ];
          },
        ) as never,
      );
    },
  );

  // --- nodes and challenges ---
  list("/api/v2/nodes", "nodes", single("address_hash", S.AddressHash), S.Node, F.formatNode, async (q) =>
    reads.nodes(q),
  );
  app.get(
    "/api/v2/nodes/:hash",
    { schema: { ...tags("nodes"), params: addressParam, response: errorSchemas(S.NodeDetail) } },
    async (request, reply) => {
      const n = await reads.node(parseAddress((request.params as Record<string, string>).hash!));
      if (!n) throw new NotFound(`node ${(request.params as Record<string, string>).hash!} not found`);
      reply.header("cache-control", SHORT_CACHE);
      return F.formatNodeDetail(n);
    },
  );
  list(
    "/api/v2/nodes/:hash/challenges",
    "nodes",
    single("id"),
    S.Challenge,
    F.formatChallenge,
    async (q, p) => reads.nodeChallenges(parseAddress(p.hash!), q),
    addressParam,
  );
  app.get(
    "/api/v2/nodes/:hash/challenges.csv",
    {
      schema: {
        ...tags("nodes"),
        description: `The node's challenges, newest first, as CSV (at most ${MAX_CSV_ROWS} rows)`,
        params: addressParam,
        response: { 200: Type.String({ description: "text/csv" }), 400: S.ErrorBody, 404: S.ErrorBody },
      },
    },
    async (request, reply) => {
      const a = parseAddress((request.params as Record<string, string>).hash!);
      if ((await reads.nodeChallenges(a, { limit: 1 })) === undefined)
        throw new NotFound(`node ${(request.params as Record<string, string>).hash!} not found`);
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${bytesToHex(a)}-challenges.csv"`)
        .header("cache-control", SHORT_CACHE);
      return reply.send(
        // A stream: the response schema (text) documents it, the serializer never sees it.
        csvStream(
          ["id", "tier", "status", "requested_at", "deadline", "credits"],
          (q) => Promise.resolve(reads.nodeChallenges(a, q)),
          (c) => {
            const f = F.formatChallenge(c);
            return [f.id, String(f.tier), f.status, f.requested_at, f.deadline, f.credits ?? ""];
          },
        ) as never,
      );
    },
  );
  app.get(
    "/api/v2/challenges/:id",
    {
      schema: {
        ...tags("challenges"),
        params: IdParam("id", Type.String({ maxLength: 20 })),
        response: errorSchemas(S.ChallengeDetail),
      },
    },
    async (request, reply) => {
      const c = await reads.challenge(
        parseU64((request.params as Record<string, string>).id!, "challenge id"),
      );
      if (!c) throw new NotFound(`challenge ${(request.params as Record<string, string>).id!} not found`);
      reply.header("cache-control", SHORT_CACHE);
      return F.formatChallengeDetail(c);
    },
  );

  // --- L1 ---
  list("/api/v2/batches", "l1", single("number"), S.Batch, F.formatBatch, async (q) => reads.batches(q));
  app.get(
    "/api/v2/batches/:index",
    {
      schema: {
        ...tags("l1"),
        params: IdParam("index", Type.String({ maxLength: 20 })),
        response: errorSchemas(S.Batch),
      },
    },
    async (request, reply) => {
      const b = await reads.batch(parseU64((request.params as Record<string, string>).index!, "batch index"));
      if (!b) throw new NotFound(`batch ${(request.params as Record<string, string>).index!} not found`);
      reply.header("cache-control", SHORT_CACHE);
      return F.formatBatch(b);
    },
  );
  list("/api/v2/withdrawals", "l1", single("index"), S.Withdrawal, F.formatWithdrawal, async (q) =>
    reads.withdrawals(q),
  );
  list("/api/v2/deposits", "l1", single("deposit_id"), S.Deposit, F.formatDeposit, async (q) =>
    reads.deposits(q),
  );
  list(
    "/api/v2/operators",
    "l1",
    single("address_hash", S.AddressHash),
    S.Operator,
    F.formatOperator,
    async (q) => reads.operators(q),
  );

  // --- stats, charts, search ---
  app.get(
    "/api/v2/stats",
    { schema: { ...tags("stats"), response: errorSchemas(S.Stats) } },
    async (_request, reply) => {
      reply.header("cache-control", SHORT_CACHE);
      return F.formatStats(await reads.stats());
    },
  );
  app.get(
    "/api/v2/stats/charts/:name",
    {
      schema: {
        ...tags("stats"),
        params: Type.Object({ name: Type.Union(CHART_NAMES.map((n) => Type.Literal(n))) }),
        querystring: Type.Object(
          { points: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 30 })) },
          { additionalProperties: false },
        ),
        response: errorSchemas(S.Chart),
      },
    },
    async (request, reply) => {
      reply.header("cache-control", SHORT_CACHE);
      const points = (request.query as { points?: number }).points ?? 30;
      return F.formatChart(
        await reads.chart(
          (request.params as Record<string, string>).name! as (typeof CHART_NAMES)[number],
          points,
        ),
      );
    },
  );
  app.get(
    "/api/v2/search",
    {
      schema: {
        ...tags("search"),
        querystring: Type.Object(
          { q: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: errorSchemas(S.SearchResult),
      },
    },
    async (request, reply) => {
      reply.header("cache-control", SHORT_CACHE);
      const hits = await reads.search((request.query as { q: string }).q);
      const path: Record<string, string> = {
        block: "blocks",
        transaction: "transactions",
        address: "addresses",
        node: "nodes",
        challenge: "challenges",
        batch: "batches",
      };
      return {
        items: hits.map((h) => ({ type: h.type, id: h.id, url: `/api/v2/${path[h.type]}/${h.id}` })),
        next_page_params: null,
      };
    },
  );
  app.get(
    "/api/v2/heads",
    { schema: { ...tags("stats"), response: errorSchemas(S.Heads) } },
    async (_request, reply) => {
      reply.header("cache-control", SHORT_CACHE);
      return F.formatHeads(await reads.heads());
    },
  );
}
