// The measured phases of one benchmark run against one server (gateway or baseline). Each phase
// opens its own connections and closes them all before returning, so phases do not disturb
// each other, and every wait is bounded.
import hdr from 'hdr-histogram-js';
import { waitFor, delay } from '@trading/testing';
import WebSocket from 'ws';
import { readCpu, readCpuOfAll, readStatCpuSplitNs, settledRssBytes } from './proc-stats.mjs';
import { fanOutSummary } from './fan-out.mjs';

const HISTOGRAM = { lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 };
const DELIVERY_SYMBOL = 'BTC-USD';
// No event is ever published for it: connections subscribed to it stay idle.
const IDLE_SYMBOL = 'IDLE-USD';

export class PhaseError extends Error {
  code = 'PHASE_FAILED';
}

const sum = (results, key) => results.reduce((total, r) => total + r[key], 0);

/** The load clients' user and kernel time (/proc/<pid>/stat, 10 ms ticks), summed over the processes. */
function clientSplitNs(ctx) {
  return ctx.clients.pids.reduce(
    (total, pid) => {
      const { userNs, systemNs } = readStatCpuSplitNs(pid);
      return { userNs: total.userNs + userNs, systemNs: total.systemNs + systemNs };
    },
    { userNs: 0, systemNs: 0 },
  );
}

/** Clients' user / kernel CPU per delivery (us) between two clientSplitNs readings. */
function clientSplitPerDelivery(before, after, delivered) {
  return { clientUserCpuUsPerDelivery: (after.userNs - before.userNs) / 1000 / delivered, clientSystemCpuUsPerDelivery: (after.systemNs - before.systemNs) / 1000 / delivered };
}

async function openAll(ctx, url, total, { concurrency, auth = false, raw = false, client = 'ws' }) {
  const results = await ctx.clients.all('open', (i) => ({
    url,
    count: ctx.clients.share(total, i),
    concurrency,
    localAddresses: ctx.sourceAddresses,
    auth,
    raw,
    client,
  }));
  const failures = {};
  for (const r of results) for (const [reason, n] of Object.entries(r.failures)) failures[reason] = (failures[reason] ?? 0) + n;
  return { results, opened: sum(results, 'opened'), failed: sum(results, 'failed'), failures };
}

async function closeAll(ctx) {
  await ctx.clients.all('closeAll', () => ({ timeoutMs: 15_000 }), 30_000);
}

async function totals(ctx, { histogram = false, events = false } = {}) {
  const stats = await ctx.clients.all('stats', () => ({ histogram, events }));
  return {
    reads: sum(stats, 'reads'),
    frames: sum(stats, 'frames'),
    protocolErrors: sum(stats, 'protocolErrors'),
    events: stats.map((s) => s.events),
    delivered: sum(stats, 'delivered'),
    reached: sum(stats, 'reached'),
    foreign: sum(stats, 'foreign'),
    binary: sum(stats, 'binary'),
    unexpectedCloses: sum(stats, 'unexpectedCloses'),
    open: sum(stats, 'open'),
    closeCodes: stats.reduce((all, s) => {
      for (const [code, n] of Object.entries(s.closeCodes)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {}),
    histograms: stats.map((s) => s.histogram).filter(Boolean),
  };
}

function refusedWithoutToken(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5_000 });
    ws.on('open', () => {
      ws.terminate();
      resolve({ refused: false });
    });
    ws.on('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve({ refused: true, status: res.statusCode });
    });
    ws.on('error', (err) => resolve({ refused: true, status: err.message }));
  });
}

/**
 * Exercises every code path the phases use (connect, deliver, authenticate, close) once, so the
 * measurements do not include lazy initialisation and JIT warm-up. Also checks that /ws/orders
 * really refuses a connection without a token: otherwise the connection-rate phase would not be
 * measuring authenticated connections.
 */
