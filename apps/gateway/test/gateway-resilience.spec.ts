import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestSocket, waitFor } from '@trading/testing';
import { startHarness, type Harness } from './support/gateway-harness.js';
import { signToken } from './support/tokens.js';

/** Token expiry on open connections, NATS outages, readiness. */
describe('gateway resilience', () => {
  let h: Harness;
  const sockets: TestSocket[] = [];
  const open = async (path: string) => {
    const socket = await TestSocket.open(h.wsUrl(path));
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h.dispose();
  });

  it('serves /healthz, /readyz and /metrics on the admin port', async () => {
    expect((await fetch(h.adminUrl('/healthz'))).status).toBe(200);
    const ready = await fetch(h.adminUrl('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, role: 'gateway' });
    const metrics = await (await fetch(h.adminUrl('/metrics'))).text();
    for (const name of ['gateway_connections', 'gateway_subscriptions', 'gateway_nats_subjects', 'gateway_nats_messages_in_total', 'gateway_messages_out_total', 'gateway_bytes_out_total', 'gateway_slow_consumer_closes_total', 'gateway_auth_failures_total', 'gateway_nats_to_socket_seconds_bucket']) {
      expect(metrics).toContain(name);
    }
  });

  it('on token expiry closes /ws/orders with 1008 and on /ws removes only the private subscriptions', async () => {
    const token = await signToken('erin', { expiresInSeconds: 2 });
    const dedicated = await open(`/ws/orders?token=${token}`);
    const manual = await open(`/ws?token=${token}`);
    manual.send({ op: 'subscribe', channel: 'orders', symbol: '*', id: 1 });
    manual.send({ op: 'subscribe', channel: 'trades', symbol: 'ETH-USD', id: 2 });
    await manual.waitForMessage((m) => m.id === 2);
    expect((await dedicated.waitForClose(5000)).code).toBe(1008);
    const notice = await manual.waitForMessage((m) => m.type === 'error', 5000);
    expect(notice.code).toBe('UNAUTHORIZED');
    h.engine.publishOrderUpdate('erin', 'ETH-USD');
    const trade = h.engine.publishTrade('ETH-USD');
    await manual.waitForMessage((m) => m.tradeId === trade.tradeId);
    expect(manual.messages.some((m) => m.type === 'OrderUpdate')).toBe(false);
    expect(manual.closed).toBeUndefined();
    // A fresh token restores private access on the same connection.
    manual.send({ op: 'auth', token: await signToken('erin'), id: 3 });
    await manual.waitForMessage((m) => m.type === 'authenticated');
    manual.send({ op: 'subscribe', channel: 'orders', symbol: '*', id: 4 });
    await manual.waitForMessage((m) => m.id === 4);
    const update = h.engine.publishOrderUpdate('erin', 'ETH-USD');
    await manual.waitForMessage((m) => m.orderId === update.orderId);
  });

  it('keeps clients connected through a NATS restart, reports not ready meanwhile, and sends book subscribers a fresh snapshot', async () => {
    const book = await open('/ws/markets/BTC-USD');
    await book.waitForMessage((m) => m.type === 'OrderBookSnapshot');
    h.engine.publishBook('BTC-USD', [['90.00', '1.0000']], []);
    await book.waitForMessage((m) => m.type === 'OrderBookUpdate');
    await h.nats.stop();
    await waitFor(async () => (await fetch(h.adminUrl('/readyz'))).status === 503, { description: 'readyz 503 while NATS is down' });
    await h.nats.restart();
    await waitFor(async () => (await fetch(h.adminUrl('/readyz'))).status === 200, { timeoutMs: 15_000, description: 'readyz 200 after NATS returns' });
    const snapshots = await book.waitForCount((m) => m.type === 'OrderBookSnapshot', 2, 15_000);
    expect(snapshots[1]).toMatchObject({ symbol: 'BTC-USD', seq: 1, bids: [['90.00', '1.0000']] });
    expect(book.closed).toBeUndefined();
    const next = h.engine.publishBook('BTC-USD', [['91.00', '1.0000']], []);
    await book.waitForMessage((m) => m.type === 'OrderBookUpdate' && m.seq === next.seq, 10_000);
  });
});
