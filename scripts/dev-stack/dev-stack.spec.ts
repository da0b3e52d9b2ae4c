import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestSocket, freePort, waitFor } from '@trading/testing';

/**
 * `npm start`'s supervisor, run for real: nats-server, engine, two gateways and the simulator on
 * free ports; a WebSocket client on each gateway must see live events, and SIGTERM must stop
 * every process. (The suite runs the built apps: `npm test` builds first.)
 */
const repoRoot = resolve(import.meta.dirname, '../..');
const START = join(repoRoot, 'scripts/dev-stack/start.mjs');

interface Stack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function runStack(env: Record<string, string>): Stack {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  if (!('NATS_URL' in env)) delete childEnv.NATS_URL;
  // The stack must use its built-in dev secret, the one the CLI defaults to.
  delete childEnv.JWT_SECRET;
  const child = spawn(process.execPath, [START], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => out, exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('dev stack preflight', () => {
  it('without nats-server and NATS_URL it exits 1 saying how to install it or point NATS_URL at one', async () => {
    const stack = runStack({ NATS_SERVER_BIN: '/nonexistent/nats-server' });
    expect(await stack.exited).toBe(1);
    const text = stack.output();
    expect(text).toContain('nats-server is not installed');
    expect(text).toContain('apt-get install -y nats-server');
    expect(text).toContain('brew install nats-server');
    expect(text).toContain('docker run -p 4222:4222 nats -js');
    expect(text).toContain('NATS_URL=');
    expect(text).not.toMatch(/\n\s+at .*\.m?js:\d+/);
  });

  it('names the variable to change when a port is taken', async () => {
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const taken = (server.address() as { port: number }).port;
    try {
      const stack = runStack({ DEV_NATS_PORT: String(await freePort()), DEV_GATEWAY_PORTS: `${taken},${await freePort()}` });
      expect(await stack.exited).toBe(1);
      expect(stack.output()).toContain(`port ${taken} (gateway) is already in use. Pick another with DEV_GATEWAY_PORTS=`);
    } finally {
      server.close();
    }
  });

  it('refuses a bad port setting with a clear message', async () => {
    const stack = runStack({ DEV_ENGINE_ADMIN_PORT: 'eighty' });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain('DEV_ENGINE_ADMIN_PORT: must be a TCP port');
  });
});

describe('dev stack', () => {
  it('runs NATS, engine, two gateways and the simulator; each gateway streams live events; SIGTERM stops all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dev-stack-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const [natsPort, engineAdmin, gw1, gw2, gwAdmin1, gwAdmin2, webPort] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const stack = runStack({
      DEV_NATS_PORT: String(natsPort),
      DEV_ENGINE_ADMIN_PORT: String(engineAdmin),
      DEV_GATEWAY_PORTS: `${gw1},${gw2}`,
      DEV_GATEWAY_ADMIN_PORTS: `${gwAdmin1},${gwAdmin2}`,
      DEV_WEB_PORT: String(webPort),
      DEV_DATA_DIR: dataDir,
      SIMULATOR_RATE: '50',
      LOG_LEVEL: 'warn',
      DEV_STOP_TIMEOUT_MS: '5000',
    });
    cleanups.push(async () => {
      if (stack.child.exitCode === null) {
        stack.child.kill('SIGKILL');
        await stack.exited;
      }
    });

    await waitFor(() => stack.output().includes('READY: the trading platform is running.') || stack.child.exitCode !== null, {
      timeoutMs: 25_000,
      description: 'the dev stack to be ready',
    });
    expect(stack.output()).toContain('READY: the trading platform is running.');
    const pids = [...stack.output().matchAll(/started (\S+) pid=(\d+)/g)].map((m) => ({ name: m[1], pid: Number(m[2]) }));
    expect(pids.map((p) => p.name).sort()).toEqual(['engine', 'gateway-1', 'gateway-2', 'nats', 'simulator']);
    expect(stack.output()).toContain(`ws://127.0.0.1:${gw1}/ws`);
    expect(stack.output()).toContain(`ws://127.0.0.1:${gw2}/ws`);
    // The live trading page (apps/web) is served by the supervisor itself.
    expect(stack.output()).toContain(`http://127.0.0.1:${webPort}`);
    expect((await fetch(`http://127.0.0.1:${webPort}/`)).status).toBe(200);

    // The CLI's default secret is the one the stack gave the gateways.
    const { runCli } = await import('../../apps/cli/src/cli.js');
    const tokenOut: string[] = [];
    expect(await runCli(['gentoken', 'sim-1'], { out: (l) => tokenOut.push(l), err: () => {}, env: {} })).toBe(0);

    const markets = await Promise.all([gw1, gw2].map((port) => TestSocket.open(`ws://127.0.0.1:${port}/ws/markets/BTC-USD`)));
    const orders = await TestSocket.open(`ws://127.0.0.1:${gw2}/ws/orders?token=${tokenOut[0]}`);
    cleanups.push(async () => {
      for (const socket of [...markets, orders]) await socket.close();
    });
    for (const socket of markets) {
      const snapshot = await socket.waitForMessage((m) => m.type === 'OrderBookSnapshot');
      await socket.waitForMessage((m) => m.type === 'TradeExecuted' && m.symbol === 'BTC-USD', 15_000);
      const updates = await socket.waitForCount((m) => m.type === 'OrderBookUpdate', 3, 15_000);
      // Gap-free from the snapshot on.
      expect(updates.slice(0, 3).map((u) => u.seq)).toEqual([snapshot.seq + 1, snapshot.seq + 2, snapshot.seq + 3]);
    }
    const update = await orders.waitForMessage((m) => m.type === 'OrderUpdate', 15_000);
    expect(update.userId).toBe('sim-1');

    // A process that dies is named, with how it ended; services that lose NATS are reported unhealthy.
    const pidOf = (name: string) => pids.find((p) => p.name === name)!.pid;
    process.kill(pidOf('simulator'), 'SIGKILL');
    await waitFor(() => stack.output().includes('EXITED: simulator (killed by SIGKILL)'), { description: 'the simulator exit report' });
    process.kill(pidOf('nats'), 'SIGKILL');
    await waitFor(() => stack.output().includes('EXITED: nats (killed by SIGKILL)'), { description: 'the nats exit report' });
    await waitFor(() => /UNHEALTHY: gateway-1 \(\/readyz on port \d+: HTTP 503/.test(stack.output()), { timeoutMs: 15_000, description: 'gateway-1 reported unhealthy' });

    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
    expect(stack.output()).toContain('all stopped');
    for (const { name, pid } of pids) expect({ name, alive: alive(pid) }).toEqual({ name, alive: false });
    await Promise.all(markets.map((s) => s.waitForClose(5000)));
  }, 45_000);
});