export async function warmUp(ctx, target) {
  const tag = `warm-${target.name}-${ctx.run}`;
  await ctx.clients.all('count', () => ({ tag }));
  const subs = await openAll(ctx, target.url(`/ws/trades?symbols=${DELIVERY_SYMBOL}`), ctx.config.warmupConnections, { concurrency: 16, client: ctx.config.loadClient });
  const auth = await openAll(ctx, target.url('/ws/orders'), ctx.config.warmupConnections, { concurrency: 16, auth: true });
  for (let i = 0; i < 50; i++) {
    ctx.publisher.publish(DELIVERY_SYMBOL, tag);
    await delay(10);
  }
  await delay(200);
  const received = (await totals(ctx)).delivered;
  await closeAll(ctx);
  const noToken = await refusedWithoutToken(target.url('/ws/orders'));
  if (!noToken.refused) throw new PhaseError(`${target.name} accepted /ws/orders without a token: the connection-rate phase would not measure authentication`);
  return { opened: subs.opened + auth.opened, failed: subs.failed + auth.failed, failures: { ...subs.failures, ...auth.failures }, received, noTokenStatus: noToken.status };
}

/** (RSS with N idle connections - RSS with none) / N, each reading taken once RSS settles. */
export async function measureIdleRss(ctx, target) {
  const rssBefore = await settledRssBytes(target.pid);
  const open = await openAll(ctx, target.url(`/ws/trades?symbols=${IDLE_SYMBOL}`), ctx.config.idleConnections, { concurrency: ctx.config.openConcurrency });
  const rssAfter = await settledRssBytes(target.pid, { maxMs: 8_000 });
  const still = await totals(ctx);
  await closeAll(ctx);
  if (open.opened === 0) throw new PhaseError(`no idle connection opened: ${JSON.stringify(open.failures)}`);
  return {
    connections: open.opened,
    failed: open.failed,
    failures: open.failures,
    stillOpenAtReading: still.open,
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    bytesPerConnection: (rssAfter - rssBefore) / open.opened,
  };
}

/**
 * Opens `subscribers` delivery sockets (with the configured load client) and publishes probes
 * until every socket got one: then every server-side subscription is live. Returns the open result.
 */
async function openSubscribers(ctx, target, subscribers, probeTag) {
  const open = await openAll(ctx, target.url(`/ws/trades?symbols=${DELIVERY_SYMBOL}`), subscribers, { concurrency: ctx.config.openConcurrency, client: ctx.config.loadClient });
  if (open.opened !== subscribers) throw new PhaseError(`only ${open.opened}/${subscribers} subscribers connected: ${JSON.stringify(open.failures)}`);
  await ctx.clients.all('count', () => ({ tag: probeTag }));
  await waitFor(
    async () => {
      ctx.publisher.publish(DELIVERY_SYMBOL, probeTag);
      await delay(50);
      return (await totals(ctx)).reached === subscribers;
    },
    { timeoutMs: 15_000, intervalMs: 0, description: `${subscribers} subscribers of ${target.name} receiving probes` },
  );
  await delay(300); // let the last probes drain so they do not overlap the measured window
  return open;
}

/**
 * A steady `rate` events/s for `seconds` to the open subscribers: server CPU (all threads) from
 * the first publish until the clients have counted every delivery, divided by the deliveries
 * counted; latency from the publish stamp to the client's receive; the fan-out figures
 * (lib/fan-out.mjs) from every event's first and last receive; the clients' CPU.
 */
