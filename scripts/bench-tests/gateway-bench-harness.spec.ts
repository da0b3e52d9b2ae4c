// Checks that the pieces of `npm run bench:gateway` measure what they claim: /proc readings move
// with real work, the baseline gateway honours the contract parts the benchmark relies on, and
// the load clients count exactly the deliveries and latencies of a tagged phase.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SignJWT } from 'jose';
import { NatsServer, TestSocket, UpgradeRefusedError, waitFor, delay } from '@trading/testing';
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
// @ts-expect-error plain-JS benchmark module without type declarations
import { fanOutSummary, percentile } from '../../bench/gateway/lib/fan-out.mjs';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';

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

  it.each(['ws', 'net'])('load clients (%s) count every tagged delivery, its latency and its fan-out, and nothing else', async (client) => {
    const open = await clients.all('open', (i: number) => ({
      url: target.url('/ws/trades?symbols=BTC-USD'),
      count: clients.share(10, i),
      concurrency: 4,
      localAddresses: ['127.0.0.2', '127.0.0.3'],
      client,
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
    await clients.all('count', () => ({ tag: 'measured', events: true }));
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
    // Per event: 20 distinct contiguous seqs, each received by all 10 subscribers exactly once.
    const records = (await clients.all('stats', () => ({ histogram: false, events: true }))).map((s: any) => s.events);
    const seqs = [...new Set(records.flatMap((r: any) => r.seq))].sort((a: any, b: any) => a - b) as number[];
    expect(seqs).toHaveLength(20);
    expect(seqs[19] - seqs[0]).toBe(19);
    const fanOut = fanOutSummary(records, 10);
    expect(fanOut).toMatchObject({ events: 20, eventsReachingAll: 20, eventsOverDelivered: 0 });
    expect(fanOut.spreadUs.p50).toBeGreaterThanOrEqual(0);
    expect(fanOut.spreadUs.max).toBeLessThan(1_000_000);
    expect(fanOut.firstReceiveUs.p50).toBeGreaterThan(0);
    expect(fanOut.firstReceiveUs.max).toBeLessThan(1_000_000);
    await clients.all('closeAll');
    const after = await clients.all('stats', () => ({ histogram: false }));
    expect(after.reduce((n: number, s: any) => n + s.open + s.unexpectedCloses, 0)).toBe(0);
  });

  it.each(['ws', 'net'])('load clients (%s) check per socket that every event arrived in seq order', async (client) => {
    await clients.all('open', (i: number) => ({ url: target.url('/ws/trades?symbols=SOL-USD'), count: clients.share(6, i), concurrency: 3, localAddresses: ['127.0.0.2'], client }));
    const publisher = new TradePublisher(nc, baseNs);
    await clients.all('count', () => ({ tag: 'ready' }));
    await waitFor(async () => {
      publisher.publish('SOL-USD', 'ready');
      await nc.flush();
      return (await clients.all('stats', () => ({ histogram: false }))).reduce((n: number, s: any) => n + s.reached, 0) === 6;
    });
    await delay(100);
    await clients.all('count', () => ({ tag: 'ordered', perSocket: true }));
    for (let i = 0; i < 30; i++) publisher.publish('SOL-USD', 'ordered');
    await nc.flush();
    await waitFor(async () => (await clients.all('stats', () => ({ histogram: false }))).reduce((n: number, s: any) => n + s.delivered, 0) >= 180);
    const perSocket = (await clients.all('stats', () => ({ histogram: false }))).map((s: any) => s.perSocket);
    expect(perSocket.reduce((n: number, p: any) => n + p.sockets, 0)).toBe(6);
    expect(perSocket.every((p: any) => p.sockets === 0 || (p.min === 30 && p.max === 30))).toBe(true);
    expect(perSocket.reduce((n: number, p: any) => n + p.outOfOrder, 0)).toBe(0);
    await clients.all('closeAll');
  });

  it('the net client reports a refused upgrade by its HTTP status', async () => {
    const [result] = await clients.all('open', (i: number) => ({ url: target.url('/ws/orders'), count: i === 0 ? 2 : 0, concurrency: 2, localAddresses: ['127.0.0.2'], client: 'net' }));
    expect(result).toMatchObject({ opened: 0, failed: 2, failures: { 'HTTP 401': 2 } });
    await expect(clients.all('open', () => ({ url: target.url('/ws/orders'), count: 1, concurrency: 1, localAddresses: ['127.0.0.2'], client: 'net', auth: true }))).rejects.toThrow(/delivery connections only/);
  });

  it('the raw upgrade client (connection-rate phase) opens /ws/orders only with a valid token, and reports a refusal by its HTTP status', async () => {
    const open = (auth: boolean) => clients.all('open', () => ({ url: target.url('/ws/orders'), count: 3, concurrency: 2, localAddresses: ['127.0.0.2'], auth, raw: true }));
    await clients.all('prepareTokens', (i: number) => ({ secret: SECRET, count: 3, prefix: `raw${i}` }));
    expect((await open(true)).map((r: any) => [r.client, r.opened, r.failed])).toEqual([['raw', 3, 0], ['raw', 3, 0]]);
    await clients.all('closeAll');
    await clients.all('prepareTokens', (i: number) => ({ secret: `${SECRET}-not-the-servers`, count: 3, prefix: `raw${i}` }));
    expect((await open(true)).map((r: any) => [r.opened, r.failures])).toEqual([[0, { 'HTTP 401': 3 }], [0, { 'HTTP 401': 3 }]]);
    expect((await open(false)).map((r: any) => r.opened)).toEqual([0, 0]);
    const after = await clients.all('stats', () => ({ histogram: false }));
    expect(after.reduce((n: number, s: any) => n + s.unexpectedCloses, 0)).toBe(0);
  });
});

describe('net load client against a WebSocket server that pings, fragments and closes', () => {
  let server: WebSocketServer;
  let clients: any;
  const pongs: string[] = [];
  const closesSeen: number[] = [];

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (ws) => {
      ws.on('pong', (data) => pongs.push(data.toString()));
      ws.on('close', (code) => closesSeen.push(code));
      ws.ping('are-you-there');
      // One event fragmented into three frames, one 70,000-byte event (64-bit length), then a close.
      const event = `{"type":"TradeExecuted","symbol":"BTC-USD","seq":1,"benchTag":"frag","pad":"${'x'.repeat(70_000)}","benchNs":"1"}`;
      ws.send(event.slice(0, 20), { fin: false });
      ws.send(event.slice(20, 40), { fin: false });
      ws.send(event.slice(40), { fin: true });
      ws.send(`{"type":"TradeExecuted","symbol":"BTC-USD","seq":2,"benchTag":"frag","benchNs":"2"}`);
    });
    clients = await LoadClients.start(1, process.hrtime.bigint());
  });

  afterAll(async () => {
    await clients?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('answers pings with masked pongs, reassembles fragments, and reports the close code', async () => {
    await clients.all('count', () => ({ tag: 'frag', perSocket: true }));
    const port = (server.address() as AddressInfo).port;
    const [opened] = await clients.all('open', () => ({ url: `ws://127.0.0.1:${port}/x`, count: 2, concurrency: 2, localAddresses: ['127.0.0.2'], client: 'net' }));
    expect(opened.opened).toBe(2);
    // `ws` (the server) rejects unmasked client frames with 1002: a pong arriving intact proves the masking.
    await waitFor(() => pongs.length === 2);
    expect(pongs).toEqual(['are-you-there', 'are-you-there']);
    await waitFor(async () => (await clients.all('stats', () => ({ histogram: false })))[0].delivered === 4);
    let [stats] = await clients.all('stats', () => ({ histogram: false }));
    expect(stats).toMatchObject({ delivered: 4, foreign: 0, binary: 0, protocolErrors: 0, unexpectedCloses: 0 });
    expect(stats.perSocket).toMatchObject({ sockets: 2, min: 2, max: 2, outOfOrder: 0 });
    for (const ws of server.clients) ws.close(4001, 'bye');
    await waitFor(async () => (await clients.all('stats', () => ({ histogram: false })))[0].unexpectedCloses === 2);
    [stats] = await clients.all('stats', () => ({ histogram: false }));
    expect(stats.closeCodes).toMatchObject({ 4001: 2 });
    expect(stats.open).toBe(0);
    // The client answered the close with a close frame of the same code (a clean close for the server).
    await waitFor(() => closesSeen.length === 2);
    expect(closesSeen).toEqual([4001, 4001]);
  });
});

