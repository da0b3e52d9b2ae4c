import type { SymbolSpec } from '@trading/contracts';
import type { SymbolEngine, SymbolEngineState } from '@trading/order-book';
import type { JournalBatch } from '../journal/journal-reader.js';
import type { StoredSnapshot } from '../snapshots/snapshot-store.js';

export type SymbolEngineFactory = (spec: SymbolSpec, state?: SymbolEngineState) => SymbolEngine;

export interface RecoverySources {
  loadSnapshot(symbol: string): Promise<StoredSnapshot | undefined>;
  /** Stream seq of the symbol's newest journal batch (0 if none). */
  lastJournalSeq(symbol: string): Promise<number>;
  /** Journal seq up to which events are known to be published (0 if unknown). */
  publishedWatermark(symbol: string): Promise<number>;
  replay(symbol: string, afterSeq: number, untilSeq: number, onBatch: (batch: JournalBatch) => void): Promise<void>;
  publish(subject: string, payload: string): void;
}

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
export async function recoverSymbol(spec: SymbolSpec, factory: SymbolEngineFactory, sources: RecoverySources): Promise<RecoveredSymbol> {
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
  await sources.replay(spec.symbol, snapshotSeq, lastSeq, (batch) => {
    const entries = batch.entries;
    replayedCommands += entries.length;
    if (batch.seq <= watermark) {
      // Already published: only the state change is needed, so no event or reply text is built.
      for (let i = 0; i < entries.length; i++) engine.replay(entries[i].command, entries[i].ts);
    } else {
      for (let i = 0; i < entries.length; i++) {
        const events = engine.apply(entries[i].command, entries[i].ts).events;
        for (const event of events) sources.publish(event.subject, event.payload);
        republishedEvents += events.length;
      }
    }
    reached = batch.seq;
  });
  if (reached < lastSeq) throw new Error(`${spec.symbol}: journal replay stopped at ${reached}, expected ${lastSeq}`);
  // Subject seqs are stream seqs: if old batches aged out, the snapshot may be ahead of lastSeq, and
  // the fence must still name the real last message (none: 0).
  return { engine, journalSeq: lastSeq, snapshotSeq, replayedCommands, republishedEvents };
}
