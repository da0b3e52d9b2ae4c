import { Writable } from 'node:stream';
import { NatsServer } from '@trading/testing';
import { pino } from 'pino';
import { loadGatewayConfig } from '../../src/config/gateway-config.js';
import { startGateway, type GatewayHandle } from '../../src/gateway.js';
import { FakeEngine } from '../support/fake-engine.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

/** A gateway whose every log line (at trace level) is kept, so tests can prove what never gets logged. */
export interface EdgeHarness {
  nats: NatsServer;
  engine: FakeEngine;
  gateway: GatewayHandle;
  logs: string[];
  wsUrl(path: string): string;
  httpUrl(path: string): string;
  dispose(): Promise<void>;
}

export async function startEdgeHarness(env: Record<string, string> = {}, options: { jetstream?: boolean } = {}): Promise<EdgeHarness> {
  const nats = await NatsServer.start({ jetstream: options.jetstream ?? false });
  const engine = await FakeEngine.start(nats.url, ['BTC-USD', 'ETH-USD']);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const config = loadGatewayConfig({ NATS_URL: nats.url, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, ...env });
  let gateway: GatewayHandle;
  try {
    gateway = await startGateway(config, pino({ level: 'trace' }, sink));
  } catch (err) {
    await engine.stop().catch(() => undefined);
    await nats.dispose();
    throw err;
  }
  return {
    nats,
    engine,
    gateway,
    logs,
    wsUrl: (path) => `ws://127.0.0.1:${gateway.port}${path}`,
    httpUrl: (path) => `http://127.0.0.1:${gateway.port}${path}`,
    dispose: async () => {
      await gateway.stop(0).catch(() => undefined);
      await engine.stop().catch(() => undefined);
      await nats.dispose();
    },
  };
}
