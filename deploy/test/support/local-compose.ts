import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComposeFile } from './compose.js';
import { REPO_ROOT } from './kustomize.js';
import { NatsConfigShapeError, startLocalNatsCluster, type LocalNatsCluster, type LocalNatsNode } from './local-nats.js';

/**
 * Starts the compose NATS services (docker-compose.yml) as local nats-server processes from the
 * repository's own config file (see startLocalNatsCluster for what is rewritten: addresses, routes
 * and the store dir; no Docker here).
 */
export function startComposeNats(compose: ComposeFile): Promise<LocalNatsCluster> {
  const services = Object.entries(compose.services).filter(([, s]) => /^nats:/.test(s.image ?? ''));
  const configSource = services[0][1].volumes!.find((v) => v.startsWith('./') && v.includes('.conf'))!.split(':')[0];
  const text = readFileSync(join(REPO_ROOT, configSource), 'utf8');
  return startLocalNatsCluster(
    text,
    services.map(([name, service]) => ({ name, env: service.environment ?? {} })),
    (i) => services[i][0],
  );
}

/** A compose app service's environment with container addresses moved to loopback. */
export function localAppEnv(env: Record<string, string>, nodes: LocalNatsNode[], ports: { ADMIN_PORT: number; PORT?: number }): Record<string, string> {
  const natsUrl = env.NATS_URL.split(',')
    .map((server) => {
      const host = /^nats:\/\/([^:]+):\d+$/.exec(server)?.[1];
      const node = nodes.find((n) => n.name === host);
      if (!node) throw new NatsConfigShapeError(`NATS_URL entry ${server} names no compose NATS service`);
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
