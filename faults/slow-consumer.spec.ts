import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, TestSocket, waitFor } from '@trading/testing';
import { startGateway } from './support/stack.js';

/**
 * One client stops reading while trades stream at a steady rate: its bounded send buffer overflows
 * and the gateway closes it with 4008. The other clients on the same topic keep receiving every
 * frame, in order, and stay connected; their delivery lag is reported (not asserted: timing on a
 * shared machine is for benchmarks).
 */
describe('fault: a slow consumer', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: false });
    nc = await connect({ servers: nats.url });
    gateway = await startGateway('gateway', nats.url, { SEND_BUFFER_BYTES: String(256 * 1024), SEND_BUFFER_SWEEP_MS: '20' });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await gateway?.service.kill();
    await nc?.close();
    await nats?.dispose();
  });

  /** Publishes `total` trades of ~8 KB at a steady 3000/s (16 MB per client: more than loopback's kernel buffers can hide). */
  async function stream(first: number, total: number): Promise<void> {
    const pad = 'x'.repeat(8000);
    let seq = first - 1;
    const last = first + total - 1;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < 30 && seq < last; i++) {
          seq++;
          nc.publish('trading.trade.BTC-USD', JSON.stringify({ type: 'TradeExecuted', symbol: 'BTC-USD', seq, ts: Date.now(), tradeId: `t${seq}`, price: '1.00', quantity: '1.0000', takerSide: 'buy', pad }));
        }
        if (seq >= last) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
  }

  const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

  it('closes only the stalled client with 4008; everyone else gets every frame', async () => {
    const url = `ws://127.0.0.1:${gateway.port}/ws/trades?symbols=BTC-USD`;
    const fast = await Promise.all(Array.from({ length: 5 }, () => TestSocket.open(url)));
    sockets.push(...fast);
    let lags: number[] = [];
    // Count and time frames as they arrive (re-parsing every recorded frame while waiting would load this process, not the gateway).
    const counts = fast.map(() => 0);
    fast.forEach((socket, i) =>
      socket.ws.on('message', (data) => {
        counts[i]++;
        lags.push(Date.now() - (JSON.parse(data.toString()) as { ts: number }).ts);
      }),
    );
    const received = (n: number) => waitFor(() => (counts.every((c) => c >= n) ? true : undefined), { timeoutMs: 30_000, description: `${n} frames on every fast client` });
    const total = 2000;

    // Baseline: the same stream with nobody stalled.
    await stream(1, total);
    await received(total);
    const baseline = lags;
    lags = [];

    const slow = await TestSocket.open(url);
    sockets.push(slow);
    // Stop reading: the kernel buffers fill, then the gateway's send buffer for this socket grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await stream(total + 1, total);
    await received(2 * total);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_slow_consumer_closes_total 1$/m);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.waitForClose(10_000)).code).toBe(4008);
    for (const socket of fast) {
      expect(socket.closed).toBeUndefined();
      expect(socket.messages.map((m) => m.seq)).toEqual(Array.from({ length: 2 * total }, (_, i) => i + 1));
    }
    console.log(
      JSON.stringify({
        fault: 'slow consumer',
        framesPerFastClient: 2 * total,
        bytesPerFrame: 8100,
        fastClients: fast.length,
        slowClosedWith: 4008,
        baselineLagMs: { p50: percentile(baseline, 0.5), p99: percentile(baseline, 0.99), max: percentile(baseline, 1) },
        withSlowLagMs: { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: percentile(lags, 1) },
      }),
    );
  });
});
