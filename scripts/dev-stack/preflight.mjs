// Checks that fail fast with one clear sentence, before any process is started.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export class PreflightError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'PreflightError';
    this.code = code;
  }
}

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN || 'nats-server';

export const NATS_INSTALL_HELP = `nats-server is not installed (or not on PATH). Install it, or point the stack at a running NATS:
  Debian/Ubuntu:  sudo apt-get install -y nats-server
  macOS:          brew install nats-server
  Docker:         docker run -p 4222:4222 nats -js     then: NATS_URL=nats://127.0.0.1:4222 npm start
  Any NATS 2.9+ with JetStream:                           NATS_URL=nats://host:4222 npm start`;

export function checkNatsServerInstalled() {
  const result = spawnSync(NATS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new PreflightError('NATS_SERVER_MISSING', NATS_INSTALL_HELP);
  return result.stdout.trim();
}

export function checkBuilt(repoRoot, scripts) {
  for (const script of scripts) {
    if (!existsSync(join(repoRoot, script))) {
      throw new PreflightError('NOT_BUILT', `${script} is missing: run "npm run build" first (npm start does it for you).`);
    }
  }
}

function portFree(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** @param {{port: number, variable: string, what: string}[]} wanted */
export async function checkPortsFree(wanted, host) {
  for (const { port, variable, what } of wanted) {
    if (!(await portFree(port, host))) {
      const hint =
        variable === 'DEV_NATS_PORT'
          ? ` If it is a NATS server with JetStream, use it: NATS_URL=nats://127.0.0.1:${port} npm start; or pick another port: DEV_NATS_PORT=4223 npm start.`
          : ` Pick another with ${variable}=... npm start.`;
      throw new PreflightError('PORT_IN_USE', `port ${port} (${what}) is already in use.${hint}`);
    }
  }
}
