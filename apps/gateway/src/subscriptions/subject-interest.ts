import type { Logger } from '../logging/logger.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';
import type { NatsLink, Subscription } from '../nats/nats-link.js';
import type { TopicPublisher } from './topic-publisher.js';
import type { StreamHistory } from '../resume/stream-history.js';
import { fastSeq } from '../resume/fast-seq.js';

/** Subjects caught up in parallel after a NATS reconnect. */
const CATCH_UP_CONCURRENCY = 32;
/**
 * How long a live subject whose seq jumped is held while the missing events are looked for in the
 * retention stream. They can arrive late: the engine sends its last second of events again after
 * its own NATS reconnect (docs/reliability.md), and JetStream stores them a moment later.
 */
export const GAP_REPAIR_WAIT_MS = 3000;
const GAP_REPAIR_POLL_MS = 100;
/** Most stored events one repair sends (newer ones than the jump included); beyond it, a gap. */
const GAP_REPAIR_MAX_EVENTS = 10_000;

/** A per-connection listener that sees a subject's messages while that connection resumes. */
export type SubjectTap = (subject: string, data: Uint8Array) => void;

interface Held {
  /** Undefined until the batch this subject was acquired in has been subscribed (the same tick). */
  subscription?: Subscription;
  kind: 'trade' | 'order';
  subjectName: string;
  refs: number;
  /**
   * Resolves once nats-server has processed our SUB (a flush round trip). Until then an event
   * published by another connection can overtake the SUB, so acks wait for it.
   */
  ready: Promise<void>;
  markReady: () => void;
  live: boolean;
  /** Resuming connections buffering this subject's live messages (rare; undefined otherwise). */
  taps?: Set<SubjectTap>;
  /** Last seq forwarded per concrete subject: where a catch-up after a NATS reconnect starts. */
  lastSeqs: Map<string, number>;
  /**
   * Set from a NATS disconnect until the catch-up is done, or from a live seq jump until the gap
   * repair is done: live messages wait here, in order.
   */
  held?: { subject: string; data: Uint8Array }[];
  /** A gap repair is running on this subject: it, not the catch-up, releases the held messages. */
  repairing?: boolean;
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
  private catchUpRun: Promise<void> = Promise.resolve();
  private liveCount = 0;
  /**
   * Subjects acquired in this event-loop turn. They are subscribed together in setImmediate and
   * confirmed by ONE flush round trip: connections arriving in the same turn (a reconnect wave,
   * many /ws/orders users) share one write of their SUBs and one PING/PONG instead of one each.
   */
  private batch?: { subject: string; entry: Held }[];
  private readonly subscribeBatch = () => {
    const batch = this.batch ?? [];
    this.batch = undefined;
    const subscribed: Held[] = [];
    for (const { subject, entry } of batch) {
      if (this.held.get(subject) !== entry) {
        entry.markReady(); // released before its SUB went out: nothing to wait for
        continue;
      }
      try {
        entry.subscription = this.subscribe(subject, entry.kind, entry);
        subscribed.push(entry);
      } catch (err) {
        // The connection is closed or draining: report the subject dead rather than pretend it is live.
        this.log.error({ err, subject }, 'NATS subscribe failed');
        this.dead.add(subject);
        entry.markReady();
      }
    }
    if (subscribed.length === 0) return;
    // While NATS is down the flush waits for the reconnect (or fails): either way the acks follow.
    void this.link.nc.flush().then(
      () => undefined,
      () => undefined,
    ).then(() => {
      for (const entry of subscribed) {
        // Released while the flush was in flight: it no longer counts.
        if (this.held.get(entry.subjectName) === entry) {
          entry.live = true;
          this.liveCount++;
        }
        entry.markReady();
      }
      this.onSubjectCountChange();
    });
  };

  constructor(
    private readonly link: NatsLink,
    private readonly publisher: TopicPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly onSubjectCountChange: () => void,
    /** Where a live seq jump is repaired from; without it a jump is forwarded as it is. */
    private readonly history?: StreamHistory,
    private readonly gapRepairWaitMs = GAP_REPAIR_WAIT_MS,
  ) {}

  /** Subjects whose subscription the server has confirmed (counted, not scanned: it is read on every change). */
  get size(): number {
    return this.liveCount;
  }

  /** Resolves when the subscription for `subject` is in effect on the server (at once if not held). */
  whenLive(subject: string): Promise<void> {
    return this.held.get(subject)?.ready ?? Promise.resolve();
  }

