/**
 * @trading/client: TypeScript SDK for the trading gateway (browsers and Node 20).
 * See docs/client-sdk.md.
 */
export { TradingClient, LocalCloseCode } from './client/trading-client.js';
export type { TradingClientOptions, TokenProvider } from './client/options.js';
export type {
  ClientState,
  ClientStats,
  CloseEvent,
  ReplicaState,
  ReplicaStatus,
  StateChange,
  StreamGap,
  TradingClientEvents,
} from './client/client-events.js';
export {
  Subscription,
  TradesSubscription,
  OrdersSubscription,
  BookSubscription,
  type SubscriptionEvents,
  type TradesSubscriptionEvents,
  type OrdersSubscriptionEvents,
  type BookSubscriptionEvents,
} from './client/subscriptions.js';
export { LocalOrderBook, type ApplyResult, type BookGap, type BookStatus, type LocalOrderBookEvents } from './book/local-order-book.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './connection/backoff.js';
export { ReplicaRotation } from './connection/replica-rotation.js';
export type { WebSocketConstructor, WebSocketLike } from './connection/websocket-like.js';
export { SeqTracker, type SeqVerdict } from './streams/seq-tracker.js';
export { placeOrder, cancelOrder, type PlaceOrderRequest, type CancelOrderRequest, type OrderEntryOptions, type OrderEntryResult } from './rest/order-entry.js';
export { tokenRefreshDelay } from './client/token-schedule.js';
export { decodeJwtExp } from './util/jwt.js';
export { compareDecimal, isZeroDecimal } from './util/decimal-order.js';
export { TypedEmitter, type Listener } from './util/typed-emitter.js';
export * from './errors.js';
export type {
  Channel,
  OrderBookSnapshot,
  OrderBookUpdate,
  OrderState,
  OrderUpdate,
  PriceLevel,
  TradeExecuted,
  CommandReply,
  CommandError,
} from '@trading/contracts';
