import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ChildService, freePort, waitFor } from '@trading/testing';
import { TradingClient, type StreamGap, type WebSocketConstructor } from '@trading/client';

/** Built entry points: `npm run test:faults` builds first. FAULTS_ENGINE_MAIN runs another engine build (A/B experiments). */
export const ENGINE_MAIN = process.env.FAULTS_ENGINE_MAIN ?? fileURLToPath(new URL('../../apps/matching-engine/dist/main.js', import.meta.url));
export const GATEWAY_MAIN = fileURLToPath(new URL('../../apps/gateway/dist/main.js', import.meta.url));
export const JWT_SECRET = 'fault-suite-secret-0123456789-abcdefghij';
export const SYMBOL = 'BTC-USD';

export interface Service {
  service: ChildService;
  adminPort: number;
  port?: number;
  readyz(): Promise<number>;
}

async function readyz(adminPort: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return 0; // not answering at all
  }
}

export async function startEngine(name: string, natsUrl: string, env: Record<string, string> = {}, waitReady = true): Promise<Service> {
  const adminPort = await freePort();
  const service = ChildService.start(name, ENGINE_MAIN, {
    NATS_URL: natsUrl,
    SYMBOLS: `${SYMBOL}:0.01:0.0001`,
    ADMIN_PORT: String(adminPort),
    INSTANCE_ID: name,
    LOG_LEVEL: 'warn',
    LEASE_TTL_MS: '1500',
    PROGRESS_INTERVAL_MS: '100',
    EVENTS_MAX_BYTES: String(64 * 1024 * 1024),
    ...env,
  });
  const s: Service = { service, adminPort, readyz: () => readyz(adminPort) };
  if (waitReady) await waitUntilReady(s);
  return s;
}

export async function startGateway(name: string, natsUrl: string, env: Record<string, string> = {}): Promise<Service & { port: number; wsUrl: string }> {
  const port = await freePort();
  const adminPort = await freePort();
  const service = ChildService.start(name, GATEWAY_MAIN, {
    NATS_URL: natsUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    DRAIN_MS: '0',
    ...env,
  });
  const s = { service, adminPort, port, wsUrl: `ws://127.0.0.1:${port}/ws`, readyz: () => readyz(adminPort) };
  await waitUntilReady(s);
  return s;
}

export async function waitUntilReady(s: Service, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      if (!s.service.running) throw new Error(`${s.service.name} exited:\n${s.service.logs.slice(-3000)}`);
      return (await s.readyz()) === 200;
    },
    { timeoutMs, intervalMs: 50, description: `${s.service.name} ready` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${s.service.logs.slice(-3000)}`);
  });
}

export const sign = (sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET));

/** One SDK client subscribed to its user's orders on every symbol, recording exactly what the application gets. */
export interface OrderWatcher {
  userId: string;
  client: TradingClient;
  /** seqs delivered to the application, per symbol, in delivery order. */
  delivered: Map<string, number[]>;
  gaps: StreamGap[];
  /** When each gap was reported (ms epoch), same order as `gaps`. */
  gapTimes: number[];
  resumedAcks: number;
  acks: number;
}

export async function watchOrders(userId: string, urls: string[]): Promise<OrderWatcher> {
  const client = new TradingClient({
    urls,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    getToken: () => sign(userId),
    randomStart: false,
    backoff: { initialDelayMs: 50, maxDelayMs: 500 },
    heartbeatIntervalMs: 1000,
    pongTimeoutMs: 2000,
    resume: process.env.FAULTS_NO_RESUME ? false : true,
  });
  const watcher: OrderWatcher = { userId, client, delivered: new Map(), gaps: [], gapTimes: [], resumedAcks: 0, acks: 0 };
  client.on('gap', (g) => {
    watcher.gaps.push(g);
    watcher.gapTimes.push(Date.now());
  });
  const sub = client.subscribeOrders('*');
  sub.on('order', (o) => {
    const list = watcher.delivered.get(o.symbol) ?? [];
    list.push(o.seq);
    watcher.delivered.set(o.symbol, list);
  });
  sub.on('subscribed', (s) => {
    watcher.acks++;
    if (s.resumed) watcher.resumedAcks++;
  });
  await client.connect();
  await sub.ready;
  return watcher;
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