describe('fan-out summary', () => {
  it('merges per-process first/last receives per event and counts subscribers', () => {
    // Two processes, 2 subscribers each; event 2 misses one subscriber; event 3 has no stamp.
    const a = { seq: [1, 2, 3], sentNs: [1_000, 2_000, -1], firstNs: [11_000, 22_000, 30_000], lastNs: [15_000, 22_000, 31_000], count: [2, 1, 2] };
    const b = { seq: [2, 1, 3], sentNs: [2_000, 1_000, -1], firstNs: [21_000, 12_000, 33_000], lastNs: [25_000, 41_000, 34_000], count: [2, 2, 2] };
    const f = fanOutSummary([a, b, undefined], 4);
    expect(f).toMatchObject({ events: 3, eventsReachingAll: 2, eventsOverDelivered: 0 });
    // Spreads over the complete events only: event 1 (41,000 - 11,000 ns = 30 us), event 3 (4 us).
    expect(f.spreadUs).toMatchObject({ p50: 4, p99: 30, max: 30 });
    // First receive - publish where stamped: event 1 10 us, event 2 19 us.
    expect(f.firstReceiveUs).toMatchObject({ p50: 10, max: 19 });
    expect(percentile(Float64Array.from([1, 2, 3, 4]), 50)).toBe(2);
    expect(percentile(Float64Array.from([]), 50)).toBeUndefined();
  });
});
