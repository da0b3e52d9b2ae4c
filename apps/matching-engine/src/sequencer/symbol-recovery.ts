import type { SymbolSpec } from '@trading/contracts';
import type { SymbolEngine, SymbolEngineState } from '@trading/order-book';
import { applyEntries, replayEntries } from '../journal/journal-format.js';
import type { JournalBatch } from '../journal/journal-reader.js';
import type { StoredSnapshot } from '../snapshots/snapshot-store.js';

export type SymbolEngineFactory = (spec: SymbolSpec, state?: SymbolEngineState) => SymbolEngine;

export interface RecoverySources {
  loadSnapshot(symbol: string): Promise<StoredSnapshot | undefined>;
  /** Stream seq of the symbol's newest journal batch (0 if none). */
  lastJournalSeq(symbol: string): Promise<number>;
  /** Journal seq up to which events are known to be published (0 if unknown). */
  publishedWatermark(symbol: string): Promise<number>;
  /** Calls `onBatch` per batch in order; a returned promise is awaited before the next batch. */
  replay(symbol: string, afterSeq: number, untilSeq: number, onBatch: (batch: JournalBatch) => void | Promise<void>): Promise<void>;
  publish(subject: string, payload: string): void;
  /**
   * Resolves once NATS has received everything `publish`ed so far, on the connection `publish`
   * uses (nats.js `flush()`: a PING queued behind the messages, answered after the server has
   * processed them; rejected if the connection is reset meanwhile). Recovery asks for it after
   * each republishing batch and waits for it every REPUBLISH_WINDOW_BYTES, so a long unpublished
   * tail never piles up in the connection's outbound buffer, and it returns only after the last
   * one. Without it, nothing bounds that backlog (see REPUBLISH_WINDOW_BYTES).
   */
  flushPublished?(): Promise<void>;
}

export interface RecoveryOptions {
  /** Payload bytes republished between two waits for `flushPublished` (default 4 MiB). */
  readonly republishWindowBytes?: number;
}

/**
 * How much republished payload may be on its way to NATS before recovery waits for the server.
 * A crash leaves at most about PROGRESS_INTERVAL_MS of commands above the watermark, but a
 * watermark that could not be written for a while (or a journal written by other means) leaves
 * millions: republishing 1,000,000 commands put about 2.2 M events (hundreds of MB) into the main
 * connection's outbound buffer at once. Lease renewals, which shared that connection, waited
 * behind it and timed out, the lease lapsed, and the symbol was recovered again, and again: the
 * engine never became owner. With the window a connection never holds more than about two
 * windows of one symbol's events. That alone is not enough when the event streams are at their
 * byte limit: nats-server (2.9) then reads a publishing connection so slowly that a request behind
 * even 1 MiB of events waited up to 2.6 s. So the engine republishes on its journal connection,
 * and lease renewals on the main one never wait behind a republish.
 */
export const REPUBLISH_WINDOW_BYTES = 4 * 1024 * 1024;

export interface RecoveredSymbol {
  readonly engine: SymbolEngine;
  /** The fencing baseline: the next append must expect this seq. */
  readonly journalSeq: number;
  readonly snapshotSeq: number;
  readonly replayedCommands: number;
  readonly republishedEvents: number;
}

/**
 * State = latest snapshot + the journal after it, each entry applied with its stored ts (so the
 * results are identical to the first time). Events of batches above the published watermark are
 * published again (full `apply`): they may never have left before the previous owner died. Batches
 * at or below it take `replay`, the same state change without encoding any event or reply.
 */
export async function recoverSymbol(spec: SymbolSpec, factory: SymbolEngineFactory, sources: RecoverySources, options: RecoveryOptions = {}): Promise<RecoveredSymbol> {
  const window = options.republishWindowBytes ?? REPUBLISH_WINDOW_BYTES;
  const [snapshot, lastSeq, watermark] = await Promise.all([
    sources.loadSnapshot(spec.symbol),
    sources.lastJournalSeq(spec.symbol),
    sources.publishedWatermark(spec.symbol),
  ]);
  const engine = factory(spec, snapshot?.state);
  const snapshotSeq = snapshot?.journalSeq ?? 0;
  let replayedCommands = 0;
  let republishedEvents = 0;
  let reached = snapshotSeq;
  // Flow control of republishing: a flush is asked for after every batch that republished (so a
  // reconnect that dropped unsent events always rejects a flush that covered them: nats.js rejects
  // every pending flush when it resets the connection), and every REPUBLISH_WINDOW_BYTES recovery
  // waits for the flush of the window before (pipelined: the server reads one window while the
  // next is written).
  let unflushed = 0;
  let lastFlush: Promise<void> | undefined;
  let windowFlush: Promise<void> | undefined;
  let flushFailure: { error: unknown } | undefined;
  const publish = (subject: string, payload: string): void => {
    sources.publish(subject, payload);
    unflushed += payload.length + subject.length;
  };
  await sources.replay(spec.symbol, snapshotSeq, lastSeq, (batch) => {
    if (flushFailure) throw flushFailure.error;
    replayedCommands += batch.entries.length;
    reached = batch.seq;
    if (batch.seq <= watermark) {
      // Already published: only the state change is needed, so no event or reply text is built.
      replayEntries(engine, batch.entries);
      return undefined;
    }
    applyEntries(engine, batch.entries, (result) => {
      const events = result.events;
      for (let i = 0; i < events.length; i++) publish(events[i].subject, events[i].payload);
      republishedEvents += events.length;
    });
    if (sources.flushPublished === undefined) return undefined;
    const flush = sources.flushPublished();
    flush.catch((error: unknown) => (flushFailure ??= { error })); // observed here; awaited below
    lastFlush = flush;
    if (unflushed < window) return undefined;
    unflushed = 0;
    const previous = windowFlush;
    windowFlush = flush;
    return previous;
  });
  // What replay left for later (the idempotency keys of orders that finished meanwhile) is done
  // now, inside recovery, not by the first live command.
  engine.finishReplay();
  // Everything republished has reached the server before the symbol is served: events published
  // later, on any connection, come after them (and so does the watermark).
  if (lastFlush) await lastFlush.catch(() => undefined);
  if (flushFailure) throw flushFailure.error;
  if (reached < lastSeq) throw new Error(`${spec.symbol}: journal replay stopped at ${reached}, expected ${lastSeq}`);
  // Subject seqs are stream seqs: if old batches aged out, the snapshot may be ahead of lastSeq, and
  // the fence must still name the real last message (none: 0).
  return { engine, journalSeq: lastSeq, snapshotSeq, replayedCommands, republishedEvents };
}
