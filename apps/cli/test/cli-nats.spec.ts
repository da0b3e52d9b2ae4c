import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { createSymbolSpec, validateCommand, type TradingCommand } from '@trading/contracts';
import { NatsServer, waitFor } from '@trading/testing';
import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/io.js';
import { MarketSimulator } from '../src/simulator/market-simulator.js';
import { seededRandom } from '../src/simulator/random.js';

/**
 * The CLI and the simulator against a real nats-server, with a tiny stand-in engine that answers
 * place/cancel/snapshot on the contract subjects for BTC-USD only (ETH-USD has no responder).
 */
let server: NatsServer;
let responderConn: NatsConnection;
const received: TradingCommand[] = [];
const invalid: unknown[] = [];
let nextOrder = 0;

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { NATS_URL: server.url } }, out, err };
}

function order(command: TradingCommand & { type: 'place' }) {
  return {
    userId: command.userId,
    orderId: `BTC-USD-${++nextOrder}`,
    clientOrderId: command.clientOrderId,
    symbol: 'BTC-USD',
    side: command.side,
    orderType: command.orderType,
    timeInForce: command.timeInForce ?? 'GTC',
    ...(command.price ? { price: command.price } : {}),
    quantity: command.quantity,
    filledQuantity: '0.0000',
    remainingQuantity: command.quantity,
    status: 'NEW',
  };
}

beforeAll(async () => {
  server = await NatsServer.start();
  responderConn = await connect({ servers: server.url });
  responderConn.subscribe('trading.cmd.BTC-USD', {
    callback: (_err, msg) => {
      const raw = JSON.parse(msg.string());
      const checked = validateCommand(raw);
      if (!checked.ok) {
        invalid.push(raw);
        msg.respond(JSON.stringify({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'invalid', details: checked.details } }));
        return;
      }
      const command = checked.value;
      received.push(command);
      if (command.type === 'place' && command.clientOrderId === 'will-refuse') {
        msg.respond(JSON.stringify({ ok: false, error: { code: 'POST_ONLY_WOULD_TAKE', message: 'post-only order would take liquidity' } }));
      } else if (command.type === 'place') {
        msg.respond(JSON.stringify({ ok: true, order: order(command) }));
      } else if (received.filter((c) => c.type === 'cancel').length % 2 === 0) {
        msg.respond(JSON.stringify({ ok: false, error: { code: 'ORDER_NOT_FOUND', message: 'no such order' } }));
      } else {
        msg.respond(JSON.stringify({ ok: true, order: { orderId: command.orderId, userId: command.userId, status: 'CANCELED', reason: 'USER_CANCELED' } }));
      }
    },
  });
  responderConn.subscribe('trading.snapshot.BTC-USD', {
    callback: (_err, msg) => {
      const body = JSON.parse(msg.string() || '{}');
      msg.respond(
        JSON.stringify({ type: 'OrderBookSnapshot', symbol: 'BTC-USD', seq: 7, ts: 1, bids: [['49999.00', '0.1000']].slice(0, body.depth ?? 10), asks: [] }),
      );
    },
  });
  await responderConn.flush();
});

afterAll(async () => {
  await responderConn?.close();
  await server?.dispose();
});

