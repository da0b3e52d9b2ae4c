import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
import { startHarness, type Harness } from './support/gateway-harness.js';
import { signToken } from './support/tokens.js';

/** `GET /ws`: subscribe/unsubscribe/auth/ping, their acks, every error frame, and the limits. */
describe('gateway manual subscriptions on /ws', () => {
  let h: Harness;
  const sockets: TestSocket[] = [];
  const open = async (path = '/ws', headers?: Record<string, string>) => {
    const socket = await TestSocket.open(h.wsUrl(path), { headers });
    sockets.push(socket);
    return socket;
  };
  const reply = (socket: TestSocket, id: number | string) => socket.waitForMessage((m) => m.id === id);

  beforeAll(async () => {
    h = await startHarness({
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      MAX_MESSAGES_PER_SECOND: '20',
      RATE_LIMIT_CLOSE_AFTER: '10',
      MAX_FRAME_BYTES: '1024',
      MAX_CONNECTIONS_PER_IP: '30',
    });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h.dispose();
  });

  it('acks subscribe and unsubscribe, answers ping, and streams what was subscribed', async () => {
    const s = await open();
    s.send({ op: 'ping', id: 1 });
    expect(await reply(s, 1)).toMatchObject({ type: 'pong', id: 1, ts: expect.any(Number) });
    s.send({ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 2 });
    expect(await reply(s, 2)).toEqual({ type: 'subscribed', channel: 'trades', symbol: 'BTC-USD', id: 2 });
    const t1 = h.engine.publishTrade('BTC-USD');
    await s.waitForMessage((m) => m.tradeId === t1.tradeId);
    s.send({ op: 'unsubscribe', channel: 'trades', symbol: 'BTC-USD', id: 'u' });
    expect(await reply(s, 'u')).toEqual({ type: 'unsubscribed', channel: 'trades', symbol: 'BTC-USD', id: 'u' });
    // A witness still subscribed to the same stream: once it has the next trade, `s` would have it too.
    const witness = await open('/ws/trades?symbols=BTC-USD');
    await waitFor(async () => (await h.metric('gateway_connections')) === 2);
    // The dedicated endpoint has no ack: wait until the server has confirmed the replica's SUB.
    await waitFor(async () => (await h.metric('gateway_nats_subjects')) >= 1);
    const t2 = h.engine.publishTrade('BTC-USD');
    await witness.waitForMessage((m) => m.tradeId === t2.tradeId);
    await witness.close();
    await waitFor(async () => (await h.metric('gateway_nats_subjects')) === 0);
    expect(s.messages.filter((m) => m.type === 'TradeExecuted')).toHaveLength(1);
  });

  it('book subscribe is acked, then the snapshot, then deltas; "*" covers every trade symbol once', async () => {
    const s = await open();
    s.send({ op: 'subscribe', channel: 'book', symbol: 'ETH-USD', id: 1 });
    await s.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    expect(s.messages.slice(0, 2).map((m) => m.type)).toEqual(['subscribed', 'OrderBookSnapshot']);
    const d = h.engine.publishBook('ETH-USD', [['5.00', '1.0000']], []);
    await s.waitForMessage((m) => m.type === 'OrderBookUpdate');
    expect(s.frames[2]).toBe(JSON.stringify(d));

    s.send({ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 2 });
    s.send({ op: 'subscribe', channel: 'trades', symbol: '*', id: 3 });
    await reply(s, 3);
    const t = h.engine.publishTrade('BTC-USD');
    const t2 = h.engine.publishTrade('ETH-USD');
    await s.waitForMessage((m) => m.tradeId === t2.tradeId);
    expect(s.frames.filter((f) => f === JSON.stringify(t))).toHaveLength(1);
  });

  it('answers bad frames with BAD_REQUEST and keeps the connection open', async () => {
    const s = await open();
    const bad: [unknown, string | number | undefined][] = [
      ['not json', undefined],
      ['[1,2]', undefined],
      [{ op: 'dance', id: 1 }, 1],
      [{ op: 'subscribe', channel: 'candles', symbol: 'BTC-USD', id: 2 }, 2],
      [{ op: 'subscribe', channel: 'trades', symbol: 42, id: 3 }, 3],
      [{ op: 'subscribe', channel: 'book', symbol: '*', id: 4 }, 4],
      [{ op: 'subscribe', channel: 'trades', symbol: 'btc-usd', id: 5 }, 5],
      [{ op: 'auth', token: 7, id: 6 }, 6],
      [{ op: 'ping', id: { nested: true } }, undefined],
    ];
    for (const [frame] of bad) s.send(frame);
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const errors = await s.waitForCount((m) => m.type === 'error', bad.length + 1);
    expect(errors.every((e) => e.code === 'BAD_REQUEST' && typeof e.message === 'string')).toBe(true);
    expect(errors.filter((e) => e.id !== undefined).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    s.send({ op: 'ping', id: 99 });
    await reply(s, 99);
    expect(s.closed).toBeUndefined();
  });

  it('answers UNKNOWN_SYMBOL for a book no engine serves, and UNAUTHORIZED for orders without auth or with a bad token', async () => {
    const s = await open();
    s.send({ op: 'subscribe', channel: 'book', symbol: 'DOGE-USD', id: 1 });
    expect(await reply(s, 1)).toMatchObject({ type: 'error', code: 'UNKNOWN_SYMBOL' });
    s.send({ op: 'subscribe', channel: 'orders', symbol: '*', id: 2 });
    expect(await reply(s, 2)).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    s.send({ op: 'auth', token: await signToken('carol', { expiresInSeconds: -5 }), id: 3 });
    expect(await reply(s, 3)).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    s.send({ op: 'auth', token: await signToken('carol'), id: 4 });
    expect(await reply(s, 4)).toEqual({ type: 'authenticated', userId: 'carol', id: 4 });
    s.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', id: 5 });
    await reply(s, 5);
    h.engine.publishOrderUpdate('dave', 'BTC-USD');
    const mine = h.engine.publishOrderUpdate('carol', 'BTC-USD');
    h.engine.publishOrderUpdate('carol', 'ETH-USD'); // not subscribed
    await s.waitForMessage((m) => m.type === 'OrderUpdate');
    s.send({ op: 'ping', id: 6 });
    await reply(s, 6);
    expect(s.frames.filter((f) => f.includes('OrderUpdate'))).toEqual([JSON.stringify(mine)]);
  });

  it('enforces the subscription limit with TOO_MANY_SUBSCRIPTIONS', async () => {
    const s = await open();
    for (const [i, symbol] of ['A-USD', 'B-USD', 'C-USD', 'D-USD'].entries()) s.send({ op: 'subscribe', channel: 'trades', symbol, id: i });
    expect(await reply(s, 3)).toMatchObject({ type: 'error', code: 'TOO_MANY_SUBSCRIPTIONS' });
    // The refusal is immediate; the three acks wait for their NATS subscriptions, so they may come after it.
    expect(await s.waitForCount((m) => m.type === 'subscribed', 3)).toHaveLength(3);
    expect(s.messages.filter((m) => m.type === 'subscribed').map((m) => m.id).sort()).toEqual([0, 1, 2]);
    s.send({ op: 'unsubscribe', channel: 'trades', symbol: 'A-USD', id: 10 });
    s.send({ op: 'subscribe', channel: 'trades', symbol: 'D-USD', id: 11 });
    expect(await reply(s, 11)).toMatchObject({ type: 'subscribed' });
  });

  it('answers a flood with RATE_LIMITED, then closes with 1008 when it goes on', async () => {
    const s = await open();
    for (let i = 0; i < 25; i++) s.send({ op: 'ping', id: i });
    const limited = await s.waitForMessage((m) => m.code === 'RATE_LIMITED');
    expect(limited.type).toBe('error');
    // Every frame is answered in order, pong or RATE_LIMITED, and a refused frame's id comes back
    // with the error, so the client knows which requests were not handled.
    await waitFor(() => s.messages.length >= 25);
    const answers = s.messages.slice(0, 25);
    expect(answers.map((m) => m.id)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(answers.every((m) => m.type === 'pong' || m.code === 'RATE_LIMITED')).toBe(true);
    expect(s.closed).toBeUndefined();
    for (let i = 0; i < 20; i++) s.send({ op: 'ping', id: 100 + i });
    expect((await s.waitForClose()).code).toBe(1008);
    expect(await h.metric('gateway_rate_limit_closes_total')).toBe(1);
  });

  it('closes with 1009 on a frame over MAX_FRAME_BYTES, and cuts a huge one at once', async () => {
    const s = await open();
    s.send(JSON.stringify({ op: 'ping', id: 'x'.repeat(2000) }));
    expect((await s.waitForClose()).code).toBe(1009);
    const huge = await open();
    huge.send('x'.repeat(1024 * 1024));
    expect((await huge.waitForClose()).code).not.toBe(1000);
    await waitFor(async () => (await h.metric('gateway_frame_too_large_closes_total')) === 2);
  });

  it('refuses upgrades beyond MAX_CONNECTIONS_PER_IP with 503', async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await waitFor(async () => (await h.metric('gateway_connections')) === 0);
    const many = await Promise.all(Array.from({ length: 30 }, () => open()));
    const err = await TestSocket.open(h.wsUrl('/ws')).then(
      () => undefined,
      (e: unknown) => e as UpgradeRefusedError,
    );
    expect(err?.status).toBe(503);
    await many[0].close();
    await waitFor(async () => (await h.metric('gateway_connections')) === 29);
    await open(); // a slot is free again
  });
});