  acquire(subject: string, kind: 'trade' | 'order'): void {
    const held = this.held.get(subject);
    if (held) {
      held.refs++;
      return;
    }
    const entry = { refs: 1, lastSeqs: new Map(), live: false, kind, subjectName: subject } as unknown as Held;
    entry.ready = new Promise<void>((resolve) => (entry.markReady = resolve));
    this.held.set(subject, entry);
    if (!this.batch) {
      this.batch = [];
      setImmediate(this.subscribeBatch);
    }
    this.batch.push({ subject, entry });
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
    if (held.live) {
      held.live = false;
      this.liveCount--;
    }
    held.subscription?.unsubscribe(); // none yet: the batch skips it
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
        if (held.taps) for (const tap of held.taps) tap(msg.subject, msg.data);
        if (held.held) {
          held.held.push({ subject: msg.subject, data: msg.data.slice() });
          return;
        }
        const seq = fastSeq(msg.data);
        if (seq !== undefined) {
          const last = held.lastSeqs.get(msg.subject);
          // A jump: events were lost on the way here. Hold the subject and fetch them from the
          // retention stream for every local subscriber at once, rather than pass the gap on.
          if (last !== undefined && seq > last + 1 && this.history) {
            held.held = [{ subject: msg.subject, data: msg.data.slice() }];
            if (!held.repairing) void this.repairGaps(subject, held);
            return;
          }
        }
        this.publisher.publish(subject, msg.data, startedAt);
        if (seq !== undefined) held.lastSeqs.set(msg.subject, seq);
      },
    });
    void subscription.closed.then(
      () => this.onClosed(subject, subscription, kind),
      (err: unknown) => this.onClosed(subject, subscription, kind, err),
    );
    return subscription;
  }

  /**
   * NATS connection lost: whatever the engine publishes until we are back reaches no core
   * subscription of ours. From now on live messages are held (in order) until catchUp has sent the
   * missed ones from JetStream.
   */
  holdForCatchUp(): void {
    for (const held of this.held.values()) if (held.lastSeqs.size > 0) held.held ??= [];
  }

  /**
   * After the reconnect: per subject, publish the retained events after the last seq forwarded,
   * then the held live messages not already covered, then go back to forwarding directly. All
   * sockets on a topic were fed by this one subscription, so they all missed the same events.
   * If the history cannot supply them (out of the window, JetStream down), the held messages go
   * out as they are and clients see the seq jump (a gap, never silent).
   */
  catchUp(history: StreamHistory, maxEvents: number): Promise<void> {
    // One catch-up at a time: a second disconnect during a catch-up queues another pass.
    this.catchUpRun = this.catchUpRun.then(() => this.catchUpAll(history, maxEvents));
    return this.catchUpRun;
  }

  private async catchUpAll(history: StreamHistory, maxEvents: number): Promise<void> {
    const topics = [...this.held].filter(([, held]) => held.held);
    // Most subjects missed nothing (one read tells); a bounded number in parallel keeps the hold short.
    let next = 0;
    const worker = async () => {
      while (next < topics.length) {
        const [topic, held] = topics[next++];
        await this.catchUpTopic(history, maxEvents, topic, held);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CATCH_UP_CONCURRENCY, topics.length) }, worker));
  }

  private async catchUpTopic(history: StreamHistory, maxEvents: number, topic: string, held: Held): Promise<void> {
    let caughtUp = 0;
    try {
      for (const subject of [...held.lastSeqs.keys()]) {
        try {
          caughtUp += await this.sendRetained(history, maxEvents, topic, held, subject);
        } catch (err) {
          this.log.warn({ err, subject }, 'catch-up after NATS reconnect failed for this subject');
        }
      }
    } finally {
      // A jump left among the held messages (the engine's resend may not be stored yet) is repaired.
      if (!held.repairing) void this.repairGaps(topic, held);
    }
    if (caughtUp > 0) {
      this.metrics.catchUpEvents.inc(caughtUp);
      this.log.info({ topic, events: caughtUp }, 'caught up events missed during a NATS disconnect');
    }
  }

  /**
   * Publishes the retained events of `subject` after the last seq forwarded on the topic, in order.
   * `held.lastSeqs` is the one cursor, checked and advanced synchronously around each publish, so a
   * catch-up and a gap repair of the same subject never send a seq twice or go backwards.
   */
  private async sendRetained(history: StreamHistory, maxEvents: number, topic: string, held: Held, subject: string): Promise<number> {
    const from = held.lastSeqs.get(subject) ?? 0;
    const start = await history.findStart(subject, from);
    if (start.kind !== 'replay' || start.lastSeq - from > maxEvents) return 0;
    let position = start.streamSeq;
    let sent = 0;
    for (;;) {
      const event = await history.read(subject, position);
      if (!event || this.held.get(topic) !== held) return sent;
      position = event.streamSeq + 1;
      if (event.seq <= (held.lastSeqs.get(subject) ?? 0)) continue;
      this.publisher.publish(topic, event.data, performance.now());
      held.lastSeqs.set(subject, event.seq);
      sent++;
    }
  }

  /**
   * Releases the held messages of a topic in order. Where one jumps past the last seq forwarded on
   * its subject (events were lost on the way here), the rest stay held while the missing events are
   * looked for in the retention stream, until they are there or GAP_REPAIR_WAIT_MS is over; then
   * the release goes on. Unrepaired, the clients see the jump (a gap, never silent). The release up
   * to the first jump is synchronous, so with nothing missing, forwarding goes direct at once.
   */
  private async repairGaps(topic: string, held: Held): Promise<void> {
    held.repairing = true;
    const deadline = performance.now() + this.gapRepairWaitMs;
    let jumps = 0;
    let unrepaired = 0;
    let current = '';
    try {
      for (;;) {
        const jump = this.releaseUntilJump(topic, held);
        if (!jump) return;
        const { subject, last, received } = jump;
        const key = `${subject} ${last}`;
        if (key !== current) {
          current = key;
          jumps++;
        }
        if (this.history && this.held.get(topic) === held) {
          try {
            const sent = await this.sendRetained(this.history, GAP_REPAIR_MAX_EVENTS, topic, held, subject);
            if (sent > 0) this.metrics.gapRepairEvents.inc(sent);
          } catch (err) {
            this.log.warn({ err, subject }, 'gap repair: retention stream not readable');
          }
        }
        if ((held.lastSeqs.get(subject) ?? 0) >= received - 1) continue;
        if (performance.now() >= deadline || this.held.get(topic) !== held || !this.history) {
          unrepaired++;
          this.log.warn({ topic, subject, after: last, received, filledUpTo: held.lastSeqs.get(subject) ?? last }, 'live seq jump not repairable in time: forwarded as a gap');
          // The next pass forwards the jumping message as it is, then the rest.
          held.lastSeqs.set(subject, received - 1);
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, GAP_REPAIR_POLL_MS));
      }
    } finally {
      held.repairing = false;
      if (jumps > unrepaired) {
        this.metrics.gapRepairs.labels('repaired').inc(jumps - unrepaired);
        this.log.info({ topic, repaired: jumps - unrepaired }, 'live seq jump repaired');
      }
      if (unrepaired > 0) this.metrics.gapRepairs.labels('unrepaired').inc(unrepaired);
    }
  }

  /**
   * Synchronously publishes the held messages in order, dropping those already sent (seq at or
   * below the subject's cursor), up to the first one that jumps; returns that jump, or undefined
   * with the hold lifted (direct forwarding again).
   */
  private releaseUntilJump(topic: string, held: Held): { subject: string; last: number; received: number } | undefined {
    const pending = held.held ?? [];
    let i = 0;
    for (; i < pending.length; i++) {
      const { subject, data } = pending[i];
      const seq = fastSeq(data);
      const last = held.lastSeqs.get(subject);
      if (seq !== undefined && last !== undefined) {
        if (seq <= last) continue;
        if (seq > last + 1) {
          // The missing one may be held further on (an engine resend arriving after a newer event).
          const k = pending.findIndex((p, j) => j > i && p.subject === subject && fastSeq(p.data) === last + 1);
          if (k >= 0) {
            const [missing] = pending.splice(k, 1);
            this.publisher.publish(topic, missing.data, performance.now());
            held.lastSeqs.set(subject, last + 1);
            i--;
            continue;
          }
          held.held = pending.slice(i);
          return { subject, last, received: seq };
        }
      }
      this.publisher.publish(topic, data, performance.now());
      if (seq !== undefined) held.lastSeqs.set(subject, seq);
    }
    held.held = undefined;
    return undefined;
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
