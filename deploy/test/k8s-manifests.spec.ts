import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { OVERLAYS, REPO_ROOT, renderOverlay, type Overlay } from './support/kustomize.js';
import { clone, find, type K8sObject } from './support/k8s-object.js';
import { referenceProblems } from './checks/k8s-references.js';
import { securityProblems } from './checks/k8s-security.js';
import { networkPolicyProblems, type NetworkExpectations } from './checks/k8s-network.js';
import { appWiringProblems, type WiringOptions } from './checks/k8s-app-wiring.js';
import { natsStatefulSetProblems } from './checks/nats-checks.js';

/**
 * Secrets the prod overlay expects the operator to create (docs/operations.md#secrets). For the
 * config check a freshly generated public key stands in for the real one.
 */
const PROD_EXTERNAL_SECRETS = ['gateway-jwt', 'gateway-tls', 'nats-users'];
const standInNatsUsers = { NATS_ENGINE_PASSWORD: 'stand-in-engine', NATS_GATEWAY_PASSWORD: 'stand-in-gateway', NATS_READER_PASSWORD: 'stand-in-reader' };
const standInPublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const WIRING: Record<Overlay, WiringOptions> = {
  dev: {},
  prod: { externalSecretValues: { 'gateway-jwt': { JWT_PUBLIC_KEY: standInPublicKey }, 'nats-users': standInNatsUsers } },
};
const EXTERNAL: Record<Overlay, string[]> = { dev: [], prod: PROD_EXTERNAL_SECRETS };

const NETWORK: NetworkExpectations = {
  publicApp: 'gateway',
  publicPortName: 'ws',
  natsApp: 'nats',
  natsClientPortName: 'client',
  natsClientApps: ['gateway', 'matching-engine'],
  monitoringNamespace: 'monitoring',
  scrapedPorts: [
    { app: 'gateway', portName: 'admin' },
    { app: 'matching-engine', portName: 'admin' },
    { app: 'nats', portName: 'monitor' },
  ],
};

function mutate(overlay: Overlay, change: (objects: K8sObject[]) => void): K8sObject[] {
  const objects = clone(renderOverlay(overlay));
  change(objects);
  return objects;
}

const gatewayContainer = (objects: K8sObject[]) => find(objects, 'Deployment', 'gateway')!.spec.template.spec.containers[0];
const engines = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'matching-engine');

describe.each(OVERLAYS)('k8s overlay %s manifests', (overlay) => {
  it('reference only objects, ports and selectors that exist', () => {
    expect(referenceProblems(renderOverlay(overlay), EXTERNAL[overlay])).toEqual([]);
  });

  it('meet Pod Security "restricted", read-only root FS, resources and pinned images', () => {
    expect(securityProblems(renderOverlay(overlay), { requireRegistryImages: overlay === 'prod' })).toEqual([]);
  });

  it('let only the gateways in from outside and only the apps into NATS', () => {
    expect(networkPolicyProblems(renderOverlay(overlay), NETWORK)).toEqual([]);
  });

  it("match the apps' own config code: env names, values, probe ports and paths, drain window, shards", () => {
    expect(appWiringProblems(renderOverlay(overlay), WIRING[overlay])).toEqual([]);
  });

  it('run NATS with a config nats-server accepts, routes to every pod and JetStream on the volume', () => {
    expect(natsStatefulSetProblems(renderOverlay(overlay), WIRING[overlay].externalSecretValues)).toEqual([]);
  });
});

