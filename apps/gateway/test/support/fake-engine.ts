import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjects, type PriceLevel } from '@trading/contracts';

/**
 * TEST-ONLY stand-in for the matching engine: a plain NATS client that answers snapshot and command
 * requests and publishes events with contiguous seqs, so gateway behaviour can be tested before (and
 * independently of) the real engine. It does not match orders; tests drive the events it publishes.
 */
export class FakeEngine {
  private readonly seqs = new Map<string, number>();
  private readonly books = new Map<string, { bids: Map<string, string>; asks: Map<string, string> }>();
  private readonly orders = new Map<string, { userId: string; symbol: string; body: Record<string, unknown> }>();
  private nextOrder = 1;
  /** When set, command requests get this reply instead of the default behaviour. */
  replyOverride?: (command: Record<string, unknown>) => unknown;
  /** When set and it returns a value, snapshot requests get that reply (e.g. a refusal) instead of the book. */
  snapshotOverride?: (symbol: string) => unknown;
  /** When true, requests are received but never answered (the gateway must time out). */
  silent = false;
  readonly commands: Record<string, unknown>[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly symbols: string[],
  ) {}

  static async start(url: string, symbols: string[]): Promise<FakeEngine> {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const engine = new FakeEngine(nc, symbols);
    for (const symbol of symbols) {
      engine.books.set(symbol, { bids: new Map(), asks: new Map() });
      nc.subscribe(subjects.snapshot(symbol), { callback: (_e, msg) => !engine.silent && msg.respond(JSON.stringify(engine.snapshotOverride?.(symbol) ?? engine.snapshot(symbol))) });
      nc.subscribe(subjects.command(symbol), {
        callback: (_e, msg) => {
          if (engine.silent) return;
          const command = msg.json<Record<string, unknown>>();
          engine.commands.push(command);
          msg.respond(JSON.stringify(engine.replyOverride ? engine.replyOverride(command) : engine.execute(symbol, command)));
        },
      });
    }
    await nc.flush();
    return engine;
  }

  private nextSeq(subject: string): number {
    const seq = (this.seqs.get(subject) ?? 0) + 1;
    this.seqs.set(subject, seq);
    return seq;
  }

  snapshot(symbol: string) {
    const book = this.books.get(symbol)!;
    const sort = (m: Map<string, string>, desc: boolean) =>
      [...m.entries()].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))) as PriceLevel[];
    return {
      type: 'OrderBookSnapshot',
      symbol,
      seq: this.seqs.get(subjects.book(symbol)) ?? 0,
      ts: Date.now(),
      bids: sort(book.bids, true),
      asks: sort(book.asks, false),
    };
  }

  /** Publishes a book delta; `skipSeq` leaves a gap before it, as a lost message would. */
  publishBook(symbol: string, bids: PriceLevel[], asks: PriceLevel[], options: { skipSeq?: boolean; extra?: Record<string, unknown> } = {}) {
    const subject = subjects.book(symbol);
    if (options.skipSeq) this.nextSeq(subject);
    const book = this.books.get(symbol)!;
    for (const [p, q] of bids) (Number(q) === 0 ? book.bids.delete(p) : book.bids.set(p, q));
    for (const [p, q] of asks) (Number(q) === 0 ? book.asks.delete(p) : book.asks.set(p, q));
    const event = { type: 'OrderBookUpdate', symbol, seq: this.nextSeq(subject), ts: Date.now(), bids, asks, ...options.extra };
    this.nc.publish(subject, JSON.stringify(event));
    return event;
  }

  /** Republishes raw bytes (e.g. a duplicate after an engine crash). */
  publishRaw(subject: string, payload: string): void {
    this.nc.publish(subject, payload);
  }

  publishTrade(symbol: string, extra: Record<string, unknown> = {}) {
    const subject = subjects.trade(symbol);
    const seq = this.nextSeq(subject);
    const event = { type: 'TradeExecuted', symbol, seq, ts: Date.now(), tradeId: `${symbol}-T${seq}`, price: '100.00', quantity: '1.0000', takerSide: 'buy', ...extra };
    this.nc.publish(subject, JSON.stringify(event));
    return event;
  }

  publishOrderUpdate(userId: string, symbol: string) {
    const subject = subjects.order(userId, symbol);
    const seq = this.nextSeq(subject);
    const event = {
      type: 'OrderUpdate', symbol, seq, ts: Date.now(), userId, orderId: `${symbol}-${this.nextOrder++}`, clientOrderId: `c${seq}`,
      side: 'buy', orderType: 'limit', timeInForce: 'GTC', price: '100.00', quantity: '1.0000', filledQuantity: '0.0000',
      remainingQuantity: '1.0000', status: 'NEW',
    };
    this.nc.publish(subject, JSON.stringify(event));
    return event;
  }

  /** Default command handling: limit orders rest on the book; cancels remove them (ORDER_NOT_FOUND for other users' orders). */
  private execute(symbol: string, command: Record<string, unknown>) {
    if (command.type === 'place') {
      const orderId = `${symbol}-${this.nextOrder++}`;
      const order = { ...command, orderId, symbol, status: 'NEW', filledQuantity: '0.0000', remainingQuantity: command.quantity };
      delete (order as Record<string, unknown>).type;
      this.orders.set(orderId, { userId: command.userId as string, symbol, body: order });
      return { ok: true, order };
    }
    const found = this.orders.get(command.orderId as string);
    if (!found || found.userId !== command.userId) return { ok: false, error: { code: 'ORDER_NOT_FOUND', message: 'no such order' } };
    this.orders.delete(command.orderId as string);
    return { ok: true, order: { ...found.body, status: 'CANCELED', reason: 'USER_CANCELED', remainingQuantity: '0.0000' } };
  }

  async stop(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
