import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { REPO_ROOT, renderOverlay } from './support/kustomize.js';
import { exposedMetricNames, loadGatewayConfig } from './support/app-config.js';
import { appContainers } from './checks/k8s-app-wiring.js';
import { metricNames } from './support/promql.js';
import { find } from './support/k8s-object.js';
import { alertProblems, dashboardProblems, markdownAnchors, type RuleGroups } from './checks/monitoring-checks.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const composeRules = parse(read('deploy/prometheus/alerts.yml')) as RuleGroups;
const operations = read('docs/operations.md');
let exposed: Set<string>;

beforeAll(async () => {
  exposed = await exposedMetricNames();
});

describe('alerts and dashboard', () => {
  it("read metrics from the apps' real registries (sanity: the set is the apps', not empty)", () => {
    expect(exposed).toContain('gateway_ready');
    expect(exposed).toContain('engine_journal_lag_commands');
    expect(exposed).toContain('gateway_nats_to_socket_seconds_bucket');
  });

  it('cover every required condition, use only exposed metrics, and each has a runbook section', () => {
    expect(alertProblems(composeRules, exposed, operations)).toEqual([]);
  });

  it('are the same in the Kubernetes PrometheusRule (every overlay) as in docker compose', () => {
    for (const overlay of ['dev', 'prod'] as const) {
      expect(find(renderOverlay(overlay), 'PrometheusRule', 'trading')!.spec).toEqual(composeRules);
    }
  });

  it('the Grafana dashboard queries only exposed metrics', () => {
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/trading.json'));
    expect(dashboard.panels.length).toBeGreaterThan(0);
    expect(dashboardProblems(dashboard, exposed)).toEqual([]);
  });

  it('the prod HPA scales on a connections metric the gateway exposes', () => {
    const hpa = find(renderOverlay('prod'), 'HorizontalPodAutoscaler', 'gateway')!;
    const podsMetrics = hpa.spec.metrics.filter((m: { type: string }) => m.type === 'Pods').map((m: { pods: { metric: { name: string } } }) => m.pods.metric.name);
    expect(podsMetrics).toEqual(['gateway_connections']);
    for (const name of podsMetrics) expect(exposed).toContain(name);
    // The HPA must add pods well before a replica refuses connections at MAX_CONNECTIONS.
    const target = Number(hpa.spec.metrics.find((m: { type: string }) => m.type === 'Pods').pods.target.averageValue);
    const gatewayEnv = appContainers(renderOverlay('prod'), { externalSecretValues: { 'gateway-jwt': { JWT_SECRET: 'x'.repeat(32) } } }).apps.find((a) => a.app === 'gateway')!.env;
    expect(target).toBeLessThanOrEqual(loadGatewayConfig(gatewayEnv).maxConnections / 2);
  });
});

describe('the monitoring checks catch', () => {
  it('a renamed metric, a missing required alert, a runbook without a section', () => {
    const rules = structuredClone(composeRules);
    rules.groups[0].rules[0].expr = 'absent(gateway_is_ready == 1)';
    rules.groups[0].rules = rules.groups[0].rules.filter((r) => r.alert !== 'TradingEngineStandbyMissing');
    rules.groups[0].rules[1].annotations!.runbook = 'docs/operations.md#nowhere';
    const problems = alertProblems(rules, exposed, operations).join('\n');
    expect(problems).toMatch(/gateway_is_ready is not a metric/);
    expect(problems).toMatch(/no alert TradingEngineStandbyMissing/);
    expect(problems).toMatch(/no section #nowhere/);
  });

  it('a dashboard panel on a metric nobody exposes', () => {
    expect(dashboardProblems({ panels: [{ title: 'x', targets: [{ expr: 'rate(engine_orders_total[1m])' }] }] }, exposed)).toHaveLength(1);
  });

  it('PromQL parsing: functions, grouping, matchers, ranges and numbers are not metrics', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, instance) (rate(a_seconds_bucket{job="x",le!="+Inf"}[5m]))) > 1e3 or absent(b == 1) unless on(pod) c offset 5m').sort()).toEqual(['a_seconds_bucket', 'b', 'c']);
  });

  it('markdown anchors as GitHub renders them', () => {
    expect(markdownAnchors('## TradingGatewayNoneReady\n### Roll out a new version (no lost events)')).toEqual(new Set(['tradinggatewaynoneready', 'roll-out-a-new-version-no-lost-events']));
  });
});
