import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createSymbolSpec, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngine } from '../src/index.js';
import { command, state } from './replay-commands.js';

const spec = createSymbolSpec('BTC-USD');
const LIMIT = 3;
const limited = (state?: Parameters<typeof createSymbolEngine>[1]) => createSymbolEngine(spec, state, { maxOpenOrdersPerUser: LIMIT });
const gtc = (userId: string, n: number, price = `${90 + n}.00`): TradingCommand =>
  ({ type: 'place', userId, clientOrderId: `o${n}`, side: 'buy', orderType: 'limit', price, quantity: '1.0000' }) as TradingCommand;

/** Resting orders per user, read from the book itself, and the engine's own per-user counts. */
function restingByUser(engine: SymbolEngine): { actual: Map<string, number>; counted: Map<string, number> } {
  const inner = engine as unknown as { book: { orders: Map<number, { owner: string }> }; users: Map<string, { open: number }> };
  const actual = new Map<string, number>();
  for (const order of inner.book.orders.values()) actual.set(order.owner, (actual.get(order.owner) ?? 0) + 1);
  const counted = new Map<string, number>();
  for (const [user, stream] of inner.users) if (stream.open !== 0) counted.set(user, stream.open);
  return { actual, counted };
}

describe('open orders per user (maxOpenOrdersPerUser)', () => {
  it('refuses a GTC limit order beyond the limit with TOO_MANY_OPEN_ORDERS; IOC, FOK and market pass; a cancel or a fill frees a slot', () => {
    const engine = limited();
    for (let n = 1; n <= LIMIT; n++) expect(engine.apply(gtc('alice', n), 1).changedState).toBe(true);
    const refused = engine.apply(gtc('alice', 4), 2);
    expect(JSON.parse(refused.replyJson)).toMatchObject({ ok: false, error: { code: 'TOO_MANY_OPEN_ORDERS' } });
    expect(refused.events).toHaveLength(0);
    expect(refused.changedState).toBe(false);
    // Orders that never rest are not limited.
    const ioc = { ...gtc('alice', 5), timeInForce: 'IOC' } as TradingCommand;
    expect(JSON.parse(engine.apply(ioc, 3).replyJson).ok).toBe(true);
    // Another user is not affected.
    expect(engine.apply(gtc('bob', 1, '200.00'), 4).changedState).toBe(true);
    // A cancel frees a slot.
    expect(engine.apply({ type: 'cancel', userId: 'alice', clientOrderId: 'o1' } as TradingCommand, 5).changedState).toBe(true);
    expect(engine.apply(gtc('alice', 6), 6).changedState).toBe(true);
    expect(JSON.parse(engine.apply(gtc('alice', 7), 7).replyJson).error.code).toBe('TOO_MANY_OPEN_ORDERS');
    // A fill of alice's best bid frees another (bob's bid at 200.00 goes first: two lots).
    const sell = { type: 'place', userId: 'carol', clientOrderId: 's1', side: 'sell', orderType: 'market', quantity: '2.0000' } as TradingCommand;
    expect(engine.apply(sell, 8).changedState).toBe(true);
    expect(engine.apply(gtc('alice', 8), 9).changedState).toBe(true);
    // An idempotent retry of an accepted order still returns its original reply, even at the limit.
    expect(engine.apply(gtc('alice', 8), 10).replyJson).toBe(engine.apply(gtc('alice', 8), 11).replyJson);
  });

  it('does not apply to journal entries: apply(..., journaled) and replay(..., accepted) take what the journal holds', () => {
    const engine = limited();
    for (let n = 1; n <= LIMIT + 2; n++) expect(engine.apply(gtc('alice', n), 1, true).changedState).toBe(true);
    const replayed = limited();
    for (let n = 1; n <= LIMIT + 2; n++) expect(replayed.replay(gtc('alice', n), 1, true, true)).toBe(true);
    expect(state(replayed)).toBe(state(engine));
    // Live commands see the count the journal left: over the limit, so refused until enough are gone.
    expect(JSON.parse(engine.apply(gtc('alice', 99), 2).replyJson).error.code).toBe('TOO_MANY_OPEN_ORDERS');
  });

  it('over random command streams: nobody rests more than the limit, the counts match the book, and a restored engine counts the same', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80 }), (commands) => {
        const engine = limited();
        let ts = 1;
        for (const c of commands) {
          engine.apply(c, ts++);
          const { actual, counted } = restingByUser(engine);
          expect(counted).toEqual(actual);
          for (const n of actual.values()) expect(n).toBeLessThanOrEqual(LIMIT);
        }
        const restored = limited(engine.exportState());
        expect(restingByUser(restored).counted).toEqual(restingByUser(engine).counted);
        // Both engines answer further GTC orders the same way, whoever sends them.
        for (const user of ['u1', 'u2', 'u3']) {
          for (let n = 0; n < LIMIT + 1; n++) {
            const probe = gtc(user, 1000 + n, '50.00');
            expect(restored.apply(probe, ts).replyJson).toBe(engine.apply(probe, ts).replyJson);
            ts++;
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
