/**
 * `LeanPost`: JSON-RPC `POST /` served straight on node:http, in front of fastify (api/server.ts
 * puts `serve` before fastify's own handler). Fastify's per-request machinery (request and reply
 * objects, the content-type parser, hooks, the router, the reply's serialization: 2–5% of the
 * node's main-thread samples at full ingest, ~0.8 KB of the ~10.6 KB allocated per request) is
 * left out; this path does what the route does (httpPost.ts, shared with it) with one object and
 * two listeners per request.
 *
 * It takes only the common case and leaves everything else to fastify, which then answers exactly
 * as before: a POST to exactly the path (no query string), with a content type among
 * JSON_CONTENT_TYPES (other spellings, parameters, a missing type, 415s: fastify). What it takes, it
 * answers as the fastify route would, byte for byte: the same statuses, bodies and headers
 * (`content-type`, `content-length`; `retry-after` on 429; `connection: close` on 413; none on
 * 204), the same rate-limit charges at the same points, the same request ids in log lines.
 *
 * What sits below both paths stays where it was: the server's timeouts (a slow body gets Node's
 * 408) and connection caps (connectionLimits.ts), keep-alive and pipelining (node:http).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpPost, PostReply } from "./httpPost.ts";
import { JSON_TYPE } from "./httpPost.ts";

/**
 * The Content-Type values taken here, as clients send them (viem, ethers, curl); fastify matches
 * media types case-insensitively and parses parameters, so every other value goes to it.
 */
const JSON_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/json; charset=utf-8",
  "application/json;charset=utf-8",
  "application/json; charset=UTF-8",
  "application/json;charset=UTF-8",
]);

export class LeanPost {
  private readonly path: string;
  private readonly post: HttpPost;
  private readonly nextReqId: () => string;

  /** `nextReqId`: the server's request ids (fastify's `genReqId`), so both paths count alike. */
  constructor(path: string, post: HttpPost, nextReqId: () => string) {
    this.path = path;
    this.post = post;
    this.nextReqId = nextReqId;
  }

  /** Serves `req` and returns true when it is this path's; false: not touched, fastify's. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "POST" || req.url !== this.path) return false;
    const type = req.headers["content-type"];
    if (type === undefined || !JSON_CONTENT_TYPES.has(type)) return false;
    new LeanRequest(this.post, req, res, this.nextReqId()).start();
    return true;
  }
}

/** One request on the lean path: reads its body within the limit, then answers through HttpPost. */
class LeanRequest implements PostReply {
  private readonly post: HttpPost;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly reqId: string;
  private readonly ip: string;
  /** The body so far; undefined once it passed the limit (the rest is read and dropped). */
  private chunks: Buffer[] | undefined = [];
  private received = 0;

  constructor(post: HttpPost, req: IncomingMessage, res: ServerResponse, reqId: string) {
    this.post = post;
    this.req = req;
    this.res = res;
    this.reqId = reqId;
    // fastify's `request.ip` without trustProxy (server.ts sends everything to fastify with it).
    this.ip = req.socket.remoteAddress as string;
  }

  start(): void {
    const post = this.post;
    const wait = post.arrive(this.ip);
    if (wait > 0) {
      // The body is never read (node discards it once the answer is sent).
      this.rateLimited(wait, post.rateLimitedJson(wait));
      return;
    }
    // A declared length over the limit is refused before a byte of the body is read.
    if (Number(this.req.headers["content-length"]) > post.bodyLimit) {
      this.tooLarge();
      return;
    }
    // Closures passed inline, not arrow-function fields: tsx's keepNames would name each one
    // with a defineProperty per request.
    this.req.on("data", (chunk: Buffer) => this.data(chunk));
    // llhttp ends a request only once its whole Content-Length (or its last chunk) has arrived; a
    // body cut short ends in a closed socket instead, and then nothing is answered, as by fastify.
    this.req.on("end", () => this.end());
  }

  private data(chunk: Buffer): void {
    const chunks = this.chunks;
    if (chunks === undefined) return;
    this.received += chunk.length;
    if (this.received > this.post.bodyLimit) {
      // Nothing past the limit is kept: the 413 closes the connection while the rest of the body
      // is read and dropped here.
      this.chunks = undefined;
      this.tooLarge();
      return;
    }
    chunks.push(chunk);
  }

  private end(): void {
    const chunks = this.chunks;
    if (chunks === undefined) return;
    this.chunks = undefined;
    const text =
      chunks.length === 1
        ? chunks[0]!.toString("utf8")
        : Buffer.concat(chunks, this.received).toString("utf8");
    this.post.answer(this.post.parse(this.ip, text), this.ip, this.reqId, this);
  }

  private tooLarge(): void {
    this.post.chargeTooLarge(this.ip);
    this.send(413, this.post.bodyTooLargeJson, ["connection", "close"]);
  }

  json(status: number, json: string): void {
    this.send(status, json);
  }

  rateLimited(wait: number, json: string): void {
    this.send(429, json, ["retry-after", String(wait)]);
  }

  /** A JSON answer; `lead`: headers that come first, in fastify's order for that status. */
  private send(status: number, json: string, lead: readonly string[] = []): void {
    this.res.writeHead(status, [
      ...lead,
      "content-type",
      JSON_TYPE,
      "content-length",
      String(Buffer.byteLength(json)),
    ]);
    this.res.end(json);
  }

  noContent(): void {
    this.res.writeHead(204);
    this.res.end();
  }

  failed(err: unknown): void {
    this.json(500, this.post.internalError(err, this.reqId));
  }
}
