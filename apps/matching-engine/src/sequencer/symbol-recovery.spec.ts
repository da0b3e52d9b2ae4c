import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngine, type SymbolEngineState } from '@trading/order-book';
import { batchEntries, decodeBatch, encodeBatch, encodeBatchV1, encodeEntry, encodeEntryV1, type JournalEntry } from '../journal/journal-format.js';
import type { JournalBatch } from '../journal/journal-reader.js';
import { recoverSymbol, type RecoverySources } from './symbol-recovery.js';

/**
 * recoverSymbol with the real matching core and an in-memory journal (the NATS side is covered by
 * test/engine-recovery.spec.ts): batches at or below the published watermark go through the
 * silent `replay`, the ones above through `apply` with their events published again, byte for byte
 * what the first owner published; the state is the uninterrupted run's either way.
 */
const spec = createSymbolSpec('BTC-USD', '0.01', '0.0001');

function commands(n: number): TradingCommand[] {
  const out: TradingCommand[] = [];
  for (let i = 0; i < n; i++) {
    const user = `u${i % 3}`;
    if (i % 5 === 4) out.push({ type: 'cancel', userId: `u${(i - 2) % 3}`, clientOrderId: `c${i - 2}` } as TradingCommand);
    else out.push({ type: 'place', userId: user, clientOrderId: `c${i}`, side: i % 2 ? 'sell' : 'buy', orderType: 'limit', price: `${100 + (i % 4) - 2}.00`, quantity: '0.5000', ...(i % 7 === 0 ? { timeInForce: 'IOC' } : {}) } as TradingCommand);
  }
  return out;
}

/**
 * Which journal format each batch is written in: a journal written before the version-2 change
 * holds version-1 batches, and one that lived through the upgrade holds both.
 */
type Formats = 'v1' | 'v2' | 'mixed';

/** A batch as the reader hands it over: encoded in the batch's version and decoded again. */
function stored(seq: number, entries: readonly JournalEntry[], version: 1 | 2): JournalBatch {
  const text = version === 1 ? encodeBatchV1(entries.map((e) => encodeEntryV1(e.ts, e.command))) : encodeBatch(entries.map((e) => encodeEntry(e.ts, e.command)));
  const decoded = decodeBatch(text);
  if (!decoded.ok) throw new Error(decoded.reason);
  expect(decoded.batch.version).toBe(version);
  return { seq, entries: decoded.batch };
}

const entriesOf = (b: JournalBatch): JournalEntry[] => batchEntries(b.entries);

/** The first owner: applies everything, journals accepted commands in batches of 10, records events per batch. */
function firstOwner(all: readonly TradingCommand[], formats: Formats = 'v2') {
  const engine = createSymbolEngine(spec);
  const batches: JournalBatch[] = [];
  const eventsBySeq = new Map<number, string[]>();
  let entries: JournalEntry[] = [];
  let events: string[] = [];
  const close = () => {
    const seq = batches.length + 1;
    // mixed: runs of three old batches, then new ones, and back (as if an old build wrote again).
    const version = formats === 'v1' || (formats === 'mixed' && Math.floor(seq / 3) % 2 === 0) ? 1 : 2;
    batches.push(stored(seq, entries, version));
    eventsBySeq.set(seq, events);
    entries = [];
    events = [];
  };
  all.forEach((command, i) => {
    const ts = 1_700_000_000_000 + i;
    const r = engine.apply(command, ts);
    if (!r.changedState) return;
    entries.push({ ts, command });
    events.push(...r.events.map((e) => `${e.subject} ${e.payload}`));
    if (entries.length === 10) close();
  });
  if (entries.length > 0) close();
  return { engine, batches, eventsBySeq };
}

async function recover(batches: readonly JournalBatch[], watermark: number, snapshot?: { journalSeq: number; state: SymbolEngineState }) {
  const published: string[] = [];
  const calls = { apply: 0, replay: 0 };
  const factory = (s: typeof spec, state?: SymbolEngineState): SymbolEngine => {
    const engine = createSymbolEngine(s, state);
    const apply = engine.apply.bind(engine);
    const replay = engine.replay.bind(engine);
    // (replay runs through apply internally: count only the calls recovery makes.)
    let inReplay = false;
    engine.apply = (c, ts) => (inReplay || calls.apply++, apply(c, ts));
    engine.replay = (c, ts, validated, accepted) => {
      calls.replay++;
      inReplay = true;
      try {
        return replay(c, ts, validated, accepted);
      } finally {
        inReplay = false;
      }
    };
    return engine;
  };
  const recovered = await recoverSymbol(spec, factory, {
    loadSnapshot: async () => (snapshot ? { v: 1, symbol: spec.symbol, journalSeq: snapshot.journalSeq, savedAt: 0, state: snapshot.state } : undefined),
    lastJournalSeq: async () => batches.length,
    publishedWatermark: async () => watermark,
    replay: async (_symbol, after, until, onBatch) => {
      for (const b of batches) if (b.seq > after && b.seq <= until) await onBatch(b);
    },
    publish: (subject, payload) => published.push(`${subject} ${payload}`),
  });
  return { recovered, published, calls };
}

