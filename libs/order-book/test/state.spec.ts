import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { InvalidSymbolStateError, ORDER_FIELDS, createSymbolEngine, type OrderColumns, type SymbolEngineState, type SymbolStateV1 } from '../src/index.js';
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
    const state = s.engine.exportState() as unknown as SymbolStateV1;
    expect(state).toMatchObject({ version: 1, symbol: 'BTC-USD', tick: '0.01', lot: '0.0001', lastOrderId: 7, lastTradeId: 2, bookSeq: 8, lastTs: 1007 });
    expect(state.asks.clientOrderIds).toEqual(['a1', 'a2', 'b1']);
    expect(state.bids.clientOrderIds).toEqual(['c1']);
    expect(state.done.clientOrderIds).toEqual(['c2', 'd1', 'e1']);
    expect(state.asks.ints).toHaveLength(3 * ORDER_FIELDS.length);
    expect(state.users).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(state.userSeqs).toEqual([3, 1, 3, 1, 2]);
    // The first ask: order 1 of user "a", sell 1.0000 at 100.00 with 0.5000 filled.
    const first = Object.fromEntries(ORDER_FIELDS.map((f, i) => [f, state.asks.ints[i]]));
    expect(first).toMatchObject({ id: 1, userIndex: 0, side: 1, price: 10000, quantity: 10000, filled: 5000 });
  });

  type Corrupt = (s: SymbolStateV1) => unknown;
  const setInt = (columns: OrderColumns, order: number, field: string, value: number): OrderColumns => {
    const ints = [...columns.ints];
    ints[order * ORDER_FIELDS.length + ORDER_FIELDS.indexOf(field as (typeof ORDER_FIELDS)[number])] = value;
    return { ...columns, ints };
  };
  const append = (columns: OrderColumns, from: OrderColumns, order: number): OrderColumns => ({
    ints: [...columns.ints, ...from.ints.slice(order * ORDER_FIELDS.length, (order + 1) * ORDER_FIELDS.length)],
    clientOrderIds: [...columns.clientOrderIds, from.clientOrderIds[order]],
  });
  it.each<[string, Corrupt]>([
    ['another symbol', (s) => ({ ...s, symbol: 'ETH-USD' })],
    ['another tick', (s) => ({ ...s, tick: '0.1' })],
    ['an unknown version', (s) => ({ ...s, version: 2 })],
    ['other order fields', (s) => ({ ...s, orderFields: ['id'] })],
    ['a truncated ints column', (s) => ({ ...s, asks: { ...s.asks, ints: s.asks.ints.slice(1) } })],
    ['a non-integer field', (s) => ({ ...s, asks: setInt(s.asks, 0, 'price', 1.5) })],
    ['a negative counter', (s) => ({ ...s, bookSeq: -1 })],
    ['an unsafe user id', (s) => ({ ...s, users: ['a.b', ...s.users.slice(1)] })],
    ['a user index out of range', (s) => ({ ...s, bids: setInt(s.bids, 0, 'userIndex', 99) })],
    ['users and seqs of different lengths', (s) => ({ ...s, userSeqs: [] })],
    ['a clientOrderId that is not JSON-safe', (s) => ({ ...s, bids: { ...s.bids, clientOrderIds: s.bids.clientOrderIds.map(() => 'a"b') } })],
    ['bids not best first', (s) => ({ ...s, bids: setInt(s.bids, 0, 'price', 1) })],
    ['an ask on the bid side', (s) => ({ ...s, bids: append(s.bids, s.asks, 0) })],
    ['an order twice', (s) => ({ ...s, bids: append(s.bids, s.bids, s.bids.clientOrderIds.length - 1) })],
    ['a resting order also in done', (s) => ({ ...s, done: append(s.done, s.bids, 0) })],
    ['an order id beyond lastOrderId', (s) => ({ ...s, lastOrderId: 3 })],
    ['a filled order resting', (s) => ({ ...s, bids: setInt(s.bids, 0, 'filled', 30000) })],
  ])('refuses a state with %s with InvalidSymbolStateError', (_name, corrupt) => {
    const s = new Session();
    outputs(s, HISTORY);
    s.ok(limit('c', 'c9', 'buy', '50', '1'));
    const good = JSON.parse(JSON.stringify(s.engine.exportState())) as SymbolStateV1;
    expect(() => createSymbolEngine(BTC, good as unknown as SymbolEngineState)).not.toThrow();
    const state = corrupt(good) as SymbolEngineState;
    expect(() => createSymbolEngine(BTC, state)).toThrow(InvalidSymbolStateError);
  });

  it('an empty engine round-trips', () => {
    const empty = createSymbolEngine(createSymbolSpec('A-B'));
    const again = createSymbolEngine(createSymbolSpec('A-B'), JSON.parse(JSON.stringify(empty.exportState())));
    expect(again.snapshot()).toEqual(empty.snapshot());
    expect(again.exportState()).toEqual(empty.exportState());
  });
});
