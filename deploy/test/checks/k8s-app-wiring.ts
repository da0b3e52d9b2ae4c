import { APP_ENV_VARS, loadAppConfig, type AppName, type EngineConfig, type GatewayConfig } from '../support/app-config.js';
import { containerPort, resolveContainerEnv } from '../support/container-env.js';
import { byKind, describe, find, podTemplates, type Container, type K8sObject } from '../support/k8s-object.js';
import { mapSelectorMatches } from '../support/label-selector.js';
import { k8sQuantity } from '../support/sizes.js';
import { ENGINE_NODE_FLAGS, ENGINE_SEMI_SPACE_MIB } from '../../../apps/matching-engine/src/engine/node-flags.js';

/**
 * Least memory request for an engine container: V8's young generation under load (two semi-spaces
 * of ENGINE_SEMI_SPACE_MIB plus the new large-object space, 3 x 64 MiB) on top of the ~190 MiB
 * resident set of an engine at rest (docs/engine.md).
 */
export const ENGINE_MIN_MEMORY_REQUEST_BYTES = (3 * ENGINE_SEMI_SPACE_MIB + 192) * 2 ** 20;

/** Margin between "the app has finished draining" and the kubelet's SIGKILL. */
export const DRAIN_MARGIN_MS = 5_000;

export interface WiringOptions {
  /**
   * Values for Secrets the operator provides outside the render (the prod JWT key). They stand in
   * only so that the app's own config loader can check the rest of the environment.
   */
  externalSecretValues?: Record<string, Record<string, string>>;
}

interface AppContainer {
  app: AppName;
  owner: K8sObject;
  container: Container;
  env: Record<string, string>;
  podSpec: { terminationGracePeriodSeconds?: number };
}

function appOf(container: Container): AppName | undefined {
  return container.name === 'gateway' || container.name === 'matching-engine' ? container.name : undefined;
}

export function appContainers(objects: K8sObject[], options: WiringOptions = {}): { apps: AppContainer[]; problems: string[] } {
  const apps: AppContainer[] = [];
  const problems: string[] = [];
  for (const pod of podTemplates(objects)) {
    for (const container of pod.spec.containers as Container[]) {
      const app = appOf(container);
      if (!app) continue;
      const resolved = resolveContainerEnv(container, pod.owner, objects);
      problems.push(...resolved.problems);
      const env = { ...resolved.values };
      for (const secret of resolved.externalSecrets) {
        const values = options.externalSecretValues?.[secret];
        if (!values) problems.push(`${describe(pod.owner)}: Secret ${secret} is neither in the render nor a documented external Secret`);
        else {
          // As the kubelet would: envFrom takes every key, a secretKeyRef only its one key.
          if ((container.envFrom ?? []).some((source) => source.secretRef?.name === secret)) Object.assign(env, values);
          for (const e of container.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref?.name === secret && values[ref.key] !== undefined) env[e.name] = values[ref.key];
          }
        }
      }
      apps.push({ app, owner: pod.owner, container, env, podSpec: pod.spec });
    }
  }
  return { apps, problems };
}

function preStopSleepMs(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep?.seconds !== undefined) return Number(preStop.sleep.seconds) * 1000;
  const cmd: string[] = preStop.exec?.command ?? [];
  const m = cmd[0] === 'sleep' ? /^(\d+(?:\.\d+)?)$/.exec(cmd[1] ?? '') : null;
  return m ? Number(m[1]) * 1000 : 0;
}

/**
 * The manifests against the apps' own configuration code: env var names, values the loader accepts,
 * probe ports and paths, Service ports, the drain window, engine shards and the journal replicas.
 */
