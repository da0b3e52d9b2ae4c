import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import WebSocket from 'ws';
import { waitFor } from '@trading/testing';
import {
  ClientClosedError,
  GatewayError,
  InvalidArgumentError,
  InvalidOptionError,
  ProtocolError,
  RequestTimeoutError,
  TokenProviderError,
  TradingClient,
  WebSocketUnavailableError,
  type StreamGap,
  type TradingClientOptions,
  type WebSocketConstructor,
} from '@trading/client';
import { bookUpdate, FakeGateway, makeToken, orderUpdate, trade } from './fake-gateway.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function gateway(): Promise<FakeGateway> {
  const gw = await FakeGateway.start();
  cleanups.push(() => gw.kill());
  return gw;
}

function client(urls: string[], options: Partial<TradingClientOptions> = {}): TradingClient {
  const c = new TradingClient({
    urls,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    randomStart: false,
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    heartbeatIntervalMs: 0,
    ...options,
  });
  cleanups.push(() => c.close());
  return c;
}

const opsOf = (gw: FakeGateway, op: string) => gw.ops.filter((o) => o.op === op);

describe('TradingClient options', () => {
  it('refuses bad options with typed errors', () => {
    expect(() => new TradingClient({ urls: [] })).toThrow(InvalidOptionError);
    expect(() => new TradingClient({ urls: ['http://x/ws'], WebSocket: WebSocket as unknown as WebSocketConstructor })).toThrow(InvalidOptionError);
    // Node 20 has no global WebSocket: the SDK says so instead of failing later.
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
      expect(() => new TradingClient({ urls: ['ws://x/ws'] })).toThrow(WebSocketUnavailableError);
    }
  });
});

