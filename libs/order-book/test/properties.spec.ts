import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { lotsToQuantity, priceToTicks, quantityToLots, ticksToPrice, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngineState } from '../src/index.js';
import { BTC } from './harness.js';

/**
 * Random command streams over a small universe (3 users, 11 prices, small quantities, a small pool
 * of clientOrderIds so that retries, duplicates and cancels by both ids happen often).
 */
const users = ['u1', 'u2', 'u3'];
const clientIds = Array.from({ length: 12 }, (_, i) => `c${i}`);
const stps = [undefined, 'none', 'expire_taker', 'expire_maker', 'expire_both'] as const;

const price = fc.integer({ min: 95, max: 105 }).map((p) => ticksToPrice(BTC, p * 100));
const quantity = fc.integer({ min: 1, max: 40 }).map((q) => lotsToQuantity(BTC, q * 2500));

const placeLimit = fc
  .record({
    userId: fc.constantFrom(...users),
    clientOrderId: fc.constantFrom(...clientIds),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    price,
    quantity,
    timeInForce: fc.constantFrom(undefined, 'GTC' as const, 'GTC' as const, 'IOC' as const, 'FOK' as const),
    postOnly: fc.constantFrom(undefined, false, true),
    stp: fc.constantFrom(...stps),
  })
  .map((r): TradingCommand => {
    const c: Record<string, unknown> = { type: 'place', userId: r.userId, clientOrderId: r.clientOrderId, side: r.side, orderType: 'limit', price: r.price, quantity: r.quantity };
    if (r.timeInForce !== undefined) c.timeInForce = r.timeInForce;
    if (r.postOnly !== undefined && (r.timeInForce ?? 'GTC') === 'GTC') c.postOnly = r.postOnly;
    if (r.stp !== undefined) c.stp = r.stp;
    return c as unknown as TradingCommand;
  });

const placeMarket = fc
  .record({
    userId: fc.constantFrom(...users),
    clientOrderId: fc.constantFrom(...clientIds),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    quantity,
    timeInForce: fc.constantFrom(undefined, 'IOC' as const, 'FOK' as const),
    stp: fc.constantFrom(...stps),
  })
  .map((r): TradingCommand => {
    const c: Record<string, unknown> = { type: 'place', userId: r.userId, clientOrderId: r.clientOrderId, side: r.side, orderType: 'market', quantity: r.quantity };
    if (r.timeInForce !== undefined) c.timeInForce = r.timeInForce;
    if (r.stp !== undefined) c.stp = r.stp;
    return c as unknown as TradingCommand;
  });

const cancel = fc.oneof(
  fc.record({ type: fc.constant('cancel' as const), userId: fc.constantFrom(...users), orderId: fc.integer({ min: 1, max: 60 }).map((n) => `BTC-USD-${n}`) }),
  fc.record({ type: fc.constant('cancel' as const), userId: fc.constantFrom(...users), clientOrderId: fc.constantFrom(...clientIds) }),
);

const command: fc.Arbitrary<TradingCommand> = fc.oneof(
  { weight: 6, arbitrary: placeLimit },
  { weight: 1, arbitrary: placeMarket },
  { weight: 2, arbitrary: cancel as fc.Arbitrary<TradingCommand> },
);
const stream = fc.array(command, { minLength: 1, maxLength: 80 });

function run(commands: TradingCommand[], state?: SymbolEngineState, firstTs = 1000): string[] {
  const engine = createSymbolEngine(BTC, state);
  return commands.flatMap((c, i) => {
    const r = engine.apply(c, firstTs + i);
    return [r.replyJson, String(r.changedState), ...r.events.map((e) => `${e.subject} ${e.payload}`)];
  });
}

const lots = (q: string) => quantityToLots(BTC, q);
const ticks = (p: string) => priceToTicks(BTC, p);

