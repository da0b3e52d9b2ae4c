import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cancelOrder, OrderEntryError, placeOrder } from '@trading/client';

/** A throwaway HTTP server that records requests and answers what each test scripts. */
interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}
let server: Server;
let base: string;
let seen: Seen;
let answer: { status: number; body: string; delayMs?: number };
const delayed = new Set<ReturnType<typeof setTimeout>>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen = { method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body };
      const send = () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      if (answer.delayMs) delayed.add(setTimeout(send, answer.delayMs));
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  delayed.forEach(clearTimeout);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const order = { orderId: 'BTC-USD-1', clientOrderId: 'c1', userId: 'u1', symbol: 'BTC-USD', status: 'NEW' };

describe('REST order entry helpers', () => {
  it('posts the place fields with the bearer token and returns the engine reply and status', async () => {
    answer = { status: 200, body: JSON.stringify({ ok: true, order }) };
    const result = await placeOrder(base, 'tok', { symbol: 'BTC-USD', clientOrderId: 'c1', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' });
    expect(seen).toEqual({
      method: 'POST',
      url: '/api/v1/orders',
      authorization: 'Bearer tok',
      contentType: 'application/json',
      body: JSON.stringify({ symbol: 'BTC-USD', clientOrderId: 'c1', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' }),
    });
    expect(result).toEqual({ status: 200, reply: { ok: true, order }, order });
  });

  it('cancels with DELETE /api/v1/orders/{orderId}?symbol=', async () => {
    answer = { status: 200, body: JSON.stringify({ ok: true, order: { ...order, status: 'CANCELED' } }) };
    const result = await cancelOrder(base, 'tok', { symbol: 'BTC-USD', orderId: 'BTC-USD-1' });
    expect(seen).toMatchObject({ method: 'DELETE', url: '/api/v1/orders/BTC-USD-1?symbol=BTC-USD', authorization: 'Bearer tok' });
    expect(result.order.status).toBe('CANCELED');
  });

  it('turns refusals into OrderEntryError with the engine code, status and field details', async () => {
    answer = { status: 400, body: JSON.stringify({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'bad', details: { price: 'must be a decimal string' } } }) };
    const err = await placeOrder(base, 'tok', { symbol: 'BTC-USD', clientOrderId: 'c1', side: 'buy', orderType: 'limit', price: '1e3', quantity: '1' }).catch((e) => e);
    expect(err).toBeInstanceOf(OrderEntryError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, details: { price: 'must be a decimal string' } });

    answer = { status: 404, body: JSON.stringify({ ok: false, error: { code: 'ORDER_NOT_FOUND', message: 'no such order' } }) };
    await expect(cancelOrder(base, 'tok', { symbol: 'BTC-USD', orderId: 'BTC-USD-9' })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND', status: 404 });
  });

  it('maps non-engine answers and transport failures to typed codes', async () => {
    const place = (timeoutMs = 10_000) => placeOrder(base, 'tok', { symbol: 'BTC-USD', clientOrderId: 'c1', side: 'buy', orderType: 'market', quantity: '1.0000' }, { timeoutMs });
    answer = { status: 401, body: '' };
    await expect(place()).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    answer = { status: 503, body: 'busy' };
    await expect(place()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', status: 503 });
    answer = { status: 500, body: '<html>' };
    await expect(place()).rejects.toMatchObject({ code: 'HTTP_500', status: 500 });
    answer = { status: 200, body: '{"ok":true}' };
    await expect(place()).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
    answer = { status: 200, body: JSON.stringify({ ok: true, order }), delayMs: 5_000 };
    await expect(place(200)).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    await expect(placeOrder('ftp://x', 'tok', { symbol: 'BTC-USD', clientOrderId: 'c', side: 'buy', orderType: 'market', quantity: '1' })).rejects.toBeInstanceOf(OrderEntryError);
  });
});
