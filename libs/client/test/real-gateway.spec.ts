import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { ChildService, freePort, NatsServer, waitFor } from '@trading/testing';
import { OrderEntryError, placeOrder, Subscription, TradingClient, type StreamGap, type SubscriptionEvents, type WebSocketConstructor } from '@trading/client';

/**
 * The SDK against REAL gateway processes (apps/gateway/dist/main.js, built first): a real
 * nats-server, two gateway replicas, and a plain NATS client standing in for the engine (a snapshot
 * responder, a command responder and contiguous-seq publishers), so this suite does not depend on
 * the matching engine.
 */
const GATEWAY_MAIN = fileURLToPath(new URL('../../../apps/gateway/dist/main.js', import.meta.url));
const SECRET = 'client-sdk-test-secret-0123456789abcdef';
const SYMBOL = 'BTC-USD';

if (!existsSync(GATEWAY_MAIN)) {
  throw new Error(`${GATEWAY_MAIN} is missing: run "npx tsc -b tsconfig.build.json" (or npm test, which builds) first`);
}

/** The engine's side of the contract, reduced to what the gateway needs. */
class EngineStandIn {
  private readonly seqs = new Map<string, number>();
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();

  constructor(readonly nc: NatsConnection) {
    nc.subscribe(`trading.snapshot.${SYMBOL}`, {
      callback: (_err, msg) => {
        msg.respond(JSON.stringify(this.snapshot()));
      },
    });
    nc.subscribe(`trading.cmd.${SYMBOL}`, {
      callback: (_err, msg) => {
        const cmd = msg.json<Record<string, unknown>>();
        if (cmd.price === '0.00') {
          msg.respond(JSON.stringify({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'price must be positive', details: { price: 'must be > 0' } } }));
          return;
        }
        const order = { userId: cmd.userId, orderId: `${SYMBOL}-1`, clientOrderId: cmd.clientOrderId, side: cmd.side, orderType: cmd.orderType, timeInForce: 'GTC', price: cmd.price, quantity: cmd.quantity, filledQuantity: '0.0000', remainingQuantity: cmd.quantity, status: 'NEW', symbol: SYMBOL };
        msg.respond(JSON.stringify({ ok: true, order }));
      },
    });
  }

  private next(subject: string): number {
    const seq = (this.seqs.get(subject) ?? 0) + 1;
    this.seqs.set(subject, seq);
    return seq;
  }

  snapshot() {
    const sorted = (m: Map<string, string>, desc: boolean) => [...m.entries()].sort((a, b) => (desc ? 1 : -1) * (Number(b[0]) - Number(a[0])));
    return { type: 'OrderBookSnapshot', symbol: SYMBOL, seq: this.seqs.get(`trading.book.${SYMBOL}`) ?? 0, ts: Date.now(), bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }

  trade(price: string): number {
    const subject = `trading.trade.${SYMBOL}`;
    const seq = this.next(subject);
    this.nc.publish(subject, JSON.stringify({ type: 'TradeExecuted', symbol: SYMBOL, seq, ts: Date.now(), tradeId: `T${seq}`, price, quantity: '1.0000', takerSide: 'buy' }));
    return seq;
  }

  book(bids: [string, string][], asks: [string, string][] = []): number {
    const subject = `trading.book.${SYMBOL}`;
    for (const [p, q] of bids) (q === '0.0000' ? this.bids.delete(p) : this.bids.set(p, q));
    for (const [p, q] of asks) (q === '0.0000' ? this.asks.delete(p) : this.asks.set(p, q));
    const seq = this.next(subject);
    this.nc.publish(subject, JSON.stringify({ type: 'OrderBookUpdate', symbol: SYMBOL, seq, ts: Date.now(), bids, asks }));
    return seq;
  }

  order(userId: string): number {
    const subject = `trading.order.${userId}.${SYMBOL}`;
    const seq = this.next(subject);
    this.nc.publish(subject, JSON.stringify({ type: 'OrderUpdate', symbol: SYMBOL, seq, ts: Date.now(), userId, orderId: `${SYMBOL}-${seq}`, clientOrderId: `c${seq}`, side: 'buy', orderType: 'limit', timeInForce: 'GTC', price: '100.00', quantity: '1.0000', filledQuantity: '0.0000', remainingQuantity: '1.0000', status: 'NEW' }));
    return seq;
  }
}