async function steadyRate(ctx, target, { subscribers, rate, seconds, tag, drainMs }) {
  await ctx.clients.all('count', () => ({ tag, events: true }));
  const cpuBefore = readCpu(target.pid);
  const clientCpuBefore = readCpuOfAll(ctx.clients.pids);
  const clientSplitBefore = clientSplitNs(ctx);
  const started = performance.now();
  const published = await ctx.publisher.publishAtRate(DELIVERY_SYMBOL, tag, { rate, durationMs: seconds * 1000 });
  const publishMs = performance.now() - started;
  const expected = published * subscribers;
  let drained = true;
  try {
    await waitFor(async () => (await totals(ctx)).delivered >= expected, { timeoutMs: drainMs, intervalMs: 100, description: `${expected} deliveries` });
  } catch {
    drained = false;
  }
  const cpuAfter = readCpu(target.pid);
  const clientCpuNs = readCpuOfAll(ctx.clients.pids) - clientCpuBefore;
  const clientSplitAfter = clientSplitNs(ctx);
  // Ends at the poll that saw the last delivery: up to one poll interval late.
  const windowMs = performance.now() - started;
  const final = await totals(ctx, { histogram: true, events: true });
  const cpuNs = cpuAfter.schedNs - cpuBefore.schedNs;
  const statCpuNs = cpuAfter.statNs - cpuBefore.statNs;
  return {
    subscribers,
    rate,
    published,
    expected,
    delivered: final.delivered,
    undelivered: expected - final.delivered,
    drained,
    binaryFrames: final.binary,
    unexpectedCloses: final.unexpectedCloses,
    closeCodes: final.closeCodes,
    publishMs,
    windowMs,
    // Offered: what the publisher asked for. Achieved: what reached the clients per second of
    // the whole window; below the offered rate when the server (or the clients) fell behind.
    offeredDeliveriesPerSecond: expected / (publishMs / 1000),
    deliveriesPerSecond: final.delivered / (windowMs / 1000),
    serverCpuMs: cpuNs / 1e6,
    serverCpuUsPerDelivery: cpuNs / 1000 / final.delivered,
    statCpuMs: statCpuNs / 1e6,
    statCpuUsPerDelivery: statCpuNs / 1000 / final.delivered,
    userCpuUsPerDelivery: (cpuAfter.userNs - cpuBefore.userNs) / 1000 / final.delivered,
    systemCpuUsPerDelivery: (cpuAfter.systemNs - cpuBefore.systemNs) / 1000 / final.delivered,
    // What receiving cost the load clients: they share the same two cores with the server.
    clientCpuUsPerDelivery: clientCpuNs / 1000 / final.delivered,
    ...clientSplitPerDelivery(clientSplitBefore, clientSplitAfter, final.delivered),
    latencyUs: latencySummary(mergeHistograms(final.histograms)),
    fanOut: fanOutSummary(final.events, subscribers),
    ...readFigures(final),
  };
}

/** Minimal `net` client only: data frames per socket read (a proxy for events per server write). */
function readFigures(final) {
  if (final.reads === 0) return {};
  return { clientReads: final.reads, framesPerRead: final.frames / final.reads, protocolErrors: final.protocolErrors };
}

/**
 * `subscribers` sockets on /ws/trades?symbols=BTC-USD; a steady `rate` events/s for `seconds`
 * (steadyRate above); then, on the same sockets, the light-rate latency point and the
 * saturation phase.
 */
export async function measureDelivery(ctx, target) {
  const { subscribers, rate, deliverySeconds } = ctx.config;
  try {
    const opened = await openSubscribers(ctx, target, subscribers, `probe-${target.name}-${ctx.run}`);
    const steady = await steadyRate(ctx, target, { subscribers, rate, seconds: deliverySeconds, tag: `measure-${target.name}-${ctx.run}`, drainMs: 20_000 });
    const light = ctx.config.lightRate > 0 ? await measureLightLatency(ctx, target, subscribers) : undefined;
    // On the same sockets: throughput capacity (its own errors do not cost the figures above).
    let capacity;
    if (ctx.config.capacityEvents > 0) {
      try {
        capacity = await measureCapacity(ctx, target, subscribers);
      } catch (err) {
        capacity = { error: `${err.code ?? 'ERROR'}: ${err.message}` };
      }
    }
    return { ...steady, subscribers: opened.opened, client: ctx.config.loadClient, light, capacity };
  } finally {
    await closeAll(ctx);
  }
}

