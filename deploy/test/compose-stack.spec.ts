import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ChildService, freePort, waitFor } from '@trading/testing';
import { loadCompose } from './support/compose.js';
import { REPO_ROOT } from './support/kustomize.js';
import { engineRoles, localAppEnv, startComposeNats } from './support/local-compose.js';
import type { LocalNatsCluster } from './support/local-nats.js';
import { appOfService } from './checks/compose-checks.js';
import { JOURNAL_STREAM } from '../../apps/matching-engine/src/journal/journal-stream.js';

/**
 * The docker-compose topology run as local processes (no Docker engine here): the three NATS servers
 * from deploy/nats/nats-cluster.conf, the engine and its standby and a gateway with the environment
 * docker-compose.yml gives them (container addresses moved to loopback ports). It proves that this
 * configuration works together: an R3 journal (JOURNAL_REPLICAS=3) on the cluster, the lease making
 * one engine the writer, the dev JWT secret accepted, and a failover to the standby that keeps the
 * book.
 */
const MAINS = {
  'matching-engine': join(REPO_ROOT, 'apps/matching-engine/dist/main.js'),
  gateway: join(REPO_ROOT, 'apps/gateway/dist/main.js'),
};
const STACK_TIMEOUT_MS = 120_000;

describe('docker-compose topology as local processes', () => {
  const compose = loadCompose();
  let nats: LocalNatsCluster;
  const engines: { name: string; service: ChildService; admin: number }[] = [];
  let gateway: { service: ChildService; admin: number; port: number };
  const tokens: Record<'buyer' | 'seller', string> = { buyer: '', seller: '' };
  let n = 0;

  const ready = (admin: number) => fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status === 200, () => false);
  const place = (user: keyof typeof tokens, body: Record<string, unknown>) =>
    fetch(`http://127.0.0.1:${gateway.port}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` },
      body: JSON.stringify({ symbol: 'BTC-USD', orderType: 'limit', clientOrderId: `compose-${++n}`, ...body }),
    });

  beforeAll(async () => {
    for (const main of Object.values(MAINS)) if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" (npm test does)`);
    nats = await startComposeNats(compose);
    for (const [name, service] of Object.entries(compose.services)) {
      const app = appOfService(service);
      if (app === 'matching-engine') {
        const admin = await freePort();
        engines.push({ name, admin, service: ChildService.start(name, MAINS[app], localAppEnv(service.environment!, nats.nodes, { ADMIN_PORT: admin })) });
      }
    }
    const [gatewayName] = Object.entries(compose.services).find(([, s]) => appOfService(s) === 'gateway')!;
    const admin = await freePort();
    const port = await freePort();
    const env = localAppEnv(compose.services[gatewayName].environment!, nats.nodes, { ADMIN_PORT: admin, PORT: port });
    gateway = { admin, port, service: ChildService.start(gatewayName, MAINS.gateway, env) };
    for (const user of ['buyer', 'seller'] as const) {
      tokens[user] = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(env.JWT_SECRET));
    }
    const all = [...engines.map((e) => ({ ...e, kind: 'engine' })), { name: gatewayName, ...gateway, kind: 'gateway' }];
    await waitFor(async () => (await Promise.all(all.map((s) => ready(s.admin)))).every(Boolean), {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: 'engines and gateway ready',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${all.map((s) => `--- ${s.name}\n${s.service.logs.slice(-2000)}`).join('\n')}`);
    });
  }, STACK_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([gateway?.service.kill(), ...engines.map((e) => e.service.kill())]);
    await nats?.dispose();
  });

  it(
    'one engine owns every symbol, the other stands by; orders go through the gateway; the standby takes over with the book intact',
    async () => {
      expect(engines).toHaveLength(2);
      const symbols = compose.services[engines[0].name].environment!.SYMBOLS.split(',').map((s) => s.split(':')[0]);
      let roles: Record<string, string>[] = [];
      await waitFor(async () => {
        roles = await Promise.all(engines.map((e) => engineRoles(e.admin)));
        return symbols.every((s) => roles.filter((r) => r[s] === 'owner').length === 1 && roles.filter((r) => r[s] === 'standby').length === 1);
      }, { timeoutMs: 30_000, intervalMs: 200, description: 'one owner and one standby per symbol' });

      // JOURNAL_REPLICAS=3 from the compose file: the journal is replicated on all three servers.
      // The servers require credentials (least-privilege identities): look as the engine does.
      const engineEnv = compose.services[engines[0].name].environment!;
      const nc = await connect({ servers: nats.nodes.map((node) => `nats://127.0.0.1:${node.clientPort}`), user: engineEnv.NATS_USER, pass: engineEnv.NATS_PASSWORD });
      try {
        const info = await (await jetstreamManager(nc)).streams.info(JOURNAL_STREAM);
        expect(info.config.num_replicas).toBe(Number(compose.services[engines[0].name].environment!.JOURNAL_REPLICAS));
        expect(info.config.num_replicas).toBe(3);
        expect(info.cluster?.replicas ?? []).toHaveLength(2);
      } finally {
        await nc.close();
      }

      const resting = await place('buyer', { side: 'buy', price: '100.00', quantity: '0.5000' });
      expect(resting.status).toBe(200);
      const placed = (await resting.json()) as { ok: boolean; order: { orderId: string; status: string } };
      expect(placed).toMatchObject({ ok: true, order: { status: 'NEW' } });

      // SIGTERM the writer of BTC-USD, as a rollout would; the standby must take over.
      const ownerIndex = roles.findIndex((r) => r['BTC-USD'] === 'owner');
      const owner = engines[ownerIndex];
      const standby = engines[1 - ownerIndex];
      expect(await owner.service.terminate(30_000)).toBe(0);
      await waitFor(async () => (await engineRoles(standby.admin))['BTC-USD'] === 'owner', { timeoutMs: 30_000, intervalMs: 200, description: 'standby owns BTC-USD' });

      // The new owner recovered the resting order from the replicated journal: a crossing sell fills it.
      const crossing = await waitFor(
        async () => {
          const res = await place('seller', { side: 'sell', price: '100.00', quantity: '0.5000', timeInForce: 'IOC' });
          return res.status === 200 ? ((await res.json()) as { order: { status: string; filledQuantity: string } }) : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'an order accepted by the new owner' },
      );
      expect(crossing.order).toMatchObject({ status: 'FILLED', filledQuantity: '0.5000' });
    },
    STACK_TIMEOUT_MS,
  );
});
