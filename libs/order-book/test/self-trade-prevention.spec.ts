import { describe, expect, it } from '@jest/globals';
import type { SelfTradePrevention } from '@trading/contracts';
import { Session, bookEvents, brief, limit, orderEvents, tradeEvents } from './harness.js';

/**
 * Book: asks 100 x 1 by "other" (first), 100 x 1 by "me" (second), 101 x 1 by "other".
 * "me" then buys 3 at 101 with each stp mode.
 */
function run(stp: SelfTradePrevention | undefined) {
  const s = new Session();
  s.ok(limit('other', 'o1', 'sell', '100', '1'), limit('me', 'own', 'sell', '100', '1'), limit('other', 'o2', 'sell', '101', '1'));
  const r = s.run(limit('me', 'taker', 'buy', '101', '3', stp === undefined ? {} : { stp }));
  return { s, ...r };
}

describe('self-trade prevention', () => {
  it.each([
    [
      'expire_taker (default): the taker rest expires at the first own order; the own order stays',
      undefined,
      ['o1 FILLED 1.0000/0.0000 @100.00x1.0000 maker', 'taker PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker', 'taker EXPIRED 1.0000/0.0000 SELF_TRADE_PREVENTION'],
      [['100.00', '1.0000'], ['101.00', '1.0000']],
    ],
    [
      'expire_taker (explicit)',
      'expire_taker',
      ['o1 FILLED 1.0000/0.0000 @100.00x1.0000 maker', 'taker PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker', 'taker EXPIRED 1.0000/0.0000 SELF_TRADE_PREVENTION'],
      [['100.00', '1.0000'], ['101.00', '1.0000']],
    ],
    [
      'expire_maker: the own order expires and matching continues',
      'expire_maker',
      [
        'o1 FILLED 1.0000/0.0000 @100.00x1.0000 maker',
        'taker PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker',
        'own EXPIRED 0.0000/0.0000 SELF_TRADE_PREVENTION',
        'o2 FILLED 1.0000/0.0000 @101.00x1.0000 maker',
        'taker PARTIALLY_FILLED 2.0000/1.0000 @101.00x1.0000 taker',
      ],
      [],
    ],
    [
      'expire_both: both expire',
      'expire_both',
      [
        'o1 FILLED 1.0000/0.0000 @100.00x1.0000 maker',
        'taker PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker',
        'own EXPIRED 0.0000/0.0000 SELF_TRADE_PREVENTION',
        'taker EXPIRED 1.0000/0.0000 SELF_TRADE_PREVENTION',
      ],
      [['101.00', '1.0000']],
    ],
    [
      'none: self-trade allowed',
      'none',
      [
        'o1 FILLED 1.0000/0.0000 @100.00x1.0000 maker',
        'taker PARTIALLY_FILLED 1.0000/2.0000 @100.00x1.0000 taker',
        'own FILLED 1.0000/0.0000 @100.00x1.0000 maker',
        'taker PARTIALLY_FILLED 2.0000/1.0000 @100.00x1.0000 taker',
        'o2 FILLED 1.0000/0.0000 @101.00x1.0000 maker',
        'taker FILLED 3.0000/0.0000 @101.00x1.0000 taker',
      ],
      [],
    ],
  ] as const)('%s', (_name, stp, updates, asksAfter) => {
    const { s, events, reply } = run(stp);
    expect(orderEvents(events).map(brief)).toEqual(updates);
    expect(s.engine.snapshot().asks).toEqual(asksAfter);
    // The reply is the taker's last update of the command.
    expect(brief(reply.order)).toBe([...updates].reverse().find((u) => u.startsWith('taker')));
    // Including its seq, even when an own maker expired after the taker's last update.
    expect(reply.order).toEqual(orderEvents(events).filter((u) => u.clientOrderId === 'taker').pop());
    // Trades never show who traded, and there is exactly one per fill.
    expect(tradeEvents(events)).toHaveLength(updates.filter((u) => u.includes(' taker') && u.includes('@')).length);
    for (const t of tradeEvents(events)) expect(Object.keys(t).sort()).toEqual(['price', 'quantity', 'seq', 'symbol', 'takerSide', 'tradeId', 'ts', 'type']);
    expect(bookEvents(events)).toHaveLength(1);
    // The taker never rests after STP expired it.
    expect(s.engine.snapshot().bids).toEqual(stp === 'expire_maker' ? [['101.00', '1.0000']] : []);
  });

  it('expire_maker leaves a partly expired level with the right total', () => {
    const s = new Session();
    s.ok(limit('me', 'own', 'sell', '100', '1'), limit('other', 'o', 'sell', '100', '2'));
    const { events } = s.run(limit('me', 't', 'buy', '100', '1', { stp: 'expire_maker' }));
    expect(bookEvents(events)[0].asks).toEqual([['100.00', '1.0000']]);
  });

  it('a taker expired by STP without any fill is EXPIRED with zero filled', () => {
    const s = new Session();
    s.ok(limit('me', 'own', 'sell', '100', '1'));
    const { reply, types } = s.run(limit('me', 't', 'buy', '100', '1'));
    expect(brief(reply.order)).toBe('t EXPIRED 0.0000/0.0000 SELF_TRADE_PREVENTION');
    expect(types).toEqual(['OrderUpdate']);
  });
});