/**
 * Latency shapes (BENCH_LATENCY_SHAPES): the same steady-rate measurement with other
 * subscribers x events/s splits, each on its own fresh sockets, e.g. 100,000 deliveries/s as
 * 100 subscribers x 1,000 events/s (short fan-out per event, many events per socket) against the
 * main phase's 1,000 x 100 (long fan-out per event).
 */
export async function measureLatencyShape(ctx, target, { subscribers, rate }) {
  try {
    await openSubscribers(ctx, target, subscribers, `shape-probe-${subscribers}x${rate}-${target.name}-${ctx.run}`);
    const steady = await steadyRate(ctx, target, { subscribers, rate, seconds: ctx.config.deliverySeconds, tag: `shape-${subscribers}x${rate}-${target.name}-${ctx.run}`, drainMs: 20_000 });
    return { shape: `${subscribers}x${rate}`, client: ctx.config.loadClient, ...steady };
  } finally {
    await closeAll(ctx);
  }
}

function mergeHistograms(encoded) {
  const histogram = hdr.build(HISTOGRAM);
  for (const one of encoded) histogram.add(hdr.decodeFromCompressedBase64(one));
  return histogram;
}

function latencySummary(histogram) {
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
    mean: histogram.mean,
  };
}

/**
 * The same subscribers at a light load (`lightRate` events/s, 10 by default = 10,000 deliveries/s
 * with 1,000 subscribers): separates the latency the
 * server adds from the queueing of a machine the main phase saturates (server, load clients,
 * nats-server and the other tenants all share two cores).
 */
async function measureLightLatency(ctx, target, subscribers) {
  const tag = `light-${target.name}-${ctx.run}`;
  await delay(300); // the main phase is fully delivered; let the sockets go quiet
  await ctx.clients.all('count', () => ({ tag, events: true }));
  const published = await ctx.publisher.publishAtRate(DELIVERY_SYMBOL, tag, { rate: ctx.config.lightRate, durationMs: ctx.config.lightSeconds * 1000 });
  const expected = published * subscribers;
  try {
    await waitFor(async () => (await totals(ctx)).delivered >= expected, { timeoutMs: 15_000, intervalMs: 100, description: `${expected} light deliveries` });
  } catch {
    // Reported through `delivered` below.
  }
  const final = await totals(ctx, { histogram: true, events: true });
  return {
    rate: ctx.config.lightRate,
    deliveriesPerSecond: ctx.config.lightRate * subscribers,
    expected,
    delivered: final.delivered,
    latencyUs: latencySummary(mergeHistograms(final.histograms)),
    fanOut: fanOutSummary(final.events, subscribers),
    ...readFigures(final),
  };
}

/**
 * Throughput capacity on the delivery phase's subscribers: the publisher sends bursts of
 * `capacityBurst` events as fast as the server keeps up, never more than `capacityWindow` events
 * ahead of the slowest-counted delivery (so no send buffer nears its limit), until
 * `capacityEvents` events were published; then waits for every delivery. Every subscriber must
 * get every event, in seq order (checked per socket by the load clients). Server CPU per delivery
 * here shows what the gateway costs when many events reach a socket per loop iteration (uWS then
 * writes them with one system call); deliveries/s is what this machine sustained, which the load
 * clients (same two cores) may bound rather than the server.
 */
