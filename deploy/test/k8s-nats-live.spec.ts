import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NATS_SERVER_BIN, waitFor } from '@trading/testing';
import { renderOverlay } from './support/kustomize.js';
import { find, type Container } from './support/k8s-object.js';
import { resolveContainerEnv } from './support/container-env.js';
import { startLocalNatsCluster, type LocalNatsCluster } from './support/local-nats.js';
import { natsBytes } from './support/sizes.js';

/**
 * The dev overlay's NATS StatefulSet run as three local nats-server processes from its rendered
 * ConfigMap and container environment (pod names as SERVER_NAME, JetStream limits from env). Proves
 * the cluster forms with JetStream, the probe paths answer, and the preStop command really puts a
 * server in lame duck mode through the configured pid file. The lame duck grace period is shortened
 * here (only here) so the test takes seconds.
 */
const objects = renderOverlay('dev');
const sts = find(objects, 'StatefulSet', 'nats')!;
const container = (sts.spec.template.spec.containers as Container[]).find((c) => c.name === 'nats')!;
const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))!;
const podName = (i: number) => `${sts.metadata.name}-${i}`;

describe('k8s NATS StatefulSet config, run locally', () => {
  let cluster: LocalNatsCluster;
  const envOf = (i: number) => {
    const { values } = resolveContainerEnv(container, sts, objects);
    for (const e of container.env ?? []) if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') values[e.name] = podName(i);
    return values;
  };

  beforeAll(async () => {
    cluster = await startLocalNatsCluster(
      configMap.data!['nats.conf'],
      Array.from({ length: sts.spec.replicas }, (_, i) => ({ name: podName(i), env: envOf(i) })),
      (i) => `${podName(i)}.${sts.spec.serviceName}`,
      // nats-server refuses a lame duck duration under 30 s; the grace period is what a server
      // without clients waits, so only that one is shortened.
      [[/^lame_duck_grace_period: .*$/m, 'lame_duck_grace_period: 1s']],
    );
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it('forms a 3-server JetStream cluster named after the pods, with the limits from the container env', async () => {
    for (const [i, node] of cluster.nodes.entries()) {
      const varz = (await (await fetch(`http://127.0.0.1:${node.httpPort}/varz`)).json()) as {
        server_name: string;
        jetstream: { config: { max_storage: number; max_memory: number } };
        cluster: { name: string };
      };
      expect(varz.server_name).toBe(podName(i));
      expect(varz.cluster.name).toBe('trading');
      expect(varz.jetstream.config.max_storage).toBe(natsBytes(envOf(i).JS_MAX_FILE_STORE));
      expect(varz.jetstream.config.max_memory).toBe(natsBytes(envOf(i).JS_MAX_MEMORY_STORE));
      const routez = (await (await fetch(`http://127.0.0.1:${node.httpPort}/routez`)).json()) as { num_routes: number };
      expect(routez.num_routes).toBeGreaterThanOrEqual(2);
    }
  });

  it('answers the startup, readiness and liveness probe paths of the manifest', async () => {
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      const path = container[probe].httpGet.path as string;
      for (const node of cluster.nodes) expect((await fetch(`http://127.0.0.1:${node.httpPort}${path}`)).status).toBe(200);
    }
  });

  it('preStop puts the server in lame duck mode through its pid file; the other two keep JetStream', async () => {
    const command: string[] = container.lifecycle.preStop.exec.command;
    const pidFileInManifest = /ldm=(.+)$/.exec(command.join(' '))![1];
    const node = cluster.nodes[2];
    const args = command.slice(1).map((a) => a.replace(pidFileInManifest, node.pidFile));
    expect(command[0]).toBe('nats-server');
    const result = spawnSync(NATS_SERVER_BIN, args, { encoding: 'utf8' });
    expect(result.status).toBe(0);
    await waitFor(() => node.child.exitCode !== null || node.child.signalCode !== null, { timeoutMs: 20_000, intervalMs: 100, description: 'server left after lame duck mode' });
    expect(node.output()).toMatch(/lame duck/i);
    for (const other of cluster.nodes.slice(0, 2)) {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${other.httpPort}/healthz?js-enabled-only=true`)).status === 200, {
        timeoutMs: 20_000,
        intervalMs: 200,
        description: `${other.name} healthy without ${node.name}`,
      });
    }
  });
});
