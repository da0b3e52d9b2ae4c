import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { NATS_PERMISSIONS, type NatsIdentityName } from '../../src/index.js';

/**
 * A nats-server in operator (decentralised JWT) mode, as `nsc` would set it up: an operator, one
 * account with JetStream, and a `.creds` file per identity carrying the same subject permissions
 * as the user/password configs.
 */
export interface OperatorSetup {
  /** Text for NatsServer.start({ extraConfig }). */
  serverConfig: string;
  credsFile(identity: NatsIdentityName): string;
}

export async function operatorSetup(identities: readonly NatsIdentityName[]): Promise<OperatorSetup> {
  const operator = createOperator();
  const account = createAccount();
  const operatorJwt = await encodeOperator('TEST_OPERATOR', operator);
  const accountJwt = await encodeAccount(
    'TRADING',
    account,
    {
      limits: {
        subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1,
        mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1,
      } as never,
    },
    { signer: operator },
  );
  // JetStream in operator mode needs a system account for its internal subscriptions.
  const system = createAccount();
  const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  const dir = mkdtempSync(join(tmpdir(), 'nats-creds-'));
  const files = new Map<NatsIdentityName, string>();
  for (const identity of identities) {
    const user = createUser();
    const p = NATS_PERMISSIONS[identity];
    const userJwt = await encodeUser(identity, user, account, {
      pub: p.publish.length > 0 ? { allow: [...p.publish] } : { deny: ['>'] },
      sub: p.subscribe.length > 0 ? { allow: [...p.subscribe] } : { deny: ['>'] },
      // allow_responses in JWT form: one reply per request, valid for a minute.
      ...(p.allowResponses ? { resp: { max: 1, ttl: 60_000_000_000 } } : {}),
    });
    const file = join(dir, `${identity}.creds`);
    writeFileSync(file, fmtCreds(userJwt, user), { mode: 0o600 });
    files.set(identity, file);
  }
  const serverConfig = [
    `operator: ${operatorJwt}`,
    // The engine's user JWT lists every subject it may use; its CONNECT line exceeds the 4 KiB default.
    'max_control_line: 16384',
    `system_account: ${system.getPublicKey()}`,
    'resolver: MEMORY',
    `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
  ].join('\n');
  return {
    serverConfig,
    credsFile: (identity) => {
      const file = files.get(identity);
      if (!file) throw new Error(`no creds made for ${identity}`);
      return file;
    },
  };
}