export async function measureCapacity(ctx, target, subscribers) {
  const { capacityEvents: total, capacityBurst: burst, capacityWindow: window } = ctx.config;
  await delay(300);
  const tag = `capacity-${target.name}-${ctx.run}`;
  await ctx.clients.all('count', () => ({ tag, perSocket: true }));
  const cpuBefore = readCpu(target.pid);
  const clientCpuBefore = readCpuOfAll(ctx.clients.pids);
  const clientSplitBefore = clientSplitNs(ctx);
  const started = performance.now();
  let published = 0;
  let delivered = 0;
  let pauses = 0;
  const deadline = started + 60_000;
  while (published < total) {
    if (performance.now() > deadline) throw new PhaseError(`capacity: only ${published}/${total} events published in 60 s`);
    // Deliveries counted so far, in events: the window is what the server still owes the clients.
    delivered = (await totals(ctx)).delivered;
    const ahead = published - delivered / subscribers;
    if (ahead >= window) {
      pauses++;
      await delay(1);
      continue;
    }
    const n = Math.min(burst, total - published, Math.ceil(window - ahead));
    for (let i = 0; i < n; i++) ctx.publisher.publish(DELIVERY_SYMBOL, tag);
    published += n;
  }
  await ctx.publisher.nc.flush();
  const publishMs = performance.now() - started;
  const expected = published * subscribers;
  let drained = true;
  try {
    await waitFor(async () => (await totals(ctx)).delivered >= expected, { timeoutMs: 30_000, intervalMs: 20, description: `${expected} capacity deliveries` });
  } catch {
    drained = false;
  }
  const cpuAfter = readCpu(target.pid);
  const clientCpuNs = readCpuOfAll(ctx.clients.pids) - clientCpuBefore;
  const clientSplitAfter = clientSplitNs(ctx);
  const windowMs = performance.now() - started;
  const stats = await ctx.clients.all('stats', () => ({ histogram: false }));
  const final = {
    delivered: sum(stats, 'delivered'),
    unexpectedCloses: sum(stats, 'unexpectedCloses'),
    reads: sum(stats, 'reads'),
    frames: sum(stats, 'frames'),
    protocolErrors: sum(stats, 'protocolErrors'),
  };
  const perSocket = stats.map((s) => s.perSocket);
  const socketsCounted = perSocket.reduce((n, p) => n + p.sockets, 0);
  const socketsOpen = perSocket.reduce((n, p) => n + p.open, 0);
  const cpuNs = cpuAfter.schedNs - cpuBefore.schedNs;
  return {
    events: published,
    burst,
    window,
    expected,
    delivered: final.delivered,
    undelivered: expected - final.delivered,
    drained,
    // Every subscriber got every event, in order: min = max = events on every socket, no seq out of order.
    everySubscriberGotEverything: socketsCounted === subscribers && socketsOpen === subscribers && perSocket.every((p) => p.min === published && p.max === published) && perSocket.every((p) => p.outOfOrder === 0),
    perSocketMin: Math.min(...perSocket.map((p) => (p.sockets < p.open ? 0 : p.min))),
    perSocketMax: Math.max(...perSocket.map((p) => p.max)),
    outOfOrder: perSocket.reduce((n, p) => n + p.outOfOrder, 0),
    unexpectedCloses: final.unexpectedCloses,
    publisherPauses: pauses,
    publishMs,
    windowMs,
    deliveriesPerSecond: final.delivered / (windowMs / 1000),
    serverCpuUsPerDelivery: cpuNs / 1000 / final.delivered,
    userCpuUsPerDelivery: (cpuAfter.userNs - cpuBefore.userNs) / 1000 / final.delivered,
    systemCpuUsPerDelivery: (cpuAfter.systemNs - cpuBefore.systemNs) / 1000 / final.delivered,
    // Server cores busy during the window: near 1 means the server itself was the limit.
    serverCores: cpuNs / 1e6 / windowMs,
    clientCpuUsPerDelivery: clientCpuNs / 1000 / final.delivered,
    ...clientSplitPerDelivery(clientSplitBefore, clientSplitAfter, final.delivered),
    clientCores: clientCpuNs / 1e6 / windowMs,
    // Minimal `net` client: events per socket read, an upper bound on events per server write
    // (a client that reads late finds several writes' worth waiting).
    ...readFigures(final),
  };
}

/**
 * `authConnections` new connections to /ws/orders, each with its own user's HS256 JWT (signed
 * beforehand by the load clients, outside the timed window), all load processes starting
 * together. Rate = connections opened / (last open - first attempt) on the shared clock.
 *
 * Two passes with the same tokens (the same users connecting again), closed in between: the first
 * grows both sides' heaps and compiles the load clients' upgrade path (the warm-up only opened a
 * few hundred connections with `ws`), the second is the figure. The first pass is kept as
 * `firstPass`: it shows what a burst costs a gateway that has not seen one yet.
 */