interface Replica {
  service: ChildService;
  port: number;
  adminPort: number;
  wsUrl: string;
  httpUrl: string;
}

/** Every gateway process this file started, so afterAll stops them all even after a failed start. */
const started: ChildService[] = [];

async function startReplica(name: string, natsUrl: string, ports?: { port: number; adminPort: number }): Promise<Replica> {
  const { port, adminPort } = ports ?? { port: await freePort(), adminPort: await freePort() };
  const service = ChildService.start(name, GATEWAY_MAIN, {
    NATS_URL: natsUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    DRAIN_MS: '0',
  });
  started.push(service);
  await waitFor(
    async () => {
      if (!service.running) throw new Error(`${name} exited:\n${service.logs}`);
      const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
      return res.status === 200;
    },
    { timeoutMs: 15_000, intervalMs: 50, description: `${name} ready` },
  );
  return { service, port, adminPort, wsUrl: `ws://127.0.0.1:${port}/ws`, httpUrl: `http://127.0.0.1:${port}` };
}

const sign = (sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

/** Each seq 1..last is delivered once (increasing) or lies inside a reported gap: nothing is hidden. */
function expectAccountedFor(delivered: number[], gaps: StreamGap[], last: number): void {
  for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThan(delivered[i - 1]);
  const seen = new Set(delivered);
  const missing = Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !seen.has(seq));
  const reported = missing.filter((seq) => gaps.some((g) => seq >= g.expected && seq < (g.received ?? Infinity)));
  expect(reported).toEqual(missing);
  expect(delivered.at(-1)).toBe(last);
}

let nats: NatsServer;
let nc: NatsConnection;
let engine: EngineStandIn;
let a: Replica;
let b: Replica;
let client: TradingClient | undefined;

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url });
  engine = new EngineStandIn(nc);
  await nc.flush();
  [a, b] = await Promise.all([startReplica('gateway-a', nats.url), startReplica('gateway-b', nats.url)]);
});

afterAll(async () => {
  await client?.close();
  await Promise.all(started.map((service) => service.kill()));
  await nc?.close();
  await nats?.dispose();
});

