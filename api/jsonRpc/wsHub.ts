/**
 * WebSocket sessions and the newHeads fan-out. The hub listens to the backend only while some
 * connection has a subscription, formats each head once, and writes it to every subscriber. A
 * subscriber that stops reading (socket buffer over maxBufferedBytes) is terminated rather than
 * buffered without bound.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { RpcBackend, StoredBlock } from "../ports.ts";
import type { RpcLogger } from "./dispatch.ts";
import { rpcError } from "./errors.ts";
import type { EthBlockCache } from "./ethBlock.ts";
import type { RpcContext, Subscriptions } from "./registry.ts";

/** The slice of a `ws` WebSocket the session uses. */
export interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  terminate(): void;
}
const WS_OPEN = 1;

export interface WsSessionLimits {
  maxSubscriptions: number;
  maxBufferedBytes: number;
}

export class NewHeadsHub {
  private readonly sessions = new Set<WsSession>();
  private stopListening: (() => void) | undefined;
  private readonly backend: RpcBackend;
  private readonly blocks: EthBlockCache;
  private readonly log: RpcLogger;

  constructor(backend: RpcBackend, blocks: EthBlockCache, log: RpcLogger) {
    this.backend = backend;
    this.blocks = blocks;
    this.log = log;
  }

  add(session: WsSession): void {
    this.sessions.add(session);
    this.stopListening ??= this.backend.onNewHead((head) => this.publish(head));
  }

  remove(session: WsSession): void {
    if (!this.sessions.delete(session) || this.sessions.size > 0) return;
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** Subscribed sessions (tests, metrics). */
  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    this.sessions.clear();
    this.stopListening?.();
    this.stopListening = undefined;
  }

  private publish(head: StoredBlock): void {
    // Runs inside the node's head callback: never throw back into it.
    try {
      const header = this.blocks.headerJson(head);
      for (const session of this.sessions) session.notifyHead(header);
    } catch (err) {
      this.log.error({ err }, "newHeads notification failed");
    }
  }
}

/** One WebSocket connection: its context for the dispatcher and its subscriptions. */
export class WsSession implements Subscriptions {
  readonly ctx: RpcContext;
  private readonly subs = new Set<string>();
  private readonly socket: WsSocket;
  private readonly hub: NewHeadsHub;
  private readonly limits: WsSessionLimits;

  constructor(
    socket: WsSocket,
    hub: NewHeadsHub,
    limits: WsSessionLimits,
    base: Omit<RpcContext, "subscriptions">,
  ) {
    this.socket = socket;
    this.hub = hub;
    this.limits = limits;
    this.ctx = { backend: base.backend, blocks: base.blocks, subscriptions: this };
  }

  subscribe(_kind: "newHeads"): string {
    if (this.subs.size >= this.limits.maxSubscriptions) {
      throw rpcError(
        "SUBSCRIPTION_LIMIT",
        `Subscription limit exceeded: at most ${this.limits.maxSubscriptions} per connection`,
      );
    }
    // 128 random bits, as geth: ids must not be guessable across connections.
    const id = `0x${randomBytes(16).toString("hex")}`;
    this.subs.add(id);
    this.hub.add(this);
    return id;
  }

  unsubscribe(id: string): boolean {
    const had = this.subs.delete(id);
    if (this.subs.size === 0) this.hub.remove(this);
    return had;
  }

  notifyHead(headerJson: string): void {
    for (const id of this.subs) {
      this.send(
        `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":${headerJson}}}`,
      );
    }
  }

  send(json: string): void {
    if (this.socket.readyState !== WS_OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.socket.terminate();
      return;
    }
    this.socket.send(json);
  }

  /** The connection closed: drop its subscriptions. */
  close(): void {
    this.subs.clear();
    this.hub.remove(this);
  }
}
