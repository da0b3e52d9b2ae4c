import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
import { signToken } from '../support/tokens.js';
import { startEdgeHarness, type EdgeHarness } from './edge-harness.js';
import { rawRequest } from './raw-http.js';

const upgradeRequest = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/**
 * Alice holds a valid token and tries every endpoint, op and path trick to see Bob's orders (or act
 * on them). Bob's events are published for real; each of Alice's accepted connections must receive
 * her own marker event and nothing of Bob's.
 */
describe('a user token cannot read or touch another user\'s orders', () => {
  let h: EdgeHarness;
  let alice: string;
  const sockets: TestSocket[] = [];
  const open = async (path: string) => {
    const s = await TestSocket.open(h.wsUrl(path));
    sockets.push(s);
    return s;
  };
  const http = (method: string, path: string, body?: unknown) =>
    fetch(h.httpUrl(path), { method, headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    // JetStream on, with the private event stream, so the resume path (reads of retained events) is attacked too.
    h = await startEdgeHarness({}, { jetstream: true });
    const nc = await connect({ servers: h.nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'TRADING_EVENTS_PRIVATE', subjects: ['trading.order.>'], allow_direct: true } as never);
    await nc.close();
    alice = await signToken('alice');
    // Bob has history before Alice connects (resume could replay it if it trusted anything but the token).
    for (let i = 0; i < 3; i++) h.engine.publishOrderUpdate('bob', 'BTC-USD');
    h.engine.publishOrderUpdate('alice', 'BTC-USD');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h?.dispose();
  });

  it('path tricks on the upgrade never open a stream (.., encoded characters, wildcards, user ids in the path)', async () => {
    const paths = [
      '/ws/orders/bob',
      '/ws/orders/../orders/bob',
      '/ws/orders/%2e%2e/bob',
      '/ws/orders%2Fbob',
      '/ws/orders/%2A',
      '/ws/orders/*',
      '/ws/orders/>',
      '/ws/orders/%3E',
      '/ws/orders/bob%00',
      '/ws/markets/..%2Forders',
      '/ws/markets/BTC-USD%2F..%2F..%2Forders',
      '/ws/markets/*',
      '/ws/markets/>',
      '/ws/markets/trading.order.bob.BTC-USD',
      '/ws/trades/../orders',
    ];
    for (const path of paths) {
      const answer = await rawRequest(h.gateway.port, upgradeRequest(`${path}${path.includes('?') ? '&' : '?'}token=${alice}`));
      expect([path, answer.statusLine]).toEqual([path, expect.stringMatching(/^HTTP\/1\.1 4\d\d /)]);
    }
  });

  it('wildcards and subject tricks as symbols in subscribe ops are refused with BAD_REQUEST', async () => {
    const s = await open(`/ws?token=${alice}`);
    const tricks = ['>', 'BTC-USD.>', '*.*', 'bob.BTC-USD', 'BTC-USD.bob', 'BTC-USD ', ' BTC-USD', '%2A', 'BTC-USD\u0000', '..', 'trading.order.bob.BTC-USD'];
    let id = 100;
    for (const symbol of tricks) {
      for (const channel of ['orders', 'trades', 'book']) {
        s.send({ op: 'subscribe', channel, symbol, id: ++id });
        const answer = await s.waitForMessage((m) => m.id === id);
        expect([channel, symbol, answer.type, answer.code]).toEqual([channel, symbol, 'error', 'BAD_REQUEST']);
      }
    }
  });

  it('every way of asking for orders yields only the token user\'s orders (extra userId fields and query parameters are ignored)', async () => {
    const direct = await open(`/ws/orders?token=${alice}&userId=bob&user=bob&sub=bob`);
    const resumed = await open(`/ws/orders?token=${alice}&fromSeqs=BTC-USD:0`);
    const manual = await open('/ws');
    manual.send({ op: 'auth', token: alice, id: 1 });
    await manual.waitForMessage((m) => m.id === 1 && m.type === 'authenticated');
    manual.send({ op: 'subscribe', channel: 'orders', symbol: '*', userId: 'bob', id: 2 });
    const answer = await manual.waitForMessage((m) => m.id === 2);
    manual.send({ op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', id: 3 });
    await manual.waitForMessage((m) => m.id === 3);
    // An extra field is either refused or ignored; it must never select another user.
    expect(['subscribed', 'error']).toContain(answer.type);

    const own = [direct, resumed, manual];
    // Bob's event first, then Alice's marker, on both symbols, until every connection has the markers
    // (subscriptions to NATS are made asynchronously after the upgrade).
    await waitFor(
      () => {
        h.engine.publishOrderUpdate('bob', 'BTC-USD');
        h.engine.publishOrderUpdate('bob', 'ETH-USD');
        h.engine.publishOrderUpdate('alice', 'ETH-USD');
        return own.every((s) => s.messages.some((m) => m.userId === 'alice' && m.symbol === 'ETH-USD'));
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'alice markers on every connection' },
    );
    // The resumed stream replayed Alice's history (her BTC-USD order from before she connected) ...
    expect(resumed.messages.some((m) => m.userId === 'alice' && m.symbol === 'BTC-USD')).toBe(true);
    // ... and no connection ever got a byte of Bob's.
    for (const s of own) expect(s.frames.filter((f) => f.includes('"bob"'))).toEqual([]);
  });

  it('order entry acts only as the token user: cancel of Bob\'s order is ORDER_NOT_FOUND, ids with tricks never reach another user', async () => {
    // Bob places an order through the gateway with his own token.
    const bobToken = await signToken('bob');
    const placed = await fetch(h.httpUrl('/api/v1/orders'), {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'BTC-USD', clientOrderId: 'bob-1', side: 'buy', orderType: 'limit', price: '1.00', quantity: '1.0000' }),
    });
    const bobOrderId = (await placed.json()).order.orderId as string;
    const before = h.engine.commands.length;

    const cancelBob = await http('DELETE', `/api/v1/orders/${encodeURIComponent(bobOrderId)}?symbol=BTC-USD`);
    expect(cancelBob.status).toBe(404);
    expect((await cancelBob.json()).error.code).toBe('ORDER_NOT_FOUND');

    for (const path of [
      `/api/v1/orders/${bobOrderId}?symbol=BTC-USD&userId=bob`,
      '/api/v1/orders/*?symbol=BTC-USD',
      '/api/v1/orders/%3E?symbol=BTC-USD',
      '/api/v1/orders/..%2F..%2Fbob?symbol=BTC-USD',
      `/api/v1/orders/%2e%2e%2F${bobOrderId}?symbol=BTC-USD`,
    ]) {
      const res = await http('DELETE', path);
      expect([path, [400, 404].includes(res.status)]).toEqual([path, true]);
    }
    for (const path of ['/api/v1/orders/x?symbol=BTC-USD.>', '/api/v1/orders/x?symbol=*', '/api/v1/orders/x?symbol=%3E']) {
      expect((await http('DELETE', path)).status).toBe(400);
    }
    // No read endpoint exists to probe: GET is not routed.
    expect((await http('GET', `/api/v1/orders/${bobOrderId}?symbol=BTC-USD`)).status).toBe(404);
    // Placing "as Bob" is refused outright.
    expect((await http('POST', '/api/v1/orders', { symbol: 'BTC-USD', userId: 'bob', clientOrderId: 'x', side: 'buy', orderType: 'limit', price: '1.00', quantity: '1.0000' })).status).toBe(400);

    const sent = h.engine.commands.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((c) => c.userId === 'alice')).toBe(true);
    // Bob's order is still there: his own cancel works.
    const bobCancel = await fetch(h.httpUrl(`/api/v1/orders/${encodeURIComponent(bobOrderId)}?symbol=BTC-USD`), { method: 'DELETE', headers: { authorization: `Bearer ${bobToken}` } });
    expect(bobCancel.status).toBe(200);
  });

  it('a token for one user cannot be stretched: malformed subs are refused at upgrade', async () => {
    for (const sub of ['bob.>', '*', '>', 'bob alice', '../bob', 'a'.repeat(65)]) {
      const token = await signToken(sub);
      await expect(TestSocket.open(h.wsUrl(`/ws/orders?token=${token}`))).rejects.toBeInstanceOf(UpgradeRefusedError);
    }
  });
});
