import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { GroundTruth } from './support/ground-truth.js';
import { OrderLoad } from './support/order-load.js';
import { range, startEngine, startGateway, watchOrders, SYMBOL, type OrderWatcher, type Service } from './support/stack.js';

/**
 * kill -9 of a gateway replica under steady order flow: its SDK clients fail over to the other
 * replica and resume from the last seq they saw (fromSeqs), so the application receives every
 * OrderUpdate exactly once, in order, with no gap reported.
 */
describe('fault: kill -9 a gateway replica', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let engine: Service;
  let gwA: Awaited<ReturnType<typeof startGateway>>;
  let gwB: Awaited<ReturnType<typeof startGateway>>;
  const watchers: OrderWatcher[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    engine = await startEngine('engine', nats.url);
    [gwA, gwB] = await Promise.all([startGateway('gateway-a', nats.url), startGateway('gateway-b', nats.url)]);
  });
  afterAll(async () => {
    await Promise.all(watchers.map((w) => w.client.close()));
    for (const s of [gwA, gwB, engine]) await s?.service.kill();
    await nc?.close();
    await nats?.dispose();
  });

  it('loses and duplicates no OrderUpdate for the clients of the killed replica', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `trader${i}`);
    const truth = new GroundTruth(nc, 'trading.order.>');
    await nc.flush();
    // Half the clients start on A, half on B; each lists the other replica second.
    for (const [i, user] of users.entries()) watchers.push(await watchOrders(user, i % 2 === 0 ? [gwA.wsUrl, gwB.wsUrl] : [gwB.wsUrl, gwA.wsUrl]));
    const load = new OrderLoad(nc, users, 150);
    await waitFor(() => (load.acked.length >= 200 ? true : undefined), { timeoutMs: 20_000, description: '200 orders before the kill' });

    const killedAt = Date.now();
    await gwA.service.kill();
    const onA = watchers.filter((_, i) => i % 2 === 0);
    await waitFor(() => (onA.every((w) => w.client.url === gwB.wsUrl && w.client.state === 'open' && (w.resumedAcks >= 1 || !!process.env.FAULTS_NO_RESUME)) ? true : undefined), {
      timeoutMs: 20_000,
      description: 'all clients of A resumed on B',
    });
    const failoverMs = Date.now() - killedAt;
    const ackedAtKill = load.acked.length;
    await waitFor(() => (load.acked.length >= ackedAtKill + 200 ? true : undefined), { timeoutMs: 20_000, description: '200 orders after the failover' });
    await load.stop();

    // Everything published reaches every client (the engine publishes after the ack; allow it to drain).
    const subjectOf = (user: string) => `trading.order.${user}.${SYMBOL}`;
    await waitFor(
      () => (watchers.every((w) => (w.delivered.get(SYMBOL)?.at(-1) ?? 0) === truth.last(subjectOf(w.userId))) ? true : undefined),
      { timeoutMs: 20_000, description: 'clients caught up with the engine' },
    );
    let lost = 0;
    let duplicated = 0;
    let delivered = 0;
    for (const w of watchers) {
      const seqs = w.delivered.get(SYMBOL) ?? [];
      const expected = range(1, truth.last(subjectOf(w.userId)));
      delivered += seqs.length;
      duplicated += seqs.length - new Set(seqs).size;
      lost += expected.filter((s) => !seqs.includes(s)).length;
      expect({ user: w.userId, seqs }).toEqual({ user: w.userId, seqs: expected });
      expect(w.gaps).toEqual([]);
    }
    expect(truth.conflicting).toEqual([]);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(load.acked.length).toBeGreaterThanOrEqual(400);
    // Reported in docs/reliability.md.
    console.log(JSON.stringify({ fault: 'gateway kill -9', clients: watchers.length, failedOver: onA.length, ordersAcked: load.acked.length, orderUpdatesDelivered: delivered, lost, duplicated, failoverMs }));
  });
});