describe('properties over random command streams', () => {
  it('conserves quantity, never leaves the book crossed, fills at the maker price, keeps seqs contiguous', () => {
    fc.assert(
      fc.property(stream, (commands) => {
        const engine = createSymbolEngine(BTC);
        const lastSeq = new Map<string, number>();
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const lastUpdate = new Map<string, any>();
        const fillsByOrder = new Map<string, number>();
        let makerLots = 0;
        let takerLots = 0;
        let tradeLots = 0;
        commands.forEach((c, i) => {
          const before = JSON.stringify(engine.exportState());
          const r = engine.apply(c, 1000 + i);
          expect(r.replyJson).toBe(JSON.stringify(r.reply));
          if (!r.reply.ok) {
            expect(r.events).toHaveLength(0);
            expect(r.changedState).toBe(false);
            expect(JSON.stringify(engine.exportState())).toBe(before);
            return;
          }
          if (!r.changedState) {
            // An idempotent retry: nothing published, nothing changed.
            expect(r.events).toHaveLength(0);
            expect(JSON.stringify(engine.exportState())).toBe(before);
            return;
          }
          let phase = 0; // 0 order updates, 1 trades, 2 book update
          let bookUpdates = 0;
          for (const e of r.events) {
            const ev = JSON.parse(e.payload);
            // Hand-encoded payloads are compact, valid JSON: identical to JSON.stringify of their object.
            expect(JSON.stringify(ev)).toBe(e.payload);
            const expected = (lastSeq.get(e.subject) ?? 0) + 1;
            expect(ev.seq).toBe(expected);
            lastSeq.set(e.subject, ev.seq);
            expect(ev.ts).toBe(1000 + i);
            const kind = ev.type === 'OrderUpdate' ? 0 : ev.type === 'TradeExecuted' ? 1 : 2;
            expect(kind).toBeGreaterThanOrEqual(phase);
            phase = kind;
            if (kind === 0) {
              lastUpdate.set(ev.orderId, ev);
              if (ev.lastFill) {
                const q = lots(ev.lastFill.quantity);
                fillsByOrder.set(ev.orderId, (fillsByOrder.get(ev.orderId) ?? 0) + q);
                if (ev.lastFill.liquidity === 'maker') {
                  makerLots += q;
                  expect(ev.lastFill.price).toBe(ev.price); // fills at the maker's price
                } else {
                  takerLots += q;
                  if (ev.orderType === 'limit') {
                    const fill = ticks(ev.lastFill.price);
                    const limitPrice = ticks(ev.price);
                    expect(ev.side === 'buy' ? fill <= limitPrice : fill >= limitPrice).toBe(true);
                  }
                }
              }
            } else if (kind === 1) {
              tradeLots += lots(ev.quantity);
              expect(ev.tradeId).toBe(String(ev.seq));
            } else bookUpdates++;
          }
          expect(bookUpdates).toBeLessThanOrEqual(1);
          // The reply is the order's last update in this command.
          const order = (r.reply as { order: { orderId: string } }).order;
          expect(order).toEqual(lastUpdate.get(order.orderId));
          // The book is never crossed after a command.
          const snap = engine.snapshot();
          if (snap.bids.length > 0 && snap.asks.length > 0) expect(ticks(snap.bids[0][0])).toBeLessThan(ticks(snap.asks[0][0]));
        });
        expect(makerLots).toBe(takerLots);
        expect(tradeLots).toBe(makerLots);
        // Every order: filled = sum of its fills; live: filled + remaining = quantity; finished: remaining 0.
        const restingByLevel = new Map<string, number>();
        for (const [orderId, u] of lastUpdate) {
          const filled = lots(u.filledQuantity);
          const remaining = lots(u.remainingQuantity);
          const quantity = lots(u.quantity);
          expect(filled).toBe(fillsByOrder.get(orderId) ?? 0);
          // FOK never fills partly; IOC, FOK and market orders never rest.
          if (u.timeInForce === 'FOK') expect(u.status).toBe('FILLED');
          if (u.timeInForce !== 'GTC') expect(['FILLED', 'EXPIRED']).toContain(u.status);
          if (u.status === 'NEW' || u.status === 'PARTIALLY_FILLED') {
            expect(filled + remaining).toBe(quantity);
            const key = `${u.side} ${u.price}`;
            restingByLevel.set(key, (restingByLevel.get(key) ?? 0) + remaining);
          } else {
            expect(remaining).toBe(0);
            expect(filled <= quantity).toBe(true);
            if (u.status === 'FILLED') expect(filled).toBe(quantity);
            else expect(['CANCELED', 'EXPIRED']).toContain(u.status);
          }
        }
        // The book holds exactly the remaining quantity of live orders.
        const snap = engine.snapshot();
        const bookLevels = new Map<string, number>();
        for (const [p, q] of snap.bids) bookLevels.set(`buy ${p}`, lots(q));
        for (const [p, q] of snap.asks) bookLevels.set(`sell ${p}`, lots(q));
        expect(bookLevels).toEqual(restingByLevel);
        expect(engine.stats.restingOrders).toBe([...lastUpdate.values()].filter((u) => u.status === 'NEW' || u.status === 'PARTIALLY_FILLED').length);
      }),
      { numRuns: 150 },
    );
  });

  it('replaying the same commands in a fresh engine reproduces identical bytes', () => {
    fc.assert(
      fc.property(stream, (commands) => {
        expect(run(commands)).toEqual(run(commands));
      }),
      { numRuns: 60 },
    );
  });

  it('export -> restore -> continue gives byte-identical results to an uninterrupted run', () => {
    fc.assert(
      fc.property(stream, fc.nat(), (commands, cutSeed) => {
        const cut = cutSeed % (commands.length + 1);
        const straight = run(commands);
        const engine = createSymbolEngine(BTC);
        const head = commands.slice(0, cut).flatMap((c, i) => {
          const r = engine.apply(c, 1000 + i);
          return [r.replyJson, String(r.changedState), ...r.events.map((e) => `${e.subject} ${e.payload}`)];
        });
        const state = JSON.parse(JSON.stringify(engine.exportState())) as SymbolEngineState;
        const tail = run(commands.slice(cut), state, 1000 + cut);
        expect([...head, ...tail]).toEqual(straight);
      }),
      { numRuns: 100 },
    );
  });

  it('snapshot plus later book updates rebuild the same book', () => {
    fc.assert(
      fc.property(stream, fc.nat(), (commands, cutSeed) => {
        const cut = cutSeed % (commands.length + 1);
        const engine = createSymbolEngine(BTC);
        commands.slice(0, cut).forEach((c, i) => engine.apply(c, 1000 + i));
        const snap = engine.snapshot();
        const bids = new Map(snap.bids);
        const asks = new Map(snap.asks);
        let seq = snap.seq;
        commands.slice(cut).forEach((c, i) => {
          for (const e of engine.apply(c, 2000 + i).events) {
            const ev = JSON.parse(e.payload);
            if (ev.type !== 'OrderBookUpdate') continue;
            expect(ev.seq).toBe(++seq);
            for (const [p, q] of ev.bids) (lots(q) === 0 ? bids.delete(p) : bids.set(p, q));
            for (const [p, q] of ev.asks) (lots(q) === 0 ? asks.delete(p) : asks.set(p, q));
          }
        });
        const final = engine.snapshot();
        const sorted = (m: Map<string, string>, desc: boolean) => [...m].sort((a, b) => (desc ? ticks(b[0]) - ticks(a[0]) : ticks(a[0]) - ticks(b[0])));
        expect(sorted(bids, true)).toEqual(final.bids);
        expect(sorted(asks, false)).toEqual(final.asks);
      }),
      { numRuns: 100 },
    );
  });

  it('never throws and never changes state on malformed input, whatever the fields hold', () => {
    const field = fc.constantFrom('type', 'userId', 'clientOrderId', 'side', 'orderType', 'price', 'quantity', 'timeInForce', 'postOnly', 'stp', 'orderId', 'extra');
    const mutated = fc.tuple(command, field, fc.anything({ withNullPrototype: true, withObjectString: true })).map(([c, key, value]) => ({ ...c, [key]: value }) as unknown);
    fc.assert(
      fc.property(stream, fc.array(fc.oneof(mutated, fc.anything()), { maxLength: 20 }), (prefix, junk) => {
        const engine = createSymbolEngine(BTC);
        prefix.forEach((c, i) => engine.apply(c, 1000 + i));
        for (const input of junk) {
          const before = JSON.stringify(engine.exportState());
          const r = engine.apply(input as TradingCommand, 5000);
          expect(r.replyJson).toBe(JSON.stringify(r.reply));
          if (!r.reply.ok || !r.changedState) {
            expect(r.events).toHaveLength(0);
            expect(JSON.stringify(engine.exportState())).toBe(before);
          }
          for (const e of r.events) expect(JSON.stringify(JSON.parse(e.payload))).toBe(e.payload);
        }
      }),
      { numRuns: 100 },
    );
  });
});
