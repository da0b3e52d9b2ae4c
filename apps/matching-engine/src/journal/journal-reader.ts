import { DeliverPolicy, jetstream, jetstreamManager, type Consumer, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalCorruptError } from './journal-errors.js';
import { decodeBatch, type JournalEntries } from './journal-format.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';
import { withTimeout } from '../util/with-timeout.js';

/**
 * Bytes asked for per pull. Bounded in bytes, not messages: a batch can be up to ~1 MiB, and with
 * 512 messages per pull a long tail of large batches (121 KiB at 1,000 commands) put more than
 * nats-server's 64 MiB per-client pending limit on the wire, so the server cut the engine off as a
 * slow consumer mid-recovery. 2 MiB is above the 1 MiB max payload (a pull must fit one message)
 * and keeps RECOVERY_CONCURRENCY (32) symbols' pulls within that limit together.
 */
const REPLAY_PULL_BYTES = 2 * 1024 * 1024;
/** Longest stretch of replay without giving timers and I/O a turn. */
const YIELD_AFTER_MS = 50;
/** Longest wait for a consumer's iterator to close before reading on without it. */
const CLOSE_WAIT_MS = 500;

/**
 * Timings of the tail read (issue 7). Right after a node of a JetStream cluster dies, creating the
 * ordered consumer timed out in 19 of 45 tries within a minute (nats-server 2.9.10 still places some
 * R1 consumers on the dead peer), each try costing the 5 s API timeout, and nats.js retries a
 * consumer it cannot (re)create with backoff for up to 30 tries. So the reader gives the consumer a
 * short time, and otherwise reads the tail message by message with STREAM.MSG.GET (`next_by_subj`),
 * answered by the stream leader, which recovery needs anyway (the subject's last seq comes from it).
 */
export interface JournalReaderOptions {
  /** Longest wait for the ordered consumer to be created (default 1500 ms). */
  readonly consumerCreateTimeoutMs?: number;
  /** A consumer that delivers nothing for this long, while nothing waits on `onBatch`, is given up (default 3000 ms). */
  readonly stallMs?: number;
  /** Timeout of one message get (default 1000 ms). */
  readonly getTimeoutMs?: number;
  /** After a failed consumer, how long to read by get before trying a consumer again (default 2000 ms). */
  readonly getSliceMs?: number;
  /** Replay fails when no message could be read for this long, by either means (default 15000 ms). */
  readonly giveUpMs?: number;
  /** Creates the ordered consumer from `startSeq` (tests wrap the default to make it fail). */
  readonly openConsumer?: (symbol: string, startSeq: number) => Promise<Consumer>;
  /** The first batch of `symbol` with seq >= `fromSeq`, or null if none (tests wrap the default). */
  readonly getNext?: (symbol: string, fromSeq: number) => Promise<StoredMsg | null>;
}

export interface JournalBatch {
  /** Stream seq of the JetStream message that holds the batch. */
  readonly seq: number;
  /** Read with replayEntries / applyEntries / batchEntries (journal-format.ts). */
  readonly entries: JournalEntries;
}

export interface JournalReaderStats {
  /** Batches delivered from an ordered consumer. */
  batchesByConsumer: number;
  /** Batches delivered from message gets (the fallback). */
  batchesByGet: number;
  /** Consumers that could not be created in time, or stalled, or failed mid-read. */
  consumerFailures: number;
  /** Gets that failed (timeout, no responders, ...) and were retried. */
  getFailures: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads a symbol's journal tail: with an ordered consumer (no server-side state left behind), and
 * when that consumer cannot be had quickly, or stalls, by message gets from the stream leader.
 * Either way every batch in the range is handed over exactly once and in order: the reader keeps
 * the seq of the last batch it delivered, and each means continues strictly after it.
 */
export class JournalReader {
  readonly stats: JournalReaderStats = { batchesByConsumer: 0, batchesByGet: 0, consumerFailures: 0, getFailures: 0 };
  private readonly nc: NatsConnection;
  private readonly consumerJs: JetStreamClient;
  private jsm?: Promise<JetStreamManager>;
  private readonly createTimeoutMs: number;
  private readonly stallMs: number;
  private readonly getTimeoutMs: number;
  private readonly getSliceMs: number;
  private readonly giveUpMs: number;
  private readonly openConsumer: (symbol: string, startSeq: number) => Promise<Consumer>;
  private readonly getNext: (symbol: string, fromSeq: number) => Promise<StoredMsg | null>;

