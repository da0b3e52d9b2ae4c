import { ClientErrorCode } from '@trading/contracts';
import type { BookSync } from '../books/book-sync.js';
import type { GatewayContext } from '../gateway-context.js';
import { RESUME_MAX_EVENTS } from './topic-resume.js';

/** What a book resume needs from its connection. */
export interface BookResumeHost {
  /** False once the connection closed or dropped the book: stop quietly. */
  wants(): boolean;
  sendFrame(frame: Uint8Array | string): boolean;
  refuse(code: ClientErrorCode, message: string): void;
  /** Joins the book's topic (live deltas from here on); called synchronously after the last buffered frame. */
  goLive(): void;
}

/**
 * `book` subscription with `fromSeq` N, started at the moment the local book is at seq L (the
 * snapshot the client would otherwise get is `snapshotFrame`):
 * - N = L: the client is up to date: join the topic, no snapshot;
 * - N < L: the deltas N+1..L from JetStream (retention stream), then live; the book's frames
 *   published meanwhile are buffered and sent before joining the topic;
 * - deltas not all retained (older than the window, or more than RESUME_MAX_EVENTS):
 *   RESUME_UNAVAILABLE and the snapshot at L instead;
 * - N > L (the client claims more than the engine published): the snapshot, which resets it.
 */
export async function resumeBook(ctx: GatewayContext, host: BookResumeHost, book: BookSync, fromSeq: number, snapshotFrame: string): Promise<void> {
  const current = book.replica.seq;
  if (fromSeq === current) return host.goLive();
  if (fromSeq > current) {
    if (host.sendFrame(snapshotFrame)) host.goLive();
    return;
  }
  const buffer: (Uint8Array | string)[] = [];
  const untap = book.tap((frame) => buffer.push(frame));
  try {
    const deltas = await retainedDeltas(ctx, book.topic, fromSeq, current);
    if (!host.wants()) return;
    if (deltas) {
      ctx.metrics.resumes.labels('replayed').inc();
      for (const delta of deltas) if (!host.sendFrame(delta)) return;
      ctx.metrics.resumeEvents.inc(deltas.length);
    } else {
      ctx.metrics.resumes.labels('unavailable').inc();
      host.refuse(ClientErrorCode.RESUME_UNAVAILABLE, `cannot replay ${book.symbol} book deltas after ${fromSeq}; a fresh snapshot follows`);
      if (!host.sendFrame(snapshotFrame)) return;
    }
    // Frames published while replaying: deltas after L (and resync snapshots), in order.
    for (const frame of buffer) if (!host.sendFrame(frame)) return;
    host.goLive();
  } finally {
    untap();
  }
}

/** The bytes of deltas seq N+1..L exactly (contiguous), or undefined when the stream cannot give them all. */
async function retainedDeltas(ctx: GatewayContext, subject: string, after: number, upTo: number): Promise<Uint8Array[] | undefined> {
  if (upTo - after > RESUME_MAX_EVENTS) return undefined;
  try {
    const start = await ctx.history.findStart(subject, after);
    if (start.kind !== 'replay') return undefined;
    const out: Uint8Array[] = [];
    let expected = after + 1;
    let position = start.streamSeq;
    while (expected <= upTo) {
      const event = await ctx.history.read(subject, position);
      if (!event) return undefined;
      position = event.streamSeq + 1;
      if (event.seq < expected) continue; // a repeat after an engine crash
      if (event.seq > expected) return undefined;
      out.push(event.data);
      expected++;
    }
    return out;
  } catch (err) {
    ctx.log.warn({ err, subject }, 'book resume: event history not readable');
    return undefined;
  }
}
