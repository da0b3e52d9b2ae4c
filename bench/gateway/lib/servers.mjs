// The two servers under test, each started as its own process on free loopback ports: the real
// gateway (apps/gateway/dist/main.js) and the plain `ws` baseline.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ChildService, freePort, waitFor } from '@trading/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const TARGETS = {
  gateway: {
    // BENCH_GATEWAY_MAIN: benchmark another build (e.g. an older commit's) against the same baseline.
    script: process.env.BENCH_GATEWAY_MAIN ?? `${ROOT}apps/gateway/dist/main.js`,
    env: ({ natsUrl, port, adminPort, jwtSecret }) => ({
      NATS_URL: natsUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'warn',
      DRAIN_MS: '0',
      // The benchmark is many clients from a handful of loopback addresses; the per-IP cap is a
      // production guard against one abusive client, not what is being measured.
      MAX_CONNECTIONS_PER_IP: '1000000',
      MAX_CONNECTIONS: '1000000',
    }),
  },
  baseline: {
    script: `${ROOT}bench/gateway/baseline-ws-gateway.mjs`,
    env: ({ natsUrl, port, jwtSecret }) => ({ NATS_URL: natsUrl, HOST: '127.0.0.1', PORT: String(port), JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' }),
  },
};

/** `gateway-wd<N>`: the same gateway with WRITE_DELAY_MS=N (write delay; `gateway` runs with the default 0). */
const WRITE_DELAY_TARGET = /^gateway-wd([0-9]{1,4})$/;

/** The target's definition; write-delay variants are derived from `gateway`. */
export function targetDefinition(name) {
  if (TARGETS[name]) return TARGETS[name];
  const match = WRITE_DELAY_TARGET.exec(name);
  if (!match) return undefined;
  return { script: TARGETS.gateway.script, env: (args) => ({ ...TARGETS.gateway.env(args), WRITE_DELAY_MS: match[1] }), writeDelayMs: Number(match[1]) };
}

export function isTargetName(name) {
  return targetDefinition(name) !== undefined;
}

export class TargetUnavailableError extends Error {
  code = 'TARGET_UNAVAILABLE';
}

export function targetAvailable(name) {
  return existsSync(targetDefinition(name).script);
}

function probe(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 1_000 });
    ws.on('open', () => {
      ws.terminate();
      resolve(true);
    });
    ws.on('error', () => resolve(false));
    ws.on('unexpected-response', () => {
      ws.terminate();
      resolve(false);
    });
  });
}

/** A started server: its pid (for /proc readings), its base URL, and how to stop it. */
export class RunningTarget {
  constructor(name, service, port) {
    this.name = name;
    this.service = service;
    this.port = port;
  }

  get pid() {
    return this.service.child.pid;
  }

  url(path) {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  get logs() {
    return this.service.logs;
  }

  async stop() {
    try {
      await this.service.terminate(10_000);
    } catch {
      await this.service.kill();
    }
  }

  kill() {
    if (this.service.running) this.service.child.kill('SIGKILL');
  }

  static async start(name, { natsUrl, jwtSecret }) {
    const target = targetDefinition(name);
    if (!targetAvailable(name)) throw new TargetUnavailableError(`${name}: ${target.script} does not exist (build first)`);
    const port = await freePort();
    const adminPort = await freePort();
    const service = ChildService.start(name, target.script, target.env({ natsUrl, port, adminPort, jwtSecret }));
    const running = new RunningTarget(name, service, port);
    try {
      // waitFor treats a throwing probe as "not yet", so an exit is reported as a value instead.
      const outcome = await waitFor(
        async () => (!service.running ? 'exited' : (await probe(running.url('/ws/trades?symbols=BTC-USD'))) && 'ready'),
        { timeoutMs: 20_000, intervalMs: 100, description: `${name} accepting /ws/trades on port ${port}` },
      );
      if (outcome === 'exited') throw new TargetUnavailableError(`${name} exited at start: ${service.logs.trim().slice(-2000)}`);
    } catch (err) {
      await service.kill();
      throw err;
    }
    return running;
  }
}
