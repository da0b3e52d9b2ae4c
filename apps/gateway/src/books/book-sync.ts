import { subjects } from '@trading/contracts';
import type { Logger } from '../logging/logger.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';
import type { NatsLink, Subscription } from '../nats/nats-link.js';
import type { TopicPublisher } from '../subscriptions/topic-publisher.js';
import { BookReplica } from './book-replica.js';
import { MalformedBookMessageError, SnapshotRefusedError, parseBookMessage, type BookMessage } from './book-messages.js';

/** A client waiting for its first snapshot of this book. */
export interface BookListener {
  /** Sends the snapshot frame and subscribes to the topic in the same tick, so no delta falls between. */
  startBook(topic: string, snapshotFrame: string): void;
}

/** Sees every frame the book publishes to its topic (deltas and resync snapshots) while a client resumes. */
export type BookTap = (frame: Uint8Array | string) => void;

export type FirstSyncOutcome = 'live' | 'unknown';
type ResyncReason = 'initial' | 'gap' | 'reconnect' | 'malformed' | 'retry';

/** Deltas buffered while a snapshot is on its way; beyond this the sync restarts instead of growing. */
const MAX_PENDING_DELTAS = 10_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 2_000;

/**
 * Keeps one symbol's book gap-free for every local subscriber: subscribe to deltas first, then fetch
 * the engine's snapshot, drop deltas it already contains, then forward each delta's bytes untouched.
 * A seq jump (a lost delta) or a NATS reconnect means the local book may be wrong: the replica
 * fetches a fresh snapshot and publishes it to all the symbol's subscribers before any newer delta.
 */
export class BookSync {
  readonly topic: string;
  readonly replica: BookReplica;
  refs = 0;
  private state: 'syncing' | 'live' | 'closed' = 'syncing';
  private pending: BookMessage[] = [];
  private readonly waiting = new Set<BookListener>();
  /** Resuming clients (rare): they get the topic's frames here until they join the topic. */
  private taps?: Set<BookTap>;
  private generation = 0;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private resolveFirst!: (outcome: FirstSyncOutcome) => void;
  /** Settles once: the first snapshot arrived, or no engine owns the symbol (NATS no-responders). */
  readonly firstSync: Promise<FirstSyncOutcome>;
  private firstSettled = false;

