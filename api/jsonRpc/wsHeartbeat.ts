/**
 * WebSocket liveness: every `intervalMs` each connection is pinged, and one that has not answered
 * the previous ping (no pong) is terminated. Node stops the HTTP idle timeout once a connection is
 * upgraded, so without this a peer that vanished (half-open TCP: a laptop closed, a NAT mapping
 * dropped) would hold its WebSocket slot, and its IP's share of the per-IP cap, forever.
 * @module
 */

/** The slice of a `ws` WebSocket the heartbeat uses. */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: "pong", fn: () => void): void;
}

export class WsHeartbeat {
  /** Socket → answered since the last ping. */
  private readonly alive = new Map<PingableSocket, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.beat(), intervalMs);
    // Never keeps the process alive on its own.
    this.timer.unref();
  }

  add(socket: PingableSocket): void {
    this.alive.set(socket, true);
    socket.on("pong", () => {
      if (this.alive.has(socket)) this.alive.set(socket, true);
    });
  }

  remove(socket: PingableSocket): void {
    this.alive.delete(socket);
  }

  close(): void {
    clearInterval(this.timer);
    this.alive.clear();
  }

  private beat(): void {
    for (const [socket, answered] of this.alive) {
      if (!answered) {
        this.alive.delete(socket);
        socket.terminate();
        continue;
      }
      this.alive.set(socket, false);
      try {
        socket.ping();
      } catch {
        // Closing already: its close event removes it.
      }
    }
  }
}