describe('k8s overlays', () => {
  it('prod Secrets the operator creates are the ones docs/operations.md tells them to create', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    const secretsSection = doc.slice(doc.indexOf('### Secrets'), doc.indexOf('## Scaling'));
    for (const name of PROD_EXTERNAL_SECRETS) {
      expect(secretsSection).toContain(`| \`${name}\` | prod |`);
      expect(secretsSection).toMatch(new RegExp(`kubectl -n trading create secret \\S+ ${name}\\b`));
    }
    // ...and nothing else is missing from the prod render.
    // (one problem per reference: nats-users is referenced by NATS, the engines and the gateway)
    const missing = referenceProblems(renderOverlay('prod'), []);
    expect(PROD_EXTERNAL_SECRETS.filter((s) => missing.some((p) => p.includes(s)))).toEqual(PROD_EXTERNAL_SECRETS);
    expect(missing.filter((p) => !PROD_EXTERNAL_SECRETS.some((s) => p.includes(s)))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: the Ingress routes every public path of the contract to the gateway and nothing else', (overlay) => {
    const ingress = find(renderOverlay(overlay), 'Ingress', 'gateway')!;
    const paths = ingress.spec.rules.flatMap((r: { http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }) => r.http.paths);
    const routed = (path: string) => paths.some((p: { path: string }) => path === p.path || path.startsWith(p.path.replace(/\/?$/, '/')));
    for (const path of ['/ws', '/ws/orders', '/ws/trades', '/ws/markets/BTC-USD', '/api/v1/orders', '/api/v1/orders/123']) expect(routed(path)).toBe(true);
    for (const path of ['/metrics', '/healthz', '/readyz', '/']) expect(routed(path)).toBe(false);
    for (const p of paths) expect(p.backend.service).toEqual({ name: 'gateway', port: { name: 'ws' } });
    // Idle subscribed WebSockets must outlive nginx's 60 s default.
    expect(Number(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
  });


  it('prod runs more than one engine shard, each with a standby, dev at least one', () => {
    expect(engines(renderOverlay('prod')).length).toBeGreaterThanOrEqual(2);
    expect(engines(renderOverlay('dev')).length).toBeGreaterThanOrEqual(1);
    for (const e of [...engines(renderOverlay('prod')), ...engines(renderOverlay('dev'))]) expect(e.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('prod spreads gateways and NATS across nodes strictly and keeps engine pairs apart', () => {
    const prod = renderOverlay('prod');
    for (const name of ['gateway']) {
      const spread = find(prod, 'Deployment', name)!.spec.template.spec.topologySpreadConstraints;
      expect(spread).toEqual(expect.arrayContaining([expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' })]));
    }
    expect(find(prod, 'StatefulSet', 'nats')!.spec.template.spec.topologySpreadConstraints).toEqual(
      expect.arrayContaining([expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' })]),
    );
    for (const e of engines(prod)) expect(e.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });
});

// Each check above must be able to fail: break one thing in a copy of the render and expect it named.
describe('the manifest checks catch broken manifests', () => {
  it('a gateway env var the app does not read (e.g. a renamed variable)', () => {
    const objects = mutate('dev', (o) => gatewayContainer(o).env.push({ name: 'DRAIN_MILLIS', value: '10000' }));
    expect(appWiringProblems(objects)).toEqual([expect.stringContaining('DRAIN_MILLIS')]);
  });

  it('a value the app refuses at start', () => {
    const objects = mutate('dev', (o) => (gatewayContainer(o).env.find((e: { name: string }) => e.name === 'DRAIN_MS').value = 'ten seconds'));
    expect(appWiringProblems(objects).join('\n')).toMatch(/refuses the environment.*DRAIN_MS/);
  });

  it('a grace period shorter than preStop + DRAIN_MS', () => {
    const objects = mutate('prod', (o) => (find(o, 'Deployment', 'gateway')!.spec.template.spec.terminationGracePeriodSeconds = 30));
    expect(appWiringProblems(objects, WIRING.prod).join('\n')).toMatch(/terminationGracePeriodSeconds 30s < preStop \+ DRAIN_MS/);
  });

  it('a probe on the wrong port or path, and ADMIN_PORT moved without the probes', () => {
    const wrongPath = mutate('dev', (o) => (gatewayContainer(o).readinessProbe.httpGet.path = '/healthz'));
    expect(appWiringProblems(wrongPath).join('\n')).toMatch(/readinessProbe path \/healthz, expected \/readyz/);
    const moved = mutate('dev', (o) => (gatewayContainer(o).env.find((e: { name: string }) => e.name === 'ADMIN_PORT').value = '9191'));
    expect(appWiringProblems(moved).join('\n')).toMatch(/is not ADMIN_PORT 9191/);
  });

  it('an engine whose command replaces the image CMD (its node flags), or whose memory request leaves no room for the young generation', () => {
    const objects = mutate('dev', (o) => {
      const container = engines(o)[0].spec.template.spec.containers[0];
      container.args = ['node', 'apps/matching-engine/dist/main.js'];
      container.resources.requests.memory = '128Mi';
    });
    const problems = appWiringProblems(objects).join('\n');
    expect(problems).toMatch(/command\/args replace the image's CMD and its node flags \(--max-semi-space-size=64\)/);
    expect(problems).toMatch(/memory request 128Mi is below 384Mi/);
  });

  it('two shards serving the same symbol, and a shard without a standby', () => {
    const objects = mutate('prod', (o) => {
      const cm = o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('engine-shard-b'))!;
      cm.data!.SYMBOLS = 'SOL-USD,BTC-USD';
      engines(o)[0].spec.replicas = 1;
    });
    const problems = appWiringProblems(objects, WIRING.prod).join('\n');
    expect(problems).toMatch(/symbol BTC-USD is also served by/);
    expect(problems).toMatch(/replicas >= 2/);
  });

  it('a NATS_URL that names no Service, and a prod Secret nobody documented', () => {
    const objects = mutate('dev', (o) => (o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('trading-config'))!.data!.NATS_URL = 'nats://natz:4222'));
    expect(appWiringProblems(objects).join('\n')).toMatch(/natz is not a Service/);
    expect(appWiringProblems(renderOverlay('prod')).join('\n')).toMatch(/Secret gateway-jwt is neither in the render nor a documented external Secret/);
  });

  it('a dangling ConfigMap reference, a Service selecting nothing, a PDB that blocks drains', () => {
    const objects = mutate('dev', (o) => {
      gatewayContainer(o).envFrom[0].configMapRef.name = 'trading-config-missing';
      find(o, 'Service', 'nats')!.spec.selector = { 'app.kubernetes.io/name': 'natss' };
      find(o, 'PodDisruptionBudget', 'nats')!.spec = { minAvailable: 3, selector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } } };
    });
    const problems = referenceProblems(objects).join('\n');
    expect(problems).toMatch(/ConfigMap trading-config-missing missing/);
    expect(problems).toMatch(/Service\/nats: selector matches no pod template/);
    expect(problems).toMatch(/blocks every node drain/);
  });

  it('an anti-affinity selector shared across shards', () => {
    const objects = mutate('prod', (o) => {
      for (const e of engines(o)) delete e.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels['trading/shard'];
    });
    expect(referenceProblems(objects, PROD_EXTERNAL_SECRETS).join('\n')).toMatch(/anti-affinity selector also selects/);
  });

  it('a writable root filesystem, a kept capability, a missing limit, a :latest image', () => {
    const objects = mutate('dev', (o) => {
      const c = gatewayContainer(o);
      c.securityContext.readOnlyRootFilesystem = false;
      c.securityContext.capabilities.drop = ['NET_RAW'];
      delete c.resources.limits.memory;
      c.image = 'trading/gateway:latest';
    });
    const problems = securityProblems(objects).join('\n');
    for (const re of [/readOnlyRootFilesystem/, /drop ALL/, /memory request and limit/, /:latest/]) expect(problems).toMatch(re);
    expect(securityProblems(renderOverlay('dev'), { requireRegistryImages: true }).join('\n')).toMatch(/local build/);
  });

  it('NATS opened to every pod, an app shut out of NATS, the gateway admin port made public', () => {
    const open = mutate('dev', (o) => delete find(o, 'NetworkPolicy', 'nats-clients')!.spec.ingress[0].from);
    expect(networkPolicyProblems(open, NETWORK).join('\n')).toMatch(/reachable from outside/);
    const shut = mutate('dev', (o) => (find(o, 'NetworkPolicy', 'nats-clients')!.spec.ingress[0].from[0].podSelector.matchExpressions[0].values = ['gateway']));
    expect(networkPolicyProblems(shut, NETWORK).join('\n')).toMatch(/matching-engine-all cannot reach the NATS client port/);
    const admin = mutate('dev', (o) => find(o, 'NetworkPolicy', 'gateway-public')!.spec.ingress[0].ports.push({ protocol: 'TCP', port: 'admin' }));
    expect(networkPolicyProblems(admin, NETWORK).join('\n')).toMatch(/gateway port\(s\) 8080,9090 reachable from outside/);
    const noDeny = mutate('dev', (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'default-deny-ingress')!), 1));
    expect(networkPolicyProblems(noDeny, NETWORK)).toContain('no default-deny ingress NetworkPolicy (podSelector {}, no rules)');
  });

  it('a NATS config variable nobody sets, a route list missing a pod, JetStream larger than its volume, a 2.9 server', () => {
    const objects = mutate('prod', (o) => {
      const cm = o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('nats-config'))!;
      cm.data!['nats.conf'] = cm.data!['nats.conf'].replace('server_name: $SERVER_NAME', 'server_name: $NATS_NAME').replace(/\s*nats:\/\/nats-2\.nats-headless:6222/, '');
      const env = find(o, 'StatefulSet', 'nats')!.spec.template.spec.containers[0].env;
      env.find((e: { name: string }) => e.name === 'JS_MAX_FILE_STORE').value = '200GB';
      find(o, 'StatefulSet', 'nats')!.spec.template.spec.containers[0].image = 'nats:2.9.25-alpine';
    });
    const problems = natsStatefulSetProblems(objects).join('\n');
    expect(problems).toMatch(/uses \$NATS_NAME/);
    expect(problems).toMatch(/nats-server -t refuses the config/);
    expect(problems).toMatch(/cluster routes/);
    expect(problems).toMatch(/does not fit in 90% of the 100Gi volume/);
    expect(problems).toMatch(/image nats:2\.9\.25-alpine must be nats:2\.10\.x or later/);
  });
});
