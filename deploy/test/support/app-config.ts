/**
 * The apps' own configuration code and metric registries: the deployment is checked against these,
 * so renaming an env var, changing a default port or renaming a metric breaks a deploy test.
 */
import { GATEWAY_ENV_VARS, loadGatewayConfig, type GatewayConfig } from '../../../apps/gateway/src/config/gateway-config.js';
import { ENGINE_ENV_VARS, loadEngineConfig, type EngineConfig } from '../../../apps/matching-engine/src/config/engine-config.js';
import { GatewayMetrics } from '../../../apps/gateway/src/admin/gateway-metrics.js';
import { EngineMetrics } from '../../../apps/matching-engine/src/admin/engine-metrics.js';

export { GATEWAY_ENV_VARS, ENGINE_ENV_VARS, loadGatewayConfig, loadEngineConfig };
export type { GatewayConfig, EngineConfig };

export type AppName = 'gateway' | 'matching-engine';

export const APP_ENV_VARS: Record<AppName, ReadonlySet<string>> = {
  gateway: new Set(GATEWAY_ENV_VARS.map((v) => v.name)),
  'matching-engine': new Set(ENGINE_ENV_VARS.map((v) => v.name)),
};

/** The ports an app listens on once configured with env (what probes, Services and scrapers must use). */
export interface AppPorts {
  adminPort: number;
  port?: number;
}

export function loadAppConfig(app: AppName, env: Record<string, string>): { ports: AppPorts; config: GatewayConfig | EngineConfig } {
  if (app === 'gateway') {
    const config = loadGatewayConfig(env);
    return { ports: { adminPort: config.adminPort, port: config.port }, config };
  }
  const config = loadEngineConfig(env);
  return { ports: { adminPort: config.adminPort }, config };
}

/**
 * Every series name the apps expose on /metrics, read from their real registries (histograms add
 * _bucket/_sum/_count, as Prometheus sees them).
 */
export async function exposedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const registry of [new GatewayMetrics().registry, new EngineMetrics().registry]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      const type = String(metric.type);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) names.add(metric.name + s);
    }
    registry.clear();
  }
  return names;
}
