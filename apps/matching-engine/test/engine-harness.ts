import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { ChildService, freePort, NatsServer, waitFor } from '@trading/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Helpers for process-level engine tests: the built dist/main.js, a real nats-server. */
export const ENGINE_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

export interface RunningEngine {
  readonly service: ChildService;
  readonly adminPort: number;
  readonly adminUrl: string;
}

export async function startEngine(name: string, env: Record<string, string>): Promise<RunningEngine> {
  const adminPort = await freePort();
  const service = ChildService.start(name, ENGINE_MAIN, {
    ADMIN_PORT: String(adminPort),
    LOG_LEVEL: 'info',
    INSTANCE_ID: name,
    LEASE_TTL_MS: '1500',
    // The event-retention streams reserve their max bytes; keep them small next to the test server's store limit.
    EVENTS_MAX_BYTES: String(64 * 1024 * 1024),
    ...env,
  });
  return { service, adminPort, adminUrl: `http://127.0.0.1:${adminPort}` };
}

export interface Readiness {
  status: number;
  body: { ready: boolean; nats: string; journal: string; symbols: Record<string, string> };
}

export async function readiness(engine: RunningEngine): Promise<Readiness> {
  const res = await fetch(`${engine.adminUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

/** Waits until /readyz says every listed symbol has `role`. */
export async function waitForRoles(engine: RunningEngine, symbols: string[], role: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      if (!engine.service.running) throw new Error(`${engine.service.name} exited:\n${engine.service.logs.slice(-3000)}`);
      const r = await readiness(engine);
      return r.status === 200 && symbols.every((s) => r.body.symbols[s] === role);
    },
    { timeoutMs, description: `${engine.service.name}: ${symbols.join(',')} ${role}`, intervalMs: 50 },
  );
}

export async function request<T = any>(nc: NatsConnection, subject: string, body: unknown, timeout = 3000): Promise<T> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const msg = await nc.request(subject, payload, { timeout });
  return JSON.parse(msg.string()) as T;
}

let counter = 0;
export function placeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    type: 'place',
    userId: 'alice',
    clientOrderId: `c-${process.pid}-${counter}`,
    side: 'buy',
    orderType: 'limit',
    price: '100.00',
    quantity: '1.0000',
    ...overrides,
  };
}

/** Records every message of a subject pattern, as text, in arrival order. */
export function record(nc: NatsConnection, subject: string): { messages: { subject: string; text: string }[]; stop(): void } {
  const messages: { subject: string; text: string }[] = [];
  const sub = nc.subscribe(subject, { callback: (_err, msg) => messages.push({ subject: msg.subject, text: msg.string() }) });
  return { messages, stop: () => sub.unsubscribe() };
}

/** The engine's JSON log lines with this `msg`, once at least `count` of them reached the test (stdout is a pipe: it lags /readyz). */
export async function waitForLogs(engine: RunningEngine, msg: string, count = 1): Promise<any[]> {
  return waitFor(
    () => {
      const lines = engine.service.logs
        .split('\n')
        .filter((line) => line.includes(`"msg":"${msg}"`))
        .map((line) => JSON.parse(line));
      return lines.length >= count ? lines : undefined;
    },
    { description: `${count} "${msg}" log lines from ${engine.service.name}` },
  );
}

export interface EngineTestBed {
  /** A fresh nats-server (JetStream on, own store) for this describe block. */
  readonly nats: NatsServer;
  /** A plain client on it, for requests and for watching events. */
  readonly nc: NatsConnection;
  /** Starts an engine process that is killed when the block ends. */
  start(name: string, env: Record<string, string>): Promise<RunningEngine>;
}

/**
 * Registers beforeAll/afterAll for a process-level engine test: one nats-server and client per
 * describe block, and every engine started through it killed at the end.
 */
export function engineTestBed(): EngineTestBed {
  let nats: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  const engines: RunningEngine[] = [];
  beforeAll(async () => {
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    for (const engine of engines) await engine.service.kill();
    await nats?.dispose();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`engine test bed: ${what} is used before beforeAll ran`);
    return value;
  };
  return {
    get nats() {
      return started(nats, 'nats');
    },
    get nc() {
      return started(nc, 'nc');
    },
    async start(name, env) {
      const engine = await startEngine(name, env);
      engines.push(engine);
      return engine;
    },
  };
}
