import { JetStreamApiError, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalAppendError, JournalFencedError } from './journal-errors.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';

const WRONG_LAST_SEQUENCE = 10071;

/**
 * Appends batches with JetStream's expected-last-subject-sequence: the append only succeeds if the
 * symbol's journal still ends where this writer last saw it, so a deposed owner cannot write.
 */
export class JournalWriter {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.js = jetstream(nc, { timeout: timeoutMs });
  }

  /** Resolves with the stream seq of the stored batch. */
  async append(symbol: string, payload: string, expectedLastSeq: number): Promise<number> {
    try {
      const ack = await this.js.publish(journalSubject(symbol), payload, {
        expect: { lastSubjectSequence: expectedLastSeq },
        timeout: this.timeoutMs,
      });
      // Another stream capturing journal.> (a misconfiguration) would ack too: that is not our journal.
      if (ack.stream !== JOURNAL_STREAM) throw new Error(`batch was stored in stream ${ack.stream}, not ${JOURNAL_STREAM}`);
      return ack.seq;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) throw new JournalFencedError(symbol, expectedLastSeq, err);
      throw new JournalAppendError(symbol, err);
    }
  }
}
