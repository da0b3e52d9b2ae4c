import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { GroundTruth } from './support/ground-truth.js';
import { OrderLoad } from './support/order-load.js';
import { range, startEngine, startGateway, watchOrders, SYMBOL, type OrderWatcher, type Service } from './support/stack.js';

/**
 * kill -9 of the owning engine mid-load: the standby takes the lease, recovers the symbol from
 * snapshot + journal, republishes what may not have gone out, and serves on. No acknowledged order
 * is lost, seqs continue with no gap, and SDK clients (through a gateway) see every OrderUpdate once.
 */
describe('fault: kill -9 the engine', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let primary: Service;
  let standby: Service;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const watchers: OrderWatcher[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    primary = await startEngine('engine-1', nats.url);
    // Owner first, then the standby (ready = standing by).
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${primary.adminPort}/readyz`)).json()) as { symbols: Record<string, string> }).symbols[SYMBOL] === 'owner', { timeoutMs: 15_000 });
    standby = await startEngine('engine-2', nats.url);
    gateway = await startGateway('gateway', nats.url);
  });
  afterAll(async () => {
    await Promise.all(watchers.map((w) => w.client.close()));
    for (const s of [gateway, primary, standby]) await s?.service.kill();
    await nc?.close();
    await nats?.dispose();
  });

  it('keeps every acknowledged order and every seq; the standby takes over', async () => {
    const users = Array.from({ length: 10 }, (_, i) => `maker${i}`);
    const truth = new GroundTruth(nc, 'trading.order.>', 'trading.trade.>', 'trading.book.>');
    await nc.flush();
    for (const user of users) watchers.push(await watchOrders(user, [gateway.wsUrl]));
    const load = new OrderLoad(nc, users, 150);
    await waitFor(() => (load.acked.length >= 200 ? true : undefined), { timeoutMs: 20_000, description: '200 orders before the kill' });

    const killedAt = Date.now();
    await primary.service.kill();
    const ackedAtKill = load.acked.length;
    await waitFor(() => (load.acked.length > ackedAtKill + 5 && load.ackTimes.at(-1)! > killedAt ? true : undefined), { timeoutMs: 30_000, description: 'orders acknowledged again' });
    const firstAckAfter = load.ackTimes.find((t) => t > killedAt + 1)!;
    const recoveryMs = firstAckAfter - killedAt;
    await waitFor(() => (load.acked.length >= ackedAtKill + 200 ? true : undefined), { timeoutMs: 30_000, description: '200 orders after the takeover' });
    await load.stop();
    const standbyRole = ((await (await fetch(`http://127.0.0.1:${standby.adminPort}/readyz`)).json()) as { symbols: Record<string, string> }).symbols[SYMBOL];
    expect(standbyRole).toBe('owner');

    // No acknowledged order lost: the new owner returns each original result for an identical resend.
    const lostOrders = await load.verifyAcked();
    expect(lostOrders).toEqual([]);

    // Seqs continue with no gap on every subject (repeats only with identical bytes).
    const subjects = [...truth.seqs.keys()];
    expect(subjects.length).toBeGreaterThan(users.length);
    for (const subject of subjects) expect({ subject, missing: truth.missing(subject) }).toEqual({ subject, missing: [] });
    expect(truth.conflicting).toEqual([]);
    const repeats = subjects.reduce((n, s) => n + truth.seqs.get(s)!.length - new Set(truth.seqs.get(s)).size, 0);

    // SDK clients: each OrderUpdate exactly once.
    const subjectOf = (user: string) => `trading.order.${user}.${SYMBOL}`;
    await waitFor(() => (watchers.every((w) => (w.delivered.get(SYMBOL)?.at(-1) ?? 0) === truth.last(subjectOf(w.userId))) ? true : undefined), {
      timeoutMs: 20_000,
      description: 'clients caught up',
    });
    let delivered = 0;
    for (const w of watchers) {
      const seqs = w.delivered.get(SYMBOL) ?? [];
      delivered += seqs.length;
      expect({ user: w.userId, seqs }).toEqual({ user: w.userId, seqs: range(1, truth.last(subjectOf(w.userId))) });
      expect(w.gaps).toEqual([]);
    }
    console.log(JSON.stringify({ fault: 'engine kill -9', ordersAcked: load.acked.length, lostAcked: lostOrders.length, retries: load.retries, recoveryMs, orderEntryPauseMs: load.longestAckPause(killedAt), repeatsAfterCrash: repeats, orderUpdatesDelivered: delivered }));
  });
});
