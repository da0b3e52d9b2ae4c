import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalCorruptError } from './journal-errors.js';
import { decodeBatch, type JournalEntry } from './journal-format.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';

export interface JournalBatch {
  /** Stream seq of the JetStream message that holds the batch. */
  readonly seq: number;
  readonly entries: JournalEntry[];
}

/** Reads a symbol's journal tail with an ordered consumer (no server-side state left behind). */
export class JournalReader {
  private readonly js: JetStreamClient;

  constructor(nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /** Calls `onBatch` for each batch with afterSeq < seq <= untilSeq, in order. */
  async replay(symbol: string, afterSeq: number, untilSeq: number, onBatch: (batch: JournalBatch) => void): Promise<void> {
    if (untilSeq <= afterSeq) return;
    const consumer = await this.js.consumers.get(JOURNAL_STREAM, {
      filter_subjects: journalSubject(symbol),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSeq + 1,
    });
    const messages = await consumer.consume({ max_messages: 512 });
    try {
      for await (const msg of messages) {
        const decoded = decodeBatch(msg.string());
        if (!decoded.ok) throw new JournalCorruptError(msg.subject, msg.seq, decoded.reason);
        onBatch({ seq: msg.seq, entries: decoded.entries });
        if (msg.seq >= untilSeq) break;
      }
    } finally {
      await messages.close();
    }
  }
}
