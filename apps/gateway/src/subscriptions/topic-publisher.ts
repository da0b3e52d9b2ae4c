import type { TemplatedApp } from 'uWebSockets.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';

/** Write-delay settings (WRITE_DELAY_MS, WRITE_DELAY_MAX_MESSAGES); delayMs 0 = publish at once. */
export interface WriteDelay {
  delayMs: number;
  /** A queue this long is flushed at once, before the delay is up (bounds memory and the batch). */
  maxMessages: number;
}

interface Queued {
  topic: string;
  frame: Uint8Array | string;
  /** performance.now() when the NATS callback started: the latency histogram still measures NATS-to-socket. */
  startedAt: number;
}

/**
 * Hands one encoded frame to every local subscriber of a uWS topic: the bytes are passed once, uWS
 * copies them into each socket; nothing is parsed or serialised per recipient.
 *
 * With a write delay (Centrifugo's `client.write_delay`), frames are not published at once but
 * queued in one FIFO for the whole replica, in arrival order, and published together when the
 * delay since the first queued frame is up (or the queue reaches `maxMessages`). uWS writes what
 * a socket gets within one loop iteration in one system call, so a socket receiving several
 * events per interval costs one `sendto` instead of several. Ordering rule: everything queued is
 * published (flush) BEFORE anything that could be reordered with it: a socket joining or leaving
 * a topic, a direct send to one socket (acks, snapshots, replayed events), a close, shutdown.
 * ClientSession, closeSpread and the upgrade handler call flush() at those points; a flush with
 * nothing queued is one length check.
 */
export class TopicPublisher {
  private queue: Queued[] = [];
  /** Next queued frame to publish (flush may be re-entered from inside a publish). */
  private head = 0;
  private timer?: NodeJS.Timeout;
  private readonly flushNow = () => {
    this.timer = undefined;
    this.flush();
  };
  /**
   * Topics published to in this event-loop turn. uWS writes published frames at the end of the loop
   * iteration, and a socket that unsubscribes before that loses the frames still pending for it
   * (a direct send first writes them). Cleared by setImmediate, which runs after uWS's write.
   */
  private readonly recent = new Set<string>();
  private readonly clearRecent = () => this.recent.clear();

  constructor(
    private readonly app: TemplatedApp,
    private readonly metrics: GatewayMetrics,
    /** Told how many bytes went out, so the send-buffer sweep can run before any buffer nears uWS's hard cap. */
    private readonly onBytesSent: (bytes: number) => void,
    private readonly writeDelay: WriteDelay = { delayMs: 0, maxMessages: 1 },
  ) {}

  /** Frames waiting for the write delay (0 without one). */
  get queued(): number {
    return this.queue.length - this.head;
  }

  publish(topic: string, frame: Uint8Array | string, startedAt: number): void {
    if (this.writeDelay.delayMs === 0) {
      this.publishNow(topic, frame, startedAt);
      return;
    }
    // Nobody can join the topic before the flush (joining flushes first), so no subscriber now
    // means none at the flush either: drop it here as the undelayed path would.
    if (this.app.numSubscribers(topic) === 0) return;
    // The NATS payload view may share its read buffer with later messages: keep a copy of its bytes.
    this.queue.push({ topic, frame: typeof frame === 'string' ? frame : frame.slice(), startedAt });
    if (this.queue.length >= this.writeDelay.maxMessages) this.flush();
    else this.timer ??= setTimeout(this.flushNow, this.writeDelay.delayMs);
  }

  /**
   * Publishes everything queued, in arrival order, synchronously. Re-entrant: a slow-consumer close
   * triggered by a publish (send-buffer sweep) may call flush again; the inner call carries on from
   * the same position, so nothing is published twice or out of order.
   */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.head < this.queue.length) {
      const { topic, frame, startedAt } = this.queue[this.head++];
      this.publishNow(topic, frame, startedAt);
    }
    if (this.head > 0) {
      this.queue = [];
      this.head = 0;
    }
  }

  /** True when `topic` got a frame in this loop turn that uWS may not have written yet. */
  publishedThisTurn(topic: string): boolean {
    return this.recent.has(topic);
  }

  /** Shutdown: publishes what is queued and stops the timer. */
  close(): void {
    this.flush();
  }

  private publishNow(topic: string, frame: Uint8Array | string, startedAt: number): void {
    const recipients = this.app.numSubscribers(topic);
    if (recipients === 0) return;
    this.app.publish(topic, frame, false, false);
    if (this.recent.size === 0) setImmediate(this.clearRecent);
    this.recent.add(topic);
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    this.metrics.messagesOut.inc(recipients);
    this.metrics.bytesOut.inc(bytes * recipients);
    this.metrics.natsToSocketSeconds.observe((performance.now() - startedAt) / 1000);
    this.onBytesSent(bytes);
  }
}
