// Checks that the pieces of `npm run bench:gateway` measure what they claim: /proc readings move
// with real work, the baseline gateway honours the contract parts the benchmark relies on, and
// the load clients count exactly the deliveries and latencies of a tagged phase.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SignJWT } from 'jose';
import { NatsServer, TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
// @ts-expect-error plain-JS benchmark module without type declarations
import { readCpu, readRssBytes, ProcReadError } from '../../bench/gateway/lib/proc-stats.mjs';
// @ts-expect-error plain-JS benchmark module without type declarations
import { RunningTarget } from '../../bench/gateway/lib/servers.mjs';
// @ts-expect-error plain-JS benchmark module without type declarations
import { LoadClients } from '../../bench/gateway/lib/load-clients.mjs';
// @ts-expect-error plain-JS benchmark module without type declarations
import { TradePublisher } from '../../bench/gateway/lib/publisher.mjs';
// @ts-expect-error plain-JS benchmark module without type declarations
import { median, ratio } from '../../bench/gateway/lib/stats.mjs';
// @ts-expect-error plain-JS benchmark module without type declarations
import { renderGatewayChart } from '../../bench/gateway/lib/svg-chart.mjs';

const SECRET = 'bench-harness-test-secret-0123456789abcdef';

describe('proc readings', () => {
  it('agrees with getrusage about CPU time the process really spent, in both sources', () => {
    // Spin until getrusage says 150 ms of CPU were used (not wall time: the machine is shared,
    // so wall time says little about CPU received). Bounded in case the process starves.
    const before = readCpu(process.pid);
    const usage = process.cpuUsage();
    const deadline = Date.now() + 10_000;
    let usedUs = 0;
    while (usedUs < 150_000 && Date.now() < deadline) {
      const u = process.cpuUsage(usage);
      usedUs = u.user + u.system;
    }
    const after = readCpu(process.pid);
    expect(usedUs).toBeGreaterThanOrEqual(150_000);
    const usedNs = usedUs * 1000;
    // schedstat counts every thread (GC helpers too), so it may exceed the main thread's share a little.
    expect(after.schedNs - before.schedNs).toBeGreaterThan(usedNs * 0.9);
    expect(after.schedNs - before.schedNs).toBeLessThan(usedNs * 1.5);
    // /proc/<pid>/stat moves in 10 ms ticks: allow two ticks either way.
    expect(after.statNs - before.statNs).toBeGreaterThanOrEqual(usedNs - 20e6);
    expect(after.userNs + after.systemNs).toBe(after.statNs);
  });

  it('reads RSS in bytes and fails with a typed error for a missing pid', () => {
    expect(readRssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    expect(() => readRssBytes(2 ** 22 + 12345)).toThrow(ProcReadError);
  });
});

describe('summary helpers', () => {
  it('takes medians and ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, undefined)).toBeUndefined();
  });

  it('draws one bar per side and metric, and a target line', () => {
    const svg: string = renderGatewayChart([
      { title: 'A', unit: 'us', better: 'lower', target: 0.3, gateway: 0.2, baseline: 6 },
      { title: 'B', unit: '/s', better: 'higher', target: 5000, gateway: 9000, baseline: 2000 },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x="\d+(\.\d+)?" y=/g)?.length).toBe(4 + 2); // 4 bars + 2 legend swatches
    expect(svg).toContain('target 0.30');
    expect(svg).toContain('9,000');
  });
});

describe('baseline gateway and load clients', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let target: any;
  let clients: any;
  const baseNs = process.hrtime.bigint();

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: false });
    nc = await connect({ servers: nats.url });
    target = await RunningTarget.start('baseline', { natsUrl: nats.url, jwtSecret: SECRET });
    clients = await LoadClients.start(2, baseNs);
  });

  afterAll(async () => {
    await clients?.stop();
    await target?.stop();
    await nc?.close();
    await nats?.dispose();
  });

  it('forwards the exact published bytes as text frames to subscribers of the symbol only', async () => {
    const btc = await TestSocket.open(target.url('/ws/trades?symbols=BTC-USD'));
    const eth = await TestSocket.open(target.url('/ws/trades?symbols=ETH-USD'));
    const all = await TestSocket.open(target.url('/ws/trades'));
    const publisher = new TradePublisher(nc, baseNs);
    await waitFor(async () => {
      publisher.publish('BTC-USD', 'exact');
      await nc.flush();
      return btc.frames.length > 0 && all.frames.length > 0;
    });
    const sub = nc.subscribe('trading.trade.BTC-USD', { max: 1 });
    publisher.publish('BTC-USD', 'exact');
    let published = '';
    for await (const m of sub) published = m.string();
    await waitFor(() => btc.frames.includes(published) && all.frames.includes(published));
    expect(JSON.parse(published)).toMatchObject({ type: 'TradeExecuted', symbol: 'BTC-USD', benchTag: 'exact' });
    expect(btc.binaryFrames).toHaveLength(0);
    expect(eth.frames).toHaveLength(0);
    await Promise.all([btc.close(), eth.close(), all.close()]);
  });

  it('refuses /ws/orders without a valid token with HTTP 401 and routes a user only their own orders', async () => {
    await expect(TestSocket.open(target.url('/ws/orders'))).rejects.toBeInstanceOf(UpgradeRefusedError);
    await expect(TestSocket.open(target.url('/ws/orders?token=not-a-jwt'))).rejects.toMatchObject({ status: 401 });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const alice = await TestSocket.open(target.url('/ws/orders'), { headers: { authorization: `Bearer ${token}` } });
    await waitFor(async () => {
      nc.publish('trading.order.bob.BTC-USD', '{"type":"OrderUpdate","userId":"bob"}');
      nc.publish('trading.order.alice.BTC-USD', '{"type":"OrderUpdate","userId":"alice"}');
      await nc.flush();
      return alice.frames.length > 0;
    });
    expect(alice.messages.every((m) => m.userId === 'alice')).toBe(true);
    await alice.close();
  });

  it('load clients count every tagged delivery and its latency, and nothing else', async () => {
    const open = await clients.all('open', (i: number) => ({
      url: target.url('/ws/trades?symbols=BTC-USD'),
      count: clients.share(10, i),
      concurrency: 4,
      localAddresses: ['127.0.0.2', '127.0.0.3'],
    }));
    expect(open.reduce((n: number, r: any) => n + r.opened, 0)).toBe(10);
    const publisher = new TradePublisher(nc, baseNs);
    await clients.all('count', () => ({ tag: 'ready' }));
    await waitFor(async () => {
      publisher.publish('BTC-USD', 'ready');
      await nc.flush();
      const stats = await clients.all('stats', () => ({ histogram: false }));
      return stats.reduce((n: number, s: any) => n + s.reached, 0) === 10;
    });
    await clients.all('count', () => ({ tag: 'measured' }));
    publisher.publish('ETH-USD', 'measured'); // no subscriber: must not be counted
    const sent = await publisher.publishAtRate('BTC-USD', 'measured', { rate: 200, durationMs: 100 });
    expect(sent).toBe(20);
    await waitFor(async () => {
      const stats = await clients.all('stats', () => ({ histogram: false }));
      return stats.reduce((n: number, s: any) => n + s.delivered, 0) >= 200;
    });
    const stats = await clients.all('stats');
    expect(stats.reduce((n: number, s: any) => n + s.delivered, 0)).toBe(200);
    expect(stats.reduce((n: number, s: any) => n + s.binary, 0)).toBe(0);
    const hdr = (await import('hdr-histogram-js')).default;
    const latencies = stats.map((s: any) => hdr.decodeFromCompressedBase64(s.histogram));
    expect(latencies.reduce((n: number, h: any) => n + h.totalCount, 0)).toBe(200);
    // Loopback, same machine: a real latency is positive and far below a second.
    for (const h of latencies) {
      expect(h.minNonZeroValue).toBeGreaterThan(0);
      expect(h.maxValue).toBeLessThan(1_000_000);
    }
    await clients.all('closeAll');
    const after = await clients.all('stats', () => ({ histogram: false }));
    expect(after.reduce((n: number, s: any) => n + s.open + s.unexpectedCloses, 0)).toBe(0);
  });
});
