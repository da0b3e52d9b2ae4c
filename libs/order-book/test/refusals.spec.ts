import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec } from '@trading/contracts';
import { Session, limit, market } from './harness.js';

/** Spec for refusals: tick 0.05, lot 0.001, minimum quantity 0.010. */
const SPEC = createSymbolSpec('ETH-USD', '0.05', '0.001', '0.01');

/** A book with asks 100.00 x 1 (maker "m") and bids 99.00 x 1, and a command table of refusals. */
function seeded(): Session {
  const s = new Session(SPEC);
  s.ok(limit('m', 'ask', 'sell', '100', '1'), limit('m', 'bid', 'buy', '99', '1'));
  return s;
}

const cases: [name: string, command: unknown, code: string, fields: string[] | null][] = [
  ['price not a multiple of the tick', limit('t', 'c', 'buy', '99.03', '1'), 'VALIDATION_FAILED', ['price']],
  ['price with too many decimals', limit('t', 'c', 'buy', '99.001', '1'), 'VALIDATION_FAILED', ['price']],
  ['zero price', limit('t', 'c', 'buy', '0', '1'), 'VALIDATION_FAILED', ['price']],
  ['price out of range', limit('t', 'c', 'buy', '99999999999999999999', '1'), 'VALIDATION_FAILED', ['price']],
  ['quantity with too many decimals', limit('t', 'c', 'buy', '99', '1.0001'), 'VALIDATION_FAILED', ['quantity']],
  ['zero quantity', limit('t', 'c', 'buy', '99', '0.000'), 'VALIDATION_FAILED', ['quantity']],
  ['quantity below the minimum', limit('t', 'c', 'buy', '99', '0.009'), 'VALIDATION_FAILED', ['quantity']],
  ['quantity out of range', limit('t', 'c', 'buy', '99', '9999999999999999'), 'VALIDATION_FAILED', ['quantity']],
  ['several bad fields at once', limit('t', 'c', 'buy', '99.01', '0'), 'VALIDATION_FAILED', ['price', 'quantity']],
  ['post-only market order', market('t', 'c', 'buy', '1', { postOnly: true }), 'VALIDATION_FAILED', ['postOnly']],
  ['post-only IOC', limit('t', 'c', 'buy', '99', '1', { postOnly: true, timeInForce: 'IOC' }), 'VALIDATION_FAILED', ['postOnly']],
  ['post-only FOK', limit('t', 'c', 'buy', '99', '1', { postOnly: true, timeInForce: 'FOK' }), 'VALIDATION_FAILED', ['postOnly']],
  ['unknown timeInForce', market('t', 'c', 'buy', '1', { timeInForce: 'GTD' as never }), 'VALIDATION_FAILED', ['timeInForce']],
  ['a number where a decimal string belongs', { ...limit('t', 'c', 'buy', '99', '1'), price: 99 }, 'VALIDATION_FAILED', ['price']],
  ['a negative price', limit('t', 'c', 'buy', '-99', '1'), 'VALIDATION_FAILED', ['price']],
  ['an exponent', limit('t', 'c', 'buy', '1e2', '1'), 'VALIDATION_FAILED', ['price']],
  ['a limit order without price', { ...limit('t', 'c', 'buy', '99', '1'), price: undefined }, 'VALIDATION_FAILED', ['price']],
  ['a market order with a price', { ...market('t', 'c', 'buy', '1'), price: '99' }, 'VALIDATION_FAILED', ['price']],
  ['an unknown field', { ...limit('t', 'c', 'buy', '99', '1'), leverage: 100 }, 'VALIDATION_FAILED', ['leverage']],
  ['an unsafe user id', limit('t.*', 'c', 'buy', '99', '1'), 'VALIDATION_FAILED', ['userId']],
  ['not an object', 'place', 'VALIDATION_FAILED', ['body']],
  ['null', null, 'VALIDATION_FAILED', ['body']],
  ['an unknown type', { type: 'amend', userId: 't' }, 'VALIDATION_FAILED', ['type']],
  ['post-only that would cross', limit('t', 'c', 'buy', '100', '1', { postOnly: true }), 'POST_ONLY_WOULD_TAKE', null],
  ['post-only sell that would cross', limit('t', 'c', 'sell', '98', '1', { postOnly: true }), 'POST_ONLY_WOULD_TAKE', null],
  ['FOK limit beyond the liquidity', limit('t', 'c', 'buy', '100', '1.001', { timeInForce: 'FOK' }), 'INSUFFICIENT_LIQUIDITY', null],
  ['FOK limit whose price reaches too little', limit('t', 'c', 'buy', '99.95', '0.5', { timeInForce: 'FOK' }), 'INSUFFICIENT_LIQUIDITY', null],
  ['FOK market beyond the liquidity', market('t', 'c', 'sell', '2', { timeInForce: 'FOK' }), 'INSUFFICIENT_LIQUIDITY', null],
  ['FOK blocked by own order (expire_taker)', limit('m', 'c', 'buy', '100', '0.5', { timeInForce: 'FOK' }), 'INSUFFICIENT_LIQUIDITY', null],
  ['FOK blocked by own order (expire_both)', limit('m', 'c', 'buy', '100', '0.5', { timeInForce: 'FOK', stp: 'expire_both' }), 'INSUFFICIENT_LIQUIDITY', null],
  ['FOK whose only liquidity is own and would expire (expire_maker)', limit('m', 'c', 'buy', '100', '0.5', { timeInForce: 'FOK', stp: 'expire_maker' }), 'INSUFFICIENT_LIQUIDITY', null],
];

