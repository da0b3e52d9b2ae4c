import type { Logger } from '../logging/logger.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';
import type { NatsLink, Subscription } from '../nats/nats-link.js';
import type { TopicPublisher } from './topic-publisher.js';

/** A per-connection listener that sees a subject's messages while that connection resumes. */
export type SubjectTap = (subject: string, data: Uint8Array) => void;

interface Held {
  subscription: Subscription;
  refs: number;
  /** Resuming connections buffering this subject's live messages (rare; undefined otherwise). */
  taps?: Set<SubjectTap>;
}

/**
 * Interest-based NATS subscriptions for pass-through streams (trades, orders). The uWS topic is the
 * NATS subject itself; the replica holds one NATS subscription per subject while at least one local
 * client needs it, and forwards each payload's bytes untouched.
 */
export class SubjectInterest {
  private readonly held = new Map<string, Held>();
  /** Subjects whose NATS subscription closed without us asking: /readyz fails while any exist. */
  readonly dead = new Set<string>();

  constructor(
    private readonly link: NatsLink,
    private readonly publisher: TopicPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly onSubjectCountChange: () => void,
  ) {}

  get size(): number {
    return this.held.size;
  }

  acquire(subject: string, kind: 'trade' | 'order'): void {
    const held = this.held.get(subject);
    if (held) {
      held.refs++;
      return;
    }
    const entry = { refs: 1 } as Held;
    entry.subscription = this.subscribe(subject, kind, entry);
    this.held.set(subject, entry);
    this.onSubjectCountChange();
  }

  /**
   * Lets a resuming connection see the live messages of a subject it holds (acquire first) while it
   * is not yet on the uWS topic. Returns the function that removes the tap.
   */
  tap(subject: string, tap: SubjectTap): () => void {
    const held = this.held.get(subject);
    if (!held) throw new Error(`tap on ${subject}, which is not held`);
    (held.taps ??= new Set()).add(tap);
    return () => {
      held.taps?.delete(tap);
      if (held.taps?.size === 0) held.taps = undefined;
    };
  }

  release(subject: string): void {
    const held = this.held.get(subject);
    if (!held) return;
    if (--held.refs > 0) return;
    this.held.delete(subject);
    this.dead.delete(subject);
    held.subscription.unsubscribe();
    this.onSubjectCountChange();
  }

  private subscribe(subject: string, kind: 'trade' | 'order', held: Held): Subscription {
    const counter = this.metrics.messagesIn.labels(kind);
    const subscription = this.link.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err, subject }, 'NATS subscription error');
          return;
        }
        const startedAt = performance.now();
        counter.inc();
        this.metrics.bytesIn.inc(msg.data.byteLength);
        this.publisher.publish(subject, msg.data, startedAt);
        if (held.taps) for (const tap of held.taps) tap(msg.subject, msg.data);
      },
    });
    void subscription.closed.then(
      () => this.onClosed(subject, subscription, kind),
      (err: unknown) => this.onClosed(subject, subscription, kind, err),
    );
    return subscription;
  }

  /** A subscription closed by the server (permissions, connection closed): mark dead and try again. */
  private onClosed(subject: string, subscription: Subscription, kind: 'trade' | 'order', err?: unknown): void {
    const held = this.held.get(subject);
    if (!held || held.subscription !== subscription) return; // released on purpose
    if (this.link.nc.isClosed() || this.link.nc.isDraining()) return;
    this.dead.add(subject);
    this.log.error({ err, subject }, 'NATS subscription closed unexpectedly; resubscribing');
    setTimeout(() => {
      const current = this.held.get(subject);
      if (current !== held || this.link.nc.isClosed() || this.link.nc.isDraining()) return;
      try {
        held.subscription = this.subscribe(subject, kind, held);
        this.dead.delete(subject);
      } catch (e) {
        this.log.error({ err: e, subject }, 'resubscribe failed');
      }
    }, 1000).unref();
  }
}
