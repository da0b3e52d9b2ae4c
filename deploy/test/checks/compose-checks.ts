import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { APP_ENV_VARS, loadAppConfig, type AppName, type EngineConfig, type GatewayConfig } from '../support/app-config.js';
import type { ComposeFile, ComposeService } from '../support/compose.js';
import { natsConfigProblem, natsConfigValue, natsConfigVariables, natsImageProblem, natsRoutes } from '../support/nats-config.js';
import { composeDurationMs } from '../support/sizes.js';
import { DRAIN_MARGIN_MS } from './k8s-app-wiring.js';

export interface ComposeExpectations {
  repoRoot: string;
  natsCount: number;
  engineCount: number;
  gatewayCount: number;
}

const APP_DOCKERFILES: Record<AppName, string> = {
  gateway: 'deploy/docker/gateway.Dockerfile',
  'matching-engine': 'deploy/docker/matching-engine.Dockerfile',
};

export function appOfService(service: ComposeService): AppName | undefined {
  const dockerfile = service.build?.dockerfile;
  return (Object.keys(APP_DOCKERFILES) as AppName[]).find((app) => APP_DOCKERFILES[app] === dockerfile);
}

/** host:container bind mounts of a service that come from the repository. */
function bindMounts(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([source]) => source.startsWith('./'))
    .map(([source, target]) => ({ source: source.slice(2), target }));
}

function natsServices(compose: ComposeFile): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, s]) => /^nats:/.test(s.image ?? ''));
}

