#!/usr/bin/env node
// `npm start`: the whole trading platform on this machine: nats-server with JetStream (unless
// NATS_URL is set), one matching engine, two gateway replicas and a market simulator.
// Ctrl-C (SIGINT) or SIGTERM stops everything: simulator, gateways, engine, then NATS.
import { mkdirSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ManagedProcess } from './managed-process.mjs';
import { NATS_SERVER_BIN, PreflightError, checkBuilt, checkNatsServerInstalled, checkPortsFree } from './preflight.mjs';
import { ReadinessMonitor, describeExit } from './readiness.mjs';
import { DEV_STACK_ENV_VARS, StackConfigError, loadStackConfig } from './stack-config.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENGINE = 'apps/matching-engine/dist/main.js';
const GATEWAY = 'apps/gateway/dist/main.js';
const CLI = 'apps/cli/dist/main.js';

const say = (line) => process.stdout.write(`[dev-stack] ${line}\n`);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('npm start [-- --help]: runs NATS, the engine, two gateways and the market simulator.\nEnvironment:\n');
  for (const [name, def, text] of DEV_STACK_ENV_VARS) process.stdout.write(`  ${name.padEnd(24)} ${def.padEnd(14)} ${text}\n`);
  process.exit(0);
}

async function main() {
  // Before anything else: without a NATS there is nothing to run.
  if (!(process.env.NATS_URL ?? '').trim()) checkNatsServerInstalled();
  checkBuilt(repoRoot, [ENGINE, GATEWAY, CLI]);
  const { DEV_JWT_SECRET } = await import(pathToFileURL(join(repoRoot, 'apps/cli/dist/auth/dev-secret.js')).href);
  // The engine's shipped node flags (a 64 MiB young generation), as in its image's CMD.
  const { ENGINE_NODE_FLAGS } = await import(pathToFileURL(join(repoRoot, 'apps/matching-engine/dist/engine/node-flags.js')).href);
  const config = loadStackConfig(process.env, repoRoot, DEV_JWT_SECRET);
  await checkPortsFree(
    [
      ...(config.externalNats ? [] : [{ port: config.natsPort, variable: 'DEV_NATS_PORT', what: 'NATS' }]),
      { port: config.engineAdminPort, variable: 'DEV_ENGINE_ADMIN_PORT', what: 'engine admin' },
      ...config.gatewayPorts.map((port) => ({ port, variable: 'DEV_GATEWAY_PORTS', what: 'gateway' })),
      ...config.gatewayAdminPorts.map((port) => ({ port, variable: 'DEV_GATEWAY_ADMIN_PORTS', what: 'gateway admin' })),
    ],
    '127.0.0.1',
  );

  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const common = { logDir, logs: config.logs, cwd: repoRoot };
  const node = process.execPath;
  const services = [];
  const launch = (spec) => {
    const service = new ManagedProcess({ ...common, ...spec }).start();
    services.push(service);
    say(`started ${service.name} pid=${service.pid}${config.logs === 'file' ? ` (log ${shown(service.logFile)})` : ''}`);
    return service;
  };

  let shuttingDown = false;
  let monitor;
  let page; // the live trading page (apps/web), served in-process
  const shutdown = async (why) => {
    if (shuttingDown) return;
    shuttingDown = true;
    monitor?.stop();
    await page?.stop().catch(() => undefined);
    say(`${why}: stopping (SIGTERM, SIGKILL after ${config.stopTimeoutMs} ms)...`);
    // Reverse start order: clients of NATS go first so they can drain while NATS is still up.
    const order = ['simulator', 'gateway', 'engine', 'nats'];
    const rank = (s) => order.findIndex((prefix) => s.name.startsWith(prefix));
    const groups = new Map();
    for (const s of services) groups.set(rank(s), [...(groups.get(rank(s)) ?? []), s]);
    for (const key of [...groups.keys()].sort((a, b) => a - b)) {
      await Promise.all(
        groups.get(key).map(async (s) => {
          if (!s.running) return say(`${s.name} had already exited (${describeExit(s.exitInfo)})`);
          const info = await s.stop(config.stopTimeoutMs);
          const clean = !info?.forced && (info?.code === 0 || (s.spec.cleanExitCodes ?? []).includes(info?.code));
          say(`${s.name} stopped ${clean ? 'cleanly' : `(${info?.forced ? 'did not stop in time: SIGKILL' : describeExit(info)})`}`);
        }),
      );
    }
    say('all stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('exit', () => services.forEach((s) => s.killNow()));

  if (!config.externalNats) {
    const storeDir = join(config.dataDir, 'nats');
    mkdirSync(storeDir, { recursive: true });
    const nats = launch({
      name: 'nats',
      command: NATS_SERVER_BIN,
      args: ['-a', '127.0.0.1', '-p', String(config.natsPort), '-js', '-sd', storeDir, '-n', 'dev-stack'],
      env: {},
      // nats-server exits with status 1 after a clean SIGTERM shutdown ("Server Exiting..").
      cleanExitCodes: [1],
    });
    const up = await waitForTcp(config.natsPort, 15_000, () => nats.running);
    if (!up) {
      say(`nats-server did not start (${describeExit(nats.exitInfo)}). Last log lines:\n${nats.tail()}`);
      await shutdown('startup failed');
      return;
    }
  }
  const natsEnv = { NATS_URL: config.natsUrl, LOG_LEVEL: config.logLevel };
  launch({
    name: 'engine',
    command: node,
    args: [...ENGINE_NODE_FLAGS, ENGINE],
    adminPort: config.engineAdminPort,
    env: { ...natsEnv, SYMBOLS: config.symbols, ADMIN_PORT: String(config.engineAdminPort), INSTANCE_ID: 'dev-engine' },
  });
  config.gatewayPorts.forEach((port, i) =>
    launch({
      name: `gateway-${i + 1}`,
      command: node,
      args: [GATEWAY],
      adminPort: config.gatewayAdminPorts[i],
      env: {
        ...natsEnv,
        HOST: config.host,
        PORT: String(port),
        ADMIN_PORT: String(config.gatewayAdminPorts[i]),
        JWT_SECRET: config.jwtSecret,
        // A short drain keeps Ctrl-C snappy; production uses the 10 s default.
        DRAIN_MS: '1000',
      },
    }),
  );

  monitor = new ReadinessMonitor(services, {
    startTimeoutMs: config.startTimeoutMs,
    report: (service, status, detail) => {
      if (shuttingDown) return;
      if (status === 'ready') say(`${service.name} is ready`);
      else if (status === 'unhealthy') say(`UNHEALTHY: ${service.name} (/readyz on port ${service.adminPort}: ${detail})`);
      else if (status === 'exited') {
        const tail = service.tail();
        say(`EXITED: ${service.name} (${detail})${tail ? `; last log lines:\n${indent(tail)}` : ''}`);
      }
    },
  });
  monitor.start();

  const engineOk = await monitor.waitUntilSettled(['engine']);
  if (shuttingDown) return;
  if (config.simulatorRate > 0) {
    if (!engineOk) say('starting the simulator anyway: it retries until an engine answers');
    const simSymbols = config.symbols;
    const sim = launch({
      name: 'simulator',
      command: node,
      args: [CLI, 'simulate', '--symbols', simSymbols, '--rate', String(config.simulatorRate)],
      env: natsEnv,
    });
    monitor.add(sim);
  }
  const allOk = await monitor.waitUntilSettled(services.filter((s) => s.name !== 'nats').map((s) => s.name));
  if (shuttingDown) return;
  page = await startPage(config);
  if (shuttingDown) return;
  printBanner(config, allOk, page?.url);
}

function printBanner(config, allOk, pageUrl) {
  const lines = [
    allOk ? 'READY: the trading platform is running.' : 'STARTED WITH PROBLEMS: see the UNHEALTHY/EXITED lines above.',
    `  NATS        ${config.natsUrl}${config.externalNats ? ' (external)' : `  (JetStream store ${shown(join(config.dataDir, 'nats'))})`}`,
    `  engine      symbols ${config.symbols}   admin http://127.0.0.1:${config.engineAdminPort}/readyz  /metrics`,
    ...config.gatewayPorts.map(
      (port, i) => `  gateway-${i + 1}   ws://127.0.0.1:${port}/ws   admin http://127.0.0.1:${config.gatewayAdminPorts[i]}/readyz  /metrics`,
    ),
    `  web page    ${pageUrl ? `${pageUrl}   (live book, trades, chart; sign in with any user id)` : 'not served (see the line above)'}`,
    `  simulator   ${config.simulatorRate > 0 ? `${config.simulatorRate} commands/s as users sim-1..sim-4` : 'off (SIMULATOR_RATE=0)'}`,
    '',
    'Try:',
    `  ws://127.0.0.1:${config.gatewayPorts[0]}/ws/trades            public trades (any WebSocket client, e.g. websocat)`,
    `  ws://127.0.0.1:${config.gatewayPorts[0]}/ws/markets/BTC-USD   book snapshot + updates + trades`,
    '  TOKEN=$(npm run -s cli -- gentoken sim-1)       a dev JWT; then:',
    `  ws://127.0.0.1:${config.gatewayPorts[0]}/ws/orders?token=$TOKEN   that user's order updates`,
    `  npm run cli -- tail trades --nats ${config.natsUrl}`,
    `  npm run cli -- place --user alice --symbol BTC-USD --side buy --price 49000.00 --qty 0.0100 --nats ${config.natsUrl}`,
    config.usesDevSecret ? '  JWT_SECRET is the built-in DEV-ONLY secret (public in this repository).' : '  JWT_SECRET is taken from your environment.',
    `  Logs: ${config.logs === 'file' ? `${shown(join(config.dataDir, 'logs'))}/<service>.log` : 'on this terminal'}.  Ctrl-C stops everything.`,
  ];
  say(lines.join('\n'));
}

/** Paths inside the repository relative to it (as a developer types them), others absolute. */
function shown(path) {
  const rel = relative(repoRoot, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function indent(text) {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

async function waitForTcp(port, timeoutMs, stillRunning) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!stillRunning()) return false;
    const ok = await new Promise((resolve) => {
      const socket = connectTcp(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

main().catch((err) => {
  if (err instanceof PreflightError || err instanceof StackConfigError) {
    process.stderr.write(`[dev-stack] ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`[dev-stack] internal error: ${err?.stack ?? err}\n`);
  process.exit(70);
});

// ---- live trading page (apps/web; docs/web.md) -------------------------------------------------
async function startPage(config) {
  try {
    const { startDevPage, devWebPort } = await import(pathToFileURL(join(config.repoRoot, 'apps/web/dist/index.js')).href);
    const port = devWebPort(process.env);
    return await startDevPage({ host: config.host, port, gatewayPorts: config.gatewayPorts, symbols: config.symbols, jwtSecret: config.jwtSecret });
  } catch (err) {
    say(`web page not served: ${err?.code === 'EADDRINUSE' ? 'its port is in use: pick another with DEV_WEB_PORT=<port>' : err?.message ?? err}`);
    return undefined;
  }
}
