import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { eventStreamOf } from '@trading/contracts';
import type { NatsConnection } from '../nats/nats-link.js';
import { eventSeq } from './event-seq.js';

export interface StoredEvent {
  readonly data: Uint8Array;
  /** Position in the stream (not the event's seq). */
  readonly streamSeq: number;
  readonly seq: number;
}

/** Where the replay of one subject after event seq N starts. */
export type ResumeStart =
  /** Nothing newer than N is retained: no replay, live only. */
  | { kind: 'up-to-date' }
  /** The first retained event after N is at this stream position. */
  | { kind: 'replay'; streamSeq: number; lastSeq: number }
  /** Events after N are no longer retained (or too many to replay). */
  | { kind: 'unavailable'; reason: string };

/**
 * Reads the retention streams (`TRADING_EVENTS_*`) one message at a time with "next message on
 * subject from stream position X": no consumer is created, so resuming costs the server nothing
 * once it is done, and thousands of clients can resume at once.
 */
export class StreamHistory {
  private jsmPromise?: Promise<JetStreamManager>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly maxEvents: number,
  ) {}

  private jsm(): Promise<JetStreamManager> {
    // checkAPI false: no $JS.API.INFO round trip (and no permission needed for it).
    this.jsmPromise ??= jetstreamManager(this.nc, { checkAPI: false }).catch((err: unknown) => {
      this.jsmPromise = undefined;
      throw err;
    });
    return this.jsmPromise;
  }

  /**
   * Finds the stream position of the first retained event of `subject` with seq > afterSeq. A
   * binary search over stream positions (log2 of the stream's size in reads): within a subject the
   * seqs grow with the position, except after an engine crash, when a run of already-published
   * seqs is repeated; any position the search lands on then still starts a run that continues
   * without a gap to the newest event, and the switch to live drops what the client already has.
   */
  async findStart(subject: string, afterSeq: number): Promise<ResumeStart> {
    const stream = streamName(subject);
    const last = await this.next(stream, subject, undefined, 'last');
    if (!last) return afterSeq === 0 ? { kind: 'up-to-date' } : { kind: 'unavailable', reason: 'no retained events' };
    if (last.seq <= afterSeq) return { kind: 'up-to-date' };
    if (last.seq - afterSeq > this.maxEvents) return { kind: 'unavailable', reason: `more than ${this.maxEvents} events to replay` };
    const first = await this.next(stream, subject, 1);
    if (!first) return { kind: 'unavailable', reason: 'no retained events' };
    if (first.seq > afterSeq + 1) return { kind: 'unavailable', reason: `oldest retained seq is ${first.seq}` };
    let lo = first.streamSeq;
    let hi = last.streamSeq;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const found = await this.next(stream, subject, mid);
      if (!found) return { kind: 'unavailable', reason: 'the stream changed during the search' };
      if (found.seq > afterSeq) hi = Math.min(mid, found.streamSeq);
      else lo = found.streamSeq + 1;
    }
    return { kind: 'replay', streamSeq: lo, lastSeq: last.seq };
  }

  /** The first retained event of `subject` at stream position >= `from`, or undefined at the end. */
  read(subject: string, from: number): Promise<StoredEvent | undefined> {
    return this.next(streamName(subject), subject, from);
  }

  private async next(stream: string, subject: string, from: number | undefined, which: 'next' | 'last' = 'next'): Promise<StoredEvent | undefined> {
    const jsm = await this.jsm();
    // Direct get (the streams allow it): any replica answers, and "not found" is a plain null.
    const msg = await jsm.direct.getMessage(stream, which === 'last' ? { last_by_subj: subject } : { next_by_subj: subject, seq: from ?? 1 });
    if (!msg) return undefined;
    const seq = eventSeq(msg.data);
    // A message in an event stream that is not an event (someone published junk): treat as seq 0 so
    // it sorts before everything and is never sent (the switch drops seq <= last delivered).
    return { data: msg.data, streamSeq: msg.seq, seq: seq ?? 0 };
  }
}

function streamName(subject: string): string {
  const stream = eventStreamOf(subject);
  if (!stream) throw new Error(`no event stream retains ${subject}`);
  return stream.name;
}
