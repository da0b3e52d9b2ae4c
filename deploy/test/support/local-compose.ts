import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN, freePort, waitFor } from '@trading/testing';
import type { ComposeFile } from './compose.js';
import { REPO_ROOT } from './kustomize.js';

export class ComposeConfigShapeError extends Error {
  readonly code = 'COMPOSE_CONFIG_SHAPE';
}

/** One compose NATS service run as a local process: same config file, only addresses moved to loopback. */
export interface LocalNats {
  service: string;
  clientPort: number;
  httpPort: number;
  child: ChildProcess;
  output: () => string;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(text)) throw new ComposeConfigShapeError(`deploy/nats/nats-cluster.conf no longer has ${what}; update local-compose.ts`);
  return text.replace(pattern, replacement);
}

/**
 * Starts the compose NATS services (docker-compose.yml) as local nats-server processes from the
 * repository's own config file. No Docker here, so container addresses are rewritten to loopback
 * ports and the store to a temp dir; everything else (JetStream limits, cluster name, server names
 * from the environment, lame duck settings) is the file as compose mounts it.
 */
export async function startComposeNats(compose: ComposeFile): Promise<{ nodes: LocalNats[]; dispose: () => Promise<void> }> {
  const services = Object.entries(compose.services).filter(([, s]) => /^nats:/.test(s.image ?? ''));
  const configSource = services[0][1].volumes!.find((v) => v.startsWith('./') && v.includes('.conf'))!.split(':')[0];
  const text = readFileSync(join(REPO_ROOT, configSource), 'utf8');
  const ports = await Promise.all(services.map(async () => ({ client: await freePort(), http: await freePort(), cluster: await freePort() })));
  const dir = mkdtempSync(join(tmpdir(), 'compose-nats-'));
  const nodes: LocalNats[] = [];
  try {
    services.forEach(([name, service], i) => {
      let conf = text;
      conf = replaceOnce(conf, /^listen: .*$/m, `listen: 127.0.0.1:${ports[i].client}`, 'a top-level listen');
      conf = replaceOnce(conf, /^http: .*$/m, `http: 127.0.0.1:${ports[i].http}`, 'an http monitor port');
      conf = replaceOnce(conf, /store_dir: .*$/m, `store_dir: "${join(dir, name)}"`, 'a JetStream store_dir');
      conf = replaceOnce(conf, /(cluster \{[\s\S]*?)listen: .*$/m, `$1listen: 127.0.0.1:${ports[i].cluster}`, 'a cluster listen');
      services.forEach(([other], j) => {
        conf = replaceOnce(conf, new RegExp(`nats-route://${other}:\\d+`), `nats-route://127.0.0.1:${ports[j].cluster}`, `a route to ${other}`);
      });
      const file = join(dir, `${name}.conf`);
      writeFileSync(file, conf);
      let output = '';
      const child = spawn(NATS_SERVER_BIN, ['-c', file], { env: { PATH: process.env.PATH ?? '', ...service.environment }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output = (output + d).slice(-20_000)));
      child.stderr!.on('data', (d: Buffer) => (output = (output + d).slice(-20_000)));
      nodes.push({ service: name, clientPort: ports[i].client, httpPort: ports[i].http, child, output: () => output });
    });
    // /healthz is 200 once JetStream is up on the server and the cluster has a meta leader, as the compose healthcheck asks.
    await waitFor(
      async () => {
        for (const n of nodes) {
          if (n.child.exitCode !== null) throw new Error(`${n.service} exited:\n${n.output()}`);
          if ((await fetch(`http://127.0.0.1:${n.httpPort}/healthz`).catch(() => undefined))?.status !== 200) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'compose NATS cluster healthy' },
    );
  } catch (err) {
    for (const n of nodes) n.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const dispose = async () => {
    await Promise.all(
      nodes.map((n) => (n.child.exitCode === null && n.child.signalCode === null ? new Promise((resolve) => (n.child.once('exit', resolve), n.child.kill('SIGKILL'))) : undefined)),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  return { nodes, dispose };
}

/** A compose app service's environment with container addresses moved to loopback. */
export function localAppEnv(env: Record<string, string>, nodes: LocalNats[], ports: { ADMIN_PORT: number; PORT?: number }): Record<string, string> {
  const natsUrl = env.NATS_URL.split(',')
    .map((server) => {
      const host = /^nats:\/\/([^:]+):\d+$/.exec(server)?.[1];
      const node = nodes.find((n) => n.service === host);
      if (!node) throw new ComposeConfigShapeError(`NATS_URL entry ${server} names no compose NATS service`);
      return `nats://127.0.0.1:${node.clientPort}`;
    })
    .join(',');
  return { ...env, NATS_URL: natsUrl, ADMIN_PORT: String(ports.ADMIN_PORT), ...(ports.PORT !== undefined ? { PORT: String(ports.PORT), HOST: '127.0.0.1' } : {}) };
}

/** engine_symbol_role gauges from an engine's /metrics: symbol -> role with value 1. */
export async function engineRoles(adminPort: number): Promise<Record<string, string>> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const roles: Record<string, string> = {};
  for (const m of text.matchAll(/^engine_symbol_role\{symbol="([^"]+)",role="([^"]+)"\} 1$/gm)) roles[m[1]] = m[2];
  return roles;
}
