/**
 * `explorerPagesPlugin`: the explorer's HTML pages, server-rendered from `ExplorerReads`, plus the
 * two static files they use. Plain GET routes (the JSON-RPC server owns `POST /` and `GET /ws`;
 * `GET /` is the home page). Every page works without JavaScript; `live.js` only refreshes.
 *
 * - Errors are pages with the right status: 400 for input that does not parse (a bad id, limit or
 *   cursor, the reader's BadCursorError), 404 for an unknown block/tx/node/challenge, 429 when the
 *   client is out of tokens, 500 (logged, never shown) when a read throws.
 * - Rate limits: one token per page view and one more per `bytesPerToken` of page written, from
 *   the limiter the node passes (shared with its other HTTP routes), else one of its own.
 * - Headers: a strict Content-Security-Policy (no inline script, no third-party anything: the pages
 *   escape every value, this is the second wall), nosniff, no framing, no referrer.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RateLimiter, type RateLimitOpts } from "../../jsonRpc/rateLimit.ts";
import { BadCursorError, type ExplorerReads } from "../ports.ts";
import { addressPage } from "./addressPage.ts";
import { batchesPage, batchPage } from "./batchesPage.ts";
import { blockPage, blocksPage } from "./blockPages.ts";
import { bridgePage } from "./bridgePage.ts";
import { challengePage } from "./challengePage.ts";
import { renderErrorPage } from "./errorPage.ts";
import { homePage } from "./homePage.ts";
import { CSS_PATH, LIVE_JS_PATH, renderPage } from "./layout.ts";
import { nodePage, nodesPage } from "./nodePages.ts";
import { operatorsPage } from "./operatorsPage.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError } from "./params.ts";
import { MAX_QUERY_CHARS, searchPage } from "./searchPage.ts";
import { txPage, txsPage } from "./txPages.ts";

/** What the pages need of a rate limiter (api/jsonRpc/rateLimit.ts `RateLimiter` is one). */
export interface PageRateLimiter {
  /** 0 when taken; else whole seconds to wait (nothing taken). */
  take(key: string, cost: number): number;
  /** Charges a response's size after the fact. */
  chargeBytes(key: string, bytes: number): void;
}

export interface ExplorerPagesOpts {
  reads: ExplorerReads;
  /**
   * The node's limiter, shared with its other routes; or options for one of the pages' own;
   * `false`: none (tests). Default: its own, DEFAULT_PAGE_RATE_LIMIT.
   */
  rateLimit?: PageRateLimiter | RateLimitOpts | false;
}

/** A page costs a few reader calls: a tenth of the RPC's per-call rate is still 20 pages a second. */
export const DEFAULT_PAGE_RATE_LIMIT: RateLimitOpts = { perSecond: 20, burst: 60 };

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

const STATIC_DIR = join(import.meta.dirname, "..", "static");

interface StaticFile {
  body: string;
  type: string;
  etag: string;
}

function loadStatic(name: string, type: string): StaticFile {
  const body = readFileSync(join(STATIC_DIR, name), "utf8");
  // The content's length and a cheap hash are enough to tell versions of a file we ship apart.
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (Math.imul(h, 31) + body.charCodeAt(i)) | 0;
  return { body, type, etag: `"${body.length.toString(16)}-${(h >>> 0).toString(16)}"` };
}

function isRateLimiter(x: unknown): x is PageRateLimiter {
  return typeof (x as PageRateLimiter).take === "function";
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

export async function explorerPagesPlugin(app: FastifyInstance, opts: ExplorerPagesOpts): Promise<void> {
  const { reads } = opts;
  const cfg = opts.rateLimit ?? DEFAULT_PAGE_RATE_LIMIT;
  const limiter: PageRateLimiter | undefined =
    cfg === false ? undefined : isRateLimiter(cfg) ? cfg : new RateLimiter(cfg);
  const log = app.log.child({ module: "explorer-pages" });

  function send(reply: FastifyReply, status: number, page: string, ip: string): void {
    limiter?.chargeBytes(ip, page.length);
    reply
      .code(status)
      .headers(SECURITY_HEADERS)
      .header("cache-control", "no-cache")
      .type("text/html; charset=utf-8")
      .send(page);
  }

  function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
    const query = (request.query as Query).q;
    const q = typeof query === "string" ? query.slice(0, MAX_QUERY_CHARS) : undefined;
    let e: PageError;
    if (err instanceof PageError) e = err;
    else if (err instanceof BadCursorError)
      e = new PageError(
        400,
        "Invalid cursor",
        "That page cursor is not one this explorer made: start from the first page.",
      );
    else {
      log.error({ err, reqId: request.id, url: request.url.slice(0, 200) }, "explorer page failed");
      e = new PageError(500, "Internal error", "The node could not build this page; it has been logged.");
    }
    send(reply, e.status, renderErrorPage(e.status, e.title, e.message, q), request.ip);
  }

  /** Registers a page route: limits, then the page function, then the shell or a redirect. */
  function page(path: string, build: (params: Params, query: Query) => Promise<PageResult>): void {
    app.get(path, async (request, reply) => {
      if (limiter !== undefined) {
        const wait = limiter.take(request.ip, 1);
        if (wait > 0) {
          reply.header("retry-after", String(wait));
          return sendError(
            request,
            reply,
            new PageError(429, "Too many requests", `Slow down: try again in ${wait} s.`),
          );
        }
      }
      try {
        const result = await build(request.params as Params, request.query as Query);
        if ("redirect" in result)
          return reply.code(303).headers(SECURITY_HEADERS).redirect(result.redirect, 303);
        send(reply, 200, renderPage(result), request.ip);
      } catch (err) {
        sendError(request, reply, err);
      }
    });
  }

  page("/", () => homePage(reads));
  page("/blocks", (_, q) => blocksPage(reads, q));
  page("/blocks/:id", (p, q) => blockPage(reads, p.id!, q));
  page("/txs", (_, q) => txsPage(reads, q));
  page("/tx/:hash", (p) => txPage(reads, p.hash!));
  page("/address/:address", (p, q) => addressPage(reads, p.address!, q));
  page("/nodes", (_, q) => nodesPage(reads, q));
  page("/nodes/:address", (p, q) => nodePage(reads, p.address!, q));
  page("/challenges/:id", (p) => challengePage(reads, p.id!));
  page("/batches", (_, q) => batchesPage(reads, q));
  page("/batches/:index", (p) => batchPage(reads, p.index!));
  page("/bridge", (_, q) => bridgePage(reads, q));
  page("/operators", (_, q) => operatorsPage(reads, q));
  page("/search", (_, q) => searchPage(reads, q));

  // Browsers ask for it on every site; a 404 would be a console error on every page.
  app.get("/favicon.ico", (_request, reply) =>
    reply.code(204).header("cache-control", "public, max-age=86400").send(),
  );

  for (const [path, file] of [
    [CSS_PATH, loadStatic("explorer.css", "text/css; charset=utf-8")],
    [LIVE_JS_PATH, loadStatic("live.js", "text/javascript; charset=utf-8")],
  ] as const) {
    app.get(path, (request, reply) => {
      reply
        .headers(SECURITY_HEADERS)
        .header("etag", file.etag)
        .header("cache-control", "public, max-age=300");
      if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
      return reply.type(file.type).send(file.body);
    });
  }
}
