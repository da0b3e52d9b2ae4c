import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { InvalidSymbolStateError, createSymbolEngine, type SymbolEngineState } from '../src/index.js';
import { BTC, Session, cancelByClientId, limit, market } from './harness.js';

const HISTORY: TradingCommand[] = [
  limit('a', 'a1', 'sell', '100', '1'),
  limit('a', 'a2', 'sell', '100', '2'),
  limit('b', 'b1', 'sell', '101', '1'),
  limit('c', 'c1', 'buy', '99', '3'),
  limit('c', 'c2', 'buy', '100', '0.5'),
  market('d', 'd1', 'sell', '0.25'),
  limit('e', 'e1', 'buy', '98', '1', { postOnly: true }),
  cancelByClientId('e', 'e1'),
];
const FUTURE: TradingCommand[] = [
  limit('c', 'c2', 'buy', '100', '0.5'), // idempotent retry of an order from before the export
  limit('a', 'a2', 'sell', '100', '2'), // retry of a live (partly filled) order
  limit('z', 'z1', 'buy', '101', '5'),
  cancelByClientId('c', 'c1'),
  limit('a', 'a3', 'buy', '101', '1', { stp: 'expire_maker' }),
  market('y', 'y1', 'buy', '1'),
];

function outputs(session: Session, commands: TradingCommand[]): string[] {
  return commands.flatMap((c) => {
    const r = session.raw(c);
    return [r.replyJson, String(r.changedState), ...r.events.map((e) => `${e.subject} ${e.payload}`)];
  });
}

describe('state export and restore', () => {
  it('restoring an exported state and continuing gives byte-identical results', () => {
    const straight = new Session();
    outputs(straight, HISTORY);
    const exported = JSON.parse(JSON.stringify(straight.engine.exportState())) as SymbolEngineState;

    const restored = new Session(BTC, exported);
    restored.ts = straight.ts;
    expect(JSON.stringify(restored.engine.exportState())).toBe(JSON.stringify(exported));
    expect(restored.engine.snapshot()).toEqual(straight.engine.snapshot());
    expect(restored.engine.stats).toEqual(straight.engine.stats);
    expect(outputs(restored, FUTURE)).toEqual(outputs(straight, FUTURE));
  });

  it('exports resting orders best level first in time priority, with counters and seqs', () => {
    const s = new Session();
    outputs(s, HISTORY);
    const state = s.engine.exportState() as unknown as Record<string, unknown> & { bids: unknown[][]; asks: unknown[][] };
    expect(state).toMatchObject({ version: 1, symbol: 'BTC-USD', tick: '0.01', lot: '0.0001', lastOrderId: 7, lastTradeId: 2, bookSeq: 8 });
    expect(state.asks.map((o) => o[2])).toEqual(['a1', 'a2', 'b1']);
    expect(state.bids.map((o) => o[2])).toEqual(['c1']);
    expect(state.users).toEqual([
      ['a', 3],
      ['b', 1],
      ['c', 3],
      ['d', 1],
      ['e', 2],
    ]);
  });

  it.each([
    ['another symbol', (s: Record<string, unknown>) => ({ ...s, symbol: 'ETH-USD' })],
    ['another tick', (s: Record<string, unknown>) => ({ ...s, tick: '0.1' })],
    ['an unknown version', (s: Record<string, unknown>) => ({ ...s, version: 2 })],
    ['a broken order tuple', (s: Record<string, unknown>) => ({ ...s, asks: [[1, 'a']] })],
    ['a negative counter', (s: Record<string, unknown>) => ({ ...s, bookSeq: -1 })],
    ['an unsafe user id', (s: Record<string, unknown>) => ({ ...s, users: [['a.b', 1]] })],
    ['bids not best first', (s: Record<string, unknown>) => ({ ...s, bids: (s.bids as unknown[][]).map((o, i) => [...o.slice(0, 8), i === 0 ? 1 : 1_000_000, ...o.slice(9)]) })],
    ['a clientOrderId that is not JSON-safe', (s: Record<string, unknown>) => ({ ...s, bids: (s.bids as unknown[][]).map((o) => [o[0], o[1], 'a"b', ...o.slice(3)]) })],
    ['an order twice', (s: Record<string, unknown>) => ({ ...s, bids: [...(s.bids as unknown[]), ...(s.bids as unknown[][]).slice(-1)] })],
    ['a resting order also in done', (s: Record<string, unknown>) => ({ ...s, done: [...(s.done as unknown[]), ...(s.bids as unknown[][]).slice(-1)] })],
    ['an order id beyond lastOrderId', (s: Record<string, unknown>) => ({ ...s, lastOrderId: 3 })],
  ])('refuses a state with %s with InvalidSymbolStateError', (_name, corrupt) => {
    const s = new Session();
    outputs(s, HISTORY);
    s.ok(limit('c', 'c9', 'buy', '50', '1'));
    const state = corrupt(JSON.parse(JSON.stringify(s.engine.exportState()))) as unknown as SymbolEngineState;
    expect(() => createSymbolEngine(BTC, state)).toThrow(InvalidSymbolStateError);
  });

  it('an empty engine round-trips', () => {
    const empty = createSymbolEngine(createSymbolSpec('A-B'));
    const again = createSymbolEngine(createSymbolSpec('A-B'), JSON.parse(JSON.stringify(empty.exportState())));
    expect(again.snapshot()).toEqual(empty.snapshot());
    expect(again.exportState()).toEqual(empty.exportState());
  });
});
