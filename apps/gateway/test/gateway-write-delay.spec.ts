import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { NatsServer, TestSocket, waitFor } from '@trading/testing';
import { PUBLIC_EVENT_STREAM } from '@trading/contracts';
import { pino } from 'pino';
import { ensureEventStreams } from '../../matching-engine/src/events/event-streams.js';
import { loadGatewayConfig } from '../src/config/gateway-config.js';
import { startGateway, type GatewayHandle } from '../src/gateway.js';
import { metricValue } from './support/gateway-harness.js';
import { FakeEngine } from './support/fake-engine.js';
import { signToken, TEST_JWT_SECRET } from './support/tokens.js';
import { startGatewayProcess } from './support/gateway-process.js';

/**
 * WRITE_DELAY_MS > 0 over real WebSockets, a real nats-server (JetStream for resume) and the fake
 * engine. The delay is the maximum (1 s) so that events are still queued when the test acts: the
 * "queued" precondition is checked through the gateway's own counters (received from NATS, not
 * yet written) right before each step. Whatever the timing, every assertion on what the clients
 * received must hold: nothing twice, nothing out of order, no delta older than a snapshot.
 */
describe('gateway with a write delay (WRITE_DELAY_MS)', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let engine: FakeEngine;
  let gateway: GatewayHandle;
  const sockets: TestSocket[] = [];

  const start = (env: Record<string, string> = {}) =>
    startGateway(
      loadGatewayConfig({ NATS_URL: nats.url, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', WRITE_DELAY_MS: '1000', ...env }),
      pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' }),
    );
  const open = async (path: string, on = gateway) => {
    const socket = await TestSocket.open(`ws://127.0.0.1:${on.port}${path}`);
    sockets.push(socket);
    return socket;
  };
  const counter = (name: string, on = gateway) => metricValue(on, name);
  /** Waits until the gateway has received `count` more NATS messages than `before`, and returns its written-frame count. */
  const received = async (before: number, count: number, on = gateway) => {
    await waitFor(async () => ((await counter('gateway_nats_messages_in_total', on)) >= before + count ? true : undefined), { timeoutMs: 5000, description: `${count} NATS messages in the gateway` });
  };
  const events = (socket: TestSocket) => socket.messages.filter((m) => typeof m.seq === 'number');
  const seqsOf = (socket: TestSocket, type: string, symbol: string) => socket.messages.filter((m) => m.type === type && m.symbol === symbol).map((m) => m.seq as number);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureEventStreams(jsm, { maxAgeMs: 60_000, maxBytes: 64 * 1024 * 1024, replicas: 1 });
    engine = await FakeEngine.start(nats.url, ['BTC-USD', 'ETH-USD', 'SOL-USD', 'XRP-USD']);
    gateway = await start();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await gateway?.stop(0).catch(() => undefined);
    await engine?.stop();
    await nc?.close();
    await nats?.dispose();
  });

  it('keeps the NATS arrival order across books, trades and orders on one connection', async () => {
    const socket = await open(`/ws?token=${await signToken('alice')}`);
    socket.send({ op: 'subscribe', channel: 'book', symbol: 'BTC-USD', id: 1 });
    socket.send({ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 2 });
    socket.send({ op: 'subscribe', channel: 'trades', symbol: 'ETH-USD', id: 3 });
    socket.send({ op: 'subscribe', channel: 'orders', symbol: '*', id: 4 });
    await socket.waitForCount((m) => m.type === 'subscribed', 4);
    await socket.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    const published: string[] = [];
    for (let i = 0; i < 40; i++) {
      published.push(`TradeExecuted BTC-USD ${engine.publishTrade('BTC-USD').seq}`);
      published.push(`OrderBookUpdate BTC-USD ${engine.publishBook('BTC-USD', [[`${100 + (i % 5)}.00`, `${i + 1}.0000`]], []).seq}`);
      published.push(`OrderUpdate ETH-USD ${engine.publishOrderUpdate('alice', 'ETH-USD').seq}`);
      published.push(`TradeExecuted ETH-USD ${engine.publishTrade('ETH-USD').seq}`);
      published.push(`OrderUpdate BTC-USD ${engine.publishOrderUpdate('alice', 'BTC-USD').seq}`);
    }
    await waitFor(() => (events(socket).length >= published.length + 1 ? true : undefined), { timeoutMs: 10_000, description: 'every event' });
    const got = events(socket).filter((m) => m.type !== 'OrderBookSnapshot').map((m) => `${m.type} ${m.symbol} ${m.seq}`);
    expect(got).toEqual(published);
  });

  it('book: a subscriber joining while deltas are queued gets a snapshot that covers them and no delta twice or older than it', async () => {
    const first = await open('/ws/markets/SOL-USD');
    const snapshot = await first.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    const inBefore = await counter('gateway_nats_messages_in_total');
    const outBefore = await counter('gateway_messages_out_total');
    const deltas = Array.from({ length: 5 }, (_, i) => engine.publishBook('SOL-USD', [[`${10 + i}.00`, '1.0000']], []).seq);
    await received(inBefore, 5);
    // Precondition: the deltas are in the gateway but still queued (nothing written yet).
    expect(await counter('gateway_messages_out_total')).toBe(outBefore);
    const second = await open('/ws');
    second.send({ op: 'subscribe', channel: 'book', symbol: 'SOL-USD', id: 's' });
    const secondSnapshot = await second.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    expect(secondSnapshot.seq).toBe(deltas.at(-1));
    const later = engine.publishBook('SOL-USD', [['99.00', '2.0000']], []).seq;
    await second.waitForMessage((m) => m.seq === later);
    await first.waitForMessage((m) => m.seq === later);
    expect(seqsOf(first, 'OrderBookUpdate', 'SOL-USD')).toEqual(range(snapshot.seq + 1, later));
    expect(second.messages.map((m) => [m.type, m.seq])).toEqual([
      ['subscribed', undefined],
      ['OrderBookSnapshot', deltas.at(-1)],
      ['OrderBookUpdate', later],
    ]);
  });

  it('trades: a plain subscribe while events are queued gets none of them; a resume gets each exactly once', async () => {
    const symbol = 'XRP-USD';
    const subjectsBefore = await counter('gateway_nats_subjects');
    const live = await open(`/ws/trades?symbols=${symbol}`);
    // This subject's own SUB confirmed (earlier tests' subjects are still held, so ">= 1" proves nothing).
    await waitFor(async () => ((await counter('gateway_nats_subjects')) >= subjectsBefore + 1 ? true : undefined), { description: `trading.trade.${symbol} subscribed` });
    const warm = engine.publishTrade(symbol).seq; // proves the subscription is live end to end
    await live.waitForMessage((m) => m.seq === warm);
    const inBefore = await counter('gateway_nats_messages_in_total');
    const outBefore = await counter('gateway_messages_out_total');
    const queued = Array.from({ length: 5 }, () => engine.publishTrade(symbol).seq);
    await received(inBefore, 5);
    await waitFor(async () => ((await jsm.streams.getMessage(PUBLIC_EVENT_STREAM.name, { last_by_subj: `trading.trade.${symbol}` }))?.seq ? true : undefined));
    await waitFor(async () => ((await jsm.streams.info(PUBLIC_EVENT_STREAM.name, { subjects_filter: `trading.trade.${symbol}` })).state.subjects?.[`trading.trade.${symbol}`] === queued.at(-1) ? true : undefined), {
      timeoutMs: 5000,
      description: 'the queued trades stored in JetStream',
    });
    expect(await counter('gateway_messages_out_total')).toBe(outBefore);
    const plain = await open('/ws');
    const resumed = await open('/ws');
    plain.send({ op: 'subscribe', channel: 'trades', symbol, id: 'p' });
    resumed.send({ op: 'subscribe', channel: 'trades', symbol, fromSeq: queued[1], id: 'r' });
    await plain.waitForMessage((m) => m.type === 'subscribed');
    await resumed.waitForMessage((m) => m.type === 'subscribed');
    await resumed.waitForMessage((m) => m.seq === queued.at(-1)).catch((err: Error) => {
      throw new Error(`${err.message}: resumed got ${JSON.stringify(resumed.messages)}; queued ${JSON.stringify(queued)}`);
    });
    const after = [engine.publishTrade(symbol).seq, engine.publishTrade(symbol).seq];
    for (const socket of [live, plain, resumed]) await socket.waitForMessage((m) => m.seq === after[1]);
    expect(seqsOf(live, 'TradeExecuted', symbol)).toEqual([warm, ...queued, ...after]);
    expect(seqsOf(plain, 'TradeExecuted', symbol)).toEqual(after);
    expect(seqsOf(resumed, 'TradeExecuted', symbol)).toEqual([...queued.slice(2), ...after]);
  });

  it('unsubscribe: events queued while subscribed arrive before the unsubscribed ack, none after it', async () => {
    const socket = await open('/ws');
    socket.send({ op: 'subscribe', channel: 'trades', symbol: 'ETH-USD', id: 1 });
    await socket.waitForMessage((m) => m.type === 'subscribed');
    const inBefore = await counter('gateway_nats_messages_in_total');
    const queued = Array.from({ length: 3 }, () => engine.publishTrade('ETH-USD').seq);
    await received(inBefore, 3);
    socket.send({ op: 'unsubscribe', channel: 'trades', symbol: 'ETH-USD', id: 2 });
    await socket.waitForMessage((m) => m.type === 'unsubscribed');
    engine.publishTrade('ETH-USD');
    socket.send({ op: 'ping', id: 3 });
    await socket.waitForMessage((m) => m.type === 'pong');
    expect(socket.messages.map((m) => [m.type, m.seq ?? m.id])).toEqual([['subscribed', 1], ...queued.map((seq) => ['TradeExecuted', seq]), ['unsubscribed', 2], ['pong', 3]]);
  });

  it('still closes a stalled reader with 4008 while every other subscriber gets every event in order', async () => {
    // A separate process, as in production: the stalled client must not share the gateway's event loop.
    const guarded = await startGatewayProcess(nats.url, { SEND_BUFFER_BYTES: String(256 * 1024), SEND_BUFFER_SWEEP_MS: '20', WRITE_DELAY_MS: '5' }, 'gateway-write-delay');
    try {
      const url = guarded.wsUrl('/ws/trades?symbols=ADA-USD');
      const fast = await TestSocket.open(url);
      const slow = await TestSocket.open(url);
      sockets.push(fast, slow);
      await waitFor(async () => ((await guarded.metric('gateway_nats_subjects')) >= 1 ? true : undefined));
      const probe = engine.publishTrade('ADA-USD').seq;
      await fast.waitForMessage((m) => m.seq === probe);
      await slow.waitForMessage((m) => m.seq === probe);
      // Count frames as they arrive (re-parsing every recorded frame while waiting would load this process).
      let fastCount = 0;
      fast.ws.on('message', () => fastCount++);
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      // ~16 MB at a steady pace: more than loopback's kernel buffers can hide.
      const pad = 'x'.repeat(8000);
      let last = probe;
      for (let burst = 0; burst < 70; burst++) {
        for (let i = 0; i < 30; i++) last = engine.publishTrade('ADA-USD', { pad }).seq;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // (ADA-USD: no other test's sockets are on it, so only this gateway carries the 16 MB.)
      await waitFor(() => (fastCount >= last - probe ? true : undefined), { timeoutMs: 30_000, description: 'every event on the fast client' });
      await waitFor(async () => ((await guarded.metric('gateway_slow_consumer_closes_total')) >= 1 ? true : undefined), { timeoutMs: 10_000, description: 'a slow-consumer close' });
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect((await slow.waitForClose(20_000)).code).toBe(4008);
      const seqs = fast.frames.map((f) => (JSON.parse(f) as { seq: number }).seq);
      expect(seqs).toEqual(range(probe, last));
      expect(fast.closed).toBeUndefined();
      expect(await guarded.metric('gateway_slow_consumer_closes_total')).toBe(1);
    } finally {
      await guarded.service.terminate(10_000).catch(() => guarded.service.kill());
    }
    // Longer than the waits above add up to (30 + 10 + 20 s), so that a stalled step fails with its own
    // description instead of Jest's bare 30 s timeout (seen once, in a clean-clone CI run on a busy host).
  }, 90_000);

  it('shutdown writes the queued events before closing with 1001', async () => {
    const other = await start();
    const socket = await open('/ws/trades?symbols=BTC-USD', other);
    await waitFor(async () => ((await counter('gateway_nats_subjects', other)) >= 1 ? true : undefined));
    const probe = engine.publishTrade('BTC-USD').seq;
    await socket.waitForMessage((m) => m.seq === probe);
    const inBefore = await counter('gateway_nats_messages_in_total', other);
    const outBefore = await counter('gateway_messages_out_total', other);
    const queued = Array.from({ length: 4 }, () => engine.publishTrade('BTC-USD').seq);
    await received(inBefore, 4, other);
    expect(await counter('gateway_messages_out_total', other)).toBe(outBefore);
    await other.stop(0);
    expect((await socket.waitForClose()).code).toBe(1001);
    expect(seqsOf(socket, 'TradeExecuted', 'BTC-USD')).toEqual([probe, ...queued]);
  });
});
