import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { startGateway } from './support/stack.js';

/**
 * A reconnect storm: 10,000 WebSocket clients (4 processes, each from its own 127.0.0.x address,
 * since one process may hold at most 20,000 fds) on replica A; A is killed with SIGKILL and all of
 * them reconnect (random delay up to 1 s, like the SDK's jitter) to replica B and subscribe again.
 * Recovered = every client holds an acknowledged subscription on B and a trade published then
 * reaches all 10,000. The time it took is reported.
 */
const CLIENT = fileURLToPath(new URL('./support/storm-client.mjs', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 2500;
const TOTAL = PROCESSES * PER_PROCESS;

interface Counts {
  subscribed: number;
  acks: number;
  received: number;
}

describe('fault: reconnect storm of 10,000 clients', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let gwA: Awaited<ReturnType<typeof startGateway>>;
  let gwB: Awaited<ReturnType<typeof startGateway>>;
  const children: ChildProcess[] = [];
  const counts: Counts[] = [];
  const sum = (k: keyof Counts) => counts.reduce((n, c) => n + c[k], 0);

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: false });
    nc = await connect({ servers: nats.url });
    const env = { MAX_CONNECTIONS_PER_IP: String(PER_PROCESS * 2), IDLE_TIMEOUT_SECONDS: '0' };
    [gwA, gwB] = await Promise.all([startGateway('gateway-a', nats.url, env), startGateway('gateway-b', nats.url, env)]);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const s of [gwA, gwB]) await s?.service.kill();
    await nc?.close();
    await nats?.dispose();
  });

  it('all 10,000 clients are back, subscribed and receiving on the other replica', async () => {
    for (let i = 0; i < PROCESSES; i++) {
      counts.push({ subscribed: 0, acks: 0, received: 0 });
      const child = fork(CLIENT, [[gwA.wsUrl, gwB.wsUrl].join(','), String(PER_PROCESS), `127.0.0.${10 + i}`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.on('message', (m) => (counts[i] = m as Counts));
      children.push(child);
    }
    const rampStart = Date.now();
    await waitFor(() => (sum('subscribed') === TOTAL ? true : undefined), { timeoutMs: 90_000, intervalMs: 100, description: `${TOTAL} clients subscribed on A` });
    const rampMs = Date.now() - rampStart;
    let tradeSeq = 0;
    const publishTrade = () => nc.publish('trading.trade.BTC-USD', JSON.stringify({ type: 'TradeExecuted', symbol: 'BTC-USD', seq: ++tradeSeq, ts: Date.now(), tradeId: `t${tradeSeq}`, price: '1.00', quantity: '1.0000', takerSide: 'buy' }));
    publishTrade();
    await waitFor(() => (sum('received') >= TOTAL ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, description: 'first trade to every client' });

    const killedAt = Date.now();
    await gwA.service.kill();
    await waitFor(() => (sum('acks') >= 2 * TOTAL && sum('subscribed') === TOTAL ? true : undefined), { timeoutMs: 120_000, intervalMs: 100, description: 'every client resubscribed on B' });
    const resubscribedMs = Date.now() - killedAt;
    const before = sum('received');
    publishTrade();
    await waitFor(() => (sum('received') >= before + TOTAL ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, description: 'trade after the storm to every client' });
    const recoveredMs = Date.now() - killedAt;
    const metrics = await (await fetch(`http://127.0.0.1:${gwB.adminPort}/metrics`)).text();
    const connectionsOnB = metrics.split('\n').filter((l) => l.startsWith('gateway_connections{')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(connectionsOnB).toBe(TOTAL);
    expect(sum('received')).toBe(before + TOTAL);
    console.log(JSON.stringify({ fault: 'reconnect storm', clients: TOTAL, processes: PROCESSES, initialRampMs: rampMs, resubscribedMs, recoveredMs, jitterMs: 1000 }));
  });
});
