import { NatsServer } from '@trading/testing';
import { natsAccountsConfig, type NatsIdentityName } from '../../src/index.js';

/** Passwords of the test server's users; the user name is the identity name. */
export const TEST_PASSWORDS: Readonly<Record<NatsIdentityName, string>> = {
  engine: 'engine-test-password',
  gateway: 'gateway-test-password',
  reader: 'reader-test-password',
};

/** A real nats-server configured like production: accounts, users and their subject permissions. */
export function startSecuredNats(): Promise<NatsServer> {
  const users = (Object.keys(TEST_PASSWORDS) as NatsIdentityName[]).map((identity) => ({ user: identity, password: TEST_PASSWORDS[identity], identity }));
  return NatsServer.start({ extraConfig: natsAccountsConfig(users) });
}

/** `nats://user:password@127.0.0.1:port` for one identity. */
export function urlFor(server: NatsServer, identity: NatsIdentityName): string {
  return `nats://${identity}:${encodeURIComponent(TEST_PASSWORDS[identity])}@127.0.0.1:${server.port}`;
}
