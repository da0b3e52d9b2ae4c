import { afterAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { delay, NatsCluster, NatsServer, waitFor } from '@trading/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectivityLines, diagnoseGaps } from './support/gap-diagnosis.js';
import { GroundTruth } from './support/ground-truth.js';
import { OrderLoad } from './support/order-load.js';
import { ReadinessProbe } from './support/readiness-probe.js';
import { startEngine, startGateway, watchOrders, SYMBOL, type OrderWatcher, type Service } from './support/stack.js';

/**
 * NATS faults under order flow: a single nats-server restarted (down for a second), and one node of
 * a 3-node cluster killed. Engines and gateways reconnect and resubscribe on their own, /readyz is
 * false while they are cut off, and no acknowledged order is lost (each is verified by an identical
 * resend, which the engine answers with the original order).
 */
describe('fault: NATS outages', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  async function stack(natsUrl: string, engineEnv: Record<string, string> = {}, clientUrl = natsUrl, gatewayEnv: Record<string, string> = {}) {
    const engine = await startEngine('engine', natsUrl, engineEnv);
    cleanup.push(() => engine.service.kill());
    const gateway = await startGateway('gateway', natsUrl, gatewayEnv);
    cleanup.push(() => gateway.service.kill());
    const nc = await connect({ servers: clientUrl.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanup.push(() => nc.close());
    const users = ['u1', 'u2', 'u3', 'u4'];
    const watchers: OrderWatcher[] = [];
    for (const user of users) watchers.push(await watchOrders(user, [gateway.wsUrl]));
    cleanup.push(() => Promise.all(watchers.map((w) => w.client.close())));
    return { engine, gateway, nc, users, watchers };
  }

  async function underLoad(
    nc: NatsConnection,
    users: string[],
    services: Service[],
    fault: () => Promise<void>,
    beforeFault?: () => Promise<void>,
    onAckTimes?: (times: number[]) => void,
  ) {
    const load = new OrderLoad(nc, users, 100);
    onAckTimes?.(load.ackTimes);
    const probe = new ReadinessProbe(services);
    await waitFor(() => (load.acked.length >= 100 ? true : undefined), { timeoutMs: 20_000, description: '100 orders before the fault' });
    await beforeFault?.();
    const faultAt = Date.now();
    await fault();
    const ackedAtFault = load.acked.length;
    try {
      await waitFor(() => (load.acked.length >= ackedAtFault + 100 ? true : undefined), { timeoutMs: 45_000, description: '100 orders after the fault' });
    } catch (err) {
      // Stop the load and the probe (their timers would keep Jest alive) and show why order entry did not come back.
      probe.stop();
      await Promise.race([load.stop(), delay(5000)]);
      for (const s of services) console.log(`${s.service.name} logs:\n${s.service.logs.slice(-6000)}`);
      throw err;
    }
    await load.stop();
    probe.stop();
    const firstAckAfter = load.ackTimes.find((t) => t > faultAt + 1);
    return { load, probe, faultAt, recoveryMs: firstAckAfter === undefined ? undefined : firstAckAfter - faultAt, orderEntryPauseMs: load.longestAckPause(faultAt) };
  }

  /** After the fault: new OrderUpdates reach the SDK clients through the gateway (it resubscribed). */
  async function eventsFlowAgain(nc: NatsConnection, watchers: OrderWatcher[]) {
    const before = watchers.map((w) => w.delivered.get(SYMBOL)?.length ?? 0);
    const load = new OrderLoad(nc, watchers.map((w) => w.userId), 50);
    await waitFor(() => (watchers.every((w, i) => (w.delivered.get(SYMBOL)?.length ?? 0) > before[i]) ? true : undefined), { timeoutMs: 30_000, description: 'events through the gateway again' });
    await load.stop();
  }

  it('nats-server restarted (down ~1 s): readiness drops and returns, no acknowledged order lost', async () => {
    const nats = await NatsServer.start({ jetstream: true });
    cleanup.push(() => nats.dispose());
    const { engine, gateway, nc, users, watchers } = await stack(nats.url);
    const { load, probe, faultAt, recoveryMs, orderEntryPauseMs } = await underLoad(nc, users, [engine, gateway], async () => {
      await nats.stop();
      await delay(1000);
      await nats.restart();
    });
    const gw = probe.outage('gateway', faultAt);
    const en = probe.outage('engine', faultAt);
    expect(gw.sawNotReady).toBe(true);
    expect(en.sawNotReady).toBe(true);
    expect(gw.readyAgainAt).toBeDefined();
    expect(en.readyAgainAt).toBeDefined();
    expect(await load.verifyAcked()).toEqual([]);
    await eventsFlowAgain(nc, watchers);
    const gaps = watchers.reduce((n, w) => n + w.gaps.length, 0);
    console.log(JSON.stringify({ fault: 'nats-server restart', ordersAcked: load.acked.length, lostAcked: 0, retries: load.retries, recoveryMs, orderEntryPauseMs, gatewayNotReadyMs: gw.readyAgainAt! - faultAt, engineNotReadyMs: en.readyAgainAt! - faultAt, sdkGapsReported: gaps }));
  });

  it('one node of a 3-node cluster killed: R3 journal and event streams carry on, no acknowledged order lost', async () => {
    const cluster = await NatsCluster.start(3);
    cleanup.push(() => cluster.dispose());
    // Engine and gateway are given only node 1, so they are surely connected to the node that dies; they
    // learn the other nodes from the cluster (INFO connect_urls) and must reconnect there. The engine runs
    // with the default LEASE_TTL_MS (5 s); the lease is kept through the lease bucket's election even
    // when that outlasts the TTL (docs/engine.md, "Leases: lease bucket outages").
    // Info logs (NATS reconnects, catch-ups) are printed, with times relative to the kill, if a client reports a gap.
    const { engine, gateway, nc, users, watchers } = await stack(cluster.urls[0], { JOURNAL_REPLICAS: '3', EVENTS_REPLICAS: '3', LEASE_TTL_MS: '5000', LOG_LEVEL: 'info' }, cluster.natsUrl, { LOG_LEVEL: 'info' });
    // What the engine published, as a subscriber on a surviving node saw it (for the gap diagnosis).
    const survivor = await connect({ servers: cluster.urls[1], maxReconnectAttempts: -1 });
    cleanup.push(() => survivor.close());
    const truth = new GroundTruth(survivor, 'trading.order.>');
    await survivor.flush();
    const leadersAtKill: Record<string, string | undefined> = {};
    let killedAt = 0;
    let ackTimes: number[] = [];
    // FAULTS_LOG_DIR=dir keeps every run's engine, gateway and surviving nats-server logs (loops of this scenario).
    const keepLogs = (outcome: Record<string, unknown>) => {
      const dir = process.env.FAULTS_LOG_DIR;
      if (!dir) return;
      const run = join(dir, `cluster-kill-${killedAt || Date.now()}`);
      mkdirSync(run, { recursive: true });
      writeFileSync(join(run, 'engine.log'), engine.service.logs);
      writeFileSync(join(run, 'gateway.log'), gateway.service.logs);
      cluster.nodes.forEach((node, i) => writeFileSync(join(run, `nats-n${i + 1}.log`), node.log));
      writeFileSync(join(run, 'outcome.json'), JSON.stringify({ ...outcome, killedAt, leadersAtKill, killedNode: `n1-${cluster.nodes[0].port}`, ackTimes: ackTimes.filter((t) => t >= killedAt - 2000).map((t) => t - killedAt) }));
    };
    const loaded = await underLoad(
      nc,
      users,
      [engine, gateway],
      async () => {
        killedAt = Date.now();
        await cluster.nodes[0].kill();
      },
      async () => {
        const jsm = await jetstreamManager(survivor, { checkAPI: false });
        for await (const info of jsm.streams.list()) leadersAtKill[info.config.name] = info.cluster?.leader;
      },
      (times) => (ackTimes = times),
    ).catch((err: unknown) => {
      keepLogs({ failed: (err as Error).message });
      throw err;
    });
    const { load, probe, faultAt, recoveryMs, orderEntryPauseMs } = loaded;
    keepLogs({ recoveryMs, orderEntryPauseMs });
    expect(await load.verifyAcked()).toEqual([]);
    await waitFor(async () => ((await engine.readyz()) === 200 && (await gateway.readyz()) === 200 ? true : undefined), { timeoutMs: 30_000, description: 'ready again' });
    await eventsFlowAgain(nc, watchers).catch((err: unknown) => {
      // Seen once in 24 runs (docs/reliability.md): print both logs, so a repeat can be diagnosed.
      console.log(`engine logs:\n${engine.service.logs.slice(-6000)}\ngateway logs:\n${gateway.service.logs.slice(-6000)}`);
      throw err;
    });
    const gw = probe.outage('gateway', faultAt);
    const en = probe.outage('engine', faultAt);
    // Both were cut off (their logs say so) and reconnected to a surviving node. The reconnect can be
    // quicker than the 50 ms readiness poll, so a not-ready answer is reported, not required.
    expect(gateway.service.logs).toContain('NATS disconnected');
    expect(engine.service.logs).toContain('disconnected from NATS');
    const gaps = watchers.reduce((n, w) => n + w.gaps.length, 0);
    if (gaps > 0) {
      // Which seqs were missed, whether they left the dying node and reached the stream, and when.
      const killed = `n1-${cluster.nodes[0].port}`;
      console.log(JSON.stringify({ gapDiagnosis: await diagnoseGaps(survivor, truth, watchers, faultAt), killedNode: killed, leadersAtKill }, null, 1));
      console.log(`gateway:\n${connectivityLines(gateway.service.logs, faultAt).join('\n')}\nengine:\n${connectivityLines(engine.service.logs, faultAt).join('\n')}`);
    }
    const notReadyFor = (o: typeof gw) => (o.sawNotReady ? o.readyAgainAt! - faultAt : 0);
    // Losing one node of three must not stop order entry for long: about one journal stream leader
    // election (3-8 s with nats-server 2.9 on this machine). The engine keeps its lease while the lease
    // bucket elects a leader, even past the TTL, and journal appends wait for the new journal leader;
    // before (issue 7) the lease lapsed whenever the killed node led the lease bucket, and the rebuild
    // that followed took up to 33 s in a loop of 25 runs. The pause is a measured figure, reported
    // (docs/reliability.md), not a timed assertion; order entry must come back (45 s give-up above).
    if (orderEntryPauseMs >= 8000) console.log(engine.service.logs.slice(-6000));
    expect(recoveryMs).toBeDefined(); // orders were acknowledged again after the kill
    // Bytes of events and replies the engine sent again after its reconnect (publish-resend.ts).
    const engineResentBytes = [...engine.service.logs.matchAll(/"resentBytes":(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    // Seen from a surviving node: every seq the engine published, with repeats (the resend) allowed.
    const survivorMissing = [...truth.seqs.keys()].reduce((n, subject) => n + truth.missing(subject).length, 0);
    const survivorRepeats = [...truth.seqs.values()].reduce((n, list) => n + list.length - new Set(list).size, 0);
    console.log(JSON.stringify({ fault: 'cluster node kill -9', ordersAcked: load.acked.length, lostAcked: 0, retries: load.retries, recoveryMs, orderEntryPauseMs, gatewayNotReadyMs: notReadyFor(gw), engineNotReadyMs: notReadyFor(en), sdkGapsReported: gaps, engineResentBytes, survivorMissing, survivorRepeats }));
    // Events published into the dying node were lost before the engine resent them after its
    // reconnect (1 missed OrderUpdate each for two users in 4 of 19 runs; docs/reliability.md).
    expect(truth.conflicting).toEqual([]);
    expect(survivorMissing).toBe(0);
    expect(gaps).toBe(0);
  });
});
