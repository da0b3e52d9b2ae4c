import type { WebSocket } from 'uWebSockets.js';

/**
 * The bounded send buffer per connection (contract: overflow closes with 4008, and no event is ever
 * dropped silently).
 *
 * uWS skips a topic subscriber whose buffer exceeds `maxBackpressure` without telling anyone. So uWS's
 * cap is set to `limit + headroom`, and this guard closes every socket above `limit` (with 4008) by a
 * sweep over the connections: periodically, and also as soon as `headroom / 2` bytes were sent since
 * the last sweep. A socket's buffer can grow by at most the bytes sent in between, so it is closed
 * before it can reach uWS's cap: uWS never has to drop. Cost: O(connections) per sweep, nothing per message.
 */
export class SendBufferGuard<T> {
  readonly uwsMaxBackpressure: number;
  private readonly sweepEveryBytes: number;
  private bytesSinceSweep = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly limit: number,
    private readonly sockets: () => Iterable<WebSocket<T>>,
    private readonly closeSlow: (ws: WebSocket<T>) => void,
  ) {
    const headroom = Math.max(limit, 1024 * 1024);
    this.uwsMaxBackpressure = limit + headroom;
    this.sweepEveryBytes = Math.floor(headroom / 2);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Called with the size of every frame handed to uWS (once per publish, not per recipient). */
  noteSent(bytes: number): void {
    this.bytesSinceSweep += bytes;
    if (this.bytesSinceSweep >= this.sweepEveryBytes) this.sweep();
  }

  sweep(): void {
    this.bytesSinceSweep = 0;
    const slow: WebSocket<T>[] = [];
    for (const ws of this.sockets()) if (ws.getBufferedAmount() > this.limit) slow.push(ws);
    for (const ws of slow) this.closeSlow(ws);
  }
}