  constructor(nc: NatsConnection, options: JournalReaderOptions = {}) {
    this.nc = nc;
    this.createTimeoutMs = options.consumerCreateTimeoutMs ?? 1500;
    this.stallMs = options.stallMs ?? 3000;
    this.getTimeoutMs = options.getTimeoutMs ?? 1000;
    this.getSliceMs = options.getSliceMs ?? 2000;
    this.giveUpMs = options.giveUpMs ?? 15_000;
    // Its API timeout bounds each request of the consumer's creation (stream info, consumer create).
    this.consumerJs = jetstream(nc, { timeout: this.createTimeoutMs });
    this.openConsumer = options.openConsumer ?? ((symbol, startSeq) => this.defaultOpenConsumer(symbol, startSeq));
    this.getNext = options.getNext ?? ((symbol, fromSeq) => this.defaultGetNext(symbol, fromSeq));
  }

  /**
   * Calls `onBatch` for each batch with afterSeq < seq <= untilSeq, in order. When it returns a
   * promise (recovery waiting for republished events to reach NATS), the next batch waits for it;
   * the consumer keeps fetching meanwhile, up to its byte limit. Never hands over a batch above
   * untilSeq. Rejects (having delivered a prefix of the range) if the journal cannot be read for
   * `giveUpMs`, if a batch is missing or corrupt, or if `onBatch` throws.
   */
  async replay(symbol: string, afterSeq: number, untilSeq: number, onBatch: (batch: JournalBatch) => void | Promise<void>): Promise<void> {
    if (untilSeq <= afterSeq) return;
    const cursor: Cursor = { symbol, reached: afterSeq, untilSeq, onBatch, lastProgress: performance.now(), busySince: performance.now(), waiting: false };
    while (cursor.reached < untilSeq) {
      if (await this.readByConsumer(cursor)) break;
      this.stats.consumerFailures++;
      this.checkGiveUp(cursor);
      await this.readByGet(cursor, performance.now() + this.getSliceMs);
    }
  }

  /** Hands one batch over (decoded, in order, once). */
  private async deliver(cursor: Cursor, seq: number, subject: string, data: string): Promise<void> {
    if (seq <= cursor.reached) return; // already handed over (cannot happen with either means; never twice)
    const decoded = decodeBatch(data);
    if (!decoded.ok) throw new JournalCorruptError(subject, seq, decoded.reason);
    cursor.reached = seq;
    cursor.lastProgress = performance.now();
    const waiting = cursor.onBatch({ seq, entries: decoded.batch });
    if (waiting !== undefined) {
      cursor.waiting = true;
      try {
        await waiting;
      } finally {
        cursor.waiting = false;
      }
      cursor.lastProgress = cursor.busySince = performance.now();
    }
    // Buffered messages come through microtasks only, so a long replay would starve timers (lease
    // renewals, whose lapse makes the engine give the symbol up mid-recovery): let them run.
    if (performance.now() - cursor.busySince > YIELD_AFTER_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      cursor.busySince = performance.now();
    }
  }