  constructor(
    readonly symbol: string,
    private readonly link: NatsLink,
    private readonly publisher: TopicPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly requestTimeoutMs: number,
  ) {
    this.topic = subjects.book(symbol);
    this.replica = new BookReplica(symbol);
    this.firstSync = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  get live(): boolean {
    return this.state === 'live';
  }

  start(): void {
    const counter = this.metrics.messagesIn.labels('book');
    this.subscription = this.link.nc.subscribe(this.topic, {
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err, subject: this.topic }, 'NATS book subscription error');
          return;
        }
        const startedAt = performance.now();
        counter.inc();
        this.metrics.bytesIn.inc(msg.data.byteLength);
        this.onDelta(msg.data, startedAt);
      },
    });
    void this.resync('initial');
  }

  /** Attaches a client: at once if the book is live, else when the (re)sync completes. */
  attach(listener: BookListener): void {
    if (this.state === 'live') listener.startBook(this.topic, this.replica.snapshotFrame());
    else this.waiting.add(listener);
  }

  /** Frames published to the topic from now on also go to `tap`, until the returned function is called. */
  tap(tap: BookTap): () => void {
    (this.taps ??= new Set()).add(tap);
    return () => {
      this.taps?.delete(tap);
      if (this.taps?.size === 0) this.taps = undefined;
    };
  }

  detach(listener: BookListener): void {
    this.waiting.delete(listener);
  }

  /** NATS came back: anything published meanwhile is lost, so subscribers get a fresh snapshot. */
  onReconnect(): void {
    if (this.state === 'closed') return;
    void this.resync('reconnect');
  }

  close(): void {
    this.state = 'closed';
    this.generation++;
    clearTimeout(this.retryTimer);
    this.waiting.clear();
    this.subscription?.unsubscribe();
    this.settleFirst('unknown');
  }

  private onDelta(data: Uint8Array, startedAt: number): void {
    let delta: BookMessage;
    try {
      delta = parseBookMessage(data);
    } catch (err) {
      // A broken message means the book can no longer be trusted; resync rather than forward it.
      this.log.error({ err: (err as MalformedBookMessageError).message, subject: this.topic }, 'malformed book update');
      if (this.state === 'live') void this.resync('malformed');
      return;
    }
    if (this.state === 'syncing') {
      if (this.pending.length >= MAX_PENDING_DELTAS) {
        this.pending = [];
        void this.resync('retry');
        return;
      }
      // Only the parsed levels are kept: they go into the replica, and the snapshot sent afterwards covers them.
      this.pending.push(delta);
      return;
    }
    if (this.state !== 'live') return;
    const expected = this.replica.seq + 1;
    if (delta.seq < expected) return; // already applied (engine republish after a crash: identical bytes)
    if (delta.seq > expected) {
      this.log.warn({ symbol: this.symbol, expected, got: delta.seq }, 'book gap detected; resynchronising');
      void this.resync('gap');
      return;
    }
    this.replica.apply(delta);
    this.publisher.publish(this.topic, data, startedAt);
    if (this.taps) for (const tap of this.taps) tap(data.slice());
  }

  private async resync(reason: ResyncReason): Promise<void> {
    if (this.state === 'closed') return;
    clearTimeout(this.retryTimer);
    this.state = 'syncing';
    this.pending = [];
    const generation = ++this.generation;
    if (reason !== 'initial' && reason !== 'retry') this.metrics.bookResyncs.labels(reason).inc();
    const outcome = await this.link.request(subjects.snapshot(this.symbol), '{}', this.requestTimeoutMs);
    if (generation !== this.generation || (this.state as string) === 'closed') return; // superseded or closed while waiting
    if (outcome.kind === 'no-responders' && !this.firstSettled) {
      this.settleFirst('unknown');
      return;
    }
    if (outcome.kind !== 'reply') {
      this.log.warn({ symbol: this.symbol, outcome: outcome.kind }, 'book snapshot request failed; retrying');
      this.scheduleRetry();
      return;
    }
    let snapshot: BookMessage;
    try {
      snapshot = parseBookMessage(outcome.data);
    } catch (err) {
      if (err instanceof SnapshotRefusedError) {
        // SNAPSHOT_TOO_LARGE: the book outgrew NATS's max_payload; subscribers wait for a snapshot
        // rather than get a partial book (docs/operations.md, "Book snapshots and max_payload").
        this.log.error({ symbol: this.symbol, code: err.code, err: err.message, details: err.details }, 'engine refused the book snapshot; retrying');
        this.metrics.bookSnapshotRefusals.labels(err.code).inc();
      } else {
        this.log.error({ symbol: this.symbol, err: (err as Error).message }, 'malformed snapshot reply; retrying');
      }
      this.scheduleRetry();
      return;
    }
    this.goLive(snapshot);
  }

  private goLive(snapshot: BookMessage): void {
    this.replica.reset(snapshot);
    // Deltas that arrived while the snapshot was in flight: skip those it contains, apply the rest in order.
    const pending = this.pending;
    this.pending = [];
    for (const delta of pending) {
      if (delta.seq <= this.replica.seq) continue;
      if (delta.seq !== this.replica.seq + 1) {
        this.log.warn({ symbol: this.symbol, expected: this.replica.seq + 1, got: delta.seq }, 'gap behind snapshot; resynchronising');
        this.metrics.bookResyncs.labels('gap').inc();
        this.scheduleRetry(0);
        return;
      }
      this.replica.apply(delta);
    }
    this.state = 'live';
    this.retryMs = RETRY_MIN_MS;
    const frame = this.replica.snapshotFrame();
    // Existing subscribers (after a gap or reconnect) get the fresh snapshot through the topic, encoded once.
    this.publisher.publish(this.topic, frame, performance.now());
    if (this.taps) for (const tap of this.taps) tap(frame);
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const listener of waiting) listener.startBook(this.topic, frame);
    this.settleFirst('live');
  }

  private scheduleRetry(delayMs = this.retryMs): void {
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.resync('retry'), delayMs);
    this.retryTimer.unref();
  }

  private settleFirst(outcome: FirstSyncOutcome): void {
    if (this.firstSettled) return;
    this.firstSettled = true;
    this.resolveFirst(outcome);
  }
}
