import type { Channel, OrderBookUpdate, OrderUpdate, TradeExecuted } from '@trading/contracts';
import type { LocalOrderBook } from '../book/local-order-book.js';
import { ClientSdkErrorCode, TradingClientError } from '../errors.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { StreamGap } from './client-events.js';

/**
 * Handles returned by `subscribeTrades` / `subscribeOrders` / `subscribeBook`. Several handles on the
 * same (channel, symbol) share one gateway subscription; the gateway is told to unsubscribe when the
 * last handle is released.
 */
export interface SubscriptionEvents {
  /** The gateway acknowledged the subscription (again after every reconnect). */
  subscribed: { channel: Channel; symbol: string; resumed: boolean };
  /** Events were missed on one of this subscription's streams. */
  gap: StreamGap;
  /** The gateway refused the subscription or a request timed out; the subscription stays registered. */
  error: TradingClientError;
}

export interface TradesSubscriptionEvents extends SubscriptionEvents {
  trade: TradeExecuted;
}

export interface OrdersSubscriptionEvents extends SubscriptionEvents {
  order: OrderUpdate;
}

export interface BookSubscriptionEvents extends SubscriptionEvents {
  /** A snapshot (first, after a reconnect, or after a gap) replaced the local book. */
  snapshot: LocalOrderBook;
  /** A delta was applied to the local book. */
  update: { book: LocalOrderBook; update: OrderBookUpdate };
  /** The local book stopped applying deltas and a fresh snapshot was requested. */
  resync: { symbol: string; reason: 'gap' | 'reconnect' | 'bad-frame' | 'resume-unavailable' };
}

/** Callbacks the client gives a handle: kept out of the public surface. */
export interface SubscriptionOwner {
  release(handle: Subscription<SubscriptionEvents>): Promise<void>;
}

export abstract class Subscription<Events extends SubscriptionEvents> extends TypedEmitter<Events> {
  /** Resolves on the first acknowledgement; rejects if the first attempt is refused. */
  readonly ready: Promise<void>;
  private settle?: { resolve: () => void; reject: (err: unknown) => void };
  private released = false;

  constructor(
    readonly channel: Channel,
    readonly symbol: string,
    private readonly owner: SubscriptionOwner,
  ) {
    super();
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // A caller that never awaits `ready` must not get an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** False once `unsubscribe()` was called or the client closed. */
  get active(): boolean {
    return !this.released;
  }

  /** Stops this handle; the gateway subscription ends when no other handle shares it. */
  async unsubscribe(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.settleReady(new TradingClientError(ClientSdkErrorCode.UNSUBSCRIBED, 'unsubscribed before the gateway acknowledged'));
    await this.owner.release(this as unknown as Subscription<SubscriptionEvents>);
  }

  /** @internal */
  _emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    if (this.released) return;
    if (event === 'subscribed') this.settleReady();
    this.emit(event, payload);
  }

  /** @internal The first attempt failed (refused or timed out) or the client closed. */
  _fail(error: TradingClientError, emitError = true): void {
    this.settleReady(error);
    if (emitError) this._emit('error', error as Events['error']);
  }

  /** @internal */
  _detach(): void {
    this.released = true;
  }

  private settleReady(error?: unknown): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = undefined;
    if (error === undefined) settle.resolve();
    else settle.reject(error);
  }
}

export class TradesSubscription extends Subscription<TradesSubscriptionEvents> {}

export class OrdersSubscription extends Subscription<OrdersSubscriptionEvents> {}

export class BookSubscription extends Subscription<BookSubscriptionEvents> {
  constructor(
    symbol: string,
    owner: SubscriptionOwner,
    /** The local book shared by every handle on this symbol. */
    readonly book: LocalOrderBook,
  ) {
    super('book', symbol, owner);
  }
}
