import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ChildService, freePort, NatsServer, waitFor } from '@trading/testing';

/** The whole platform as real processes: nats-server, one engine, N gateway replicas, the page server. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const ENGINE_MAIN = join(ROOT, 'apps/matching-engine/dist/main.js');
const GATEWAY_MAIN = join(ROOT, 'apps/gateway/dist/main.js');
export const WEB_MAIN = join(ROOT, 'apps/web/dist/main.js');
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts');

export const STACK_JWT_SECRET = 'web-e2e-secret-web-e2e-secret-0123456789';

export interface Gateway {
  service: ChildService;
  port: number;
  adminPort: number;
  wsUrl: string;
}

export interface Stack {
  nats: NatsServer;
  nc: NatsConnection;
  engine: ChildService;
  gateways: Gateway[];
  web: ChildService;
  webUrl: string;
  /** The engine's own snapshot over plain NATS (contract section 3). */
  snapshot(symbol: string, depth?: number): Promise<{ seq: number; bids: [string, string][]; asks: [string, string][] }>;
  /** A place command over plain NATS, as any other client of the engine would send it. */
  command(symbol: string, body: Record<string, unknown>): Promise<any>;
  dispose(): Promise<void>;
}

async function ready(service: ChildService, adminPort: number): Promise<void> {
  try {
    await waitFor(
      async () => {
        if (!service.running) throw new Error(`${service.name} exited`);
        return (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 50, description: `${service.name} /readyz` },
    );
  } catch (err) {
    // The service's own last words say more than "fetch failed".
    throw new Error(`${(err as Error).message}\n--- ${service.name} output ---\n${service.logs.slice(-3000)}`);
  }
}

export async function startStack(options: { symbols: string; gateways: number }): Promise<Stack> {
  const nats = await NatsServer.start();
  const started: ChildService[] = [];
  try {
    const engineAdmin = await freePort();
    const engine = ChildService.start('engine', ENGINE_MAIN, {
      NATS_URL: nats.url,
      SYMBOLS: options.symbols,
      ADMIN_PORT: String(engineAdmin),
      INSTANCE_ID: `web-e2e-engine-${process.pid}`,
      LOG_LEVEL: 'warn',
    });
    started.push(engine);
    const gateways: Gateway[] = [];
    for (let i = 0; i < options.gateways; i++) {
      const [port, adminPort] = [await freePort(), await freePort()];
      const service = ChildService.start(`gateway-${i + 1}`, GATEWAY_MAIN, {
        NATS_URL: nats.url,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PORT: String(adminPort),
        JWT_SECRET: STACK_JWT_SECRET,
        DRAIN_MS: '200',
        LOG_LEVEL: 'warn',
      });
      started.push(service);
      gateways.push({ service, port, adminPort, wsUrl: `ws://127.0.0.1:${port}/ws` });
    }
    await Promise.all([ready(engine, engineAdmin), ...gateways.map((g) => ready(g.service, g.adminPort))]);
    const webPort = await freePort();
    const web = ChildService.start('web', WEB_MAIN, {
      WEB_PORT: String(webPort),
      GATEWAY_URLS: gateways.map((g) => g.wsUrl).join(','),
      SYMBOLS: options.symbols,
      JWT_SECRET: STACK_JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
    started.push(web);
    await ready(web, webPort);
    const nc = await connect({ servers: nats.url });
    const request = async (subject: string, body: unknown) => JSON.parse((await nc.request(subject, JSON.stringify(body), { timeout: 3000 })).string());
    return {
      nats,
      nc,
      engine,
      gateways,
      web,
      webUrl: `http://127.0.0.1:${webPort}/`,
      snapshot: (symbol, depth) => request(`trading.snapshot.${symbol}`, depth === undefined ? {} : { depth }),
      command: (symbol, body) => request(`trading.cmd.${symbol}`, body),
      async dispose() {
        await nc.close().catch(() => undefined);
        // Web and gateways first, then the engine, then NATS: each stops while what it needs is up.
        await Promise.all([web, ...gateways.map((g) => g.service)].map((s) => s.terminate().catch(() => s.kill())));
        await engine.terminate().catch(() => engine.kill());
        await nats.dispose();
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.kill()));
    await nats.dispose();
    throw err;
  }
}
