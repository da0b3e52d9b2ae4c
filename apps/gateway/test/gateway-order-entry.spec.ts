import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from './support/gateway-harness.js';
import { signToken } from './support/tokens.js';

/** POST /api/v1/orders and DELETE /api/v1/orders/{orderId}: forwarding, user from token, every status of contract section 5. */
describe('gateway order entry over HTTP', () => {
  let h: Harness;
  let auth: Record<string, string>;
  const place = { symbol: 'BTC-USD', clientOrderId: 'c-1', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' };
  const post = (body: unknown, headers: Record<string, string> = auth) =>
    fetch(h.httpUrl('/api/v1/orders'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const del = (path: string, headers: Record<string, string> = auth) => fetch(h.httpUrl(path), { method: 'DELETE', headers });

  beforeAll(async () => {
    h = await startHarness({ NATS_REQUEST_TIMEOUT_MS: '300', CORS_ORIGINS: 'https://app.example.com', MAX_HTTP_BODY_BYTES: '1024', ORDER_REQUESTS_PER_SECOND: '20' });
    auth = { authorization: `Bearer ${await signToken('alice')}` };
  });
  afterAll(async () => {
    await h.dispose();
  });

  it('places an order as the token subject and returns the engine reply with 200', async () => {
    const res = await post(place);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, order: { userId: 'alice', clientOrderId: 'c-1', status: 'NEW' } });
    expect(h.engine.commands.at(-1)).toEqual({ type: 'place', userId: 'alice', clientOrderId: 'c-1', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' });

    const cancel = await del(`/api/v1/orders/${body.order.orderId}?symbol=BTC-USD`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ ok: true, order: { status: 'CANCELED' } });
    expect(h.engine.commands.at(-1)).toEqual({ type: 'cancel', userId: 'alice', orderId: body.order.orderId });
  });

  it('answers 400 for malformed JSON, a body carrying userId, invalid fields and a bad symbol', async () => {
    const cases = [
      ['{"symbol":', undefined],
      ['[]', undefined],
      [{ ...place, userId: 'bob' }, 'userId'],
      [{ ...place, price: 100 }, 'price'],
      [{ ...place, side: 'sideways' }, 'side'],
      [{ ...place, symbol: 'btc' }, 'symbol'],
      [{ ...place, type: 'cancel' }, 'type'],
    ] as const;
    const before = h.engine.commands.length;
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.ok).toBe(false);
      expect(json.error.code).toBe('VALIDATION_FAILED');
      if (field) expect(Object.keys(json.error.details)).toContain(field);
    }
    expect(h.engine.commands.length).toBe(before); // nothing reached the engine
    const badPath = await del('/api/v1/orders/%ZZ?symbol=BTC-USD');
    expect(badPath.status).toBe(400);
    const noSymbol = await del('/api/v1/orders/BTC-USD-1');
    expect(noSymbol.status).toBe(400);
  });

  it('answers 401 without a token or with a bad one, and never takes the user from the body or query', async () => {
    expect((await post(place, {})).status).toBe(401);
    expect((await post(place, { authorization: 'Bearer nonsense' })).status).toBe(401);
    expect((await post(place, { authorization: `Bearer ${await signToken('alice', { expiresInSeconds: -1 })}` })).status).toBe(401);
    expect((await del('/api/v1/orders/BTC-USD-1?symbol=BTC-USD&userId=alice', {})).status).toBe(401);
    expect((await del('/api/v1/orders/BTC-USD-1?symbol=BTC-USD&token=nonsense', {})).status).toBe(401);
  });

  it('takes the token from ?token= as /ws/orders does (contract section 5); the Authorization header wins when both are there', async () => {
    const bob = await signToken('bob');
    const placed = await fetch(h.httpUrl(`/api/v1/orders?token=${bob}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...place, clientOrderId: 'q-1' }) });
    expect(placed.status).toBe(200);
    const order = (await placed.json()).order;
    expect(order.userId).toBe('bob');
    expect(h.engine.commands.at(-1)).toMatchObject({ type: 'place', userId: 'bob', clientOrderId: 'q-1' });
    // Header (alice) and query (bob) together: the header's user places it.
    const both = await fetch(h.httpUrl(`/api/v1/orders?token=${bob}`), { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...place, clientOrderId: 'q-2' }) });
    expect((await both.json()).order.userId).toBe('alice');
    const cancelled = await del(`/api/v1/orders/${order.orderId}?symbol=BTC-USD&token=${bob}`, {});
    expect(cancelled.status).toBe(200);
    expect(h.engine.commands.at(-1)).toEqual({ type: 'cancel', userId: 'bob', orderId: order.orderId });
  });

  it('maps engine refusals to 404, 409 and 422 with the engine reply as the body', async () => {
    const missing = await del('/api/v1/orders/BTC-USD-999?symbol=BTC-USD');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('ORDER_NOT_FOUND');

    for (const [code, status] of [['DUPLICATE_CLIENT_ORDER_ID', 409], ['POST_ONLY_WOULD_TAKE', 422], ['INSUFFICIENT_LIQUIDITY', 422], ['VALIDATION_FAILED', 400]] as const) {
      const engineReply = { ok: false, error: { code, message: `engine says ${code}`, extra: 'passes through' } };
      h.engine.replyOverride = () => engineReply;
      const res = await post({ ...place, clientOrderId: `c-${code}` });
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(JSON.stringify(engineReply));
    }
    h.engine.replyOverride = undefined;
  });

  it('answers 404 UNKNOWN_SYMBOL when no engine serves the symbol, and 503 when the engine does not answer in time', async () => {
    const unknown = await post({ ...place, symbol: 'DOGE-USD' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('UNKNOWN_SYMBOL');
    h.engine.silent = true;
    try {
      const slow = await post({ ...place, clientOrderId: 'c-slow' });
      expect(slow.status).toBe(503);
      expect(slow.headers.get('retry-after')).toBe('1');
    } finally {
      h.engine.silent = false;
    }
  });

  it('answers 413 for an oversized body and 404 for unknown routes', async () => {
    expect((await post({ ...place, clientOrderId: 'x'.repeat(2000) })).status).toBe(413);
    expect((await fetch(h.httpUrl('/api/v1/nothing'))).status).toBe(404);
    expect((await fetch(h.httpUrl('/'))).status).toBe(404);
  });

  it('answers 429 RATE_LIMITED with Retry-After past ORDER_REQUESTS_PER_SECOND for one user; other users are not affected', async () => {
    const flooder = { authorization: `Bearer ${await signToken('flooder')}` };
    const other = { authorization: `Bearer ${await signToken('calm')}` };
    // Wait for the start of a fresh one-second window, so that all 25 requests fall into it.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const before = h.engine.commands.length;
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => post({ ...place, clientOrderId: `flood-${i}` }, flooder)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const limited = answers.find((r) => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(h.engine.commands.length - before).toBe(20); // refused requests never reach the engine
    expect((await post({ ...place, clientOrderId: 'calm-1' }, other)).status).toBe(200);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const ok = await fetch(h.httpUrl('/api/v1/orders'), { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await fetch(h.httpUrl('/api/v1/orders'), { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post({ ...place, clientOrderId: 'c-cors' }, { ...auth, origin: 'https://app.example.com' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