describe('TradingClient with one gateway', () => {
  it('subscribes, delivers trades, drops duplicates and surfaces gaps', async () => {
    const gw = await gateway();
    const c = client([gw.url]);
    const sub = c.subscribeTrades('BTC-USD');
    const all = c.subscribeTrades('*');
    const got: number[] = [];
    const gotAll: string[] = [];
    const gaps: StreamGap[] = [];
    const clientGaps: StreamGap[] = [];
    sub.on('trade', (t) => got.push(t.seq));
    sub.on('gap', (g) => gaps.push(g));
    all.on('trade', (t) => gotAll.push(`${t.symbol}#${t.seq}`));
    c.on('gap', (g) => clientGaps.push(g));
    await c.connect();
    await Promise.all([sub.ready, all.ready]);
    expect(opsOf(gw, 'subscribe').map((o) => `${o.channel}:${o.symbol}`).sort()).toEqual(['trades:*', 'trades:BTC-USD']);

    for (const seq of [1, 2, 2, 3, 6]) gw.publish(trade('BTC-USD', seq));
    gw.publish(trade('ETH-USD', 7));
    await waitFor(() => gotAll.length === 5);
    // The gateway sends each event once per matching subscription; the SDK checks seqs once per stream.
    expect(got).toEqual([1, 2, 3, 6]);
    expect(gotAll).toEqual(['BTC-USD#1', 'BTC-USD#2', 'BTC-USD#3', 'BTC-USD#6', 'ETH-USD#7']);
    const expectedGap = { channel: 'trades', symbol: 'BTC-USD', stream: 'trades:BTC-USD', expected: 4, received: 6, reason: 'seq', resync: false };
    expect(gaps).toEqual([expectedGap]);
    expect(clientGaps).toEqual([expectedGap]);
    expect(c.lastSeqs()).toEqual({ trades: { 'BTC-USD': 6, 'ETH-USD': 7 }, orders: {}, book: {} });
    expect(c.stats().duplicatesDropped).toBeGreaterThanOrEqual(1);

    await sub.unsubscribe();
    expect(opsOf(gw, 'unsubscribe').map((o) => o.symbol)).toEqual(['BTC-USD']);
    // '*' still covers BTC-USD, so its last seq is kept; once nothing covers a stream it is forgotten.
    expect(c.lastSeqs().trades).toEqual({ 'BTC-USD': 6, 'ETH-USD': 7 });
    await all.unsubscribe();
    expect(opsOf(gw, 'unsubscribe').map((o) => o.symbol)).toEqual(['BTC-USD', '*']);
    expect(c.lastSeqs().trades).toEqual({});
  });

  it('keeps a local book from snapshot + deltas and resynchronises by itself on a gap', async () => {
    const gw = await gateway();
    gw.books.set('BTC-USD', { seq: 5, bids: [['100.00', '1.0000']], asks: [['101.00', '2.0000']] });
    const c = client([gw.url]);
    const sub = c.subscribeBook('BTC-USD');
    const gaps: StreamGap[] = [];
    const resyncs: string[] = [];
    let snapshots = 0;
    sub.on('gap', (g) => gaps.push(g));
    sub.on('resync', (r) => resyncs.push(r.reason));
    sub.on('snapshot', () => snapshots++);
    await c.connect();
    await waitFor(() => sub.book.status === 'synced');
    expect(sub.book.seq).toBe(5);

    gw.publish(bookUpdate('BTC-USD', 5, [['1.00', '1.0000']])); // duplicate of the snapshot: ignored
    gw.publish(bookUpdate('BTC-USD', 6, [['100.50', '1.0000']]));
    await waitFor(() => sub.book.seq === 6);
    expect(sub.book.bestBid()).toEqual(['100.50', '1.0000']);
    expect(sub.book.quantityAt('buy', '1.00')).toBeUndefined();

    // Engine moved on to seq 9 while the gateway lost 7 and 8: the SDK must notice and re-fetch.
    gw.books.set('BTC-USD', { seq: 9, bids: [['99.00', '3.0000']], asks: [['101.00', '2.0000']] });
    gw.publish(bookUpdate('BTC-USD', 8, [['1.00', '1.0000']]));
    await waitFor(() => snapshots === 2 && sub.book.seq === 9);
    expect(gaps).toEqual([{ channel: 'book', symbol: 'BTC-USD', stream: 'book:BTC-USD', expected: 7, received: 8, reason: 'seq', resync: true }]);
    expect(resyncs).toEqual(['gap']);
    const ops = gw.ops.map((o) => `${o.op}:${o.channel}`);
    expect(ops).toEqual(['subscribe:book', 'unsubscribe:book', 'subscribe:book']);
    expect(sub.book.toSnapshot()).toEqual({ symbol: 'BTC-USD', seq: 9, bids: [['99.00', '3.0000']], asks: [['101.00', '2.0000']] });
    gw.publish(bookUpdate('BTC-USD', 10, [], [['101.00', '0.0000']]));
    await waitFor(() => sub.book.seq === 10);
    expect(sub.book.bestAsk()).toBeUndefined();
    expect(c.stats().bookResyncs).toBe(1);
  });

  it('reports refusals and bad frames as typed errors and keeps the connection', async () => {
    const gw = await gateway();
    gw.unknownSymbols.add('NOPE-USD');
    const c = client([gw.url]);
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    expect(() => c.subscribeBook('*')).toThrow(InvalidArgumentError);
    expect(() => c.subscribeTrades('btc')).toThrow(InvalidArgumentError);
    await c.connect();
    const bad = c.subscribeTrades('NOPE-USD');
    const subErrors: unknown[] = [];
    bad.on('error', (e) => subErrors.push(e));
    await expect(bad.ready).rejects.toMatchObject({ code: 'UNKNOWN_SYMBOL' });
    expect(subErrors[0]).toBeInstanceOf(GatewayError);

    gw.sendToAll('not json at all');
    gw.sendToAll({ type: 'Mystery' });
    gw.sendToAll({ type: 'TradeExecuted', symbol: 'BTC-USD' }); // no seq
    gw.sendToAll({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    await waitFor(() => errors.length === 4);
    expect(errors.slice(0, 3).every((e) => e instanceof ProtocolError)).toBe(true);
    expect(errors[3]).toMatchObject({ code: 'RATE_LIMITED' });
    expect(c.state).toBe('open');
    expect(gw.open).toHaveLength(1);
  });

  it('authenticates before subscribing to orders, refreshes the token before expiry, and closes cleanly', async () => {
    const gw = await gateway();
    let calls = 0;
    // exp 2 s ahead with a 1 s margin: the refresh is due after ~1 s.
    const getToken = async () => {
      calls++;
      return makeToken('alice', Math.floor(Date.now() / 1000) + 2);
    };
    const c = client([gw.url], { getToken, tokenRefreshMarginMs: 1000 });
    const orders = c.subscribeOrders('*');
    const got: number[] = [];
    orders.on('order', (o) => got.push(o.seq));
    const userIds: string[] = [];
    c.on('authenticated', (a) => userIds.push(a.userId));
    await c.connect();
    await orders.ready;
    expect(gw.ops.map((o) => o.op)).toEqual(['auth', 'subscribe']);
    gw.publish(orderUpdate('alice', 'BTC-USD', 1));
    gw.publish(orderUpdate('bob', 'BTC-USD', 1));
    await waitFor(() => got.length === 1);
    expect(c.userId).toBe('alice');

    await waitFor(() => opsOf(gw, 'auth').length === 2 && userIds.length === 2, { timeoutMs: 5000 });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(userIds).toEqual(['alice', 'alice']);

    const states: string[] = [];
    c.on('state', (s) => states.push(s.state));
    await c.close();
    await waitFor(() => gw.connections[0].closed);
    expect(gw.connections[0].closed).toEqual({ code: 1000, reason: 'client closed' });
    expect(c.state).toBe('closed');
    expect(states).toEqual(['closed']);
    expect(() => c.subscribeTrades()).toThrow(ClientClosedError);
    await expect(c.connect()).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('reports a failing token provider as a typed error and keeps orders subscriptions waiting', async () => {
    const gw = await gateway();
    const c = client([gw.url], {
      getToken: () => {
        throw new Error('sign-in service down');
      },
    });
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    const orders = c.subscribeOrders('*');
    const trades = c.subscribeTrades('*');
    await c.connect();
    await trades.ready;
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(TokenProviderError);
    expect(errors[0]).toMatchObject({ code: 'TOKEN_PROVIDER_FAILED' });
    expect(gw.ops.map((o) => `${o.op}:${o.channel}`)).toEqual(['subscribe:trades']);
    await orders.unsubscribe();
    await expect(orders.ready).rejects.toMatchObject({ code: 'UNSUBSCRIBED' });
    expect(opsOf(gw, 'unsubscribe')).toEqual([]); // it never reached the gateway, so nothing to undo
  });

  it('holds orders subscriptions until a token provider is set, then authenticates and subscribes', async () => {
    const gw = await gateway();
    const c = client([gw.url]);
    await c.connect();
    const orders = c.subscribeOrders('BTC-USD');
    await expect(orders.ready).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    c.setTokenProvider(() => makeToken('carol'));
    await waitFor(() => gw.open[0]?.subscriptions.has('orders:BTC-USD'));
    const got: string[] = [];
    orders.on('order', (o) => got.push(o.orderId));
    gw.publish(orderUpdate('carol', 'BTC-USD', 1));
    await waitFor(() => got.length === 1);
  });
});

describe('TradingClient failover', () => {
  it('fails over to the other replica when one is killed, re-authenticates and resubscribes everything', async () => {
    const a = await gateway();
    const b = await gateway();
    a.books.set('BTC-USD', { seq: 3, bids: [['10.00', '1.0000']], asks: [] });
    b.books.set('BTC-USD', { seq: 4, bids: [['11.00', '1.0000']], asks: [] });
    let tokens = 0;
    const c = client([a.url, b.url], {
      getToken: () => {
        tokens++;
        return makeToken('dave');
      },
    });
    const closes: { url: string; code: number; nextUrl?: string; willReconnect: boolean }[] = [];
    c.on('close', (e) => closes.push(e));
    const trades = c.subscribeTrades('BTC-USD');
    const orders = c.subscribeOrders('*');
    const book = c.subscribeBook('BTC-USD');
    const gaps: StreamGap[] = [];
    trades.on('gap', (g) => gaps.push(g));
    const received: number[] = [];
    trades.on('trade', (t) => received.push(t.seq));
    await c.connect();
    await Promise.all([trades.ready, orders.ready, book.ready]);
    expect(c.url).toBe(a.url);
    a.publish(trade('BTC-USD', 1));
    await waitFor(() => received.length === 1);

    await a.kill();
    await waitFor(() => c.state === 'open' && c.url === b.url);
    await waitFor(() => b.open[0]?.subscriptions.size === 3);
    expect([...b.open[0].subscriptions].sort()).toEqual(['book:BTC-USD', 'orders:*', 'trades:BTC-USD']);
    const ops = b.ops.map((o) => `${o.op}:${o.channel ?? ''}`);
    expect(ops.indexOf('auth:')).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf('auth:')).toBeLessThan(ops.indexOf('subscribe:orders'));
    expect(tokens).toBe(2);
    expect(closes[0]).toMatchObject({ url: a.url, code: 1006, willReconnect: true, nextUrl: b.url });
    await waitFor(() => book.book.seq === 4);
    expect(book.book.bestBid()).toEqual(['11.00', '1.0000']);

    // Events missed during the switch show up as a gap, never silently.
    b.publish(trade('BTC-USD', 3));
    await waitFor(() => received.length === 2);
    expect(gaps).toMatchObject([{ expected: 2, received: 3 }]);
    const replicas = c.replicas();
    expect(replicas.map((r) => r.state)).toEqual(['closed', 'open']);
    expect(replicas[0].code).toBe(1006);
  });

  it('moves to the next replica on 1001 and skips a replica that is down', async () => {
    const a = await gateway();
    const b = await gateway();
    const down = await gateway();
    await down.kill(); // nobody listens on this port any more
    const c = client([a.url, down.url, b.url]);
    const seen: string[] = [];
    c.on('open', (e) => seen.push(e.url));
    c.subscribeTrades('*');
    await c.connect();
    a.closeAll(1001, 'shutting down');
    await waitFor(() => seen.length === 2, { timeoutMs: 5000 });
    expect(seen).toEqual([a.url, b.url]);
    expect(c.replicas().map((r) => [r.state, r.code])).toEqual([
      ['closed', 1001],
      ['closed', 1006],
      ['open', undefined],
    ]);
    await waitFor(() => b.open[0]?.subscriptions.has('trades:*'));
  });

  it('drops a stale connection when no frame follows a ping, then reconnects', async () => {
    const a = await gateway();
    const b = await gateway();
    a.answerPings = false;
    const c = client([a.url, b.url], { heartbeatIntervalMs: 50, pongTimeoutMs: 100 });
    const closes: { code: number; reason: string }[] = [];
    c.on('close', (e) => closes.push(e));
    await c.connect();
    await waitFor(() => c.url === b.url && c.state === 'open', { timeoutMs: 5000 });
    expect(closes[0]).toMatchObject({ code: 4000, reason: 'heartbeat timeout' });
    expect(opsOf(a, 'ping').length).toBeGreaterThanOrEqual(1);
    // The healthy replica answers pings, so the client stays there.
    await waitFor(() => opsOf(b, 'ping').length >= 4);
    expect(c.url).toBe(b.url);
    expect(closes).toHaveLength(1);
  });

  it('gives up an attempt that does not open within connectTimeoutMs and tries the next replica', async () => {
    // Accepts TCP but never answers the upgrade: the WebSocket stays CONNECTING.
    const sockets: Socket[] = [];
    const blackhole = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => blackhole.close(resolve));
    });
    const b = await gateway();
    const stuck = `ws://127.0.0.1:${(blackhole.address() as AddressInfo).port}/ws`;
    const c = client([stuck, b.url], { connectTimeoutMs: 150 });
    const closes: { url: string; code: number }[] = [];
    c.on('close', (e) => closes.push(e));
    await c.connect();
    expect(c.url).toBe(b.url);
    expect(closes).toMatchObject([{ url: stuck, code: 4001, reason: 'connect timeout' }]);
  });

  it('reports a WebSocket that cannot even be created as CONNECT_FAILED and goes on to the next replica', async () => {
    const b = await gateway();
    // The constructor throws for the first URL, as a browser's does for a malformed one.
    const Picky = function (this: unknown, url: string) {
      if (url.includes('broken')) throw new SyntaxError(`invalid URL ${url}`);
      return new WebSocket(url);
    } as unknown as WebSocketConstructor;
    const c = client(['ws://broken.invalid:1/ws', b.url], { WebSocket: Picky });
    const errors: { code: string; message: string }[] = [];
    c.on('error', (err) => errors.push(err as { code: string; message: string }));
    await c.connect();
    expect(c.url).toBe(b.url);
    expect(errors[0]).toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringContaining('invalid URL ws://broken.invalid:1/ws') });
  });

  it('reports an unacknowledged subscribe as REQUEST_TIMEOUT on the handle', async () => {
    const gw = await gateway();
    gw.answerSubscribes = false;
    const c = client([gw.url], { requestTimeoutMs: 100 });
    await c.connect();
    const sub = c.subscribeTrades('BTC-USD');
    const errors: unknown[] = [];
    sub.on('error', (e) => errors.push(e));
    await expect(sub.ready).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(errors).toMatchObject([{ code: 'REQUEST_TIMEOUT', op: 'subscribe', timeoutMs: 100 }]);
  });

  it('resumes from the last seq after a reconnect when resume is on, and reports RESUME_UNAVAILABLE as a gap', async () => {
    const a = await gateway();
    const b = await gateway();
    const c = client([a.url, b.url], { resume: true });
    const one = c.subscribeTrades('BTC-USD');
    const all = c.subscribeTrades('*');
    const gaps: StreamGap[] = [];
    c.on('gap', (g) => gaps.push(g));
    await c.connect();
    await Promise.all([one.ready, all.ready]);
    a.publish(trade('BTC-USD', 41));
    a.publish(trade('ETH-USD', 7));
    await waitFor(() => c.lastSeqs().trades['ETH-USD'] === 7);
    b.resumeError = 'RESUME_UNAVAILABLE';
    a.closeAll(1001);
    await waitFor(() => b.open[0]?.subscriptions.size === 2, { timeoutMs: 5000 });
    const subs = opsOf(b, 'subscribe');
    expect(subs.filter((o) => o.fromSeq !== undefined || o.fromSeqs !== undefined).map((o) => [o.symbol, o.fromSeq ?? o.fromSeqs]).sort()).toEqual([
      ['*', { 'BTC-USD': 41, 'ETH-USD': 7 }],
      ['BTC-USD', 41],
    ]);
    // Each refused resume is retried live, and each lost stream is reported once.
    expect(subs.filter((o) => o.fromSeq === undefined && o.fromSeqs === undefined)).toHaveLength(2);
    expect(gaps.every((g) => g.reason === 'resume-unavailable')).toBe(true);
    expect(gaps.map((g) => `${g.symbol}@${g.expected}`).sort()).toEqual(['BTC-USD@42', 'ETH-USD@8']);
  });
});
