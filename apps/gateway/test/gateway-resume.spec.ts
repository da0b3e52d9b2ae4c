import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { NatsServer, TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
import { PRIVATE_EVENT_STREAM, PUBLIC_EVENT_STREAM } from '@trading/contracts';
import { pino } from 'pino';
import { ensureEventStreams } from '../../matching-engine/src/events/event-streams.js';
import { loadGatewayConfig } from '../src/config/gateway-config.js';
import { startGateway, type GatewayHandle } from '../src/gateway.js';
import { signToken, TEST_JWT_SECRET } from './support/tokens.js';

/**
 * Resume (issue 7) against a real nats-server with JetStream: the retention streams are the ones the
 * engine provisions; events are published on the contract subjects like the engine does (core NATS).
 */
describe('gateway resume: replay from JetStream, then live with no gap and no duplicate', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let gateway: GatewayHandle;
  const sockets: TestSocket[] = [];
  const nextSeq = new Map<string, number>();

  const url = (path: string) => `ws://127.0.0.1:${gateway.port}${path}`;
  const open = async (path: string) => {
    const socket = await TestSocket.open(url(path));
    sockets.push(socket);
    return socket;
  };
  /** Publishes `count` order updates on a subject with the next seqs, like the engine. */
  const publishOrders = (userId: string, symbol: string, count: number) => {
    const subject = `trading.order.${userId}.${symbol}`;
    for (let i = 0; i < count; i++) {
      const seq = (nextSeq.get(subject) ?? 0) + 1;
      nextSeq.set(subject, seq);
      nc.publish(subject, JSON.stringify({ type: 'OrderUpdate', symbol, seq, ts: 1, userId, orderId: `o${seq}`, status: 'NEW' }));
    }
  };
  const publishRaw = (subject: string, seq: number, symbol: string) =>
    nc.publish(subject, JSON.stringify({ type: 'TradeExecuted', symbol, seq, ts: 1, tradeId: `t${seq}`, price: '1.00', quantity: '1.0000', takerSide: 'buy' }));
  /** Waits until the stream holds every message published so far. */
  const stored = async (stream: string, count: number) =>
    waitFor(async () => ((await jsm.streams.info(stream)).state.messages >= count ? true : undefined), { timeoutMs: 5000, description: `${count} messages in ${stream}` });
  const seqsOf = (socket: TestSocket, symbol: string, type = 'OrderUpdate') => socket.messages.filter((m) => m.type === type && m.symbol === symbol).map((m) => m.seq as number);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureEventStreams(jsm, { maxAgeMs: 60_000, maxBytes: 64 * 1024 * 1024, replicas: 1 });
    const config = loadGatewayConfig({ NATS_URL: nats.url, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' });
    gateway = await startGateway(config, pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' }));
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await gateway?.stop(0).catch(() => undefined);
    await nc?.close();
    await nats?.dispose();
  });

  it('provisions the retention streams idempotently and updates a changed window', async () => {
    await ensureEventStreams(jsm, { maxAgeMs: 60_000, maxBytes: 64 * 1024 * 1024, replicas: 1 });
    const info = await jsm.streams.info(PRIVATE_EVENT_STREAM.name);
    expect(info.config.subjects).toEqual(['trading.order.>']);
    expect(info.config.max_age).toBe(60_000 * 1_000_000);
    expect(info.config.allow_direct).toBe(true);
    await ensureEventStreams(jsm, { maxAgeMs: 120_000, maxBytes: 32 * 1024 * 1024, replicas: 1 });
    const updated = await jsm.streams.info(PUBLIC_EVENT_STREAM.name);
    expect(updated.config.max_age).toBe(120_000 * 1_000_000);
    expect(updated.config.max_bytes).toBe(32 * 1024 * 1024);
    expect(updated.config.subjects).toEqual(['trading.trade.>', 'trading.book.>']);
  });

  it('replays seq > fromSeq for one symbol, acknowledges first, then continues live exactly once', async () => {
    publishOrders('alice', 'BTC-USD', 20);
    publishOrders('alice', 'ETH-USD', 3);
    await stored(PRIVATE_EVENT_STREAM.name, 23);
    const socket = await open(`/ws?token=${await signToken('alice')}`);
    socket.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', fromSeq: 5, id: 1 });
    await socket.waitForCount((m) => m.type === 'OrderUpdate', 15);
    expect(socket.messages[0]).toEqual({ type: 'subscribed', channel: 'orders', symbol: 'BTC-USD', id: 1 });
    publishOrders('alice', 'BTC-USD', 5);
    await waitFor(() => (seqsOf(socket, 'BTC-USD').length >= 20 ? true : undefined), { timeoutMs: 5000 });
    expect(seqsOf(socket, 'BTC-USD')).toEqual(range(6, 25));
    expect(seqsOf(socket, 'ETH-USD')).toEqual([]);
  });

  it('loses and repeats nothing when events keep arriving during the replay', async () => {
    publishOrders('bob', 'BTC-USD', 300);
    await stored(PRIVATE_EVENT_STREAM.name, 323);
    const socket = await open(`/ws?token=${await signToken('bob')}`);
    // Publish concurrently with the replay: some land in the stream read, some in the live buffer, some after the switch.
    const publisher = setInterval(() => publishOrders('bob', 'BTC-USD', 5), 2);
    socket.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', fromSeq: 10, id: 'r' });
    await socket.waitForMessage((m) => m.type === 'subscribed');
    await new Promise((resolve) => setTimeout(resolve, 150));
    clearInterval(publisher);
    const last = nextSeq.get('trading.order.bob.BTC-USD')!;
    await waitFor(() => (seqsOf(socket, 'BTC-USD').at(-1) === last ? true : undefined), { timeoutMs: 10_000, description: `seq ${last}` });
    expect(last).toBeGreaterThan(300);
    expect(seqsOf(socket, 'BTC-USD')).toEqual(range(11, last));
  });

  it('skips a repeated run of seqs (engine republish after a crash) and resumes "*" per symbol with fromSeqs', async () => {
    const subject = 'trading.order.carol.BTC-USD';
    for (const seq of [1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8]) nc.publish(subject, JSON.stringify({ type: 'OrderUpdate', symbol: 'BTC-USD', seq, ts: 1 }));
    nextSeq.set(subject, 8);
    publishOrders('carol', 'ETH-USD', 4);
    publishOrders('carol', 'SOL-USD', 2);
    const before = (await jsm.streams.info(PRIVATE_EVENT_STREAM.name)).state.messages;
    await stored(PRIVATE_EVENT_STREAM.name, before);
    const socket = await open(`/ws?token=${await signToken('carol')}`);
    socket.send({ op: 'subscribe', channel: 'orders', symbol: '*', fromSeqs: { 'BTC-USD': 5, 'ETH-USD': 0 }, id: 2 });
    await socket.waitForCount((m) => m.type === 'OrderUpdate', 7);
    publishOrders('carol', 'SOL-USD', 1); // not resumed: live only
    publishOrders('carol', 'BTC-USD', 1);
    await socket.waitForCount((m) => m.type === 'OrderUpdate', 9);
    expect(seqsOf(socket, 'BTC-USD')).toEqual([6, 7, 8, 9]);
    expect(seqsOf(socket, 'ETH-USD')).toEqual([1, 2, 3, 4]);
    expect(seqsOf(socket, 'SOL-USD')).toEqual([3]);
  });

  it('answers RESUME_UNAVAILABLE for a point older than the window and continues live', async () => {
    publishOrders('dave', 'BTC-USD', 20);
    await waitFor(async () => ((await jsm.streams.getMessage(PRIVATE_EVENT_STREAM.name, { last_by_subj: 'trading.order.dave.BTC-USD' }))?.seq ? true : undefined));
    // Retention dropped everything but the newest 5 (what max_age/max_bytes do over time).
    await jsm.streams.purge(PRIVATE_EVENT_STREAM.name, { filter: 'trading.order.dave.BTC-USD', keep: 5 });
    const socket = await open(`/ws?token=${await signToken('dave')}`);
    socket.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', fromSeq: 3, id: 9 });
    const error = await socket.waitForMessage((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'RESUME_UNAVAILABLE', id: 9 });
    expect(error.message).toContain('BTC-USD');
    publishOrders('dave', 'BTC-USD', 2);
    await socket.waitForCount((m) => m.type === 'OrderUpdate', 2);
    expect(seqsOf(socket, 'BTC-USD')).toEqual([21, 22]);
    // A point inside the window still replays.
    const again = await open(`/ws?token=${await signToken('dave')}`);
    again.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', fromSeq: 18, id: 10 });
    await again.waitForCount((m) => m.type === 'OrderUpdate', 4);
    expect(seqsOf(again, 'BTC-USD')).toEqual([19, 20, 21, 22]);
  });

  it('takes ?fromSeq on a one-symbol /ws/trades and ?fromSeqs on /ws/orders; refuses fromSeq where it is ambiguous', async () => {
    for (let seq = 1; seq <= 6; seq++) publishRaw('trading.trade.XRP-USD', seq, 'XRP-USD');
    publishOrders('erin', 'BTC-USD', 4);
    await waitFor(async () => ((await jsm.streams.getMessage(PUBLIC_EVENT_STREAM.name, { last_by_subj: 'trading.trade.XRP-USD' }))?.seq ? true : undefined));
    await waitFor(async () => ((await jsm.streams.getMessage(PRIVATE_EVENT_STREAM.name, { last_by_subj: 'trading.order.erin.BTC-USD' }))?.seq ? true : undefined));
    const trades = await open('/ws/trades?symbols=XRP-USD&fromSeq=4');
    await trades.waitForCount((m) => m.type === 'TradeExecuted', 2);
    const orders = await open(`/ws/orders?token=${await signToken('erin')}&fromSeqs=BTC-USD:1`);
    await orders.waitForCount((m) => m.type === 'OrderUpdate', 3);
    publishRaw('trading.trade.XRP-USD', 7, 'XRP-USD');
    publishOrders('erin', 'BTC-USD', 1);
    await trades.waitForCount((m) => m.type === 'TradeExecuted', 3);
    await orders.waitForCount((m) => m.type === 'OrderUpdate', 4);
    expect(seqsOf(trades, 'XRP-USD', 'TradeExecuted')).toEqual([5, 6, 7]);
    expect(seqsOf(orders, 'BTC-USD')).toEqual([2, 3, 4, 5]);
    for (const path of [`/ws/orders?token=${await signToken('erin')}&fromSeq=3`, '/ws/trades?fromSeq=3', '/ws/trades?symbols=XRP-USD&fromSeqs=BTC-USD:1', '/ws/trades?symbols=XRP-USD&fromSeq=-1']) {
      const err = await TestSocket.open(url(path)).then(
        () => undefined,
        (e: unknown) => e as UpgradeRefusedError,
      );
      expect({ path, status: err?.status }).toEqual({ path, status: 400 });
    }
  });

  it('resumes a book from fromSeq with the retained deltas (no snapshot); older than the window: RESUME_UNAVAILABLE and a fresh snapshot', async () => {
    const symbol = 'XBT-USD';
    let bookSeq = 0;
    // The engine's side of a book: snapshot replies and contiguous deltas.
    nc.subscribe(`trading.snapshot.${symbol}`, { callback: (_e, msg) => msg.respond(JSON.stringify({ type: 'OrderBookSnapshot', symbol, seq: bookSeq, ts: 1, bids: [['1.00', `${bookSeq}.0000`]], asks: [] })) });
    await nc.flush();
    const delta = () => {
      bookSeq++;
      nc.publish(`trading.book.${symbol}`, JSON.stringify({ type: 'OrderBookUpdate', symbol, seq: bookSeq, ts: 1, bids: [['1.00', `${bookSeq}.0000`]], asks: [] }));
    };
    for (let i = 0; i < 10; i++) delta();
    await waitFor(async () => ((await jsm.streams.getMessage(PUBLIC_EVENT_STREAM.name, { last_by_subj: `trading.book.${symbol}` }))?.seq ? true : undefined));
    const first = await open('/ws');
    first.send({ op: 'subscribe', channel: 'book', symbol, id: 1 });
    expect(await first.waitForMessage((m) => m.type === 'OrderBookSnapshot')).toMatchObject({ seq: 10 });

    const behind = await open('/ws');
    behind.send({ op: 'subscribe', channel: 'book', symbol, fromSeq: 4, id: 2 });
    const upToDate = await open('/ws');
    upToDate.send({ op: 'subscribe', channel: 'book', symbol, fromSeq: 10, id: 3 });
    await behind.waitForCount((m) => m.type === 'OrderBookUpdate', 6);
    // Up to date: the topic is joined in the same tick as the acknowledgement, so nothing can be missed after it.
    await upToDate.waitForMessage((m) => m.type === 'subscribed');
    delta();
    await behind.waitForMessage((m) => m.seq === 11);
    await upToDate.waitForMessage((m) => m.seq === 11);
    expect(behind.messages.map((m) => [m.type, m.seq])).toEqual([['subscribed', undefined], ...[5, 6, 7, 8, 9, 10, 11].map((seq) => ['OrderBookUpdate', seq])]);
    expect(upToDate.messages.map((m) => [m.type, m.seq])).toEqual([['subscribed', undefined], ['OrderBookUpdate', 11]]);

    await jsm.streams.purge(PUBLIC_EVENT_STREAM.name, { filter: `trading.book.${symbol}`, keep: 2 });
    const stale = await open('/ws');
    stale.send({ op: 'subscribe', channel: 'book', symbol, fromSeq: 3, id: 4 });
    await stale.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    delta();
    await stale.waitForMessage((m) => m.seq === 12);
    expect(stale.messages.map((m) => [m.type, m.code, m.seq])).toEqual([
      ['subscribed', undefined, undefined],
      ['error', 'RESUME_UNAVAILABLE', undefined],
      ['OrderBookSnapshot', undefined, 11],
      ['OrderBookUpdate', undefined, 12],
    ]);
  });

  it('refuses malformed resume fields with BAD_REQUEST and keeps the connection', async () => {
    const socket = await open('/ws');
    for (const op of [
      { op: 'subscribe', channel: 'trades', symbol: '*', fromSeq: 3, id: 1 },
      { op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', fromSeqs: { 'BTC-USD': 1 }, id: 2 },
      { op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', fromSeq: -1, id: 3 },
      { op: 'subscribe', channel: 'trades', symbol: '*', fromSeqs: { 'btc-usd': 1 }, id: 4 },
      { op: 'subscribe', channel: 'trades', symbol: '*', fromSeqs: [1], id: 5 },
    ]) socket.send(op);
    const errors = await socket.waitForCount((m) => m.type === 'error', 5);
    expect(errors.map((e) => [e.code, e.id])).toEqual([1, 2, 3, 4, 5].map((id) => ['BAD_REQUEST', id]));
    socket.send({ op: 'ping', id: 6 });
    await socket.waitForMessage((m) => m.type === 'pong');
  });

  it('answers RESUME_UNAVAILABLE, live from now on, once a connection starts more than 200 resume points in one second', async () => {
    const socket = await open('/ws');
    const fromSeqs = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`F${i}-USD`, 1]));
    // Two full resumes (200 points) fit in the second; the third subscribe does not.
    for (let id = 1; id <= 3; id++) {
      socket.send({ op: 'subscribe', channel: 'trades', symbol: '*', fromSeqs, id });
      const answer = await socket.waitForMessage((m) => m.id === id);
      if (id < 3) {
        expect(answer).toMatchObject({ type: 'error', code: 'RESUME_UNAVAILABLE' }); // no events retained for made-up symbols
        expect(answer.message).not.toContain('resume points');
        socket.send({ op: 'unsubscribe', channel: 'trades', symbol: '*', id: 10 + id });
        await socket.waitForMessage((m) => m.id === 10 + id);
      } else {
        expect(answer).toMatchObject({ type: 'error', code: 'RESUME_UNAVAILABLE', message: expect.stringContaining('more than 200 resume points') });
      }
    }
    // Live from now on: a new trade reaches the socket.
    await waitFor(async () => {
      publishRaw('trading.trade.LIVE-USD', 1, 'LIVE-USD');
      await nc.flush();
      await new Promise((r) => setTimeout(r, 50));
      return socket.messages.some((m) => m.type === 'TradeExecuted' && m.symbol === 'LIVE-USD') ? true : undefined;
    });
  });
});
