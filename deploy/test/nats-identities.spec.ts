import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsAccountsConfig, type NatsIdentityName } from '@trading/nats-auth';
import { loadCompose } from './support/compose.js';
import { REPO_ROOT } from './support/kustomize.js';

/**
 * The NATS identities in the deployment configs are the ones the code defines
 * (libs/nats-auth/src/permissions.ts): the accounts block of each nats-server config is exactly what
 * natsAccountsConfig renders, and every app connects as its own identity with the password its
 * NATS servers expect. Enforcement itself is tested against real servers in libs/nats-auth/test and
 * apps/gateway/test/security.
 */
const IDENTITIES: NatsIdentityName[] = ['engine', 'gateway', 'reader'];
const passwordVar = (identity: NatsIdentityName) => `NATS_${identity.toUpperCase()}_PASSWORD`;
const EXPECTED_BLOCK = natsAccountsConfig(IDENTITIES.map((identity) => ({ user: identity, password: `$${passwordVar(identity)}`, identity })));

function accountsBlock(file: string): string {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const start = text.indexOf('\naccounts {');
  expect(start).toBeGreaterThan(0);
  const end = text.indexOf('\n}\n', start);
  return text.slice(start + 1, end + 2);
}

describe('NATS identities in the deployment configs', () => {
  it.each(['deploy/nats/nats-cluster.conf', 'k8s/base/nats/nats.conf'])('%s has exactly the generated accounts block', (file) => {
    expect(accountsBlock(file)).toBe(EXPECTED_BLOCK);
  });

  it('docker-compose: each app connects as its own identity, with the password its NATS servers hold', () => {
    const compose = loadCompose();
    const nats = Object.entries(compose.services).filter(([, s]) => /^nats:/.test(s.image ?? ''));
    expect(nats.length).toBe(3);
    const expectedUser: Record<string, NatsIdentityName> = { 'matching-engine': 'engine', 'matching-engine-standby': 'engine', 'gateway-1': 'gateway', 'gateway-2': 'gateway' };
    for (const [name, identity] of Object.entries(expectedUser)) {
      const env = compose.services[name].environment ?? {};
      expect([name, env.NATS_USER]).toEqual([name, identity]);
      for (const [natsName, server] of nats) {
        expect([name, natsName, env.NATS_PASSWORD]).toEqual([name, natsName, server.environment?.[passwordVar(identity)]]);
      }
      // Credentials are not duplicated into the URL (the services refuse both at once).
      expect(env.NATS_URL).not.toContain('@');
    }
  });
});