export async function measureConnectionRate(ctx, target) {
  const firstPass = await connectionPass(ctx, target);
  await delay(500); // the server's close work (NATS UNSUBs, topic removal) is not measured
  return { ...(await connectionPass(ctx, target)), firstPass };
}

async function connectionPass(ctx, target) {
  const cpuBefore = readCpu(target.pid);
  const clientCpuBefore = readCpuOfAll(ctx.clients.pids);
  // The minimal upgrade client (101 + Sec-WebSocket-Accept checked) by default; `ws` with
  // BENCH_RAW_UPGRADE_CLIENT=0. The server's work is the same; the clients' CPU is not (they share
  // the cores with the server, so a cheaper client leaves the server more of them).
  const open = await openAll(ctx, target.url('/ws/orders'), ctx.config.authConnections, { concurrency: ctx.config.authConcurrency, auth: true, raw: ctx.config.rawUpgradeClient });
  const cpuAfter = readCpu(target.pid);
  const clientCpuNs = readCpuOfAll(ctx.clients.pids) - clientCpuBefore;
  await closeAll(ctx);
  if (open.opened === 0) throw new PhaseError(`no authenticated connection opened: ${JSON.stringify(open.failures)}`);
  const start = open.results.reduce((min, r) => (BigInt(r.startNs) < min ? BigInt(r.startNs) : min), BigInt(open.results[0].startNs));
  const end = open.results.reduce((max, r) => (BigInt(r.endNs) > max ? BigInt(r.endNs) : max), 0n);
  const seconds = Number(end - start) / 1e9;
  const cpuNs = cpuAfter.schedNs - cpuBefore.schedNs;
  return {
    client: ctx.config.rawUpgradeClient ? 'raw' : 'ws',
    attempted: ctx.config.authConnections,
    opened: open.opened,
    failed: open.failed,
    failures: open.failures,
    seconds,
    perSecond: open.opened / seconds,
    serverCpuMs: cpuNs / 1e6,
    serverCpuUsPerConnection: cpuNs / 1000 / open.opened,
    userCpuUsPerConnection: (cpuAfter.userNs - cpuBefore.userNs) / 1000 / open.opened,
    systemCpuUsPerConnection: (cpuAfter.systemNs - cpuBefore.systemNs) / 1000 / open.opened,
    clientCpuUsPerConnection: clientCpuNs / 1000 / open.opened,
  };
}

/**
 * The harness's latency floor: the same publisher and rate, received by one plain NATS
 * subscriber in each load process instead of through a gateway.
 */
export async function measureNatsFloor(ctx) {
  const { rate, deliverySeconds } = ctx.config;
  const subscribers = ctx.clients.size;
  await ctx.clients.all('natsSubscribe', () => ({ natsUrl: ctx.natsUrl, subject: `trading.trade.${DELIVERY_SYMBOL}` }));
  try {
    const tag = 'nats-floor';
    await ctx.clients.all('count', () => ({ tag }));
    const published = await ctx.publisher.publishAtRate(DELIVERY_SYMBOL, tag, { rate, durationMs: deliverySeconds * 1000 });
    const expected = published * subscribers;
    await waitFor(async () => (await totals(ctx)).delivered >= expected, { timeoutMs: 10_000, intervalMs: 50, description: `${expected} NATS deliveries` });
    const final = await totals(ctx, { histogram: true });
    const histogram = mergeHistograms(final.histograms);
    return {
      subscribers,
      published,
      delivered: final.delivered,
      latencyUs: { count: histogram.totalCount, p50: histogram.getValueAtPercentile(50), p99: histogram.getValueAtPercentile(99), max: histogram.maxValue },
    };
  } finally {
    await ctx.clients.all('natsClose');
  }
}
