import { createSymbolSpec, type PlaceCommand, type CancelCommand, type SymbolSpec, type TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type CommandResult, type SymbolEngine, type SymbolEngineState } from '../src/index.js';
import type { SymbolEngineOptions } from '../src/engine/symbol-engine.js';

/** Test helpers: build commands tersely and read results as parsed events. */
export const BTC = createSymbolSpec('BTC-USD', '0.01', '0.0001');

export type Extra = Partial<Pick<PlaceCommand, 'timeInForce' | 'postOnly' | 'stp'>>;

export const limit = (userId: string, clientOrderId: string, side: 'buy' | 'sell', price: string, quantity: string, extra: Extra = {}): PlaceCommand => ({
  type: 'place',
  userId,
  clientOrderId,
  side,
  orderType: 'limit',
  price,
  quantity,
  ...extra,
});

export const market = (userId: string, clientOrderId: string, side: 'buy' | 'sell', quantity: string, extra: Extra = {}): PlaceCommand => ({
  type: 'place',
  userId,
  clientOrderId,
  side,
  orderType: 'market',
  quantity,
  ...extra,
});

export const cancelById = (userId: string, orderId: string): CancelCommand => ({ type: 'cancel', userId, orderId });
export const cancelByClientId = (userId: string, clientOrderId: string): CancelCommand => ({ type: 'cancel', userId, clientOrderId });

export interface Parsed {
  subject: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  event: any;
}

/** An engine plus a clock: every command gets the next ts (1000, 1001, ...). */
export class Session {
  readonly engine: SymbolEngine;
  ts = 1000;

  constructor(spec: SymbolSpec = BTC, state?: SymbolEngineState, options?: SymbolEngineOptions) {
    this.engine = createSymbolEngine(spec, state, options);
  }

  raw(command: TradingCommand | unknown): CommandResult {
    return this.engine.apply(command as TradingCommand, this.ts++);
  }

  /** Applies and returns the reply object and parsed events. */
  run(command: TradingCommand | unknown) {
    const result = this.raw(command);
    const events: Parsed[] = result.events.map((e) => ({ subject: e.subject, event: JSON.parse(e.payload) }));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const reply = result.reply as any;
    return { result, reply, events, types: events.map((e) => e.event.type as string) };
  }

  /** Applies commands that must all be accepted. */
  ok(...commands: TradingCommand[]) {
    return commands.map((c) => {
      const r = this.run(c);
      if (!r.reply.ok) throw new Error(`expected ok for ${JSON.stringify(c)}: ${r.result.replyJson}`);
      return r;
    });
  }
}

export const orderEvents = (events: Parsed[]) => events.filter((e) => e.event.type === 'OrderUpdate').map((e) => e.event);
export const tradeEvents = (events: Parsed[]) => events.filter((e) => e.event.type === 'TradeExecuted').map((e) => e.event);
export const bookEvents = (events: Parsed[]) => events.filter((e) => e.event.type === 'OrderBookUpdate').map((e) => e.event);

/** Compact view of an OrderUpdate for table assertions: `clientOrderId status filled/remaining [reason]`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const brief = (u: any): string =>
  `${u.clientOrderId} ${u.status} ${u.filledQuantity}/${u.remainingQuantity}${u.reason ? ` ${u.reason}` : ''}${u.lastFill ? ` @${u.lastFill.price}x${u.lastFill.quantity} ${u.lastFill.liquidity}` : ''}`;
