import { describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine } from '@trading/order-book';
import { encodeBatch, encodeBatchV1, encodeEntry, encodeEntryV1 } from '../src/journal/journal-format.js';
import { ensureJournalStream, journalSubject } from '../src/journal/journal-stream.js';
import { engineTestBed, record, waitForLogs, waitForRoles } from './engine-harness.js';

/**
 * Recovery republishing a long unpublished tail (issue 3): the journal holds 36,000 commands of one
 * symbol and no watermark, as after a crash that never saved one, so every event (about 88,000,
 * some 30 MB) goes out again while the engine recovers. Republishing all of it at once used to
 * pile it into the main connection's outbound buffer; lease renewals (same connection) waited
 * behind it, the lease lapsed mid-recovery and the symbol was recovered again and again. Now the
 * events go out on the journal connection and recovery waits for the server every few MiB. With
 * the 1.5 s lease of the test engines, the symbol must become owner without ever stepping down,
 * and every event must arrive exactly once, in order, byte for byte what the first run published.
 * The first half of the journal is in the old batch format (version 1), the second in the current
 * one: a journal that lived through the upgrade. (At this size the old code passed as well; the
 * failure needed about 2 M events into full resume-window streams: bench/engine/replay.mjs with
 * BENCH_REPLAY_UNPUBLISHED=1, figures in docs/benchmarks.md.)
 */
const SYMBOL = 'RPB-USD';
const spec = createSymbolSpec(SYMBOL, '0.01', '0.001');
const COMMANDS = 36_000;
const BATCH = 1000;

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** The first owner's run: journal entries of the accepted commands and every event, in order. */
function firstRun() {
  const engine = createSymbolEngine(spec);
  const random = rng(7);
  const entries: { ts: number; command: TradingCommand }[] = [];
  const events: string[] = [];
  const placed: { userId: string; clientOrderId: string; orderId?: string }[] = [];
  for (let i = 0; entries.length < COMMANDS; i++) {
    const userId = `u${Math.floor(random() * 40)}`;
    const r = random();
    let command: TradingCommand;
    if (r < 0.55 || placed.length === 0) {
      const buy = random() < 0.5;
      const cross = random() < 0.15;
      const offset = 1 + Math.floor(random() * 50);
      const ticks = 10_000 + (buy ? -offset : offset) * (cross ? -1 : 1);
      command = {
        type: 'place',
        userId,
        clientOrderId: `c${i}`,
        side: buy ? 'buy' : 'sell',
        orderType: 'limit',
        price: (ticks / 100).toFixed(2),
        quantity: ((1 + Math.floor(random() * 20)) / 1000).toFixed(3),
        ...(cross ? { timeInForce: 'IOC' as const } : {}),
      };
    } else {
      const target = placed[Math.floor(random() * placed.length)];
      command = random() < 0.5 && target.orderId ? { type: 'cancel', userId: target.userId, orderId: target.orderId } : { type: 'cancel', userId: target.userId, clientOrderId: target.clientOrderId };
    }
    const ts = 1_764_000_000_000 + i;
    const result = engine.apply(command, ts);
    if (!result.changedState) continue;
    entries.push({ ts, command });
    for (const e of result.events) events.push(`${e.subject} ${e.payload}`);
    if (command.type === 'place') placed.push({ userId, clientOrderId: command.clientOrderId, orderId: (result.reply as { order?: { orderId: string } }).order?.orderId });
  }
  return { entries, events };
}

describe('republishing a long unpublished journal tail', () => {
  const bed = engineTestBed();

  it('the engine becomes owner without losing its lease, and every event arrives once, in order', async () => {
    const { entries, events } = firstRun();
    expect(events.length).toBeGreaterThan(80_000);

    await ensureJournalStream(bed.nc, { maxAgeSeconds: 0, replicas: 1 });
    const js = jetstream(bed.nc);
    for (let i = 0; i < entries.length; i += BATCH) {
      const slice = entries.slice(i, i + BATCH);
      const text = i < entries.length / 2 ? encodeBatchV1(slice.map((e) => encodeEntryV1(e.ts, e.command))) : encodeBatch(slice.map((e) => encodeEntry(e.ts, e.command)));
      await js.publish(journalSubject(SYMBOL), text);
    }

    const seen = record(bed.nc, 'trading.>');
    await bed.nc.flush();
    const engine = await bed.start('republisher', { NATS_URL: bed.nats.url, SYMBOLS: `${SYMBOL}:0.01:0.001` });
    await waitForRoles(engine, [SYMBOL], 'owner', 90_000);
    const [owner] = await waitForLogs(engine, 'owner of symbol');
    expect(owner).toMatchObject({ symbol: SYMBOL, replayedCommands: entries.length, republishedEvents: events.length });
    // Never stepped down (a retried renewal is fine; a lapse would have recovered, and republished, again).
    expect(engine.service.logs).not.toContain('"msg":"no longer owner of symbol"');

    // Owner is said after a flush on the same connection, so everything republished has reached the server.
    await bed.nc.flush();
    const deadline = Date.now() + 10_000;
    while (seen.messages.length < events.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    seen.stop();
    const got = seen.messages.map((m) => `${m.subject} ${m.text}`);
    expect(got.length).toBe(events.length);
    // Compared in slices, so that a failure prints the first difference rather than 100,000 lines.
    for (let i = 0; i < events.length; i += 5000) expect(got.slice(i, i + 5000)).toEqual(events.slice(i, i + 5000));

    // The resume-window streams stored each event once as well (last_seq: stored ever, whatever the limits dropped since).
    const jsm = await jetstreamManager(bed.nc);
    const stored = (await jsm.streams.info('TRADING_EVENTS_PRIVATE')).state.last_seq + (await jsm.streams.info('TRADING_EVENTS_PUBLIC')).state.last_seq;
    expect(stored).toBe(events.length);
  }, 150_000);
});
