import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { NatsServer, TestSocket, waitFor } from '@trading/testing';
import { loadGatewayConfig } from '../src/config/gateway-config.js';
import { startGateway, type GatewayHandle } from '../src/gateway.js';
import { TEST_JWT_SECRET } from './support/tokens.js';

/** /readyz must fail while a subscription the gateway needs is dead (here: refused by NATS permissions). */
describe('gateway readiness with a dead NATS subscription', () => {
  let nats: NatsServer;
  let gateway: GatewayHandle;
  let socket: TestSocket | undefined;

  beforeAll(async () => {
    nats = await NatsServer.start({
      jetstream: false,
      extraConfig: `authorization { users: [ { user: gw, password: gw, permissions: { subscribe: { allow: ["_INBOX.>", "trading.trade.BTC-USD", "trading.book.>"] } } } ] }`,
    });
    const config = loadGatewayConfig({ NATS_URL: `nats://gw:gw@127.0.0.1:${nats.port}`, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET });
    gateway = await startGateway(config, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await socket?.close();
    await gateway.stop(0);
    await nats.dispose();
  });

  it('reports not ready with the dead subject named, and ready again when no client needs it', async () => {
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${gateway.adminPort}/readyz`);
      return { status: res.status, body: await res.json() };
    };
    expect((await readyz()).status).toBe(200);
    socket = await TestSocket.open(`ws://127.0.0.1:${gateway.port}/ws/trades?symbols=ETH-USD`);
    const down = await waitFor(async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body.reasons.join(' ')).toContain('trading.trade.ETH-USD');
    expect(socket.closed).toBeUndefined(); // the client connection is kept
    await socket.close();
    await waitFor(async () => (await readyz()).status === 200, { description: 'ready after the last client left' });
  });
});