export function appWiringProblems(objects: K8sObject[], options: WiringOptions = {}): string[] {
  const { apps, problems } = appContainers(objects, options);
  if (!apps.some((a) => a.app === 'gateway')) problems.push('no gateway container in the render');
  if (!apps.some((a) => a.app === 'matching-engine')) problems.push('no matching-engine container in the render');
  const natsStatefulSet = find(objects, 'StatefulSet', 'nats');
  const shardSymbols = new Map<string, string>();

  for (const { app, owner, container, env, podSpec } of apps) {
    const where = `${describe(owner)} container ${container.name}`;
    for (const name of Object.keys(env)) {
      if (!APP_ENV_VARS[app].has(name)) problems.push(`${where}: sets ${name}, which the ${app} does not read`);
    }
    let ports: { adminPort: number; port?: number };
    let config: GatewayConfig | EngineConfig;
    try {
      ({ ports, config } = loadAppConfig(app, env));
    } catch (err) {
      problems.push(`${where}: the ${app}'s config loader refuses the environment: ${(err as Error).message}`);
      continue;
    }

    // Probes: on the admin port, with the contract's paths.
    const probes = { startupProbe: '/healthz', livenessProbe: '/healthz', readinessProbe: '/readyz' } as const;
    for (const [probe, path] of Object.entries(probes)) {
      const http: { path: string; port: string | number } | undefined = container[probe as keyof typeof probes]?.httpGet;
      if (!http) {
        problems.push(`${where}: no ${probe} httpGet`);
        continue;
      }
      if (http.path !== path) problems.push(`${where}: ${probe} path ${http.path}, expected ${path}`);
      const port = containerPort(container, http.port);
      if (port !== ports.adminPort) problems.push(`${where}: ${probe} port ${http.port} (${port}) is not ADMIN_PORT ${ports.adminPort}`);
    }
    const declared = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    if (declared.get('admin') !== ports.adminPort) problems.push(`${where}: port "admin" ${declared.get('admin')} is not ADMIN_PORT ${ports.adminPort}`);
    if (app === 'gateway' && declared.get('ws') !== ports.port) problems.push(`${where}: port "ws" ${declared.get('ws')} is not PORT ${ports.port}`);

    // Shutdown: the kubelet must not SIGKILL a draining gateway or an engine mid-append.
    const graceMs = (podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
    if (app === 'gateway') {
      const needed = preStopSleepMs(container) + (config as GatewayConfig).drainMs + DRAIN_MARGIN_MS;
      if (graceMs < needed) problems.push(`${where}: terminationGracePeriodSeconds ${graceMs / 1000}s < preStop + DRAIN_MS + margin = ${needed / 1000}s`);
    } else {
      const engine = config as EngineConfig;
      // The image's CMD starts node with ENGINE_NODE_FLAGS; command/args would replace it.
      if (container.command || container.args) problems.push(`${where}: command/args replace the image's CMD and its node flags (${ENGINE_NODE_FLAGS.join(' ')})`);
      const memoryRequest = k8sQuantity(container.resources?.requests?.memory ?? '0');
      if (memoryRequest < ENGINE_MIN_MEMORY_REQUEST_BYTES) {
        problems.push(`${where}: memory request ${container.resources?.requests?.memory} is below ${ENGINE_MIN_MEMORY_REQUEST_BYTES / 2 ** 20}Mi (young generation of ${ENGINE_NODE_FLAGS.join(' ')} + resident set)`);
      }
      const needed = engine.journalAppendTimeoutMs + DRAIN_MARGIN_MS;
      if (graceMs < needed) problems.push(`${where}: terminationGracePeriodSeconds ${graceMs / 1000}s < JOURNAL_APPEND_TIMEOUT_MS + margin`);
      if ((owner.spec.replicas ?? 1) < 2) problems.push(`${where}: a shard needs a writer and a hot standby (replicas >= 2)`);
      for (const s of engine.symbols) {
        const other = shardSymbols.get(s.symbol);
        if (other && other !== owner.metadata.name) problems.push(`${where}: symbol ${s.symbol} is also served by ${other}`);
        shardSymbols.set(s.symbol, owner.metadata.name);
      }
      const natsReplicas = natsStatefulSet?.spec.replicas ?? 0;
      if (engine.journalReplicas > natsReplicas) problems.push(`${where}: JOURNAL_REPLICAS ${engine.journalReplicas} > NATS servers ${natsReplicas}`);
      if (natsReplicas >= 3 && engine.journalReplicas < 3) problems.push(`${where}: JOURNAL_REPLICAS ${engine.journalReplicas}: the journal would not survive losing one NATS server`);
    }

    // NATS_URL must name Services of this render on their client port.
    for (const server of config.natsServers) {
      const m = /^(?:nats|tls):\/\/([^:/]+):(\d+)$/.exec(server);
      if (!m) {
        problems.push(`${where}: NATS_URL entry ${server} is not nats://service:port`);
        continue;
      }
      const [, host, port] = m;
      const serviceName = host.split('.')[0];
      const svc = find(objects, 'Service', serviceName);
      if (!svc) problems.push(`${where}: NATS_URL host ${host} is not a Service in the render`);
      else if (!(svc.spec.ports ?? []).some((p: { port: number }) => p.port === Number(port))) problems.push(`${where}: Service ${serviceName} has no port ${port}`);
      else if (!natsStatefulSet || !mapSelectorMatches(svc.spec.selector, natsStatefulSet.spec.template.metadata.labels)) problems.push(`${where}: Service ${serviceName} does not select the NATS pods`);
    }
  }

  // Services and scrapers on the apps' ports.
  for (const svc of byKind(objects, 'Service')) {
    for (const { app, owner, container, env } of apps) {
      if (!mapSelectorMatches(svc.spec.selector, owner.spec.template.metadata.labels)) continue;
      let ports: { adminPort: number; port?: number };
      try {
        ports = loadAppConfig(app, env).ports;
      } catch {
        continue; // reported above
      }
      for (const p of svc.spec.ports ?? []) {
        const target = containerPort(container, p.targetPort ?? p.port);
        if (p.name === 'admin' && target !== ports.adminPort) problems.push(`${describe(svc)}: admin targets ${target}, ADMIN_PORT is ${ports.adminPort}`);
        if (p.name === 'ws' && target !== ports.port) problems.push(`${describe(svc)}: ws targets ${target}, PORT is ${ports.port}`);
      }
    }
  }
  for (const sm of byKind(objects, 'ServiceMonitor')) {
    for (const endpoint of sm.spec.endpoints ?? []) {
      if (endpoint.port !== 'admin' || endpoint.path !== '/metrics') problems.push(`${describe(sm)}: must scrape port admin path /metrics, has ${endpoint.port} ${endpoint.path}`);
    }
  }
  return problems;
}
