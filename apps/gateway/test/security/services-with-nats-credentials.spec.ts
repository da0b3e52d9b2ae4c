import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChildService, freePort, NatsServer, TestSocket, waitFor } from '@trading/testing';
import { startSecuredNats, urlFor } from '../../../../libs/nats-auth/test/support/secured-nats.js';
import { operatorSetup } from '../../../../libs/nats-auth/test/support/operator-mode.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { signToken } from '../support/tokens.js';

const ENGINE_MAIN = fileURLToPath(new URL('../../../matching-engine/dist/main.js', import.meta.url));

interface Identities {
  engineEnv: Record<string, string>;
  gatewayEnv: Record<string, string>;
  gatewayUrl: string;
}

/**
 * The real engine and gateway processes against a nats-server that requires credentials and enforces
 * the production permissions: they must start, serve order entry, snapshots, live events and resume,
 * survive an engine restart (recovery from snapshot + journal), and cause no permission violation.
 */
function scenario(name: string, setup: () => Promise<{ nats: NatsServer; ids: Identities }>): void {
  (existsSync(ENGINE_MAIN) ? describe : describe.skip)(name, () => {
    let nats: NatsServer;
    let ids: Identities;
    let engine: ChildService | undefined;
    let engineAdmin: number;
    let gateway: GatewayProcess | undefined;
    const sockets: TestSocket[] = [];
    let alice: string;
    let n = 0;

    const startEngine = async () => {
      engine = ChildService.start('engine', ENGINE_MAIN, {
        ...ids.engineEnv,
        SYMBOLS: 'BTC-USD',
        ADMIN_PORT: String(engineAdmin),
        INSTANCE_ID: `secured-${n++}`,
        LOG_LEVEL: 'warn',
        // Snapshot after every command: the object-store permissions are exercised, not just the journal.
        SNAPSHOT_INTERVAL_COMMANDS: '1',
        LEASE_TTL_MS: '2000',
      });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${engineAdmin}/readyz`)).status === 200, { timeoutMs: 20_000, description: 'engine ready' }).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${engine!.logs.slice(-3000)}\n${nats.log.slice(-2000)}`);
        },
      );
    };
    const place = (clientOrderId: string, side: string, price: string) =>
      fetch(`http://127.0.0.1:${gateway!.port}/api/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTC-USD', clientOrderId, side, orderType: 'limit', price, quantity: '1.0000' }),
      });
    const open = async (path: string) => {
      const s = await TestSocket.open(gateway!.wsUrl(path));
      sockets.push(s);
      return s;
    };

    beforeAll(async () => {
      ({ nats, ids } = await setup());
      engineAdmin = await freePort();
      alice = await signToken('alice');
      await startEngine();
      gateway = await startGatewayProcess(ids.gatewayUrl, { ...ids.gatewayEnv, NATS_REQUEST_TIMEOUT_MS: '3000' }, 'secured-gateway');
    }, 60_000);
    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await gateway?.service.terminate().catch(() => undefined);
      await engine?.terminate().catch(() => undefined);
      await nats?.dispose();
    });

    it('orders, live events, book snapshot and resume work with least-privilege identities', async () => {
      const orders = await open(`/ws/orders?token=${alice}`);
      const book = await open('/ws/markets/BTC-USD');
      await book.waitForMessage((m) => m.type === 'OrderBookSnapshot');
      await waitFor(async () => (await place('sec-1', 'buy', '100.00')).status === 200, { timeoutMs: 10_000, description: 'order accepted' });
      await orders.waitForMessage((m) => m.type === 'OrderUpdate' && m.clientOrderId === 'sec-1');
      await book.waitForMessage((m) => m.type === 'OrderBookUpdate');
      const resumed = await open(`/ws/orders?token=${alice}&fromSeqs=BTC-USD:0`);
      await resumed.waitForMessage((m) => m.type === 'OrderUpdate' && m.clientOrderId === 'sec-1');
      expect(nats.log).not.toMatch(/Violation/i);
    });

    it('the engine restarts and recovers (snapshot + journal) under its identity', async () => {
      await engine!.terminate();
      await startEngine();
      // The new instance owns the symbol once the old lease is released (or has expired): until then
      // no engine answers (404). An idempotent retry then returns the original order.
      let again!: Response;
      await waitFor(async () => (again = await place('sec-1', 'buy', '100.00')).status === 200, { timeoutMs: 15_000, description: 'engine serving again' });
      expect((await again.json()).order.clientOrderId).toBe('sec-1');
      expect((await place('sec-2', 'sell', '101.00')).status).toBe(200);
      expect(nats.log).not.toMatch(/Violation/i);
    });
  });
}

scenario('engine and gateway with user/password in NATS_URL', async () => {
  const nats = await startSecuredNats();
  return { nats, ids: { engineEnv: { NATS_URL: urlFor(nats, 'engine') }, gatewayEnv: {}, gatewayUrl: urlFor(nats, 'gateway') } };
});

scenario('engine and gateway with NATS_CREDS files (operator mode)', async () => {
  const creds = await operatorSetup(['engine', 'gateway']);
  const nats = await NatsServer.start({ extraConfig: creds.serverConfig });
  return {
    nats,
    ids: {
      engineEnv: { NATS_URL: nats.url, NATS_CREDS: creds.credsFile('engine') },
      gatewayEnv: { NATS_CREDS: creds.credsFile('gateway') },
      gatewayUrl: nats.url,
    },
  };
});
