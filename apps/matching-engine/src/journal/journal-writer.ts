import { randomUUID } from 'node:crypto';
import { JetStreamApiError, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalAppendError, JournalFencedError } from './journal-errors.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';

const WRONG_LAST_SEQUENCE = 10071;
const NO_RESPONDERS_RETRY_MS = 50;

/** nats.js reports a JetStream publish that reached no responder as JetStreamNotEnabled. */
const isNoResponders = (err: unknown): boolean => err instanceof Error && err.name === 'JetStreamNotEnabled';
const isTimeout = (err: unknown): boolean => err instanceof Error && err.name === 'TimeoutError';

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

  /**
   * Resolves with the stream seq of the stored batch. `keepTrying` (the owner still holds the lease)
   * lets a batch wait out a stream leader election instead of failing the symbol (which costs a full
   * recovery):
   * - "no responders": nobody received the batch, so it is surely not stored; sent again after 50 ms.
   * - a timeout: the batch may be stored. It is sent again with the same `Nats-Msg-Id`, unique to this
   *   batch of this writer, so the stream's duplicate window answers with the first copy's seq if that
   *   one was stored. Should the server still answer "wrong last sequence", that is ambiguous (our own
   *   first copy, or really another writer): reported as a plain failure, and the symbol is rebuilt
   *   from the journal.
   */
  async append(symbol: string, payload: string, expectedLastSeq: number, keepTrying?: () => boolean): Promise<number> {
    const deadline = Date.now() + this.timeoutMs;
    const msgID = `${symbol}:${expectedLastSeq}:${randomUUID()}`;
    let timedOut = false;
    for (;;) {
      try {
        const ack = await this.js.publish(journalSubject(symbol), payload, {
          expect: { lastSubjectSequence: expectedLastSeq },
          msgID,
          // Past the deadline only while keepTrying: each further attempt gets the full timeout.
          timeout: deadline - Date.now() > 0 ? deadline - Date.now() : this.timeoutMs,
        });
        // Another stream capturing journal.> (a misconfiguration) would ack too: that is not our journal.
        if (ack.stream !== JOURNAL_STREAM) throw new Error(`batch was stored in stream ${ack.stream}, not ${JOURNAL_STREAM}`);
        return ack.seq;
      } catch (err) {
        const noResponders = isNoResponders(err);
        if (noResponders && (Date.now() + NO_RESPONDERS_RETRY_MS < deadline || keepTrying?.() === true)) {
          await new Promise((resolve) => setTimeout(resolve, NO_RESPONDERS_RETRY_MS));
          continue;
        }
        if (isTimeout(err) && keepTrying?.() === true) {
          timedOut = true;
          continue;
        }
        if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE && !timedOut) throw new JournalFencedError(symbol, expectedLastSeq, err);
        throw new JournalAppendError(symbol, err);
      }
    }
  }
}
