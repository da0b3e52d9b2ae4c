import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { placeBody, readiness, record, request, startEngine, waitForRoles, type RunningEngine } from './engine-harness.js';

/** The engine as a real process on a real nats-server, driven by a plain NATS client and plain JSON. */
describe('matching engine over NATS (plain JSON request/reply)', () => {
  let nats: NatsServer;
  let engine: RunningEngine;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await NatsServer.start();
    engine = await startEngine('engine-cmd', { NATS_URL: nats.url, SYMBOLS: 'BTC-USD,ETH-USD:0.5:1', MAX_OPEN_ORDERS_PER_USER: '50' });
    await waitForRoles(engine, ['BTC-USD', 'ETH-USD'], 'owner');
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await engine?.service.kill();
    await nats?.dispose();
  });

  it('places a limit order: reply without envelope, OrderUpdate and OrderBookUpdate with seq and ts', async () => {
    const orders = record(nc, 'trading.order.alice.BTC-USD');
    const book = record(nc, 'trading.book.BTC-USD');
    await nc.flush();
    const body = placeBody({ price: '100.00', quantity: '2.0000' });
    const reply = await request(nc, 'trading.cmd.BTC-USD', body);
    expect(reply).toEqual({ ok: true, order: expect.objectContaining({ userId: 'alice', clientOrderId: body.clientOrderId, status: 'NEW', price: '100.00', quantity: '2.0000' }) });
    expect(reply).not.toHaveProperty('pattern');
    expect(reply).not.toHaveProperty('id');
    await waitFor(() => orders.messages.length >= 1 && book.messages.length >= 1);
    const update = JSON.parse(orders.messages[0].text);
    expect(update).toMatchObject({ type: 'OrderUpdate', symbol: 'BTC-USD', seq: 1, status: 'NEW', orderId: reply.order.orderId });
    expect(typeof update.ts).toBe('number');
    expect(JSON.parse(book.messages[0].text)).toMatchObject({ type: 'OrderBookUpdate', symbol: 'BTC-USD', seq: 1, bids: [['100.00', '2.0000']], asks: [] });
    orders.stop();
    book.stop();
  });

  it('a crossing order publishes OrderUpdates, then TradeExecuted, then OrderBookUpdate, before its reply; seqs contiguous', async () => {
    await request(nc, 'trading.cmd.ETH-USD', placeBody({ userId: 'maker', side: 'sell', price: '10.5', quantity: '3' }));
    const all = record(nc, 'trading.*.>');
    try {
      await nc.flush();
      const taker = placeBody({ userId: 'taker', side: 'buy', price: '11.0', quantity: '2' });
      const reply = await request(nc, 'trading.cmd.ETH-USD', taker);
      // Same server connection, so arrival order is publish order: all four events came before the reply.
      expect(all.messages.filter((m) => !m.subject.startsWith('trading.cmd')).length).toBe(4);
      expect(reply.ok).toBe(true);
      expect(reply.order).toMatchObject({ status: 'FILLED', filledQuantity: '2', remainingQuantity: '0' });
      await waitFor(() => all.messages.some((m) => m.subject === 'trading.book.ETH-USD'));
      const events = all.messages.filter((m) => !m.subject.startsWith('trading.cmd')).map((m) => ({ subject: m.subject, ...JSON.parse(m.text) }));
      expect(events.map((e) => `${e.type}:${e.userId ?? ''}`)).toEqual([
        expect.stringMatching(/^OrderUpdate:(maker|taker)$/),
        expect.stringMatching(/^OrderUpdate:(maker|taker)$/),
        'TradeExecuted:',
        'OrderBookUpdate:',
      ]);
      expect(events.every((e) => e.ts === events[0].ts)).toBe(true);
      const trade = events[2];
      expect(trade).toMatchObject({ subject: 'trading.trade.ETH-USD', type: 'TradeExecuted', seq: 1, price: '10.5', quantity: '2', takerSide: 'buy' });
      expect(trade).not.toHaveProperty('userId');
      expect(trade).not.toHaveProperty('orderId');
      const makerUpdate = events.find((e) => e.userId === 'maker');
      expect(makerUpdate).toMatchObject({ subject: 'trading.order.maker.ETH-USD', seq: 2, status: 'PARTIALLY_FILLED', lastFill: { liquidity: 'maker' } });
      expect(events[3]).toMatchObject({ subject: 'trading.book.ETH-USD', seq: 2, asks: [['10.5', '1']] });
    } finally {
      all.stop();
    }
  });

  it('cancels by orderId and by clientOrderId; another user cannot cancel', async () => {
    const placed = await request(nc, 'trading.cmd.BTC-USD', placeBody({ userId: 'bob', price: '90.00' }));
    const foreign = await request(nc, 'trading.cmd.BTC-USD', { type: 'cancel', userId: 'mallory', orderId: placed.order.orderId });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'ORDER_NOT_FOUND' } });
    const canceled = await request(nc, 'trading.cmd.BTC-USD', { type: 'cancel', userId: 'bob', orderId: placed.order.orderId });
    expect(canceled).toMatchObject({ ok: true, order: { status: 'CANCELED', orderId: placed.order.orderId } });
    const byClient = placeBody({ userId: 'bob', price: '91.00' });
    await request(nc, 'trading.cmd.BTC-USD', byClient);
    const canceled2 = await request(nc, 'trading.cmd.BTC-USD', { type: 'cancel', userId: 'bob', clientOrderId: byClient.clientOrderId });
    expect(canceled2).toMatchObject({ ok: true, order: { status: 'CANCELED', clientOrderId: byClient.clientOrderId } });
  });

  it('an identical resend returns the original result; a different command with the same clientOrderId is refused', async () => {
    const body = placeBody({ userId: 'carol', price: '80.00' });
    const first = await request(nc, 'trading.cmd.BTC-USD', body);
    const again = await request(nc, 'trading.cmd.BTC-USD', body);
    expect(again).toEqual(first);
    const different = await request(nc, 'trading.cmd.BTC-USD', { ...body, price: '81.00' });
    expect(different).toMatchObject({ ok: false, error: { code: 'DUPLICATE_CLIENT_ORDER_ID' } });
  });

  it('MAX_OPEN_ORDERS_PER_USER: a GTC order beyond the limit is refused with TOO_MANY_OPEN_ORDERS and publishes nothing; IOC passes', async () => {
    for (let i = 0; i < 50; i++) {
      const reply = await request(nc, 'trading.cmd.BTC-USD', placeBody({ userId: 'capped', price: `${(1 + i / 100).toFixed(2)}`, quantity: '0.0010' }));
      expect(reply.ok).toBe(true);
    }
    const seen = record(nc, 'trading.*.capped.>');
    const refused = await request(nc, 'trading.cmd.BTC-USD', placeBody({ userId: 'capped', price: '1.50', quantity: '0.0010' }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'TOO_MANY_OPEN_ORDERS', message: expect.stringContaining('50') } });
    // An IOC (here a sell far above every bid, so it expires unfilled) is never limited.
    const ioc = await request(nc, 'trading.cmd.BTC-USD', placeBody({ userId: 'capped', side: 'sell', price: '999999.00', quantity: '0.0010', timeInForce: 'IOC' }));
    expect(ioc).toMatchObject({ ok: true, order: { status: 'EXPIRED' } });
    await nc.flush();
    // Only the IOC published (its EXPIRED update); the refusal nothing.
    await waitFor(() => seen.messages.length >= 1);
    expect(seen.messages.map((m) => (JSON.parse(m.text) as { status: string }).status)).toEqual(['EXPIRED']);
    seen.stop();
  });

  it('answers snapshot requests ({} and {"depth":N}) and refuses bad bodies', async () => {
    const full = await request(nc, 'trading.snapshot.BTC-USD', {});
    expect(full).toMatchObject({ type: 'OrderBookSnapshot', symbol: 'BTC-USD' });
    expect(full.bids.length).toBeGreaterThanOrEqual(2);
    expect(full.seq).toBeGreaterThan(0);
    const top = await request(nc, 'trading.snapshot.BTC-USD', { depth: 1 });
    expect(top.bids).toEqual([full.bids[0]]);
    for (const bad of ['{"depth":0}', '{"depth":"5"}', '{"depth":1.5}', '[1]', 'nope', '{"depth":1,"x":1}']) {
      const reply = await request(nc, 'trading.snapshot.BTC-USD', bad);
      expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: expect.any(Object) } });
    }
  });

  it('refuses bad commands of many kinds with VALIDATION_FAILED naming the fields, and stays up', async () => {
    const cases: [string, string][] = [
      ['not json', 'body'],
      ['[]', 'body'],
      ['null', 'body'],
      ['42', 'body'],
      [JSON.stringify({ type: 'teleport' }), 'type'],
      [JSON.stringify(placeBody({ price: 100 })), 'price'],
      [JSON.stringify(placeBody({ quantity: '1e3' })), 'quantity'],
      [JSON.stringify(placeBody({ side: 'up' })), 'side'],
      [JSON.stringify(placeBody({ userId: 'a.b' })), 'userId'],
      [JSON.stringify(placeBody({ extra: true })), 'extra'],
      [JSON.stringify(placeBody({ price: '100.001' })), 'price'],
      [JSON.stringify(placeBody({ orderType: 'market' })), 'price'],
      [JSON.stringify({ type: 'cancel', userId: 'bob' }), 'orderId'],
      ['{"type":"place","__proto__":{"x":1}}', ''],
      ['x'.repeat(20_000), 'body'],
    ];
    for (const [payload, field] of cases) {
      const reply = await request(nc, 'trading.cmd.BTC-USD', payload);
      expect(reply.ok).toBe(false);
      expect(reply.error.code).toBe('VALIDATION_FAILED');
      expect(typeof reply.error.message).toBe('string');
      if (field) expect(Object.keys(reply.error.details)).toContain(field);
    }
    // Empty payload too.
    const empty = await request(nc, 'trading.cmd.BTC-USD', '');
    expect(empty.error.code).toBe('VALIDATION_FAILED');
    expect(engine.service.running).toBe(true);
    expect((await fetch(`${engine.adminUrl}/healthz`)).status).toBe(200);
    const ok = await request(nc, 'trading.cmd.BTC-USD', placeBody({ price: '70.00' }));
    expect(ok.ok).toBe(true);
  });

  it('a symbol nobody owns gets "no responders"', async () => {
    await expect(nc.request('trading.cmd.DOGE-USD', JSON.stringify(placeBody()), { timeout: 1000 })).rejects.toThrow(/no responders/i);
  });

  it('reports roles in /readyz and metrics in /metrics', async () => {
    const r = await readiness(engine);
    expect(r).toMatchObject({ status: 200, body: { ready: true, nats: 'connected', journal: 'ok', symbols: { 'BTC-USD': 'owner', 'ETH-USD': 'owner' } } });
    const metrics = await (await fetch(`${engine.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/engine_symbol_role\{symbol="BTC-USD",role="owner"\} 1/);
    expect(metrics).toMatch(/engine_commands_total\{result="accepted"\} [1-9]/);
    expect(metrics).toMatch(/engine_commands_total\{result="invalid"\} [1-9]/);
    expect(metrics).toMatch(/engine_reply_latency_seconds_count [1-9]/);
    expect(metrics).toMatch(/engine_journal_batch_commands_count [1-9]/);
    expect(metrics).toMatch(/engine_resting_orders [1-9]/);
    // Exposed (its value depends on what was published in the last second, so only its presence is checked here).
    expect(metrics).toMatch(/engine_resend_buffer_bytes \d+/);
    expect(metrics).toMatch(/engine_book_levels\{side="bid"\} [1-9]/);
  });
});