describe('CLI against a real nats-server', () => {
  it('place prints the engine reply as one JSON line and exits 0', async () => {
    const c = capture();
    const code = await runCli(['place', '--user', 'alice', '--symbol', 'BTC-USD', '--side', 'buy', '--price', '50000.00', '--qty', '0.1000', '--client-order-id', 'c-1'], c.io);
    expect(code).toBe(0);
    const reply = JSON.parse(c.out[0]);
    expect(reply).toMatchObject({ ok: true, order: { userId: 'alice', clientOrderId: 'c-1', price: '50000.00', status: 'NEW' } });
    expect(received.at(-1)).toEqual({ type: 'place', userId: 'alice', clientOrderId: 'c-1', side: 'buy', orderType: 'limit', price: '50000.00', quantity: '0.1000' });
  });

  it('a refusal is printed and exits 1', async () => {
    const c = capture();
    const code = await runCli(['place', '--user', 'alice', '--symbol', 'BTC-USD', '--side', 'buy', '--price', '1.00', '--qty', '1', '--post-only', '--client-order-id', 'will-refuse'], c.io);
    expect(code).toBe(1);
    expect(JSON.parse(c.out[0])).toEqual({ ok: false, error: { code: 'POST_ONLY_WOULD_TAKE', message: 'post-only order would take liquidity' } });
    expect(c.err[0]).toBe('refused: POST_ONLY_WOULD_TAKE: post-only order would take liquidity');
  });

  it('a symbol no engine owns is "no responders": exit 3 with a clear message', async () => {
    const c = capture();
    const code = await runCli(['cancel', '--user', 'alice', '--symbol', 'ETH-USD', '--order-id', 'ETH-USD-1'], c.io);
    expect(code).toBe(3);
    expect(c.err[0]).toMatch(/no engine answers on trading\.cmd\.ETH-USD \(NATS no responders\)/);
  });

  it('snapshot sends the depth and prints the snapshot', async () => {
    const c = capture();
    expect(await runCli(['snapshot', '--symbol', 'BTC-USD', '--depth', '1'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0])).toEqual({ type: 'OrderBookSnapshot', symbol: 'BTC-USD', seq: 7, ts: 1, bids: [['49999.00', '0.1000']], asks: [] });
  });

  it('tail prints each published event exactly as published, only from the filtered subject', async () => {
    const c = capture();
    const tailing = runCli(['tail', 'orders', '--user', 'bob', '--symbol', 'BTC-USD', '--count', '2'], c.io);
    await waitFor(() => c.err.some((l) => l.startsWith('tailing trading.order.bob.BTC-USD')));
    const first = '{"type":"OrderUpdate","symbol":"BTC-USD","seq":1,"extra":{"kept":true}}';
    responderConn.publish('trading.order.alice.BTC-USD', '{"type":"OrderUpdate","userId":"alice"}');
    responderConn.publish('trading.order.bob.BTC-USD', first);
    responderConn.publish('trading.order.bob.BTC-USD', '{"seq":2}');
    expect(await tailing).toBe(0);
    expect(c.out).toEqual([first, '{"seq":2}']);
  });

  it('tail stops cleanly when aborted (Ctrl-C)', async () => {
    const controller = new AbortController();
    const c = capture();
    const tailing = runCli(['tail', 'trades'], { ...c.io, signal: controller.signal });
    await waitFor(() => c.err.length > 0);
    responderConn.publish('trading.trade.ETH-USD', '{"type":"TradeExecuted"}');
    await waitFor(() => c.out.length === 1);
    controller.abort();
    expect(await tailing).toBe(0);
  });
});

describe('market simulator against a real nats-server', () => {
  it('sends only valid commands, tracks and cancels orders, and survives a symbol with no engine', async () => {
    const nc = await connect({ servers: server.url });
    const warnings: string[] = [];
    const before = received.length;
    try {
      const simulator = new MarketSimulator(
        nc,
        {
          symbols: [createSymbolSpec('BTC-USD', '0.01', '0.0001'), createSymbolSpec('ETH-USD')],
          ratePerSecond: 200,
          users: ['sim-1', 'sim-2'],
          random: seededRandom(42),
          maxCommands: 120,
          maxOpenPerUser: 3,
          requestTimeoutMs: 2000,
        },
        { info: () => {}, warn: (_f, m) => warnings.push(m) },
      );
      const stats = await simulator.run();
      expect(stats.sent).toBe(120);
      // Every command got exactly one outcome.
      const refusals = Object.values(stats.refused).reduce((a, b) => a + b, 0);
      expect(stats.accepted + refusals + stats.noResponders + stats.timeouts + stats.failures).toBe(120);
      expect(stats.noResponders).toBeGreaterThan(0);
      expect(warnings).toContain('no engine answers for this symbol (NATS no responders); retrying');
      expect(stats.timeouts + stats.failures).toBe(0);
      expect(invalid).toEqual([]);
      const mine = received.slice(before);
      expect(mine.length).toBe(120 - stats.noResponders);
      const places = mine.filter((c) => c.type === 'place');
      const cancels = mine.filter((c) => c.type === 'cancel');
      expect(cancels.length).toBeGreaterThan(0);
      // Cancels name orders the stand-in engine really created.
      for (const c of cancels) expect(c.type === 'cancel' && c.orderId).toMatch(/^BTC-USD-\d+$/);
      // Prices sit on the tick, quantities on the lot, both sides and order types appear.
      for (const p of places) {
        if (p.type !== 'place') continue;
        expect(p.quantity).toMatch(/^\d+\.\d{4}$/);
        if (p.orderType === 'limit') expect(p.price).toMatch(/^\d+\.\d{2}$/);
        else expect(p.price).toBeUndefined();
      }
      expect(new Set(places.map((p) => p.type === 'place' && p.side))).toEqual(new Set(['buy', 'sell']));
      expect(new Set(places.map((p) => p.type === 'place' && p.clientOrderId)).size).toBe(places.length);
      expect(stats.refused.ORDER_NOT_FOUND ?? 0).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
  });
});
