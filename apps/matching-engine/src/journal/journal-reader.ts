import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalCorruptError } from './journal-errors.js';
import { decodeBatch, type JournalEntries } from './journal-format.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';

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

export interface JournalBatch {
  /** Stream seq of the JetStream message that holds the batch. */
  readonly seq: number;
  /** Read with replayEntries / applyEntries / batchEntries (journal-format.ts). */
  readonly entries: JournalEntries;
}

/** Reads a symbol's journal tail with an ordered consumer (no server-side state left behind). */
export class JournalReader {
  private readonly js: JetStreamClient;

  constructor(nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /**
   * Calls `onBatch` for each batch with afterSeq < seq <= untilSeq, in order. When it returns a
   * promise (recovery waiting for republished events to reach NATS), the next batch waits for it;
   * the consumer keeps fetching meanwhile, up to its byte limit.
   */
  async replay(symbol: string, afterSeq: number, untilSeq: number, onBatch: (batch: JournalBatch) => void | Promise<void>): Promise<void> {
    if (untilSeq <= afterSeq) return;
    const consumer = await this.js.consumers.get(JOURNAL_STREAM, {
      filter_subjects: journalSubject(symbol),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSeq + 1,
    });
    const messages = await consumer.consume({ max_bytes: REPLAY_PULL_BYTES });
    let busySince = performance.now();
    try {
      for await (const msg of messages) {
        const decoded = decodeBatch(msg.string());
        if (!decoded.ok) throw new JournalCorruptError(msg.subject, msg.seq, decoded.reason);
        const waiting = onBatch({ seq: msg.seq, entries: decoded.batch });
        if (waiting !== undefined) {
          await waiting;
          busySince = performance.now();
        }
        if (msg.seq >= untilSeq) break;
        // Buffered messages come through microtasks only, so a long replay would starve timers (lease
        // renewals, whose lapse makes the engine give the symbol up mid-recovery): let them run.
        if (performance.now() - busySince > YIELD_AFTER_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          busySince = performance.now();
        }
      }
    } finally {
      await messages.close();
    }
  }
}
