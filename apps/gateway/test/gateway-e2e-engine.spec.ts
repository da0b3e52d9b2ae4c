import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { ChildService, freePort, NatsServer, TestSocket, waitFor } from '@trading/testing';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { signToken } from './support/tokens.js';

const ENGINE_MAIN = fileURLToPath(new URL('../../matching-engine/dist/main.js', import.meta.url));

/**
 * End to end: real nats-server with JetStream, the real matching engine and two gateway replicas, all
 * as processes. Skipped only when the engine has not been built.
 */
(existsSync(ENGINE_MAIN) ? describe : describe.skip)('gateway end to end with the real engine and two replicas', () => {
  let nats: NatsServer;
  let engine: ChildService;
  let engineAdmin: number;
  let gw1: GatewayProcess;
  let gw2: GatewayProcess;
  let nc: NatsConnection;
  const sockets: TestSocket[] = [];
  const tokens: Record<string, string> = {};
  let n = 0;

  const open = async (gw: GatewayProcess, path: string) => {
    const s = await TestSocket.open(gw.wsUrl(path));
    sockets.push(s);
    return s;
  };
  const http = (gw: GatewayProcess, method: string, path: string, user: string | undefined, body?: unknown) =>
    fetch(`http://127.0.0.1:${gw.port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const place = (gw: GatewayProcess, user: string, fields: Record<string, unknown>) =>
    http(gw, 'POST', '/api/v1/orders', user, { symbol: 'BTC-USD', clientOrderId: `e2e-${++n}`, orderType: 'limit', ...fields });

  beforeAll(async () => {
    nats = await NatsServer.start();
    engineAdmin = await freePort();
    engine = ChildService.start('engine', ENGINE_MAIN, {
      NATS_URL: nats.url,
      SYMBOLS: 'BTC-USD,ETH-USD',
      ADMIN_PORT: String(engineAdmin),
      INSTANCE_ID: 'e2e-engine',
      LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${engineAdmin}/readyz`)).status === 200, {
      timeoutMs: 20_000,
      description: 'engine ready',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${engine.logs.slice(-3000)}`);
    });
    [gw1, gw2] = await Promise.all([
      startGatewayProcess(nats.url, { NATS_REQUEST_TIMEOUT_MS: '1000' }, 'gateway-1'),
      startGatewayProcess(nats.url, { NATS_REQUEST_TIMEOUT_MS: '1000' }, 'gateway-2'),
    ]);
    for (const user of ['alice', 'bob', 'carol', 'dave']) tokens[user] = await signToken(user);
    nc = await connect({ servers: nats.url });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await nc?.close();
    await Promise.all([gw1?.service.kill(), gw2?.service.kill(), engine?.kill()]);
    await nats?.dispose();
  });

  it('after a burst of random orders: both replicas deliver the same public events in the same order, books rebuilt from snapshot + deltas equal the engine snapshot, users see only their own orders', async () => {
    const trades1 = await open(gw1, '/ws/trades');
    const trades2 = await open(gw2, '/ws/trades?symbols=BTC-USD');
    const book1 = await open(gw1, '/ws/markets/BTC-USD');
    const book2 = await open(gw2, '/ws/markets/BTC-USD');
    const alice = await open(gw1, `/ws/orders?token=${tokens.alice}`);
    const bob = await open(gw2, `/ws/orders?token=${tokens.bob}`);
    await Promise.all([book1, book2].map((b) => b.waitForMessage((m) => m.type === 'OrderBookSnapshot')));
    // gw1: trading.trade.*, trading.trade.BTC-USD (markets), trading.book.BTC-USD, trading.order.alice.*; gw2 shares trading.trade.BTC-USD.
    await waitFor(async () => (await gw1.metric('gateway_nats_subjects')) === 4 && (await gw2.metric('gateway_nats_subjects')) === 3);

    // What the engine really published, as a plain NATS client sees it.
    const published: Record<string, string[]> = { trades: [], alice: [], bob: [] };
    for (const [key, subject] of [['trades', 'trading.trade.BTC-USD'], ['alice', 'trading.order.alice.>'], ['bob', 'trading.order.bob.>']]) {
      nc.subscribe(subject, { callback: (_e, msg) => published[key].push(msg.string()) });
    }
    await nc.flush();

    // A seeded pseudo-random burst, half through each replica.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const users = ['alice', 'bob', 'carol', 'dave'];
    const placed: { user: string; orderId: string }[] = [];
    for (let i = 0; i < 80; i++) {
      const gw = i % 2 ? gw2 : gw1;
      const user = users[Math.floor(random() * users.length)];
      if (placed.length > 5 && random() < 0.15) {
        const victim = placed.splice(Math.floor(random() * placed.length), 1)[0];
        const res = await http(gw, 'DELETE', `/api/v1/orders/${victim.orderId}?symbol=BTC-USD`, victim.user);
        expect([200, 404]).toContain(res.status); // 404: it was filled meanwhile
        continue;
      }
      const side = random() < 0.5 ? 'buy' : 'sell';
      const price = (99 + Math.floor(random() * 9) * 0.25).toFixed(2);
      const quantity = (1 + Math.floor(random() * 3)).toFixed(4);
      const res = await place(gw, user, { side, price, quantity, stp: 'none' });
      expect(res.status).toBe(200);
      const body = await res.json();
      if (body.order.status === 'NEW' || body.order.status === 'PARTIALLY_FILLED') placed.push({ user, orderId: body.order.orderId });
    }

    const engineSnapshot = JSON.parse((await nc.request('trading.snapshot.BTC-USD', '{}', { timeout: 3000 })).string());
    expect(engineSnapshot.seq).toBeGreaterThan(0);
    for (const socket of [book1, book2]) {
      await socket.waitForMessage((m) => m.type === 'OrderBookUpdate' && m.seq === engineSnapshot.seq);
      const rebuilt = rebuild(socket.messages.filter((m) => m.type !== 'TradeExecuted'));
      expect(rebuilt).toEqual({ seq: engineSnapshot.seq, bids: engineSnapshot.bids, asks: engineSnapshot.asks });
    }

    // Same public events, same order, same bytes, on both replicas.
    const tradeCount = published.trades.length;
    expect(tradeCount).toBeGreaterThan(0);
    await waitFor(() => trades1.frames.length >= tradeCount && trades2.frames.length >= tradeCount);
    expect(trades1.frames).toEqual(published.trades); // byte for byte, in publish order
    expect(trades2.frames).toEqual(published.trades);
    expect(trades1.messages.map((m) => m.seq)).toEqual(Array.from({ length: tradeCount }, (_, i) => i + 1));
    expect(book1.frames.filter((f) => f.includes('"OrderBookUpdate"'))).toEqual(book2.frames.filter((f) => f.includes('"OrderBookUpdate"')));
    expect(book1.frames.filter((f) => f.includes('"TradeExecuted"'))).toEqual(trades1.frames);

    // Private streams: exactly the user's own updates, each once, no one else's.
    expect(published.alice.length).toBeGreaterThan(0);
    expect(published.bob.length).toBeGreaterThan(0);
    await waitFor(() => alice.frames.length >= published.alice.length && bob.frames.length >= published.bob.length);
    expect(alice.frames).toEqual(published.alice);
    expect(bob.frames).toEqual(published.bob);
    expect(alice.messages.every((m) => m.type === 'OrderUpdate' && m.userId === 'alice')).toBe(true);
    expect(bob.messages.every((m) => m.type === 'OrderUpdate' && m.userId === 'bob')).toBe(true);
  });

  it('a book deeper than 100 levels reaches a new subscriber whole: the gateway seeds it from the whole-book snapshot', async () => {
    // ETH-USD has no gateway interest yet: both replicas seed its book when the first client comes.
    const levels = 250; // 125 per side: more than the 100 a depth-limited snapshot would carry
    const replies = await Promise.all(
      Array.from({ length: levels }, (_, i) =>
        nc.request(
          'trading.cmd.ETH-USD',
          JSON.stringify({ type: 'place', userId: 'deep', clientOrderId: `deep-${i}`, side: i % 2 ? 'sell' : 'buy', orderType: 'limit', price: i % 2 ? `${2000 + i}.00` : `${1000 - i}.00`, quantity: '0.0100' }),
          { timeout: 10_000 },
        ),
      ),
    );
    expect(replies.every((r) => r.json<{ ok: boolean }>().ok)).toBe(true);
    const engineBook = (await nc.request('trading.snapshot.ETH-USD', '{}', { timeout: 10_000 })).json<{ seq: number; bids: unknown[]; asks: unknown[] }>();
    expect(engineBook.bids.length + engineBook.asks.length).toBe(levels);
    for (const gw of [gw1, gw2]) {
      const market = await open(gw, '/ws/markets/ETH-USD');
      const snapshot = await market.waitForMessage((m) => m.type === 'OrderBookSnapshot');
      expect({ seq: snapshot.seq, bids: snapshot.bids, asks: snapshot.asks }).toEqual({ seq: engineBook.seq, bids: engineBook.bids, asks: engineBook.asks });
    }
  });

  it('order entry against the real engine: 200, 400, 401, 404, 409, 422 and 503', async () => {
    const ok = await place(gw1, 'carol', { clientOrderId: 'carol-1', side: 'sell', price: '150.00', quantity: '1.0000' });
    expect(ok.status).toBe(200);
    const order = (await ok.json()).order;
    expect(order.userId).toBe('carol');
    // Retrying the identical command returns the original result (contract section 4).
    const retry = await place(gw2, 'carol', { clientOrderId: 'carol-1', side: 'sell', price: '150.00', quantity: '1.0000' });
    expect(retry.status).toBe(200);
    expect((await retry.json()).order.orderId).toBe(order.orderId);
    const duplicate = await place(gw1, 'carol', { clientOrderId: 'carol-1', side: 'sell', price: '151.00', quantity: '1.0000' });
    expect(duplicate.status).toBe(409);
    expect((await duplicate.json()).error.code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    const postOnly = await place(gw1, 'dave', { side: 'buy', price: '150.00', quantity: '1.0000', postOnly: true });
    expect(postOnly.status).toBe(422);
    expect((await postOnly.json()).error.code).toBe('POST_ONLY_WOULD_TAKE');
    const fok = await place(gw1, 'dave', { side: 'buy', price: '1000.00', quantity: '9999.0000', timeInForce: 'FOK' });
    expect(fok.status).toBe(422);
    expect((await fok.json()).error.code).toBe('INSUFFICIENT_LIQUIDITY');
    const offTick = await place(gw2, 'dave', { side: 'buy', price: '100.001', quantity: '1.0000' });
    expect(offTick.status).toBe(400);
    expect((await offTick.json()).error.code).toBe('VALIDATION_FAILED');
    const othersOrder = await http(gw2, 'DELETE', `/api/v1/orders/${order.orderId}?symbol=BTC-USD`, 'dave');
    expect(othersOrder.status).toBe(404);
    expect((await othersOrder.json()).error.code).toBe('ORDER_NOT_FOUND');
    const unknown = await http(gw1, 'POST', '/api/v1/orders', 'dave', { symbol: 'DOGE-USD', clientOrderId: 'x1', side: 'buy', orderType: 'limit', price: '1.00', quantity: '1.0000' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('UNKNOWN_SYMBOL');
    expect((await http(gw1, 'POST', '/api/v1/orders', undefined, { symbol: 'BTC-USD' })).status).toBe(401);
    const cancel = await http(gw2, 'DELETE', `/api/v1/orders/${order.orderId}?symbol=BTC-USD`, 'carol');
    expect(cancel.status).toBe(200);
    expect((await cancel.json()).order.status).toBe('CANCELED');

    // An engine that does not answer in time (paused process): 503, and it works again afterwards.
    engine.child.kill('SIGSTOP');
    try {
      const stalled = await place(gw1, 'dave', { side: 'buy', price: '90.00', quantity: '1.0000' });
      expect(stalled.status).toBe(503);
    } finally {
      engine.child.kill('SIGCONT');
    }
    await waitFor(async () => (await place(gw1, 'dave', { side: 'buy', price: '90.00', quantity: '1.0000' })).status === 200, { timeoutMs: 15_000 });
  });
});

/** Applies an OrderBookSnapshot and the OrderBookUpdates after it, as a client would. */
function rebuild(messages: any[]): { seq: number; bids: [string, string][]; asks: [string, string][] } {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  let seq = 0;
  for (const m of messages) {
    if (m.type === 'OrderBookSnapshot') {
      bids.clear();
      asks.clear();
      for (const [p, q] of m.bids) bids.set(p, q);
      for (const [p, q] of m.asks) asks.set(p, q);
      seq = m.seq;
      continue;
    }
    expect(m.seq).toBe(seq + 1); // gap-free
    seq = m.seq;
    for (const [p, q] of m.bids) (Number(q) === 0 ? bids.delete(p) : bids.set(p, q));
    for (const [p, q] of m.asks) (Number(q) === 0 ? asks.delete(p) : asks.set(p, q));
  }
  return {
    seq,
    bids: [...bids.entries()].sort((a, b) => Number(b[0]) - Number(a[0])),
    asks: [...asks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])),
  };
}