/** docker-compose.yml against the apps' config code, the NATS config file and the monitoring files. */
export function composeProblems(compose: ComposeFile, expect: ComposeExpectations): string[] {
  const problems: string[] = [];
  const services = Object.entries(compose.services);
  const nats = natsServices(compose);

  // NATS: a pinned 2.10+ cluster, each server reading the repo's config file, which nats-server accepts.
  if (nats.length !== expect.natsCount) problems.push(`${nats.length} NATS services, expected ${expect.natsCount}`);
  const natsNames = nats.map(([name]) => name);
  let clientPort: number | undefined;
  for (const [name, service] of nats) {
    const imageProblem = natsImageProblem(service.image);
    if (imageProblem) problems.push(`${name}: ${imageProblem}`);
    const configArg = service.command?.[service.command.indexOf('--config') + 1];
    const mount = bindMounts(service).find((m) => m.target === configArg);
    if (!mount || !existsSync(join(expect.repoRoot, mount.source))) {
      problems.push(`${name}: --config ${configArg} is not a file of the repository mounted into the container`);
      continue;
    }
    const text = readFileSync(join(expect.repoRoot, mount.source), 'utf8');
    const env = service.environment ?? {};
    for (const v of natsConfigVariables(text)) if (env[v] === undefined) problems.push(`${name}: ${mount.source} uses $${v}, the service does not set it`);
    const complaint = natsConfigProblem(text, env);
    if (complaint) problems.push(`${name}: nats-server -t refuses ${mount.source}: ${complaint}`);
    if (!/jetstream\s*\{/.test(text)) problems.push(`${name}: JetStream is not enabled in ${mount.source}`);
    const storeDir = natsConfigValue(text, 'store_dir');
    const volumes = (service.volumes ?? []).map((v) => v.split(':'));
    if (!volumes.some(([source, target]) => !source.startsWith('./') && storeDir?.startsWith(target))) problems.push(`${name}: JetStream store_dir ${storeDir} is not on a named volume`);
    const clusterBlock = /cluster\s*\{[\s\S]*?\n\}/.exec(text)?.[0] ?? '';
    const clusterPort = /:(\d+)$/.exec(natsConfigValue(clusterBlock, 'listen') ?? '')?.[1];
    const routes = natsRoutes(text).map((r) => r.replace(/^nats(-route)?:\/\//, '')).sort();
    const expected = natsNames.map((n) => `${n}:${clusterPort}`).sort();
    if (JSON.stringify(routes) !== JSON.stringify(expected)) problems.push(`${name}: routes ${routes.join(', ')} are not every NATS service (${expected.join(', ')})`);
    clientPort = Number(/:(\d+)$/.exec(natsConfigValue(text, 'listen') ?? '')?.[1]);
    if (!service.healthcheck) problems.push(`${name}: no healthcheck (apps wait for service_healthy)`);
    const lameDuckMs = ['lame_duck_duration', 'lame_duck_grace_period'].reduce((sum, k) => sum + composeDurationMs(natsConfigValue(text, k) ?? '0s'), 0);
    const natsGraceMs = service.stop_grace_period ? composeDurationMs(service.stop_grace_period) : 10_000;
    if (natsGraceMs <= lameDuckMs) problems.push(`${name}: stop_grace_period ${natsGraceMs / 1000}s does not cover lame duck mode (${lameDuckMs / 1000}s)`);
  }
  const names = nats.map(([, s]) => s.environment?.NATS_SERVER_NAME);
  if (new Set(names).size !== names.length) problems.push('NATS server names are not unique');

  // Apps: env known to the app, accepted by its loader, hardened containers, ports and grace periods.
  const counts: Record<AppName, number> = { gateway: 0, 'matching-engine': 0 };
  const engineSymbols = new Set<string>();
  for (const [name, service] of services) {
    const app = appOfService(service);
    if (!app) continue;
    counts[app]++;
    const env = service.environment ?? {};
    for (const key of Object.keys(env)) if (!APP_ENV_VARS[app].has(key)) problems.push(`${name}: sets ${key}, which the ${app} does not read`);
    let config: GatewayConfig | EngineConfig;
    let ports: { adminPort: number; port?: number };
    try {
      ({ config, ports } = loadAppConfig(app, env));
    } catch (err) {
      problems.push(`${name}: the ${app}'s config loader refuses the environment: ${(err as Error).message}`);
      continue;
    }
    if (!existsSync(join(expect.repoRoot, service.build!.dockerfile))) problems.push(`${name}: ${service.build!.dockerfile} does not exist`);
    if (service.read_only !== true) problems.push(`${name}: read_only must be true`);
    if (!(service.tmpfs ?? []).includes('/tmp')) problems.push(`${name}: /tmp must be a tmpfs`);
    if (!(service.cap_drop ?? []).includes('ALL')) problems.push(`${name}: cap_drop must include ALL`);
    if (!(service.security_opt ?? []).includes('no-new-privileges:true')) problems.push(`${name}: security_opt no-new-privileges:true missing`);
    const deps = service.depends_on && !Array.isArray(service.depends_on) ? service.depends_on : {};
    for (const n of natsNames) if (deps[n]?.condition !== 'service_healthy') problems.push(`${name}: must wait for ${n} to be healthy`);
    for (const server of config.natsServers) {
      const m = /^nats:\/\/([^:]+):(\d+)$/.exec(server);
      if (!m || !natsNames.includes(m[1]) || Number(m[2]) !== clientPort) problems.push(`${name}: NATS_URL entry ${server} is not a NATS service on its client port ${clientPort}`);
    }
    // The gateway's gateway_ready gauge is refreshed by /readyz requests, so its healthcheck asks /readyz.
    const health = service.healthcheck?.test ?? [];
    const healthPath = app === 'gateway' ? '/readyz' : '/healthz';
    if (!health.includes('/app/deploy/healthcheck.mjs') || !health.includes(healthPath)) problems.push(`${name}: healthcheck must run /app/deploy/healthcheck.mjs ${healthPath} (ADMIN_PORT ${ports.adminPort})`);
    const graceMs = service.stop_grace_period ? composeDurationMs(service.stop_grace_period) : 10_000;
    if (app === 'gateway') {
      const drainMs = (config as GatewayConfig).drainMs;
      if (graceMs < drainMs + DRAIN_MARGIN_MS) problems.push(`${name}: stop_grace_period ${graceMs / 1000}s < DRAIN_MS ${drainMs / 1000}s + margin: Docker would SIGKILL it mid-drain`);
      const published = (service.ports ?? []).map((p) => Number(String(p).split(':').pop()));
      if (!published.includes(ports.port!)) problems.push(`${name}: publishes ${published.join(',')}, not PORT ${ports.port}`);
    } else {
      const engine = config as EngineConfig;
      // The image's CMD starts node with the engine's node flags; command/entrypoint would replace it.
      if (service.command || service.entrypoint) problems.push(`${name}: command/entrypoint replace the image's CMD and its node flags`);
      if (graceMs < engine.journalAppendTimeoutMs + DRAIN_MARGIN_MS) problems.push(`${name}: stop_grace_period shorter than JOURNAL_APPEND_TIMEOUT_MS + margin`);
      if (engine.journalReplicas > nats.length) problems.push(`${name}: JOURNAL_REPLICAS ${engine.journalReplicas} > ${nats.length} NATS servers`);
      if (nats.length >= 3 && engine.journalReplicas < 3) problems.push(`${name}: JOURNAL_REPLICAS ${engine.journalReplicas}: the journal would not survive losing one NATS server`);
      engineSymbols.add(engine.symbols.map((s) => `${s.symbol}`).sort().join(','));
    }
    if (service.profiles) problems.push(`${name}: an app must not hide behind a profile`);
  }
  if (counts['matching-engine'] !== expect.engineCount) problems.push(`${counts['matching-engine']} engine services, expected ${expect.engineCount} (writer + hot standby)`);
  if (counts.gateway !== expect.gatewayCount) problems.push(`${counts.gateway} gateway services, expected ${expect.gatewayCount}`);
  if (engineSymbols.size > 1) problems.push(`the engine services serve different symbol sets (${[...engineSymbols].join(' | ')}): the standby must mirror the writer`);

  problems.push(...monitoringProfileProblems(compose, expect.repoRoot));
  return problems;
}

/** Prometheus and Grafana under the "monitoring" profile, scraping every app on its ADMIN_PORT. */
function monitoringProfileProblems(compose: ComposeFile, repoRoot: string): string[] {
  const problems: string[] = [];
  const prometheus = compose.services.prometheus;
  const grafana = compose.services.grafana;
  if (!prometheus || !grafana) return ['prometheus and grafana services are required (profile monitoring)'];
  for (const [name, s] of [['prometheus', prometheus], ['grafana', grafana]] as const) {
    if (!(s.profiles ?? []).includes('monitoring')) problems.push(`${name}: must be under the monitoring profile`);
    if (!/:v?\d+\.\d+\.\d+$/.test(s.image ?? '')) problems.push(`${name}: image ${s.image} is not pinned to a release`);
    for (const m of bindMounts(s)) if (!existsSync(join(repoRoot, m.source))) problems.push(`${name}: mounts ${m.source}, which does not exist`);
  }
  const configFile = (prometheus.command ?? []).find((a) => a.startsWith('--config.file='))?.split('=')[1];
  const configMount = bindMounts(prometheus).find((m) => m.target === configFile);
  if (!configMount) return [...problems, `prometheus: --config.file ${configFile} is not a mounted repository file`];
  const config = parse(readFileSync(join(repoRoot, configMount.source), 'utf8')) as {
    rule_files?: string[];
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  for (const rule of config.rule_files ?? []) if (!bindMounts(prometheus).some((m) => m.target === rule)) problems.push(`prometheus: rule file ${rule} is not mounted`);
  const targets = new Set(config.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)));
  for (const job of config.scrape_configs) if ((job.metrics_path ?? '/metrics') !== '/metrics') problems.push(`prometheus: job ${job.job_name} scrapes ${job.metrics_path}`);
  for (const [name, service] of Object.entries(compose.services)) {
    const app = appOfService(service);
    if (!app) continue;
    let adminPort: number;
    try {
      adminPort = loadAppConfig(app, service.environment ?? {}).ports.adminPort;
    } catch {
      continue; // reported above
    }
    if (!targets.has(`${name}:${adminPort}`)) problems.push(`prometheus: does not scrape ${name}:${adminPort}`);
    targets.delete(`${name}:${adminPort}`);
  }
  for (const stale of targets) problems.push(`prometheus: scrapes ${stale}, which is no app service on its ADMIN_PORT`);

  // Grafana: provisioned datasource -> prometheus service, dashboards directory mounted where the provider looks.
  const provisioning = bindMounts(grafana).find((m) => m.target === '/etc/grafana/provisioning');
  if (!provisioning) return [...problems, 'grafana: provisioning directory not mounted'];
  const datasources = parse(readFileSync(join(repoRoot, provisioning.source, 'datasources/prometheus.yml'), 'utf8')) as { datasources: { url: string }[] };
  if (!datasources.datasources.some((d) => d.url === 'http://prometheus:9090')) problems.push('grafana: no datasource at http://prometheus:9090');
  const providers = parse(readFileSync(join(repoRoot, provisioning.source, 'dashboards/trading.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
  for (const provider of providers.providers) {
    if (!bindMounts(grafana).some((m) => m.target === provider.options.path)) problems.push(`grafana: dashboards path ${provider.options.path} is not mounted`);
  }
  return problems;
}