describe.each(['v2', 'v1', 'mixed'] as const)('recoverSymbol, journal batches %s', (formats) => {
  const { engine, batches, eventsBySeq } = firstOwner(commands(400), formats);
  const entriesUpTo = (seq: number) => batches.filter((b) => b.seq <= seq).reduce((n, b) => n + b.entries.length, 0);
  const total = entriesUpTo(batches.length);

  it('replays silently up to the watermark and republishes the exact events above it', async () => {
    expect(batches.length).toBeGreaterThan(20);
    const watermark = batches.length - 4;
    const { recovered, published, calls } = await recover(batches, watermark);
    expect(JSON.stringify(recovered.engine.exportState())).toBe(JSON.stringify(engine.exportState()));
    const expected = batches.filter((b) => b.seq > watermark).flatMap((b) => eventsBySeq.get(b.seq)!);
    expect(expected.length).toBeGreaterThan(0);
    expect(published).toEqual(expected);
    expect(calls).toEqual({ replay: entriesUpTo(watermark), apply: total - entriesUpTo(watermark) });
    expect(recovered).toMatchObject({ journalSeq: batches.length, snapshotSeq: 0, replayedCommands: total, republishedEvents: expected.length });
  });

  it('with the watermark at the end publishes nothing; at 0 republishes every event', async () => {
    const silent = await recover(batches, batches.length);
    expect(silent.published).toEqual([]);
    expect(silent.calls).toEqual({ replay: total, apply: 0 });
    expect(JSON.stringify(silent.recovered.engine.exportState())).toBe(JSON.stringify(engine.exportState()));
    const loud = await recover(batches, 0);
    expect(loud.published).toEqual(batches.flatMap((b) => eventsBySeq.get(b.seq)!));
    expect(loud.calls).toEqual({ replay: 0, apply: total });
  });

  it('starts after the snapshot, and idempotent retries of replayed places return the original replies', async () => {
    // The snapshot is the first owner's state after batch 10.
    const head = createSymbolEngine(spec);
    for (const b of batches.slice(0, 10)) for (const e of entriesOf(b)) head.apply(e.command, e.ts);
    const { recovered, calls } = await recover(batches, batches.length, { journalSeq: 10, state: head.exportState() });
    expect(calls).toEqual({ replay: total - entriesUpTo(10), apply: 0 });
    expect(recovered.snapshotSeq).toBe(10);
    const reference = firstOwner(commands(400), formats).engine;
    for (const b of batches.slice(-3)) {
      for (const e of entriesOf(b)) {
        const retry = recovered.engine.apply(e.command, 1_800_000_000_000);
        expect(retry.replyJson).toBe(reference.apply(e.command, 1_800_000_000_000).replyJson);
      }
    }
  });
});

describe('recoverSymbol republishing a long tail', () => {
  const { batches, eventsBySeq } = firstOwner(commands(3000));
  const all = batches.flatMap((b) => eventsBySeq.get(b.seq)!);

  it('waits for the server every window: never more than two windows (and a batch) unconfirmed', async () => {
    const window = 8 * 1024;
    const published: string[] = [];
    let sent = 0;
    let confirmed = 0;
    let mostAhead = 0;
    let flushes = 0;
    const sources: RecoverySources = {
      loadSnapshot: async () => undefined,
      lastJournalSeq: async () => batches.length,
      publishedWatermark: async () => 0,
      replay: async (_symbol, after, until, onBatch) => {
        for (const b of batches) if (b.seq > after && b.seq <= until) await onBatch(b);
      },
      publish: (subject, payload) => {
        published.push(`${subject} ${payload}`);
        sent += subject.length + payload.length;
        mostAhead = Math.max(mostAhead, sent - confirmed);
      },
      // The server confirms what was sent when the flush was asked for, a little later.
      flushPublished: () => {
        flushes++;
        const upTo = sent;
        return new Promise((resolve) =>
          setTimeout(() => {
            confirmed = Math.max(confirmed, upTo);
            resolve();
          }, 1),
        );
      },
    };
    const recovered = await recoverSymbol(spec, (s, state) => createSymbolEngine(s, state), sources, { republishWindowBytes: window });
    expect(published).toEqual(all);
    expect(recovered.republishedEvents).toBe(all.length);
    const biggestBatch = Math.max(...batches.map((b) => eventsBySeq.get(b.seq)!.reduce((n, e) => n + e.length, 0)));
    // One flush per republishing batch: a reconnect that dropped events always fails one that covered them.
    expect(flushes).toBe(batches.length);
    expect(mostAhead).toBeLessThanOrEqual(2 * (window + biggestBatch));
  });

  it('a failed flush fails the recovery (the events may not have reached NATS)', async () => {
    let calls = 0;
    const sources: RecoverySources = {
      loadSnapshot: async () => undefined,
      lastJournalSeq: async () => batches.length,
      publishedWatermark: async () => 0,
      replay: async (_symbol, after, until, onBatch) => {
        for (const b of batches) if (b.seq > after && b.seq <= until) await onBatch(b);
      },
      publish: () => undefined,
      flushPublished: () => (++calls === 2 ? Promise.reject(new Error('connection closed')) : Promise.resolve()),
    };
    await expect(recoverSymbol(spec, (s, state) => createSymbolEngine(s, state), sources, { republishWindowBytes: 4096 })).rejects.toThrow('connection closed');
  });
});
