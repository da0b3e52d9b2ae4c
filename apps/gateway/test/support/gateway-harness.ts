import { NatsServer } from '@trading/testing';
import { pino } from 'pino';
import { loadGatewayConfig } from '../../src/config/gateway-config.js';
import { startGateway, type GatewayHandle } from '../../src/gateway.js';
import { FakeEngine } from './fake-engine.js';
import { TEST_JWT_SECRET } from './tokens.js';

export interface Harness {
  nats: NatsServer;
  engine: FakeEngine;
  gateway: GatewayHandle;
  wsUrl(path: string): string;
  httpUrl(path: string): string;
  adminUrl(path: string): string;
  metric(name: string): Promise<number>;
  dispose(): Promise<void>;
}

/** A real nats-server, the test-only fake engine and one in-process gateway on ephemeral ports. */
export async function startHarness(env: Record<string, string> = {}, symbols = ['BTC-USD', 'ETH-USD']): Promise<Harness> {
  const nats = await NatsServer.start({ jetstream: false });
  const engine = await FakeEngine.start(nats.url, symbols);
  const config = loadGatewayConfig({ NATS_URL: nats.url, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', ...env });
  const gateway = await startGateway(config, pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' }));
  return {
    nats,
    engine,
    gateway,
    wsUrl: (path) => `ws://127.0.0.1:${gateway.port}${path}`,
    httpUrl: (path) => `http://127.0.0.1:${gateway.port}${path}`,
    adminUrl: (path) => `http://127.0.0.1:${gateway.adminPort}${path}`,
    metric: (name) => metricValue(gateway, name),
    dispose: async () => {
      await gateway.stop(0).catch(() => undefined);
      await engine.stop().catch(() => undefined);
      await nats.dispose();
    },
  };
}

/** Sum of a metric's values over all its label sets. */
export async function metricValue(gateway: GatewayHandle, name: string): Promise<number> {
  const metric = gateway.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === undefined).reduce((sum, v) => sum + v.value, 0);
}
