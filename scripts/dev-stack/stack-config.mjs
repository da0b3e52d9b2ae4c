// Reads the dev stack's settings from the environment. Every port is configurable so tests (and a
// developer whose 8080 is taken) can run the stack anywhere.
import { resolve } from 'node:path';

export class StackConfigError extends Error {
  constructor(variable, message) {
    super(`${variable}: ${message}`);
    this.name = 'StackConfigError';
    this.code = 'INVALID_CONFIG';
    this.variable = variable;
  }
}

/** Every variable the dev stack reads, for the README and `--help`. */
export const DEV_STACK_ENV_VARS = [
  ['NATS_URL', '(unset)', 'Use this NATS instead of starting a nats-server child process.'],
  ['DEV_NATS_PORT', '4222', 'Port of the nats-server child process.'],
  ['DEV_ENGINE_ADMIN_PORT', '9090', 'Engine admin port (/healthz, /readyz, /metrics).'],
  ['DEV_GATEWAY_PORTS', '8080,8081', 'WebSocket/HTTP ports, one gateway replica per port.'],
  ['DEV_GATEWAY_ADMIN_PORTS', '9091,9092', 'Admin ports of the gateway replicas, same count as DEV_GATEWAY_PORTS.'],
  ['DEV_WEB_PORT', '8088', 'Port of the live trading page (apps/web).'],
  ['DEV_HOST', '127.0.0.1', 'Interface the gateways bind to (the dev JWT secret is public: keep it local).'],
  ['DEV_SYMBOLS', 'BTC-USD:0.01:0.0001,ETH-USD:0.01:0.0001', 'SYMBOLS of the engine and of the simulator.'],
  ['DEV_DATA_DIR', '.data', 'JetStream store (DEV_DATA_DIR/nats) and service logs (DEV_DATA_DIR/logs).'],
  ['DEV_STACK_LOGS', 'file', '"file": each service logs to DEV_DATA_DIR/logs/SERVICE.log; "console": prefixed on this terminal.'],
  ['SIMULATOR_RATE', '30', 'Market simulator commands per second (0 = no simulator).'],
  ['JWT_SECRET', '(dev secret)', 'HS256 secret shared by the gateways and the CLI. The default is public: dev only.'],
  ['LOG_LEVEL', 'info', 'Log level of every service.'],
  ['DEV_START_TIMEOUT_MS', '60000', 'How long a service may take to become ready before it is reported unhealthy.'],
  ['DEV_STOP_TIMEOUT_MS', '10000', 'How long a service may take to stop after SIGTERM before it gets SIGKILL.'],
];

function port(env, name, fallback) {
  const text = (env[name] ?? '').trim() || String(fallback);
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new StackConfigError(name, `must be a TCP port (1-65535), got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function portList(env, name, fallback) {
  const text = (env[name] ?? '').trim() || fallback;
  return text.split(',').map((part, i) => port({ [name]: part.trim() }, name, i));
}

function whole(env, name, fallback, min, max) {
  const text = (env[name] ?? '').trim() || String(fallback);
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new StackConfigError(name, `must be a whole number between ${min} and ${max}, got ${JSON.stringify(text)}`);
  return n;
}

export function loadStackConfig(env, repoRoot, devJwtSecret) {
  const gatewayPorts = portList(env, 'DEV_GATEWAY_PORTS', '8080,8081');
  const gatewayAdminPorts = portList(env, 'DEV_GATEWAY_ADMIN_PORTS', '9091,9092');
  if (gatewayPorts.length !== gatewayAdminPorts.length) {
    throw new StackConfigError('DEV_GATEWAY_ADMIN_PORTS', `needs one admin port per gateway port (${gatewayPorts.length})`);
  }
  const logs = (env.DEV_STACK_LOGS ?? '').trim() || 'file';
  if (logs !== 'file' && logs !== 'console') throw new StackConfigError('DEV_STACK_LOGS', 'must be "file" or "console"');
  const dataDir = resolve(repoRoot, (env.DEV_DATA_DIR ?? '').trim() || '.data');
  const natsUrl = (env.NATS_URL ?? '').trim() || undefined;
  const natsPort = port(env, 'DEV_NATS_PORT', 4222);
  const config = {
    repoRoot,
    externalNats: natsUrl !== undefined,
    natsUrl: natsUrl ?? `nats://127.0.0.1:${natsPort}`,
    natsPort,
    engineAdminPort: port(env, 'DEV_ENGINE_ADMIN_PORT', 9090),
    gatewayPorts,
    gatewayAdminPorts,
    host: (env.DEV_HOST ?? '').trim() || '127.0.0.1',
    symbols: (env.DEV_SYMBOLS ?? '').trim() || 'BTC-USD:0.01:0.0001,ETH-USD:0.01:0.0001',
    dataDir,
    logs,
    simulatorRate: whole(env, 'SIMULATOR_RATE', 30, 0, 500),
    jwtSecret: (env.JWT_SECRET ?? '').trim() || devJwtSecret,
    usesDevSecret: !(env.JWT_SECRET ?? '').trim(),
    logLevel: (env.LOG_LEVEL ?? '').trim() || 'info',
    startTimeoutMs: whole(env, 'DEV_START_TIMEOUT_MS', 60_000, 1000, 3_600_000),
    stopTimeoutMs: whole(env, 'DEV_STOP_TIMEOUT_MS', 10_000, 100, 600_000),
  };
  const ports = [config.engineAdminPort, ...gatewayPorts, ...gatewayAdminPorts, ...(config.externalNats ? [] : [natsPort])];
  const duplicate = ports.find((p, i) => ports.indexOf(p) !== i);
  if (duplicate !== undefined) throw new StackConfigError('DEV_*_PORT', `port ${duplicate} is assigned twice`);
  return config;
}
