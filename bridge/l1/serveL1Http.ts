/**
 * `serveL1Http(l1, opts)`: the embedded L1 over HTTP JSON-RPC (POST /, single calls and batches),
 * so viem's http transport, `cast`, a wallet or another node can use it (`flops devnet --l1.port`).
 *
 * Bounds: the body (bodyLimit, 413 beyond it), the calls in a batch (maxBatch), and everything the
 * provider bounds per call. Bad JSON is a -32700 answer, a call that is not a JSON-RPC request
 * object -32600; each call of a batch gets its own answer. Dev only: no auth, no rate limit; it
 * binds to 127.0.0.1 unless told otherwise (docs/SECURITY.md).
 * @module
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { EmbeddedL1 } from "./embeddedL1.ts";
import { L1_RPC_CODE, L1RpcError } from "./l1RpcError.ts";

export interface L1HttpOpts {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0: any free port. */
  port: number;
  /** Largest request body, bytes. Default 1 MiB (a 128 KiB tx is 256 KiB of hex). */
  bodyLimit?: number;
  /** Most calls in one batch. Default 100. */
  maxBatch?: number;
}

export interface L1HttpServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

type Id = string | number | null;

function isId(value: unknown): value is Id {
  return (
    value === null ||
    (typeof value === "string" && value.length <= 128) ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function errorBody(id: Id, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: "2.0", id, error: new L1RpcError(code, message).toJson() };
}

async function answer(l1: EmbeddedL1, call: unknown): Promise<Record<string, unknown>> {
  if (typeof call !== "object" || call === null || Array.isArray(call)) {
    return errorBody(null, L1_RPC_CODE.INVALID_REQUEST, "invalid request");
  }
  const { id, method, params } = call as Record<string, unknown>;
  const safeId = isId(id) ? id : null;
  if (!isId(id) || typeof method !== "string") {
    return errorBody(safeId, L1_RPC_CODE.INVALID_REQUEST, "invalid request");
  }
  try {
    const result = await l1.request({ method, params });
    return { jsonrpc: "2.0", id: safeId, result: result ?? null };
  } catch (e) {
    const error = e instanceof L1RpcError ? e : new L1RpcError(L1_RPC_CODE.INTERNAL_ERROR, "internal error");
    return { jsonrpc: "2.0", id: safeId, error: error.toJson() };
  }
}

export async function serveL1Http(l1: EmbeddedL1, opts: L1HttpOpts): Promise<L1HttpServer> {
  const maxBatch = opts.maxBatch ?? 100;
  const app: FastifyInstance = Fastify({ bodyLimit: opts.bodyLimit ?? 1024 * 1024 });
  // Parse JSON ourselves so a malformed body is a JSON-RPC parse error, not fastify's 400 page.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, { parsed: JSON.parse(body as string) });
    } catch {
      done(null, { parseError: true });
    }
  });
  app.post("/", async (req, reply) => {
    const body = req.body as { parsed?: unknown; parseError?: true } | undefined;
    if (body === undefined || body.parseError)
      return reply.send(errorBody(null, L1_RPC_CODE.PARSE_ERROR, "parse error"));
    const parsed = body.parsed;
    if (!Array.isArray(parsed)) return reply.send(await answer(l1, parsed));
    if (parsed.length === 0) return reply.send(errorBody(null, L1_RPC_CODE.INVALID_REQUEST, "empty batch"));
    if (parsed.length > maxBatch) {
      return reply.send(
        errorBody(null, L1_RPC_CODE.LIMIT_EXCEEDED, `batch of ${parsed.length} calls, limit ${maxBatch}`),
      );
    }
    const out: Record<string, unknown>[] = [];
    for (const call of parsed) out.push(await answer(l1, call));
    return reply.send(out);
  });
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () => app.close(),
  };
}
