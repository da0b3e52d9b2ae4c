import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN, freePort, waitFor } from '@trading/testing';

export class NatsConfigShapeError extends Error {
  readonly code = 'NATS_CONFIG_SHAPE';
}

/** One server of a deployment's NATS cluster, run as a local process from the deployment's config text. */
export interface LocalNatsNode {
  name: string;
  clientPort: number;
  httpPort: number;
  pidFile: string;
  child: ChildProcess;
  output: () => string;
}

export interface LocalNatsCluster {
  nodes: LocalNatsNode[];
  dir: string;
  dispose: () => Promise<void>;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(text)) throw new NatsConfigShapeError(`the NATS config no longer has ${what}; update deploy/test/support/local-nats.ts`);
  return text.replace(pattern, replacement);
}

/**
 * Starts a deployment's NATS servers locally from its own config text. Only what cannot work outside
 * containers is rewritten: addresses (to loopback ephemeral ports), routes (`routeHost(i)` is the
 * host name server i has in the deployment), the store dir and pid file (to a temp dir), and any
 * extra `overrides` a test asks for. Everything else is the file as deployed, including the
 * $VARIABLES each server takes from `nodes[i].env`.
 */
export async function startLocalNatsCluster(
  configText: string,
  nodes: { name: string; env: Record<string, string> }[],
  routeHost: (i: number) => string,
  overrides: [RegExp, string][] = [],
): Promise<LocalNatsCluster> {
  // A port picked by freePort can be taken by a parallel test before nats-server binds it: start
  // again on fresh ports (a bind failure says nothing about the config under test).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(configText, nodes, routeHost, overrides);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String((err as Error).message))) throw err;
    }
  }
}

/** Distinct free ports: freePort alone can hand out the same port twice when called in parallel. */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function startOnce(
  configText: string,
  nodes: { name: string; env: Record<string, string> }[],
  routeHost: (i: number) => string,
  overrides: [RegExp, string][],
): Promise<LocalNatsCluster> {
  const free = await distinctPorts(nodes.length * 3);
  const ports = nodes.map((_, i) => ({ client: free[3 * i], http: free[3 * i + 1], cluster: free[3 * i + 2] }));
  const dir = mkdtempSync(join(tmpdir(), 'deploy-nats-'));
  const started: LocalNatsNode[] = [];
  const kill = () => Promise.all(started.map((n) => (n.child.exitCode === null && n.child.signalCode === null ? new Promise((r) => (n.child.once('exit', r), n.child.kill('SIGKILL'))) : undefined)));
  try {
    nodes.forEach(({ name, env }, i) => {
      const pidFile = join(dir, `${name}.pid`);
      let conf = configText;
      conf = replaceOnce(conf, /^listen: .*$/m, `listen: 127.0.0.1:${ports[i].client}`, 'a top-level listen');
      conf = replaceOnce(conf, /^http: .*$/m, `http: 127.0.0.1:${ports[i].http}`, 'an http monitor port');
      conf = replaceOnce(conf, /store_dir: .*$/m, `store_dir: "${join(dir, name)}"`, 'a JetStream store_dir');
      conf = replaceOnce(conf, /(cluster \{[\s\S]*?)listen: .*$/m, `$1listen: 127.0.0.1:${ports[i].cluster}`, 'a cluster listen');
      if (/^pid_file: .*$/m.test(conf)) conf = conf.replace(/^pid_file: .*$/m, `pid_file: "${pidFile}"`);
      nodes.forEach((_, j) => {
        conf = replaceOnce(conf, new RegExp(`(nats(?:-route)?://)${routeHost(j).replace(/\./g, '\\.')}:\\d+`), `$1127.0.0.1:${ports[j].cluster}`, `a route to ${routeHost(j)}`);
      });
      for (const [pattern, replacement] of overrides) conf = replaceOnce(conf, pattern, replacement, String(pattern));
      const file = join(dir, `${name}.conf`);
      writeFileSync(file, conf);
      let output = '';
      const child = spawn(NATS_SERVER_BIN, ['-c', file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output = (output + d).slice(-20_000)));
      child.stderr!.on('data', (d: Buffer) => (output = (output + d).slice(-20_000)));
      started.push({ name, clientPort: ports[i].client, httpPort: ports[i].http, pidFile, child, output: () => output });
    });
    // /healthz answers 200 once JetStream is up on the server and the cluster has a meta leader.
    const outcome = await waitFor(
      async (): Promise<{ dead: LocalNatsNode | undefined } | undefined> => {
        const dead = started.find((n) => n.child.exitCode !== null);
        if (dead) return { dead };
        for (const n of started) {
          if ((await fetch(`http://127.0.0.1:${n.httpPort}/healthz`).catch(() => undefined))?.status !== 200) return undefined;
        }
        return { dead: undefined };
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'NATS cluster healthy' },
    );
    if (outcome.dead) throw new NatsConfigShapeError(`${outcome.dead.name} exited at start:\n${outcome.dead.output()}`);
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    nodes: started,
    dir,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
