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
   * Resolves once NATS has received everything `publish`ed so far (nats.js `flush()`: a PING
   * queued behind the messages, answered after the server has read them). Republishing waits for
   * it every REPUBLISH_WINDOW_BYTES, so a long unpublished tail never piles up in the connection's
   * outbound buffer. Without it, nothing bounds that backlog (see recoverSymbol).
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
 * connection's outbound buffer at once. Lease renewals, which share that connection, then waited
 * behind it and timed out, the lease lapsed, and the symbol was recovered again, and again: the
 * engine never became owner. With the window, the connection never holds more than two windows
 * of events, and a renewal waits behind at most that.
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
  // Republished payload bytes since the last flush was asked for, and that flush (pipelined: the
  // next window is written while the server reads the previous one).
  let unflushed = 0;
  let inFlight: Promise<void> | undefined;
  const publish = (subject: string, payload: string): void => {
    sources.publish(subject, payload);
    unflushed += payload.length + subject.length;
  };
  await sources.replay(spec.symbol, snapshotSeq, lastSeq, (batch) => {
    replayedCommands += batch.entries.length;
    if (batch.seq <= watermark) {
      // Already published: only the state change is needed, so no event or reply text is built.
      replayEntries(engine, batch.entries);
    } else {
      applyEntries(engine, batch.entries, (result) => {
        const events = result.events;
        for (let i = 0; i < events.length; i++) publish(events[i].subject, events[i].payload);
        republishedEvents += events.length;
      });
    }
    reached = batch.seq;
    if (unflushed < window || sources.flushPublished === undefined) return undefined;
    // A full window: ask for its flush, and wait for the previous window's.
    unflushed = 0;
    const previous = inFlight;
    inFlight = sources.flushPublished();
    inFlight.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
    return previous;
  });
  if (inFlight) await inFlight;
  if (reached < lastSeq) throw new Error(`${spec.symbol}: journal replay stopped at ${reached}, expected ${lastSeq}`);
  // Subject seqs are stream seqs: if old batches aged out, the snapshot may be ahead of lastSeq, and
  // the fence must still name the real last message (none: 0).
  return { engine, journalSeq: lastSeq, snapshotSeq, replayedCommands, republishedEvents };
}
