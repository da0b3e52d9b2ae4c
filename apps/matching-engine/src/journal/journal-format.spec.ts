import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngine } from '@trading/order-book';
import { goldenCommands } from '../../../../libs/order-book/test/golden-stream.js';
import {
  JOURNAL_FORMAT_VERSION,
  applyEntries,
  batchEntries,
  decodeBatch,
  encodeBatch,
  encodeBatchV1,
  encodeEntry,
  encodeEntryV1,
  replayEntries,
  type JournalEntries,
  type JournalEntry,
} from './journal-format.js';

/**
 * The journal's batch formats: version 2 (positional, written now) and version 1 (objects, still
 * in older journals) must decode to the same commands and replay to the same state and bytes.
 * The command stream is the core's golden stream (every order type, time in force, post-only,
 * stp mode, cancels by both ids, retries, refusals); as in the engine, only commands that changed
 * state are journaled.
 */
const BTC = createSymbolSpec('BTC-USD', '0.01', '0.0001');
const TS0 = 1_764_110_000_000;

function reference() {
  const engine = createSymbolEngine(BTC);
  const entries: JournalEntry[] = [];
  const events: string[] = [];
  goldenCommands().forEach((command, i) => {
    const ts = TS0 + i;
    const result = engine.apply(command as TradingCommand, ts);
    if (!result.changedState) return;
    entries.push({ ts, command: command as TradingCommand });
    for (const e of result.events) events.push(`${e.subject} ${e.payload}`);
  });
  return { engine, entries, events };
}

type Layout = 'v1' | 'v2' | 'mixed';

/** Journals `entries` in batches of 50, each encoded in its version, and decodes them again. */
function journal(entries: readonly JournalEntry[], layout: Layout): JournalEntries[] {
  const out: JournalEntries[] = [];
  for (let i = 0; i < entries.length; i += 50) {
    const slice = entries.slice(i, i + 50);
    const v1 = layout === 'v1' || (layout === 'mixed' && (i / 50) % 2 === 0);
    const text = v1 ? encodeBatchV1(slice.map((e) => encodeEntryV1(e.ts, e.command))) : encodeBatch(slice.map((e) => encodeEntry(e.ts, e.command)));
    const decoded = decodeBatch(text);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.batch.version).toBe(v1 ? 1 : 2);
    expect(decoded.batch.length).toBe(slice.length);
    out.push(decoded.batch);
  }
  return out;
}

const state = (engine: SymbolEngine): string => JSON.stringify(engine.exportState());