describe('TradingClient against two real gateway replicas', () => {
  it('subscribes, receives, and after one replica is killed fails over to the other and resubscribes', async () => {
    engine.book([['100.00', '1.0000']], [['101.00', '2.0000']]);
    client = new TradingClient({
      urls: [a.wsUrl, b.wsUrl],
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      getToken: () => sign('alice'),
      randomStart: false,
      backoff: { initialDelayMs: 50, maxDelayMs: 500 },
      heartbeatIntervalMs: 1000,
      pongTimeoutMs: 2000,
    });
    const trades: number[] = [];
    const orders: number[] = [];
    const gaps: StreamGap[] = [];
    const errors: unknown[] = [];
    client.on('gap', (g) => gaps.push(g));
    client.on('error', (e) => errors.push(e));
    const tradeSub = client.subscribeTrades(SYMBOL);
    const orderSub = client.subscribeOrders('*');
    const bookSub = client.subscribeBook(SYMBOL);
    const acks = { trades: 0, orders: 0, book: 0 };
    for (const sub of [tradeSub, orderSub, bookSub] as Subscription<SubscriptionEvents>[]) sub.on('subscribed', (s) => acks[s.channel]++);
    tradeSub.on('trade', (t) => trades.push(t.seq));
    orderSub.on('order', (o) => orders.push(o.seq));
    await client.connect();
    await Promise.all([tradeSub.ready, orderSub.ready, bookSub.ready]);
    await waitFor(() => bookSub.book.status === 'synced');
    expect(client.url).toBe(a.wsUrl);
    expect(client.userId).toBe('alice');
    expect(bookSub.book.toSnapshot()).toMatchObject({ seq: 1, bids: [['100.00', '1.0000']], asks: [['101.00', '2.0000']] });

    engine.trade('100.50');
    engine.order('alice');
    engine.order('bob'); // another user's events never reach alice
    engine.book([['100.50', '0.5000']]);
    await waitFor(() => trades.length === 1 && orders.length === 1 && bookSub.book.seq === 2);
    expect(bookSub.book.bestBid()).toEqual(['100.50', '0.5000']);

    await a.service.kill();
    await waitFor(() => client!.state === 'open' && client!.url === b.wsUrl, { timeoutMs: 10_000 });
    await Promise.all([
      waitFor(() => bookSub.book.status === 'synced'),
      waitFor(() => client!.stats().connections === 2),
    ]);
    // The client re-authenticated and resubscribed everything on B (acks for every handle, twice now).
    await waitFor(() => acks.trades >= 2 && acks.orders >= 2 && acks.book >= 2);
    // The gateway acknowledges before its NATS interest is surely registered, so an event published
    // right after the ack can miss replica B; keep publishing until events flow, and then require
    // that every seq was either delivered exactly once, in order, or reported in a gap.
    let last = { trade: 0, order: 0 };
    await waitFor(
      () => {
        if (trades.at(-1) === last.trade && orders.at(-1) === last.order && bookSub.book.seq === engine.snapshot().seq) return true;
        last = { trade: engine.trade('101.00'), order: engine.order('alice') };
        engine.book([['99.00', '4.0000']]);
        return false;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'events flowing through replica B' },
    );
    expectAccountedFor(trades, gaps.filter((g) => g.channel === 'trades'), last.trade);
    expectAccountedFor(orders, gaps.filter((g) => g.channel === 'orders'), last.order);
    expect(gaps.filter((g) => g.channel === 'book')).toEqual([]);
    const snap = engine.snapshot();
    expect(bookSub.book.toSnapshot()).toEqual({ symbol: SYMBOL, seq: snap.seq, bids: snap.bids, asks: snap.asks });
    expect(errors).toEqual([]);
    expect(client.replicas().map((r) => r.state)).toEqual(['closed', 'open']);
  });

  it('moves back to the restarted replica when the current one drains with 1001 (rolling restart)', async () => {
    a = await startReplica('gateway-a2', nats.url, { port: a.port, adminPort: a.adminPort });
    const closes: { url: string; code: number }[] = [];
    client!.on('close', (e) => closes.push(e));
    const bookSub = client!.subscribeBook(SYMBOL); // shares the existing book subscription
    await b.service.terminate();
    await waitFor(() => client!.state === 'open' && client!.url === a.wsUrl, { timeoutMs: 10_000 });
    expect(closes[0]).toMatchObject({ url: b.wsUrl, code: 1001 });
    await waitFor(() => bookSub.book.status === 'synced');
    engine.book([['98.00', '1.0000']]);
    const snap = engine.snapshot();
    await waitFor(() => bookSub.book.seq === snap.seq);
    expect(bookSub.book.toSnapshot()).toEqual({ symbol: SYMBOL, seq: snap.seq, bids: snap.bids, asks: snap.asks });
    b = await startReplica('gateway-b2', nats.url, { port: b.port, adminPort: b.adminPort });
  });

  it('places orders over REST through the gateway, with typed refusals', async () => {
    const token = await sign('alice');
    const ok = await placeOrder(b.httpUrl, token, { symbol: SYMBOL, clientOrderId: 'sdk-1', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' });
    expect(ok.status).toBe(200);
    expect(ok.order).toMatchObject({ userId: 'alice', clientOrderId: 'sdk-1', status: 'NEW' });

    const refused = await placeOrder(b.httpUrl, token, { symbol: SYMBOL, clientOrderId: 'sdk-2', side: 'buy', orderType: 'limit', price: '0.00', quantity: '1.0000' }).catch((e) => e);
    expect(refused).toBeInstanceOf(OrderEntryError);
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });

    await expect(placeOrder(b.httpUrl, 'not-a-jwt', { symbol: SYMBOL, clientOrderId: 'sdk-3', side: 'buy', orderType: 'market', quantity: '1.0000' })).rejects.toMatchObject({ status: 401 });
  });
});
