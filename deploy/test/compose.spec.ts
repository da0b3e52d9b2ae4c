import { describe, expect, it } from '@jest/globals';
import { loadCompose, interpolate, ComposeInterpolationError, type ComposeFile } from './support/compose.js';
import { REPO_ROOT, renderOverlay } from './support/kustomize.js';
import { clone } from './support/k8s-object.js';
import { composeProblems, type ComposeExpectations } from './checks/compose-checks.js';
import { appContainers } from './checks/k8s-app-wiring.js';
import { DEV_JWT_SECRET } from '../../apps/cli/src/auth/dev-secret.js';
// @ts-expect-error plain ESM script without types
import { DEV_STACK_ENV_VARS } from '../../scripts/dev-stack/stack-config.mjs';

const EXPECT: ComposeExpectations = { repoRoot: REPO_ROOT, natsCount: 3, engineCount: 2, gatewayCount: 2 };

function broken(change: (compose: ComposeFile) => void): ComposeFile {
  const compose = clone(loadCompose());
  change(compose);
  return compose;
}

describe('docker-compose.yml', () => {
  it('is the 3-node NATS cluster, engine + standby and two gateways, consistent with the apps and config files', () => {
    expect(composeProblems(loadCompose(), EXPECT)).toEqual([]);
  });

  it('stays consistent when an operator overrides the documented variables', () => {
    const compose = loadCompose({ SYMBOLS: 'BTC-USD,DOGE-USD:0.0001:1', LOG_LEVEL: 'debug', JWT_SECRET: 'x'.repeat(40), GATEWAY_1_PORT: '18080' });
    expect(composeProblems(compose, EXPECT)).toEqual([]);
  });

  it('runs what `npm start` runs: its symbols and its dev JWT secret, and the same as the dev overlay', () => {
    const compose = loadCompose();
    const devSymbols = (DEV_STACK_ENV_VARS as string[][]).find(([name]) => name === 'DEV_SYMBOLS')![1];
    expect(compose.services['matching-engine'].environment!.SYMBOLS).toBe(devSymbols);
    expect(compose.services['gateway-1'].environment!.JWT_SECRET).toBe(DEV_JWT_SECRET);
    const dev = appContainers(renderOverlay('dev')).apps;
    expect(dev.find((a) => a.app === 'matching-engine')!.env.SYMBOLS).toBe(devSymbols);
    expect(dev.find((a) => a.app === 'gateway')!.env.JWT_SECRET).toBe(DEV_JWT_SECRET);
  });

  it('interpolates like compose and refuses a required variable that is unset', () => {
    expect(interpolate('${A:-x}-${B-y}-$$-${C}', { A: '', B: '' })).toBe('x--$-');
    expect(() => interpolate('${A:?A is required}', {})).toThrow(ComposeInterpolationError);
  });
});

describe('the compose checks catch a broken compose file', () => {
  it('an env var the app does not read and a value its loader refuses', () => {
    const problems = composeProblems(
      broken((c) => {
        c.services['gateway-2'].environment!.DRAIN_MILLIS = '1';
        c.services['matching-engine'].environment!.SYMBOLS = 'btc-usd';
      }),
      EXPECT,
    ).join('\n');
    expect(problems).toMatch(/gateway-2: sets DRAIN_MILLIS/);
    expect(problems).toMatch(/matching-engine: the matching-engine's config loader refuses the environment: .*SYMBOLS/);
  });

  it("Docker's default 10 s stop timeout against a 10 s drain", () => {
    const problems = composeProblems(broken((c) => delete c.services['gateway-1'].stop_grace_period), EXPECT);
    expect(problems).toEqual([expect.stringMatching(/gateway-1: stop_grace_period 10s < DRAIN_MS 10s \+ margin/)]);
  });

  it('a standby serving other symbols than the writer, a missing gateway, an unhardened container', () => {
    const problems = composeProblems(
      broken((c) => {
        c.services['matching-engine-standby'].environment = { ...c.services['matching-engine-standby'].environment, SYMBOLS: 'BTC-USD' };
        delete c.services['gateway-2'];
        c.services['gateway-1'].read_only = false;
      }),
      EXPECT,
    ).join('\n');
    expect(problems).toMatch(/standby must mirror the writer/);
    expect(problems).toMatch(/1 gateway services, expected 2/);
    expect(problems).toMatch(/gateway-1: read_only must be true/);
    expect(problems).toMatch(/prometheus: scrapes gateway-2:9090/);
  });

  it('a NATS server missing from the routes, a floating NATS tag, an unset config variable', () => {
    const problems = composeProblems(
      broken((c) => {
        c.services['nats-4'] = { ...c.services['nats-3'], environment: { NATS_SERVER_NAME: 'nats-4' } };
        c.services['nats-1'].image = 'nats:latest';
        c.services['nats-2'].environment = {};
      }),
      { ...EXPECT, natsCount: 4 },
    ).join('\n');
    expect(problems).toMatch(/routes .* are not every NATS service/);
    expect(problems).toMatch(/nats-1: image nats:latest/);
    expect(problems).toMatch(/nats-2: deploy\/nats\/nats-cluster.conf uses \$NATS_SERVER_NAME/);
    expect(problems).toMatch(/nats-server -t refuses/);
    const old = composeProblems(broken((c) => (c.services['nats-2'].image = 'nats:2.9.25-alpine')), EXPECT);
    expect(old).toEqual(['nats-2: image nats:2.9.25-alpine must be nats:2.10.x or later, pinned to a patch release']);
    const short = composeProblems(broken((c) => (c.services['nats-3'].stop_grace_period = '30s')), EXPECT);
    expect(short).toEqual(['nats-3: stop_grace_period 30s does not cover lame duck mode (40s)']);
  });

  it('an engine command that replaces the image CMD and its node flags', () => {
    const problems = composeProblems(broken((c) => (c.services['matching-engine'].command = ['node', 'apps/matching-engine/dist/main.js'])), EXPECT);
    expect(problems).toEqual(['matching-engine: command/entrypoint replace the image\'s CMD and its node flags']);
  });

  it('a gateway healthcheck that never asks /readyz (its gateway_ready gauge would go stale)', () => {
    const problems = composeProblems(broken((c) => (c.services['gateway-2'].healthcheck!.test = ['CMD', 'node', '/app/deploy/healthcheck.mjs', '/healthz'])), EXPECT);
    expect(problems).toEqual([expect.stringMatching(/gateway-2: healthcheck must run \/app\/deploy\/healthcheck.mjs \/readyz/)]);
  });

  it('an admin port moved without Prometheus, and a NATS_URL to a host that is no NATS service', () => {
    const problems = composeProblems(
      broken((c) => {
        c.services['matching-engine'].environment!.ADMIN_PORT = '9191';
        c.services['gateway-1'].environment!.NATS_URL = 'nats://nats:4222';
      }),
      EXPECT,
    ).join('\n');
    expect(problems).toMatch(/prometheus: does not scrape matching-engine:9191/);
    expect(problems).toMatch(/gateway-1: NATS_URL entry nats:\/\/nats:4222 is not a NATS service/);
  });
});