describe('journal batch format', () => {
  const ref = reference();

  it('the writer produces version 2; both versions decode to the commands as sequenced', () => {
    expect(JOURNAL_FORMAT_VERSION).toBe(2);
    expect(encodeBatch([encodeEntry(1, { type: 'cancel', userId: 'u', orderId: 'BTC-USD-1' })])).toBe('{"v":2,"e":[1,1,"u","BTC-USD-1"]}');
    expect(ref.entries.length).toBeGreaterThan(2000);
    for (const layout of ['v1', 'v2', 'mixed'] as const) {
      expect(journal(ref.entries, layout).flatMap(batchEntries)).toEqual(ref.entries);
    }
  });

  it('version 2 is the documented positional layout, absent optional fields distinct from defaults', () => {
    const place = { type: 'place', userId: 'alice', clientOrderId: 'c1', side: 'sell', orderType: 'limit', price: '100.00', quantity: '1.0000' } as const;
    expect(encodeEntry(7, place)).toBe('7,0,"alice","c1",1,"100.00","1.0000"');
    // GTC (1 << 2) + postOnly true (2 << 4) + stp expire_both (4 << 6); buy limit.
    expect(encodeEntry(7, { ...place, side: 'buy', timeInForce: 'GTC', postOnly: true, stp: 'expire_both' })).toBe(`7,0,"alice","c1",${4 + 32 + 256},"100.00","1.0000"`);
    expect(encodeEntry(7, { type: 'place', userId: 'a', clientOrderId: 'm', side: 'buy', orderType: 'market', quantity: '2', timeInForce: 'FOK' })).toBe(`7,0,"a","m",${2 + 12},null,"2"`);
    expect(encodeEntry(7, { type: 'cancel', userId: 'a', clientOrderId: 'c9' })).toBe('7,2,"a","c9"');
    for (const command of [
      { ...place, timeInForce: 'GTC' },
      { ...place, postOnly: false },
      { ...place, stp: 'expire_taker' },
      { ...place, stp: 'none', timeInForce: 'IOC' },
    ] as TradingCommand[]) {
      const decoded = decodeBatch(encodeBatch([encodeEntry(3, command)]));
      expect(decoded.ok && decoded.entries).toEqual([{ ts: 3, command }]);
    }
  });

  it('commands outside the positional kinds are kept whole (kind 3)', () => {
    const odd = [
      { type: 'cancel', userId: 'u1', orderId: 'BTC-USD-1', clientOrderId: 'c1' },
      { type: 'place', userId: 'u1', clientOrderId: 'c2', side: 'buy', orderType: 'limit', price: '1.00', quantity: '1', timeInForce: 'DAY' },
      { type: 'place', userId: 'u1', clientOrderId: 'c3', side: 'buy', orderType: 'market', price: '1.00', quantity: '1' },
      { type: 'amend', userId: 'u1' },
    ] as unknown as TradingCommand[];
    for (const command of odd) {
      const text = encodeEntry(5, command);
      expect(text.startsWith('5,3,{')).toBe(true);
      const decoded = decodeBatch(encodeBatch([text]));
      expect(decoded.ok && decoded.entries).toEqual([{ ts: 5, command }]);
    }
  });

  it.each(['v1', 'v2', 'mixed'] as const)('replay of a %s journal: the same state as apply, and the retries give the original replies', (layout) => {
    const engine = createSymbolEngine(BTC);
    for (const batch of journal(ref.entries, layout)) replayEntries(engine, batch);
    expect(state(engine)).toBe(state(ref.engine));
    expect(engine.snapshot()).toEqual(ref.engine.snapshot());
    const again = reference().engine;
    for (const { command } of ref.entries.slice(-200)) {
      expect(engine.apply(command, TS0 + 10_000_000).replyJson).toBe(again.apply(command, TS0 + 10_000_000).replyJson);
    }
  });

  it.each(['v1', 'v2', 'mixed'] as const)('apply of a %s journal publishes the original events byte for byte', (layout) => {
    const engine = createSymbolEngine(BTC);
    const events: string[] = [];
    for (const batch of journal(ref.entries, layout)) {
      applyEntries(engine, batch, (result) => {
        expect(result.changedState).toBe(true);
        for (const e of result.events) events.push(`${e.subject} ${e.payload}`);
      });
    }
    expect(events).toEqual(ref.events);
    expect(state(engine)).toBe(state(ref.engine));
  });

  it('refuses what is not a batch of a known version, and malformed version-2 entries', () => {
    const bad = [
      'nope',
      '[]',
      '{"v":3,"e":[]}',
      '{"v":2,"e":{}}',
      '{"v":2,"e":[1,0,"u","c",0,"1.00"]}', // truncated place
      '{"v":2,"e":[1,0,"u","c",0,null,"1"]}', // limit without price
      '{"v":2,"e":[1,0,"u","c",2,"1.00","1"]}', // market with a price
      '{"v":2,"e":[1,0,"u","c",512,"1.00","1"]}', // flags out of range
      '{"v":2,"e":[1,0,"u","c",12,"1.00","1"]}', // tif code 3 is FOK: fine, but 48 is postOnly 3: not
      '{"v":2,"e":[1,0,"u",7,0,"1.00","1"]}',
      '{"v":2,"e":[-1,1,"u","X-Y-1"]}',
      '{"v":2,"e":[1,4,"u","X-Y-1"]}',
      '{"v":2,"e":[1,2,"u"]}',
      '{"v":2,"e":[1,3,"cancel"]}',
      '{"v":1,"e":[[1,"x"]]}',
    ];
    // The one valid line above, kept to show the boundary.
    expect(decodeBatch(bad[8]).ok).toBe(true);
    expect(decodeBatch('{"v":2,"e":[1,0,"u","c",48,"1.00","1"]}').ok).toBe(false);
    for (const text of bad.filter((_, i) => i !== 8)) expect([text, decodeBatch(text).ok]).toEqual([text, false]);
    expect(decodeBatch('{"v":2,"e":[]}')).toMatchObject({ ok: true, batch: { version: 2, length: 0 } });
  });
});
