import type { Liquidity, OrderBookUpdate, OrderReason, OrderStatus, OrderUpdate, PriceLevel, TradeExecuted } from '@trading/contracts';
import type { BookOrder } from '../book/book-order.js';
import { SELL, STATUS_PARTIALLY_FILLED, type ReasonCode, type StatusCode } from '../book/codes.js';

/**
 * Wire objects of events. Field order is fixed here, and every event is built by these functions
 * only, so equal inputs always give equal bytes (replay and idempotent retries depend on it).
 */
export const STATUS_TEXT: readonly OrderStatus[] = ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED'];
export const REASON_TEXT: readonly (OrderReason | undefined)[] = [
  undefined,
  'USER_CANCELED',
  'SELF_TRADE_PREVENTION',
  'IOC_UNFILLED',
  'FOK_UNFILLED',
  'MARKET_UNFILLED',
];
const TIF_TEXT = ['GTC', 'IOC', 'FOK'] as const;

export interface FillView {
  readonly tradeId: string;
  readonly price: string;
  readonly quantity: string;
  readonly liquidity: Liquidity;
}

/** Remaining lots shown for an order: what still works on the book; 0 once it is finished. */
export function shownRemaining(order: BookOrder, filled: number, status: StatusCode): number {
  return status <= STATUS_PARTIALLY_FILLED ? order.quantity - filled : 0;
}

export function orderUpdate(
  symbol: string,
  seq: number,
  ts: number,
  order: BookOrder,
  filledText: string,
  remainingText: string,
  status: StatusCode,
  reason: ReasonCode,
  fill: FillView | undefined,
): OrderUpdate {
  const side = order.side === SELL ? 'sell' : 'buy';
  const orderType = order.isMarket ? 'market' : 'limit';
  const timeInForce = TIF_TEXT[order.tif];
  // Market orders carry no price; two literals keep field order fixed and objects in fast mode.
  const update: OrderUpdate =
    order.priceText === undefined
      ? {
          type: 'OrderUpdate',
          symbol,
          seq,
          ts,
          userId: order.owner,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          side,
          orderType,
          timeInForce,
          quantity: order.quantityText,
          filledQuantity: filledText,
          remainingQuantity: remainingText,
          status: STATUS_TEXT[status],
        }
      : {
          type: 'OrderUpdate',
          symbol,
          seq,
          ts,
          userId: order.owner,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          side,
          orderType,
          timeInForce,
          price: order.priceText,
          quantity: order.quantityText,
          filledQuantity: filledText,
          remainingQuantity: remainingText,
          status: STATUS_TEXT[status],
        };
  if (reason !== 0) update.reason = REASON_TEXT[reason];
  if (fill !== undefined) update.lastFill = fill;
  return update;
}

export function tradeExecuted(symbol: string, seq: number, ts: number, tradeId: string, price: string, quantity: string, takerSide: number): TradeExecuted {
  return { type: 'TradeExecuted', symbol, seq, ts, tradeId, price, quantity, takerSide: takerSide === SELL ? 'sell' : 'buy' };
}

export function orderBookUpdate(symbol: string, seq: number, ts: number, bids: PriceLevel[], asks: PriceLevel[]): OrderBookUpdate {
  return { type: 'OrderBookUpdate', symbol, seq, ts, bids, asks };
}
