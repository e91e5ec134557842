/**
 * Limits of the HTTP server itself, below any route: how long a client may take to send a request,
 * how long an idle connection is kept, and how many connections one peer address and everyone
 * together may hold. Without them a client that sends its body one byte a second, or opens
 * thousands of sockets, holds the node's memory and file descriptors for free (issue 7 item 6).
 *
 * - `headersTimeoutMs`, `requestTimeoutMs`: Node's own timers (http.Server `headersTimeout`,
 *   `requestTimeout`): a request whose headers, or whole request (headers and body), have not
 *   arrived in time gets 408 and its connection is closed. Node checks them every
 *   `connectionsCheckingInterval`, 30 s by default: set here to a fraction of the timeouts.
 * - `idleTimeoutMs`: a socket with no traffic either way for this long is destroyed (fastify's
 *   `connectionTimeout`); this also ends a client that stopped reading a large response.
 *   WebSocket connections are exempt (Node clears it on upgrade): the RPC plugin pings those.
 * - `keepAliveTimeoutMs`: an idle keep-alive connection between requests is closed.
 * - `maxConnections` (Node's `server.maxConnections`) and `maxConnectionsPerIp`: sockets over
 *   either are closed as soon as they are accepted. The per-IP count keys on the TCP peer: behind
 *   a reverse proxy every client is the proxy, so raise it there (the RPC rate limits and
 *   WebSocket caps use `trustProxy` and still tell clients apart).
 * @module
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** All request headers must arrive within this, ms. Default 10 s (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this, ms. Default 30 s. */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed, ms. Default 60 s. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** Open connections in all (HTTP and WebSocket). Default 4096. */
  maxConnections: number;
  /** Open connections from one peer address. Default 64. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4096,
  maxConnectionsPerIp: 64,
};

/** Validated limits; a headers timeout left out is capped at the request timeout. */
export function resolveConnectionLimits(partial: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const requestTimeoutMs = partial.requestTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.requestTimeoutMs;
  const limits: ConnectionLimits = {
    ...DEFAULT_CONNECTION_LIMITS,
    headersTimeoutMs: Math.min(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs, requestTimeoutMs),
    ...partial,
  };
  for (const key of Object.keys(DEFAULT_CONNECTION_LIMITS) as (keyof ConnectionLimits)[]) {
    if (!Number.isInteger(limits[key]) || limits[key] < 1)
      throw new RangeError(`connection limits: ${key} must be an integer ≥ 1`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `connection limits: headersTimeoutMs (${limits.headersTimeoutMs}) must be ≤ requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  if (limits.maxConnectionsPerIp > limits.maxConnections) {
    throw new RangeError(
      `connection limits: maxConnectionsPerIp (${limits.maxConnectionsPerIp}) must be ≤ maxConnections (${limits.maxConnections})`,
    );
  }
  return limits;
}

/** The fastify constructor options that carry the timeouts. */
export function fastifyTimeoutOptions(limits: ConnectionLimits) {
  // Node looks for expired requests on this period: a quarter of the shortest timeout, ≤ 1 s, so
  // a timeout fires at most 25% late (the default 30 s period would let a 10 s timeout run 40 s).
  const checkMs = Math.max(25, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkMs,
    },
  };
}

/**
 * Caps the open connections of `server`, in all and per peer address; sockets over a cap are
 * destroyed at accept, before a byte is parsed. Returns the live count per address (tests).
 */
export function capConnections(server: Server, limits: ConnectionLimits): ReadonlyMap<string, number> {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const ip = socket.remoteAddress;
    if (ip === undefined) {
      // Already gone (reset before we saw it).
      socket.destroy();
      return;
    }
    const n = open.get(ip) ?? 0;
    if (n >= limits.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    open.set(ip, n + 1);
    socket.once("close", () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
  return open;
}