describe('refusals create nothing, publish nothing and change no state', () => {
  it.each(cases)('%s -> %s', (_name, command, code, fields) => {
    const s = seeded();
    const before = JSON.stringify(s.engine.exportState());
    const snapshotBefore = JSON.stringify(s.engine.snapshot());
    const { result, reply } = s.run(command);
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe(code);
    expect(typeof reply.error.message).toBe('string');
    if (fields === null) expect(reply.error.details).toBeUndefined();
    else expect(Object.keys(reply.error.details ?? {}).sort()).toEqual([...fields].sort());
    expect(result.events).toHaveLength(0);
    expect(result.changedState).toBe(false);
    expect(result.replyJson).toBe(JSON.stringify(result.reply));
    expect(JSON.stringify(s.engine.exportState())).toBe(before);
    expect(JSON.stringify(s.engine.snapshot())).toBe(snapshotBefore);
    // The refused clientOrderId stays free: the next valid order with it is accepted as order 3.
    const next = s.run(limit('t', 'c', 'buy', '98', '1'));
    expect(next.reply.order.orderId).toBe('ETH-USD-3');
  });

  it('a market order facing an empty side is INSUFFICIENT_LIQUIDITY', () => {
    const s = new Session(SPEC);
    expect(s.run(market('t', 'c', 'buy', '1')).reply.error.code).toBe('INSUFFICIENT_LIQUIDITY');
    expect(s.run(market('t', 'c', 'sell', '1')).reply.error.code).toBe('INSUFFICIENT_LIQUIDITY');
  });

  it('FOK with stp none may count its own orders', () => {
    const s = seeded();
    const { reply } = s.run(limit('m', 'c', 'buy', '100', '1', { timeInForce: 'FOK', stp: 'none' }));
    expect(reply.order.status).toBe('FILLED');
  });

  it('FOK with expire_maker fills from others behind its own order', () => {
    const s = seeded();
    s.ok(limit('o', 'other', 'sell', '100', '1'));
    const { reply, events } = s.run(limit('m', 'c', 'buy', '100', '1', { timeInForce: 'FOK', stp: 'expire_maker' }));
    expect(reply.order.status).toBe('FILLED');
    expect(events.filter((e) => e.event.reason === 'SELF_TRADE_PREVENTION').map((e) => e.event.clientOrderId)).toEqual(['ask']);
  });

  it('symbol rules refuse unknown enum values even when handed an unvalidated command', async () => {
    const { checkPlaceRules } = await import('../src/engine/place-rules.js');
    const command = { ...limit('t', 'c', 'buy', '99', '1'), timeInForce: 'constructor', stp: '__proto__', side: 'toString', orderType: 'limit' };
    const result = checkPlaceRules(SPEC, command as never);
    expect(result.ok).toBe(false);
    expect(Object.keys((result as { details: Record<string, string> }).details).sort()).toEqual(['side', 'stp', 'timeInForce']);
  });

  it('details name each bad field with a clear message', () => {
    const s = seeded();
    const { reply } = s.run(limit('t', 'c', 'buy', '99.03', '0.005'));
    expect(reply.error.details).toEqual({
      price: 'price must be a multiple of the tick 0.05',
      quantity: 'quantity must be at least the minimum quantity 0.010',
    });
  });

  it('never throws, whatever it is given', () => {
    const s = seeded();
    const weird: unknown[] = [
      undefined,
      42,
      [],
      { type: 'place', userId: 'u', clientOrderId: 'c', side: 'buy', orderType: 'limit', price: { toString: () => '1' }, quantity: '1' },
      Object.create(null),
      { type: 'cancel', userId: 'u' },
      { type: 'cancel', userId: 'u', orderId: 'ETH-USD-1', clientOrderId: 'x' },
      { __proto__: { type: 'place' } },
    ];
    for (const command of weird) {
      const result = s.raw(command);
      expect(result.reply.ok).toBe(false);
      expect(result.changedState).toBe(false);
    }
    const bad = s.engine.apply(limit('t', 'c', 'buy', '99', '1'), Number.NaN);
    expect(bad.reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: { ts: expect.any(String) } } });
  });
});
