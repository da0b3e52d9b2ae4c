import fc from 'fast-check';
import type { TradingCommand } from '@trading/contracts';
import type { CommandResult, SymbolEngine } from '../src/index.js';

/** Random command streams for the replay-vs-apply property tests: few users, ids and prices, so keys collide and orders cross. */
const users = ['u1', 'u2', 'u3'];
const clientIds = Array.from({ length: 10 }, (_, i) => `c${i}`);
const prices = ['99.00', '99.50', '100.00', '100.50', '101.00'];
const quantities = ['0.2500', '0.5000', '0.7500', '1.0000', '2.5000'];
const stps = [undefined, 'none', 'expire_taker', 'expire_maker', 'expire_both'] as const;

const place = fc
  .record({
    userId: fc.constantFrom(...users),
    clientOrderId: fc.constantFrom(...clientIds),
    side: fc.constantFrom('buy', 'sell'),
    market: fc.boolean(),
    price: fc.constantFrom(...prices),
    quantity: fc.constantFrom(...quantities),
    timeInForce: fc.constantFrom(undefined, 'GTC', 'IOC', 'FOK'),
    postOnly: fc.constantFrom(undefined, true),
    stp: fc.constantFrom(...stps),
  })
  .map((r): TradingCommand => {
    const c: Record<string, unknown> = { type: 'place', userId: r.userId, clientOrderId: r.clientOrderId, side: r.side, orderType: r.market ? 'market' : 'limit', quantity: r.quantity };
    if (!r.market) c.price = r.price;
    if (r.timeInForce !== undefined) c.timeInForce = r.timeInForce;
    if (r.postOnly !== undefined && !r.market && (r.timeInForce ?? 'GTC') === 'GTC') c.postOnly = true;
    if (r.stp !== undefined) c.stp = r.stp;
    return c as unknown as TradingCommand;
  });
const cancel = fc.oneof(
  fc.record({ type: fc.constant('cancel' as const), userId: fc.constantFrom(...users), orderId: fc.integer({ min: 1, max: 40 }).map((n) => `BTC-USD-${n}`) }),
  fc.record({ type: fc.constant('cancel' as const), userId: fc.constantFrom(...users), clientOrderId: fc.constantFrom(...clientIds) }),
);
export const command: fc.Arbitrary<TradingCommand> = fc.oneof({ weight: 3, arbitrary: place }, { weight: 1, arbitrary: cancel as fc.Arbitrary<TradingCommand> });

export const bytes = (r: CommandResult): string[] => [r.replyJson, String(r.changedState), ...r.events.map((e) => `${e.subject} ${e.payload}`)];
export const state = (engine: SymbolEngine): string => JSON.stringify(engine.exportState());

/** Every place of the stream again (idempotent retries or duplicates), then the stream once more. */
export function probes(commands: readonly TradingCommand[]): TradingCommand[] {
  return [...commands.filter((c) => c.type === 'place'), ...commands];
}
