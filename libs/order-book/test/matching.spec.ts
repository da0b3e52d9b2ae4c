import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec } from '@trading/contracts';
import { BTC, Session, bookEvents, brief, cancelByClientId, cancelById, limit, market, orderEvents, tradeEvents } from './harness.js';

describe('matching rules', () => {
  it('a GTC limit order that does not cross rests with NEW and one book update', () => {
    const s = new Session();
    const { reply, events, types, result } = s.run(limit('alice', 'a1', 'buy', '100', '1.5'));
    expect(result.changedState).toBe(true);
    expect(types).toEqual(['OrderUpdate', 'OrderBookUpdate']);
    expect(reply.ok).toBe(true);
    expect(reply.order).toEqual(events[0].event);
    expect(events[0].subject).toBe('trading.order.alice.BTC-USD');
    expect(events[0].event).toEqual({
      type: 'OrderUpdate',
      symbol: 'BTC-USD',
      seq: 1,
      ts: 1000,
      userId: 'alice',
      orderId: 'BTC-USD-1',
      clientOrderId: 'a1',
      side: 'buy',
      orderType: 'limit',
      timeInForce: 'GTC',
      price: '100.00',
      quantity: '1.5000',
      filledQuantity: '0.0000',
      remainingQuantity: '1.5000',
      status: 'NEW',
    });
    expect(events[1]).toEqual({
      subject: 'trading.book.BTC-USD',
      event: { type: 'OrderBookUpdate', symbol: 'BTC-USD', seq: 1, ts: 1000, bids: [['100.00', '1.5000']], asks: [] },
    });
    expect(result.replyJson).toBe(JSON.stringify(result.reply));
    expect(s.engine.stats).toEqual({ restingOrders: 1, bidLevels: 1, askLevels: 0 });
  });

  it('order ids are {symbol}-{n} and trade ids count from 1 per symbol', () => {
    const s = new Session();
    const [a, b] = s.ok(limit('alice', 'a1', 'sell', '100', '1'), limit('bob', 'b1', 'buy', '100', '1'));
    expect(a.reply.order.orderId).toBe('BTC-USD-1');
    expect(b.reply.order.orderId).toBe('BTC-USD-2');
    expect(tradeEvents(b.events)[0].tradeId).toBe('1');
  });

  it('fills at the maker price, better prices first, then time priority within a level', () => {
    const s = new Session();
    s.ok(
      limit('m1', 'first', 'sell', '101', '1'),
      limit('m2', 'second', 'sell', '101', '1'),
      limit('m3', 'best', 'sell', '100', '1'),
      limit('m4', 'worst', 'sell', '102', '1'),
    );
    const { events } = s.run(limit('taker', 't', 'buy', '105', '2.5'));
    expect(orderEvents(events).map(brief)).toEqual([
      'best FILLED 1.0000/0.0000 @100.00x1.0000 maker',
      't PARTIALLY_FILLED 1.0000/1.5000 @100.00x1.0000 taker',
      'first FILLED 1.0000/0.0000 @101.00x1.0000 maker',
      't PARTIALLY_FILLED 2.0000/0.5000 @101.00x1.0000 taker',
      'second PARTIALLY_FILLED 0.5000/0.5000 @101.00x0.5000 maker',
      't FILLED 2.5000/0.0000 @101.00x0.5000 taker',
    ]);
    expect(tradeEvents(events).map((t) => [t.tradeId, t.price, t.quantity, t.takerSide])).toEqual([
      ['1', '100.00', '1.0000', 'buy'],
      ['2', '101.00', '1.0000', 'buy'],
      ['3', '101.00', '0.5000', 'buy'],
    ]);
    expect(bookEvents(events)).toHaveLength(1);
    expect(bookEvents(events)[0]).toMatchObject({ bids: [], asks: [['100.00', '0.0000'], ['101.00', '0.5000']] });
    expect(s.engine.snapshot()).toMatchObject({ asks: [['101.00', '0.5000'], ['102.00', '1.0000']], bids: [] });
  });

  it('a sell taker matches the highest bid first', () => {
    const s = new Session();
    s.ok(limit('m1', 'low', 'buy', '99', '1'), limit('m2', 'high', 'buy', '100', '1'));
    const { events } = s.run(limit('t', 't', 'sell', '99', '1'));
    expect(orderEvents(events).map(brief)).toEqual(['high FILLED 1.0000/0.0000 @100.00x1.0000 maker', 't FILLED 1.0000/0.0000 @100.00x1.0000 taker']);
    expect(tradeEvents(events)[0].takerSide).toBe('sell');
  });

  it('a GTC taker that fills partly rests its remainder; the book update covers both sides', () => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '100', '1'));
    const { events, reply } = s.run(limit('t', 't', 'buy', '100.5', '3'));
    expect(orderEvents(events).map(brief)).toEqual(['m FILLED 1.0000/0.0000 @100.00x1.0000 maker', 't PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker']);
    expect(reply.order.status).toBe('PARTIALLY_FILLED');
    expect(bookEvents(events)[0]).toMatchObject({ bids: [['100.50', '2.0000']], asks: [['100.00', '0.0000']] });
  });

  it.each([
    ['IOC limit, partial', limit('t', 't', 'buy', '100', '2', { timeInForce: 'IOC' }), ['t PARTIALLY_FILLED 1.0000/1.0000 @100.00x1.0000 taker', 't EXPIRED 1.0000/0.0000 IOC_UNFILLED']],
    ['market, partial', market('t', 't', 'buy', '2'), ['t PARTIALLY_FILLED 1.0000/1.0000 @100.00x1.0000 taker', 't EXPIRED 1.0000/0.0000 MARKET_UNFILLED']],
    ['market FOK, full', market('t', 't', 'buy', '1', { timeInForce: 'FOK' }), ['t FILLED 1.0000/0.0000 @100.00x1.0000 taker']],
    ['FOK limit, full', limit('t', 't', 'buy', '100', '1', { timeInForce: 'FOK' }), ['t FILLED 1.0000/0.0000 @100.00x1.0000 taker']],
    ['IOC limit, full', limit('t', 't', 'buy', '101', '0.5', { timeInForce: 'IOC' }), ['t FILLED 0.5000/0.0000 @100.00x0.5000 taker']],
  ])('%s', (_name, command, takerUpdates) => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '100', '1'));
    const { events } = s.run(command);
    expect(orderEvents(events).filter((u) => u.userId === 't').map(brief)).toEqual(takerUpdates);
    // Nothing of an IOC/FOK/market order ever rests.
    expect(s.engine.snapshot().bids).toEqual([]);
  });

  it('an IOC order with nothing to match ends EXPIRED, with no book update', () => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '101', '1'));
    const { events, types } = s.run(limit('t', 't', 'buy', '100', '1', { timeInForce: 'IOC' }));
    expect(types).toEqual(['OrderUpdate']);
    expect(brief(events[0].event)).toBe('t EXPIRED 0.0000/0.0000 IOC_UNFILLED');
  });

  it('a market order has no price and sweeps every level', () => {
    const s = new Session();
    s.ok(limit('m', 'a', 'buy', '100', '1'), limit('m', 'b', 'buy', '50', '1'));
    const { events, reply } = s.run(market('t', 't', 'sell', '2'));
    expect(reply.order.price).toBeUndefined();
    expect('price' in reply.order).toBe(false);
    // Contract section 4: timeInForce defaults to GTC, for market orders too.
    expect(reply.order).toMatchObject({ orderType: 'market', timeInForce: 'GTC', status: 'FILLED' });
    expect(tradeEvents(events).map((t) => t.price)).toEqual(['100.00', '50.00']);
  });

  it('a market order never rests, whatever its timeInForce: the unfilled rest ends EXPIRED', () => {
    for (const timeInForce of [undefined, 'GTC', 'IOC'] as const) {
      const s = new Session();
      s.ok(limit('m', 'a', 'buy', '100', '1'));
      const { reply } = s.run(market('t', 't', 'sell', '3', timeInForce ? { timeInForce } : {}));
      expect(reply.order).toMatchObject({ orderType: 'market', timeInForce: timeInForce ?? 'GTC', status: 'EXPIRED', reason: 'MARKET_UNFILLED', filledQuantity: '1.0000' });
      expect(s.engine.snapshot().asks).toEqual([]);
    }
  });

  it('a post-only order that does not cross rests like a GTC order', () => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '100', '1'));
    const { reply } = s.run(limit('t', 't', 'buy', '99.99', '1', { postOnly: true }));
    expect(reply.order.status).toBe('NEW');
  });

  it('cancel by orderId and by clientOrderId', () => {
    const s = new Session();
    s.ok(limit('alice', 'a1', 'buy', '100', '1'), limit('alice', 'a2', 'buy', '100', '2'));
    const byId = s.run(cancelById('alice', 'BTC-USD-1'));
    expect(byId.types).toEqual(['OrderUpdate', 'OrderBookUpdate']);
    expect(brief(byId.reply.order)).toBe('a1 CANCELED 0.0000/0.0000 USER_CANCELED');
    expect(bookEvents(byId.events)[0]).toMatchObject({ bids: [['100.00', '2.0000']], asks: [] });
    const byClient = s.run(cancelByClientId('alice', 'a2'));
    expect(byClient.reply.order).toMatchObject({ orderId: 'BTC-USD-2', status: 'CANCELED', reason: 'USER_CANCELED' });
    expect(bookEvents(byClient.events)[0]).toMatchObject({ bids: [['100.00', '0.0000']] });
    expect(s.engine.stats.restingOrders).toBe(0);
  });

  it('a partly filled order keeps its filled quantity when canceled', () => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '100', '2'), limit('t', 't', 'buy', '100', '0.5'));
    const { reply } = s.run(cancelByClientId('m', 'm'));
    expect(brief(reply.order)).toBe('m CANCELED 0.5000/0.0000 USER_CANCELED');
  });

  it.each([
    ['another user', cancelById('mallory', 'BTC-USD-1')],
    ['another user by clientOrderId', cancelByClientId('mallory', 'a1')],
    ['an unknown id', cancelById('alice', 'BTC-USD-99')],
    ['another symbol', cancelById('alice', 'ETH-USD-1')],
    ['an unknown clientOrderId', cancelByClientId('alice', 'nope')],
  ])('cancel of %s is ORDER_NOT_FOUND and changes nothing', (_name, command) => {
    const s = new Session();
    s.ok(limit('alice', 'a1', 'buy', '100', '1'));
    const before = JSON.stringify(s.engine.exportState());
    const { result, reply } = s.run(command);
    expect(reply.error.code).toBe('ORDER_NOT_FOUND');
    expect(result.events).toHaveLength(0);
    expect(result.changedState).toBe(false);
    expect(JSON.stringify(s.engine.exportState())).toBe(before);
  });

  it.each([
    ['filled', (s: Session) => s.ok(limit('bob', 'b1', 'sell', '100', '1'))],
    ['canceled', (s: Session) => s.ok(cancelById('alice', 'BTC-USD-1'))],
  ])('cancel of an order no longer live (%s) is ORDER_NOT_FOUND', (_name, finish) => {
    const s = new Session();
    s.ok(limit('alice', 'a1', 'buy', '100', '1'));
    finish(s);
    expect(s.run(cancelById('alice', 'BTC-USD-1')).reply.error.code).toBe('ORDER_NOT_FOUND');
    expect(s.run(cancelByClientId('alice', 'a1')).reply.error.code).toBe('ORDER_NOT_FOUND');
  });

  it('publishes OrderUpdates, then TradeExecuted, then one OrderBookUpdate, with contiguous seqs per subject', () => {
    const s = new Session();
    s.ok(limit('m', 'm1', 'sell', '100', '1'), limit('m', 'm2', 'sell', '101', '1'));
    const { types, events } = s.run(limit('t', 't', 'buy', '101', '3'));
    expect(types).toEqual(['OrderUpdate', 'OrderUpdate', 'OrderUpdate', 'OrderUpdate', 'TradeExecuted', 'TradeExecuted', 'OrderBookUpdate']);
    const seqs = (subject: string) => events.filter((e) => e.subject === subject).map((e) => e.event.seq);
    expect(seqs('trading.order.m.BTC-USD')).toEqual([3, 4]);
    expect(seqs('trading.order.t.BTC-USD')).toEqual([1, 2]);
    expect(seqs('trading.trade.BTC-USD')).toEqual([1, 2]);
    expect(seqs('trading.book.BTC-USD')).toEqual([3]);
    expect(events.every((e) => e.event.ts === 1002 && e.event.symbol === 'BTC-USD')).toBe(true);
  });

  it('formats prices and quantities with exactly the tick and lot decimals', () => {
    const s = new Session(createSymbolSpec('DOGE-EUR', '0.05', '1', '10'));
    const { reply, events } = s.run(limit('u', 'c', 'buy', '1.1', '25'));
    expect(reply.order).toMatchObject({ price: '1.10', quantity: '25', filledQuantity: '0', remainingQuantity: '25' });
    expect(bookEvents(events)[0].bids).toEqual([['1.10', '25']]);
    const whole = new Session(createSymbolSpec('ABC-XYZ', '5', '0.001'));
    expect(whole.run(limit('u', 'c', 'sell', '105', '0.5')).reply.order).toMatchObject({ price: '105', quantity: '0.500' });
  });

  it('snapshot lists aggregated levels best first, honours depth, and carries the last book seq and ts', () => {
    const s = new Session();
    expect(s.engine.snapshot()).toEqual({ type: 'OrderBookSnapshot', symbol: 'BTC-USD', seq: 0, ts: 0, bids: [], asks: [] });
    s.ok(
      limit('a', '1', 'buy', '99', '1'),
      limit('b', '2', 'buy', '100', '1'),
      limit('c', '3', 'buy', '100', '2'),
      limit('d', '4', 'sell', '101', '1'),
      limit('e', '5', 'sell', '103', '1'),
    );
    s.run(cancelById('nobody', 'BTC-USD-1')); // refused: does not move ts
    expect(s.engine.snapshot()).toEqual({
      type: 'OrderBookSnapshot',
      symbol: 'BTC-USD',
      seq: 5,
      ts: 1004,
      bids: [['100.00', '3.0000'], ['99.00', '1.0000']],
      asks: [['101.00', '1.0000'], ['103.00', '1.0000']],
    });
    expect(s.engine.snapshot(1)).toMatchObject({ bids: [['100.00', '3.0000']], asks: [['101.00', '1.0000']] });
    expect(s.engine.snapshot(0)).toMatchObject({ bids: [], asks: [] });
  });

  it('levels removed and re-added keep their order in the side', () => {
    const s = new Session();
    s.ok(limit('a', '1', 'sell', '105', '1'), limit('a', '2', 'sell', '101', '1'), limit('a', '3', 'sell', '103', '1'));
    s.ok(cancelByClientId('a', '3'), limit('a', '4', 'sell', '102', '1'), limit('a', '5', 'sell', '104', '1'), limit('a', '6', 'sell', '100', '1'));
    expect(s.engine.snapshot().asks.map(([p]) => p)).toEqual(['100.00', '101.00', '102.00', '104.00', '105.00']);
  });
});

describe('the engine is created per spec', () => {
  it('uses the spec it was given', () => {
    expect(new Session().engine.spec).toBe(BTC);
  });
});