  /**
   * Reads on from `cursor.reached` with an ordered consumer. True when the range is done; false when
   * the consumer could not be created in time, stalled or failed (the cursor says how far it got).
   * Errors of `onBatch` and corrupt batches are thrown.
   */
  private async readByConsumer(cursor: Cursor): Promise<boolean> {
    let consumer: Consumer;
    try {
      consumer = await withTimeout(this.openConsumer(cursor.symbol, cursor.reached + 1), this.createTimeoutMs, 'ordered consumer creation', (late) =>
        void late.delete().catch(() => undefined),
      );
    } catch {
      return false;
    }
    let messages: ConsumerMessages;
    try {
      messages = await consumer.consume({ max_bytes: REPLAY_PULL_BYTES });
    } catch {
      void consumer.delete().catch(() => undefined);
      return false;
    }
    // Stalled: nothing handed over for stallMs since the later of the last batch and this consumer's
    // start. (lastProgress itself is not reset here: it measures giveUpMs across consumers and gets.)
    const startedAt = performance.now();
    const watchdog = setInterval(() => {
      if (!cursor.waiting && performance.now() - Math.max(cursor.lastProgress, startedAt) > this.stallMs) messages.stop();
    }, Math.max(50, Math.min(500, this.stallMs / 4)));
    // Errors of the loop body (onBatch, a corrupt batch) are the caller's; errors of the iterator
    // are the consumer's, and the reader goes on by gets.
    let bodyError: { error: unknown } | undefined;
    try {
      for await (const msg of messages) {
        if (msg.seq > cursor.untilSeq) break;
        try {
          await this.deliver(cursor, msg.seq, msg.subject, msg.string());
        } catch (error) {
          bodyError = { error };
          throw error;
        }
        this.stats.batchesByConsumer++;
        if (cursor.reached >= cursor.untilSeq) return true;
      }
    } catch (error) {
      if (bodyError) throw bodyError.error;
      return false;
    } finally {
      clearInterval(watchdog);
      // close() resolves once the iterator has wound down; a broken consumer must not hold replay.
      const closed = messages.close().catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    // The iterator ended without reaching untilSeq: stopped by the watchdog, by the library (it gave
    // up re-creating the consumer), or a batch above untilSeq came first (a gap: gets will say so).
    return cursor.reached >= cursor.untilSeq;
  }

  /**
   * Reads on from `cursor.reached` by message gets until the range is done or `until` (then a
   * consumer is tried again: it is much faster for long tails). A failed get is retried after a
   * short pause; `giveUpMs` without any progress rejects.
   */
  private async readByGet(cursor: Cursor, until: number): Promise<void> {
    let pause = 50;
    while (cursor.reached < cursor.untilSeq && performance.now() < until) {
      let msg: StoredMsg | null;
      try {
        msg = await withTimeout(this.getNext(cursor.symbol, cursor.reached + 1), this.getTimeoutMs, 'journal message get');
      } catch (err) {
        this.stats.getFailures++;
        this.checkGiveUp(cursor, err);
        await sleep(pause);
        pause = Math.min(pause * 2, 500);
        continue;
      }
      pause = 50;
      if (msg === null || msg.seq > cursor.untilSeq) {
        // The leader has nothing between reached and untilSeq, though untilSeq was journaled:
        // the batch is gone (aged out?). Never skip it: recovery fails instead.
        throw new Error(`${cursor.symbol}: journal batch after seq ${cursor.reached} up to ${cursor.untilSeq} not found (next: ${msg?.seq ?? 'none'})`);
      }
      if (msg.seq <= cursor.reached) throw new Error(`${cursor.symbol}: journal get from seq ${cursor.reached + 1} returned seq ${msg.seq}`);
      await this.deliver(cursor, msg.seq, msg.subject, msg.string());
      this.stats.batchesByGet++;
    }
  }

  private checkGiveUp(cursor: Cursor, cause?: unknown): void {
    if (performance.now() - cursor.lastProgress < this.giveUpMs) return;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    throw new Error(`${cursor.symbol}: journal unreadable for ${this.giveUpMs} ms after seq ${cursor.reached} (up to ${cursor.untilSeq})${why}`);
  }

  private defaultOpenConsumer(symbol: string, startSeq: number): Promise<Consumer> {
    return this.consumerJs.consumers.get(JOURNAL_STREAM, {
      filter_subjects: journalSubject(symbol),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
    });
  }

  private async defaultGetNext(symbol: string, fromSeq: number): Promise<StoredMsg | null> {
    this.jsm ??= jetstreamManager(this.nc, { timeout: this.getTimeoutMs, checkAPI: false });
    const jsm = await this.jsm;
    // STREAM.MSG.GET takes next_by_subj (nats-server 2.9+) like a direct get; the nats.js type lacks it.
    const request = { next_by_subj: journalSubject(symbol), seq: fromSeq };
    return jsm.streams.getMessage(JOURNAL_STREAM, request as unknown as { seq: number });
  }
}

interface Cursor {
  readonly symbol: string;
  /** Seq of the last batch handed over (afterSeq before the first). */
  reached: number;
  readonly untilSeq: number;
  readonly onBatch: (batch: JournalBatch) => void | Promise<void>;
  /** When a batch was last handed over (or the wait for onBatch ended). */
  lastProgress: number;
  busySince: number;
  /** True while an onBatch promise is awaited (not a stall of the consumer). */
  waiting: boolean;
}

