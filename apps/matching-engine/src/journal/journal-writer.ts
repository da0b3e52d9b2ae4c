import { randomUUID } from 'node:crypto';
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JournalAppendError, JournalFencedError } from './journal-errors.js';
import { JOURNAL_STREAM, journalSubject } from './journal-stream.js';

const WRONG_LAST_SEQUENCE = 10071;
const NO_RESPONDERS_RETRY_MS = 50;

/** nats.js reports a JetStream publish that reached no responder as JetStreamNotEnabled. */
const isNoResponders = (err: unknown): boolean => err instanceof Error && err.name === 'JetStreamNotEnabled';
const isTimeout = (err: unknown): boolean => err instanceof Error && err.name === 'TimeoutError';
/** 503 "JetStream system temporarily unavailable": the stream has no leader at the moment, nothing stored. */
const isUnavailable = (err: unknown): boolean => err instanceof JetStreamApiError && err.status === 503;
const RECONNECTED = Symbol('reconnected');

/**
 * Appends batches with JetStream's expected-last-subject-sequence: the append only succeeds if the
 * symbol's journal still ends where this writer last saw it, so a deposed owner cannot write.
 */
export class JournalWriter {
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;
  /** Resolves at the next NATS reconnect (then replaced): an append in flight across it is sent again at once. */
  private reconnected!: Promise<typeof RECONNECTED>;
  private signalReconnect!: () => void;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.js = jetstream(nc, { timeout: timeoutMs });
    this.armReconnect();
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'reconnect') this.signalReconnect();
      }
    })().catch(() => undefined);
  }

  /** The seq of the subject's last batch if it is the copy sent with `msgID`, else 'other'. */
  private async lastBatchIfOurs(symbol: string, msgID: string): Promise<number | 'other'> {
    this.jsm ??= await jetstreamManager(this.nc, { timeout: this.timeoutMs, checkAPI: false });
    const last = await this.jsm.streams.getMessage(JOURNAL_STREAM, { last_by_subj: journalSubject(symbol) });
    return last && last.header?.get('Nats-Msg-Id') === msgID ? last.seq : 'other';
  }

  private armReconnect(): void {
    this.reconnected = new Promise((resolve) => {
      this.signalReconnect = () => {
        this.armReconnect();
        resolve(RECONNECTED);
      };
    });
  }

  /**
   * Resolves with the stream seq of the stored batch. `keepTrying` (the owner still holds the lease)
   * lets a batch wait out a stream leader election instead of failing the symbol (which costs a full
   * recovery):
   * - "no responders" or 503 (no stream leader): nobody stored the batch; sent again after 50 ms.
   * - a timeout, or a NATS reconnect while the append was in flight (its answer, if any, went to the
   *   dead connection: waiting for the timeout would stop the symbol for `timeoutMs`): the batch may
   *   be stored. It is sent again with the same `Nats-Msg-Id`, unique to this batch of this writer, so
   *   the stream's duplicate window answers with the first copy's seq if that one was stored. On a
   *   cluster nats-server 2.9 answers "wrong last sequence" instead (it checks the expected sequence
   *   first; seen after a node kill): the subject's last message is read then, and if it carries our
   *   `Nats-Msg-Id` the batch is stored there (success), if not another writer appended (fenced). If
   *   that read fails too, the resend and the read are repeated while `keepTrying`, else it is a plain
   *   failure and the symbol is rebuilt from the journal.
   */
  async append(symbol: string, payload: string, expectedLastSeq: number, keepTrying?: () => boolean): Promise<number> {
    const deadline = Date.now() + this.timeoutMs;
    const msgID = `${symbol}:${expectedLastSeq}:${randomUUID()}`;
    let timedOut = false;
    for (;;) {
      try {
        const published = this.js.publish(journalSubject(symbol), payload, {
          expect: { lastSubjectSequence: expectedLastSeq },
          msgID,
          // Past the deadline only while keepTrying: each further attempt gets the full timeout.
          timeout: deadline - Date.now() > 0 ? deadline - Date.now() : this.timeoutMs,
        });
        const ack = await Promise.race([published, this.reconnected]);
        if (ack === RECONNECTED) {
          published.catch(() => undefined); // its answer, if it ever comes, is not needed
          timedOut = true;
          if (Date.now() < deadline || keepTrying?.() === true) continue;
          throw new Error('NATS reconnected while the append was in flight');
        }
        // Another stream capturing journal.> (a misconfiguration) would ack too: that is not our journal.
        if (ack.stream !== JOURNAL_STREAM) throw new Error(`batch was stored in stream ${ack.stream}, not ${JOURNAL_STREAM}`);
        return ack.seq;
      } catch (err) {
        const nothingStored = isNoResponders(err) || isUnavailable(err);
        if (nothingStored && (Date.now() + NO_RESPONDERS_RETRY_MS < deadline || keepTrying?.() === true)) {
          await new Promise((resolve) => setTimeout(resolve, NO_RESPONDERS_RETRY_MS));
          continue;
        }
        if (isTimeout(err) && keepTrying?.() === true) {
          timedOut = true;
          continue;
        }
        if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) {
          if (!timedOut) throw new JournalFencedError(symbol, expectedLastSeq, err);
          // Ambiguous (nats-server 2.9 checks the expected sequence before the duplicate window): is
          // the subject's last batch our first copy? Then it is stored, at that seq.
          let stored: number | 'other';
          try {
            stored = await this.lastBatchIfOurs(symbol, msgID);
          } catch (readErr) {
            if (keepTrying?.() === true) {
              await new Promise((resolve) => setTimeout(resolve, NO_RESPONDERS_RETRY_MS));
              continue; // the resend meets "wrong last sequence" again, and the read is tried again
            }
            throw new JournalAppendError(symbol, readErr);
          }
          if (stored === 'other') throw new JournalFencedError(symbol, expectedLastSeq, err);
          return stored;
        }
        throw new JournalAppendError(symbol, err);
      }
    }
  }
}
