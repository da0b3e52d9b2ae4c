/** Wire types of every event (contract section 3). Prices and quantities are decimal strings. */
export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type Liquidity = 'maker' | 'taker';
export type SelfTradePrevention = 'none' | 'expire_taker' | 'expire_maker' | 'expire_both';

export const SIDES: readonly Side[] = ['buy', 'sell'];
export const ORDER_TYPES: readonly OrderType[] = ['limit', 'market'];
export const TIME_IN_FORCES: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK'];
export const STP_MODES: readonly SelfTradePrevention[] = ['none', 'expire_taker', 'expire_maker', 'expire_both'];
export const ORDER_STATUSES: readonly OrderStatus[] = ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'];

/** Why an order ended CANCELED, REJECTED or EXPIRED. */
export type OrderReason =
  | 'USER_CANCELED'
  | 'SELF_TRADE_PREVENTION'
  | 'IOC_UNFILLED'
  | 'FOK_UNFILLED'
  | 'MARKET_UNFILLED'
  | (string & {});

/** A price level: `[price, quantity]`; quantity "0..." removes the level in an update. */
export type PriceLevel = [price: string, quantity: string];

interface EventBase {
  symbol: string;
  /** Contiguous per NATS subject, from 1, continuing across engine restarts. */
  seq: number;
  /** Epoch milliseconds at which the causing command was journaled. */
  ts: number;
}

export interface LastFill {
  tradeId: string;
  price: string;
  quantity: string;
  liquidity: Liquidity;
}

export interface OrderUpdate extends EventBase {
  type: 'OrderUpdate';
  userId: string;
  orderId: string;
  clientOrderId: string;
  side: Side;
  orderType: OrderType;
  timeInForce: TimeInForce;
  price?: string;
  quantity: string;
  filledQuantity: string;
  remainingQuantity: string;
  status: OrderStatus;
  reason?: OrderReason;
  lastFill?: LastFill;
}

export interface TradeExecuted extends EventBase {
  type: 'TradeExecuted';
  tradeId: string;
  price: string;
  quantity: string;
  takerSide: Side;
}

export interface OrderBookUpdate extends EventBase {
  type: 'OrderBookUpdate';
  bids: PriceLevel[];
  asks: PriceLevel[];
}

export interface OrderBookSnapshot extends EventBase {
  type: 'OrderBookSnapshot';
  bids: PriceLevel[];
  asks: PriceLevel[];
}

export type TradingEvent = OrderUpdate | TradeExecuted | OrderBookUpdate;

/** Body of a request on `trading.snapshot.{symbol}`. */
export interface SnapshotRequest {
  depth?: number;
}
