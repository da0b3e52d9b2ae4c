import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestSocket, waitFor } from '@trading/testing';
import { startHarness, type Harness } from './support/gateway-harness.js';
import { signToken } from './support/tokens.js';

/**
 * NATS subscriptions acquired in the same event-loop turn are subscribed together and confirmed by
 * one flush (SubjectInterest). Acks must still come only after the server confirmed, and a
 * subscription given back before its batch went out must leave nothing behind.
 */
describe('gateway: NATS subscriptions batched per event-loop turn', () => {
  let h: Harness;
  const sockets: TestSocket[] = [];
  const open = async (path: string) => {
    const socket = await TestSocket.open(h.wsUrl(path));
    sockets.push(socket);
    return socket;
  };
  const symbols = ['BTC-USD', 'ETH-USD'];

  beforeAll(async () => {
    h = await startHarness({}, symbols);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h.dispose();
  });

  it('acks each of many subscriptions sent at once only when its NATS subscription is in effect', async () => {
    const socket = await open(`/ws?token=${await signToken('batcher')}`);
    const before = await h.metric('gateway_nats_subjects');
    // Sent back to back: the gateway usually reads them in one turn, so their SUBs share a batch.
    const ops = [
      ...symbols.map((symbol, i) => ({ op: 'subscribe', channel: 'orders', symbol, id: `o${i}` })),
      ...['SOL-USD', 'XRP-USD', 'ADA-USD', 'DOT-USD'].map((symbol, i) => ({ op: 'subscribe', channel: 'trades', symbol, id: `t${i}` })),
    ];
    for (const op of ops) socket.send(op);
    const acks = await socket.waitForCount((m) => m.type === 'subscribed', ops.length);
    expect(acks.map((a) => a.id).sort()).toEqual(ops.map((o) => o.id).sort());
    // Acked = confirmed: an event published right after the ack reaches the client, on every subject.
    const orders = symbols.map((symbol) => h.engine.publishOrderUpdate('batcher', symbol));
    const trades = ['SOL-USD', 'XRP-USD', 'ADA-USD', 'DOT-USD'].map((symbol) => h.engine.publishTrade(symbol));
    await socket.waitForCount((m) => m.type === 'OrderUpdate' || m.type === 'TradeExecuted', orders.length + trades.length);
    expect(await h.metric('gateway_nats_subjects')).toBe(before + ops.length);
  });

  it('opens many /ws/orders connections at once; each gets its own user\'s events', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `burst${i}`);
    const before = await h.metric('gateway_nats_subjects'); // the first test's subjects are still held
    const conns = await Promise.all(users.map(async (u) => open(`/ws/orders?token=${await signToken(u)}`)));
    // The dedicated endpoint has no ack: wait until the replica holds (and the server confirmed) every user's subject.
    await waitFor(async () => ((await h.metric('gateway_nats_subjects')) >= before + users.length ? true : undefined), { timeoutMs: 10_000, description: 'every user subscribed' });
    users.forEach((u) => h.engine.publishOrderUpdate(u, 'BTC-USD'));
    await Promise.all(conns.map((c) => c.waitForMessage((m) => m.type === 'OrderUpdate')));
    conns.forEach((c, i) => expect(c.messages.filter((m) => m.type === 'OrderUpdate').map((m) => m.userId)).toEqual([users[i]]));
  });

  it('a subscription given back right away (before its batch may have gone out) leaves no NATS subject and no dead subscription behind', async () => {
    const socket = await open('/ws');
    const before = await h.metric('gateway_nats_subjects');
    socket.send({ op: 'subscribe', channel: 'trades', symbol: 'LTC-USD', id: 1 });
    socket.send({ op: 'unsubscribe', channel: 'trades', symbol: 'LTC-USD', id: 2 });
    socket.send({ op: 'ping', id: 3 });
    await socket.waitForMessage((m) => m.type === 'pong');
    await socket.waitForMessage((m) => m.type === 'subscribed');
    expect(await h.metric('gateway_nats_subjects')).toBe(before);
    const ready = await fetch(h.adminUrl('/readyz'));
    expect(ready.status).toBe(200);
    // The subject can be taken again and works.
    socket.send({ op: 'subscribe', channel: 'trades', symbol: 'LTC-USD', id: 4 });
    await socket.waitForMessage((m) => m.type === 'subscribed' && m.id === 4);
    h.engine.publishTrade('LTC-USD');
    await socket.waitForMessage((m) => m.type === 'TradeExecuted' && m.symbol === 'LTC-USD');
  });
});
