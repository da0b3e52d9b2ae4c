// `npm run bench:gateway`: measures the uWebSockets.js gateway (apps/gateway) and a plain `ws`
// + NATS baseline (baseline-ws-gateway.mjs) in the same run, on the same nats-server, with the
// same load clients, alternating which goes first in each run. Writes bench/results/gateway.json
// and docs/benchmarks-gateway.svg, and prints a summary table.
//
// Knobs (env): BENCH_RUNS (3), BENCH_TARGETS (gateway,gateway-wd5,gateway-wd20,baseline; gateway-wd<N>
// = the gateway with WRITE_DELAY_MS=N, measured on the delivery phases only), BENCH_CLIENT_PROCESSES (4),
// BENCH_SUBSCRIBERS (1000), BENCH_RATE (events/s, 100 -> 100,000 deliveries/s with 1,000
// subscribers), BENCH_DELIVERY_SECONDS (5), BENCH_LIGHT_RATE (events/s of a second, light latency
// point on the same subscribers, 10; 0 = off), BENCH_LIGHT_SECONDS (3), BENCH_IDLE_CONNECTIONS (10000),
// BENCH_AUTH_CONNECTIONS (5000), BENCH_CAPACITY_EVENTS (events of the saturation phase, 1000 = 1M
// deliveries with 1,000 subscribers; 0 = off), BENCH_CAPACITY_BURST (20), BENCH_CAPACITY_WINDOW
// (events the publisher may be ahead of the deliveries, 100), BENCH_RAW_UPGRADE_CLIENT (1: the
// connection-rate phase uses the minimal HTTP upgrade client; 0 = `ws`, as in runs before 2026-11-26 04:30), BENCH_LOAD_CLIENT (net: the
// delivery phases' client, `ws` or `net` = the minimal client over node:net of load-client.mjs),
// BENCH_LATENCY_SHAPES (100x1000: extra steady-rate latency phases as <subscribers>x<events/s>,
// comma-separated, each on fresh sockets; empty = none), BENCH_SOURCE_ADDRESSES (16), BENCH_MAX_SECONDS (600: the whole
// run is aborted past it), BENCH_GATEWAY_MAIN (another gateway build's dist/main.js), BENCH_RESULTS (write
// the results to this file instead of bench/results/gateway.json, and leave the chart alone),
// BENCH_CLIENT_CPU_PROF (a directory: the load clients write V8 CPU profiles there; diagnosis only). `--quick` shrinks everything for a smoke run (results not written);
// `--chart-only` redraws the SVG from the last results file.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { NatsServer } from '@trading/testing';
import { LoadClients } from './lib/load-clients.mjs';
import { TradePublisher } from './lib/publisher.mjs';
import { RunningTarget, targetAvailable, isTargetName, targetDefinition } from './lib/servers.mjs';
import { warmUp, measureIdleRss, measureDelivery, measureLatencyShape, measureConnectionRate, measureNatsFloor } from './lib/phases.mjs';
import { median, ratio, round } from './lib/stats.mjs';
import { renderGatewayChart } from './lib/svg-chart.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const quick = process.argv.includes('--quick');

class BenchConfigError extends Error {
  code = 'INVALID_BENCH_CONFIG';
}

function intEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchConfigError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  return n;
}

/** BENCH_LATENCY_SHAPES: `<subscribers>x<events/s>[,...]`, e.g. `100x1000`. */
function shapesEnv(fallback) {
  const raw = process.env.BENCH_LATENCY_SHAPES ?? fallback;
  if (raw.trim() === '') return [];
  return raw.split(',').map((one) => {
    const match = /^\s*([0-9]{1,5})x([0-9]{1,6})\s*$/.exec(one);
    const subscribers = Number(match?.[1]);
    const rate = Number(match?.[2]);
    if (!match || subscribers < 1 || subscribers > 20_000 || rate < 1 || rate > 100_000) {
      throw new BenchConfigError(`BENCH_LATENCY_SHAPES: "${one}" is not <subscribers 1-20000>x<events/s 1-100000>`);
    }
    return { subscribers, rate };
  });
}

function clientEnv(fallback) {
  const raw = process.env.BENCH_LOAD_CLIENT;
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'ws' && raw !== 'net') throw new BenchConfigError(`BENCH_LOAD_CLIENT must be "ws" or "net", got "${raw}"`);
  return raw;
}

function readConfig() {
  const targets = (process.env.BENCH_TARGETS ?? 'gateway,gateway-wd5,gateway-wd20,baseline').split(',').map((t) => t.trim());
  for (const t of targets) if (!isTargetName(t)) throw new BenchConfigError(`BENCH_TARGETS: unknown target "${t}" (gateway, gateway-wd<ms>, baseline)`);
  const q = (full, small) => (quick ? small : full);
  return {
    runs: intEnv('BENCH_RUNS', q(3, 1), 1, 9),
    targets,
    clientProcesses: intEnv('BENCH_CLIENT_PROCESSES', 4, 1, 16),
    subscribers: intEnv('BENCH_SUBSCRIBERS', q(1000, 100), 1, 20_000),
    rate: intEnv('BENCH_RATE', q(100, 50), 1, 100_000),
    deliverySeconds: intEnv('BENCH_DELIVERY_SECONDS', q(5, 1), 1, 60),
    // A second, light latency point on the same subscribers (0 turns it off).
    lightRate: intEnv('BENCH_LIGHT_RATE', 10, 0, 100_000),
    lightSeconds: intEnv('BENCH_LIGHT_SECONDS', q(3, 1), 1, 60),
    idleConnections: intEnv('BENCH_IDLE_CONNECTIONS', q(10_000, 500), 1, 60_000),
    authConnections: intEnv('BENCH_AUTH_CONNECTIONS', q(5_000, 300), 1, 60_000),
    capacityEvents: intEnv('BENCH_CAPACITY_EVENTS', q(1_000, 100), 0, 100_000),
    // 1 (default): the connection-rate phase uses the minimal raw upgrade client, which costs the load
    // clients about 100 us per handshake against 200-260 us with `ws` (they share the two cores with
    // the server); 0: `ws`, as in runs before 2026-11-26 04:30.
    rawUpgradeClient: intEnv('BENCH_RAW_UPGRADE_CLIENT', 1, 0, 1) === 1,
    // The delivery phases' WebSocket client: `net` (minimal, measured cheaper) or `ws` (as in runs before 2026-11-26 04:00).
    loadClient: clientEnv('net'),
    // Extra latency phases, e.g. 100,000 deliveries/s as 100 subscribers x 1,000 events/s.
    latencyShapes: shapesEnv(q('100x1000', '20x200')),
    capacityBurst: intEnv('BENCH_CAPACITY_BURST', 20, 1, 10_000),
    capacityWindow: intEnv('BENCH_CAPACITY_WINDOW', 100, 1, 100_000),
    sourceAddressCount: intEnv('BENCH_SOURCE_ADDRESSES', 16, 1, 250),
    maxSeconds: intEnv('BENCH_MAX_SECONDS', q(600, 120), 10, 3_600),
    openConcurrency: 32,
    authConcurrency: 32,
    warmupConnections: q(200, 20),
  };
}

// Issue 4's targets.
const TARGETS = {
  cpuUsPerDelivery: 0.3,
  bytesPerIdleConnection: 3 * 1024,
  p99LatencyMs: 2,
  authConnectionsPerSecond: 5_000,
};

function machine() {
  let natsVersion = 'unknown';
  try {
    natsVersion = execFileSync(process.env.NATS_SERVER_BIN ?? 'nats-server', ['--version']).toString().trim();
  } catch {
    // Reported as unknown; NatsServer.start fails with a clear error if it is really missing.
  }
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    natsServer: natsVersion,
    openFileLimit: (() => {
      try {
        return execFileSync('sh', ['-c', 'ulimit -n']).toString().trim();
      } catch {
        return 'unknown';
      }
    })(),
  };
}

function log(line) {
  process.stdout.write(`[bench:gateway ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function phase(name, fn) {
  try {
    return await fn();
  } catch (err) {
    log(`  ${name} FAILED: ${err.code ?? ''} ${err.message}`);
    return { error: `${err.code ?? 'ERROR'}: ${err.message}` };
  }
}

async function runTarget(ctx, name) {
  log(`run ${ctx.run}: ${name}`);
  const target = await RunningTarget.start(name, { natsUrl: ctx.natsUrl, jwtSecret: ctx.jwtSecret });
  ctx.running.add(target);
  try {
    const result = { loadAverage: os.loadavg().map((v) => round(v, 2)) };
    result.warmUp = await phase('warm-up', () => warmUp(ctx, target));
    // A write delay changes only how events are written: its variants skip the memory and connection phases.
    const deliveryOnly = targetDefinition(name).writeDelayMs !== undefined;
    const skipped = { skipped: 'write-delay variant: delivery phases only' };
    result.idleRss = deliveryOnly ? skipped : await phase('idle RSS', () => measureIdleRss(ctx, target));
    if (!result.idleRss.error && !result.idleRss.skipped) log(`  idle RSS: ${result.idleRss.connections} connections, ${round(result.idleRss.bytesPerConnection / 1024, 2)} KiB each`);
    result.delivery = await phase('delivery', () => measureDelivery(ctx, target));
    if (!result.delivery.error) {
      const d = result.delivery;
      log(
        `  delivery: ${d.delivered}/${d.expected} offered ${Math.round(d.offeredDeliveriesPerSecond)}/s, achieved ${Math.round(d.deliveriesPerSecond)}/s, CPU ${round(d.serverCpuUsPerDelivery, 3)} us/delivery ` +
          `(user ${round(d.userCpuUsPerDelivery, 2)} sys ${round(d.systemCpuUsPerDelivery, 2)}; clients ${round(d.clientCpuUsPerDelivery, 2)}: user ${round(d.clientUserCpuUsPerDelivery, 2)} sys ${round(d.clientSystemCpuUsPerDelivery, 2)}), latency p50 ${d.latencyUs.p50} us p99 ${d.latencyUs.p99} us`,
      );
    }
    if (!result.delivery.error) log(`  ${fanOutLine(result.delivery)}`);
    const cap = result.delivery.capacity;
    if (cap?.error) log(`  capacity FAILED: ${cap.error}`);
    else if (cap) {
      log(
        `  capacity: ${cap.delivered}/${cap.expected} in ${Math.round(cap.windowMs)} ms = ${Math.round(cap.deliveriesPerSecond)}/s, every subscriber got every event in order: ${cap.everySubscriberGotEverything}, ` +
          `CPU ${round(cap.serverCpuUsPerDelivery, 3)} us/delivery (user ${round(cap.userCpuUsPerDelivery, 2)} sys ${round(cap.systemCpuUsPerDelivery, 2)}; server ${round(cap.serverCores, 2)} cores, clients ${round(cap.clientCores, 2)} cores, ${round(cap.clientCpuUsPerDelivery, 2)} us/delivery)` +
          (cap.framesPerRead === undefined ? '' : `, ${round(cap.framesPerRead, 2)} frames per client read`),
      );
    }
    if (result.delivery.light) {
      const l = result.delivery.light;
      log(`  light latency (${l.deliveriesPerSecond}/s): ${l.delivered}/${l.expected} delivered, p50 ${l.latencyUs.p50} us p99 ${l.latencyUs.p99} us; ${fanOutLine(l)}`);
    }
    result.shapes = [];
    for (const shape of ctx.config.latencyShapes) {
      const one = await phase(`latency shape ${shape.subscribers}x${shape.rate}`, () => measureLatencyShape(ctx, target, shape));
      result.shapes.push({ shape: `${shape.subscribers}x${shape.rate}`, ...one });
      if (!one.error) {
        log(
          `  latency shape ${one.shape} (${one.subscribers} subscribers x ${one.rate} events/s): ${one.delivered}/${one.expected}, achieved ${Math.round(one.deliveriesPerSecond)}/s, ` +
            `CPU ${round(one.serverCpuUsPerDelivery, 3)} us/delivery (clients ${round(one.clientCpuUsPerDelivery, 2)}), latency p50 ${one.latencyUs.p50} us p99 ${one.latencyUs.p99} us; ${fanOutLine(one)}`,
        );
      }
    }
    // The warm-up proves /ws/orders refuses a missing token; without that proof the rate would not
    // be one of authenticated connections.
    result.connectionRate = deliveryOnly
      ? skipped
      : result.warmUp.error
      ? { error: 'SKIPPED: warm-up failed, authentication at upgrade not confirmed' }
      : await phase('connection rate', () => measureConnectionRate(ctx, target));
    if (!result.connectionRate.error && !result.connectionRate.skipped) {
      const c = result.connectionRate;
      const first = c.firstPass;
      log(
        `  auth connections (${c.client} client): ${c.opened}/${c.attempted} in ${round(c.seconds, 3)} s = ${Math.round(c.perSecond)}/s, server CPU ${round(c.serverCpuUsPerConnection, 1)} us each (user ${round(c.userCpuUsPerConnection, 1)} sys ${round(c.systemCpuUsPerConnection, 1)}; clients ${round(c.clientCpuUsPerConnection, 1)})` +
          (first ? `; first pass ${Math.round(first.perSecond)}/s, server ${round(first.serverCpuUsPerConnection, 1)} us, clients ${round(first.clientCpuUsPerConnection, 1)} us` : ''),
      );
    }
    result.serverRunning = target.service.running;
    // Servers run at LOG_LEVEL=warn: anything they logged (slow consumers, errors) belongs in the results.
    const logLines = target.logs.split('\n').filter((line) => line.trim() !== '');
    result.serverLogLines = logLines.length;
    if (logLines.length > 0 || !target.service.running) result.serverLogTail = logLines.slice(-20).join('\n').slice(-4000);
    if (logLines.length > 0) log(`  ${name} logged ${logLines.length} lines at warn or above (see results JSON)`);
    return result;
  } finally {
    await target.stop();
    ctx.running.delete(target);
  }
}

/** One log line of a latency phase's fan-out figures (lib/fan-out.mjs). */
function fanOutLine(p) {
  const f = p.fanOut;
  if (!f) return 'no fan-out figures';
  const reads = p.framesPerRead === undefined ? '' : `, ${round(p.framesPerRead, 2)} frames per client read`;
  return `fan-out spread p50 ${f.spreadUs.p50} us p99 ${f.spreadUs.p99} us, first receive p50 ${f.firstReceiveUs.p50} us p99 ${f.firstReceiveUs.p99} us, ${f.eventsReachingAll}/${f.events} events reached every subscriber${reads}`;
}

/** Medians per latency shape over the runs (`perRun`: each run's `shapes` array of one target). */
function summarizeShapes(perRun) {
  const byShape = {};
  for (const shapes of perRun) for (const one of shapes) (byShape[one.shape] ??= []).push(one);
  const out = {};
  for (const [shape, all] of Object.entries(byShape)) {
    const ok = all.filter((x) => !x.error);
    const m = (fn) => median(ok.map(fn).filter((v) => v !== undefined && Number.isFinite(v)));
    out[shape] = {
      runs: ok.length,
      runsWithErrors: all.length - ok.length,
      // Runs in which every event reached every subscriber (per-event counts summed over the clients).
      runsComplete: ok.filter((x) => x.undelivered === 0 && x.fanOut.eventsReachingAll === x.published && x.fanOut.events === x.published).length,
      deliveriesPerSecond: m((x) => x.deliveriesPerSecond),
      p50LatencyMs: m((x) => x.latencyUs.p50 / 1000),
      p99LatencyMs: m((x) => x.latencyUs.p99 / 1000),
      fanOutSpreadP50Ms: m((x) => x.fanOut.spreadUs.p50 / 1000),
      fanOutSpreadP99Ms: m((x) => x.fanOut.spreadUs.p99 / 1000),
      firstReceiveP50Ms: m((x) => x.fanOut.firstReceiveUs.p50 / 1000),
      firstReceiveP99Ms: m((x) => x.fanOut.firstReceiveUs.p99 / 1000),
      cpuUsPerDelivery: m((x) => x.serverCpuUsPerDelivery),
      clientCpuUsPerDelivery: m((x) => x.clientCpuUsPerDelivery),
      clientUserCpuUsPerDelivery: m((x) => x.clientUserCpuUsPerDelivery),
      clientSystemCpuUsPerDelivery: m((x) => x.clientSystemCpuUsPerDelivery),
      framesPerRead: m((x) => x.framesPerRead),
    };
  }
  return out;
}

function summarize(runs, targets) {
  const pick = (name, fn) => runs.map((r) => r[name]).filter(Boolean).map(fn).filter((v) => v !== undefined && Number.isFinite(v));
  const okDelivery = (r) => (r.delivery && !r.delivery.error ? r.delivery : undefined);
  const okCapacity = (r) => (okDelivery(r)?.capacity && !okDelivery(r).capacity.error ? okDelivery(r).capacity : undefined);
  const okPhase = (p) => (p && !p.error && !p.skipped ? p : undefined);
  const summary = {};
  for (const name of targets) {
    summary[name] = {
      writeDelayMs: targetDefinition(name).writeDelayMs ?? (name === 'baseline' ? undefined : 0),
      cpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.serverCpuUsPerDelivery)),
      statCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.statCpuUsPerDelivery)),
      userCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.userCpuUsPerDelivery)),
      systemCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.systemCpuUsPerDelivery)),
      clientCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.clientCpuUsPerDelivery)),
      clientUserCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.clientUserCpuUsPerDelivery)),
      clientSystemCpuUsPerDelivery: median(pick(name, (r) => okDelivery(r)?.clientSystemCpuUsPerDelivery)),
      bytesPerIdleConnection: median(pick(name, (r) => okPhase(r.idleRss)?.bytesPerConnection)),
      deliveriesPerSecond: median(pick(name, (r) => okDelivery(r)?.deliveriesPerSecond)),
      p50LatencyMs: median(pick(name, (r) => okDelivery(r)?.latencyUs.p50 / 1000)),
      p99LatencyMs: median(pick(name, (r) => okDelivery(r)?.latencyUs.p99 / 1000)),
      lightP50LatencyMs: median(pick(name, (r) => okDelivery(r)?.light?.latencyUs.p50 / 1000)),
      lightP99LatencyMs: median(pick(name, (r) => okDelivery(r)?.light?.latencyUs.p99 / 1000)),
      // Not delivered when the wait (20 s after the last publish) ended: slow or lost.
      undeliveredAtDeadline: pick(name, (r) => okDelivery(r)?.undelivered).reduce((a, b) => a + b, 0),
      // Runs of the fixed-rate phase in which every event reached every subscriber (per-event counts).
      deliveryRunsComplete: pick(name, (r) => (okDelivery(r) && okDelivery(r).undelivered === 0 && okDelivery(r).fanOut?.eventsReachingAll === okDelivery(r).published ? 1 : undefined)).length,
      // Saturation (capacity phase): bursts as fast as the server keeps up.
      capacityCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.serverCpuUsPerDelivery)),
      capacityUserCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.userCpuUsPerDelivery)),
      capacitySystemCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.systemCpuUsPerDelivery)),
      capacityDeliveriesPerSecond: median(pick(name, (r) => okCapacity(r)?.deliveriesPerSecond)),
      capacityServerCores: median(pick(name, (r) => okCapacity(r)?.serverCores)),
      capacityClientCores: median(pick(name, (r) => okCapacity(r)?.clientCores)),
      capacityClientCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.clientCpuUsPerDelivery)),
      capacityClientUserCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.clientUserCpuUsPerDelivery)),
      capacityClientSystemCpuUsPerDelivery: median(pick(name, (r) => okCapacity(r)?.clientSystemCpuUsPerDelivery)),
      capacityRuns: pick(name, (r) => (okCapacity(r) ? 1 : undefined)).length,
      capacityRunsComplete: pick(name, (r) => (okCapacity(r)?.everySubscriberGotEverything ? 1 : undefined)).length,
      // Fan-out (lib/fan-out.mjs): last receive - first receive of one event over all subscribers.
      fanOutSpreadP50Ms: median(pick(name, (r) => okDelivery(r)?.fanOut?.spreadUs.p50 / 1000)),
      fanOutSpreadP99Ms: median(pick(name, (r) => okDelivery(r)?.fanOut?.spreadUs.p99 / 1000)),
      firstReceiveP50Ms: median(pick(name, (r) => okDelivery(r)?.fanOut?.firstReceiveUs.p50 / 1000)),
      firstReceiveP99Ms: median(pick(name, (r) => okDelivery(r)?.fanOut?.firstReceiveUs.p99 / 1000)),
      lightFanOutSpreadP50Ms: median(pick(name, (r) => okDelivery(r)?.light?.fanOut?.spreadUs.p50 / 1000)),
      lightFanOutSpreadP99Ms: median(pick(name, (r) => okDelivery(r)?.light?.fanOut?.spreadUs.p99 / 1000)),
      // Minimal `net` client only: data frames per socket read (proxy for events per server write).
      framesPerRead: median(pick(name, (r) => okDelivery(r)?.framesPerRead)),
      capacityFramesPerRead: median(pick(name, (r) => okCapacity(r)?.framesPerRead)),
      shapes: summarizeShapes(runs.map((r) => r[name]?.shapes).filter(Boolean)),
      authConnectionsPerSecond: median(pick(name, (r) => okPhase(r.connectionRate)?.perSecond)),
      serverCpuUsPerAuthConnection: median(pick(name, (r) => okPhase(r.connectionRate)?.serverCpuUsPerConnection)),
      clientCpuUsPerAuthConnection: median(pick(name, (r) => okPhase(r.connectionRate)?.clientCpuUsPerConnection)),
      runsWithErrors: runs.filter((r) => r[name]?.error || ['warmUp', 'idleRss', 'delivery', 'connectionRate'].some((k) => r[name]?.[k]?.error) || r[name]?.delivery?.capacity?.error || r[name]?.shapes?.some((x) => x.error)).length,
    };
  }
  const RATIO_KEYS = ['cpuUsPerDelivery', 'userCpuUsPerDelivery', 'systemCpuUsPerDelivery', 'bytesPerIdleConnection', 'deliveriesPerSecond', 'p50LatencyMs', 'p99LatencyMs', 'lightP50LatencyMs', 'lightP99LatencyMs', 'capacityCpuUsPerDelivery', 'capacityDeliveriesPerSecond', 'authConnectionsPerSecond', 'serverCpuUsPerAuthConnection'];
  const ratiosOf = (a, b) => Object.fromEntries(RATIO_KEYS.map((key) => [key, round(ratio(a?.[key], b?.[key]), 3)]));
  // Every gateway target against the baseline (`ratios` = the default gateway's, as before), and
  // each write-delay variant against the gateway without one.
  const ratiosByTarget = {};
  const ratiosVsGateway = {};
  for (const name of targets) {
    if (name === 'baseline') continue;
    ratiosByTarget[name] = ratiosOf(summary[name], summary.baseline);
    if (name !== 'gateway' && summary.gateway) ratiosVsGateway[name] = ratiosOf(summary[name], summary.gateway);
  }
  const ratios = ratiosByTarget.gateway ?? {};
  const verdict = (value, target, better) => (value === undefined ? 'not measured' : (better === 'lower' ? value <= target : value >= target) ? 'met' : 'missed');
  const targetsMetByTarget = {};
  for (const name of targets) {
    if (name === 'baseline') continue;
    const g = summary[name];
    targetsMetByTarget[name] = {
      cpuUsPerDelivery: verdict(g.cpuUsPerDelivery, TARGETS.cpuUsPerDelivery, 'lower'),
      capacityCpuUsPerDelivery: verdict(g.capacityCpuUsPerDelivery, TARGETS.cpuUsPerDelivery, 'lower'),
      bytesPerIdleConnection: verdict(g.bytesPerIdleConnection, TARGETS.bytesPerIdleConnection, 'lower'),
      p99LatencyMs: verdict(g.p99LatencyMs, TARGETS.p99LatencyMs, 'lower'),
      // The same target in the other shapes of 100,000 deliveries/s (BENCH_LATENCY_SHAPES).
      p99LatencyMsByShape: Object.fromEntries(Object.entries(g.shapes).map(([shape, f]) => [shape, verdict(f.p99LatencyMs, TARGETS.p99LatencyMs, 'lower')])),
      authConnectionsPerSecond: verdict(g.authConnectionsPerSecond, TARGETS.authConnectionsPerSecond, 'higher'),
    };
  }
  const targetsMet = targetsMetByTarget.gateway;
  return { summary, ratios, ratiosByTarget, ratiosVsGateway, targetsMet, targetsMetByTarget };
}

function printTable({ summary, ratiosByTarget }) {
  const rows = [
    ['server CPU per delivered message (us)', 'cpuUsPerDelivery', (v) => round(v, 3)],
    ['  of which user / system (us, /proc stat)', 'userCpuUsPerDelivery', (v, s) => `${round(v, 2)} / ${round(s.systemCpuUsPerDelivery, 2)}`],
    ['load clients CPU per delivered message (us; user / kernel)', 'clientCpuUsPerDelivery', (v, s) => `${round(v, 2)} (${round(s.clientUserCpuUsPerDelivery, 2)} / ${round(s.clientSystemCpuUsPerDelivery, 2)})`],
    ['saturation: load clients CPU per delivery (us; user / kernel)', 'capacityClientCpuUsPerDelivery', (v, s) => `${round(v, 2)} (${round(s.capacityClientUserCpuUsPerDelivery, 2)} / ${round(s.capacityClientSystemCpuUsPerDelivery, 2)})`],
    ['RSS per idle connection (KiB)', 'bytesPerIdleConnection', (v) => round(v / 1024, 2)],
    ['achieved deliveries/s (offered: subscribers x rate)', 'deliveriesPerSecond', (v) => Math.round(v)],
    ['NATS-to-client latency p50 (ms)', 'p50LatencyMs', (v) => round(v, 3)],
    ['NATS-to-client latency p99 (ms)', 'p99LatencyMs', (v) => round(v, 3)],
    ['latency p50 at the light rate (ms)', 'lightP50LatencyMs', (v) => round(v, 3)],
    ['latency p99 at the light rate (ms)', 'lightP99LatencyMs', (v) => round(v, 3)],
    ['fan-out spread p50 / p99 (ms, last - first receive of an event)', 'fanOutSpreadP99Ms', (v, s) => `${round(s.fanOutSpreadP50Ms, 3)} / ${round(v, 3)}`],
    ['first receive p50 / p99 (ms, publish -> first subscriber)', 'firstReceiveP99Ms', (v, s) => `${round(s.firstReceiveP50Ms, 3)} / ${round(v, 3)}`],
    ['fan-out spread p50 / p99 at the light rate (ms)', 'lightFanOutSpreadP99Ms', (v, s) => `${round(s.lightFanOutSpreadP50Ms, 3)} / ${round(v, 3)}`],
    ['frames per client read, fixed rate / saturation (net client)', 'framesPerRead', (v, s) => `${round(v, 2)} / ${round(s.capacityFramesPerRead, 2)}`],
    ['saturation: server CPU per delivery (us)', 'capacityCpuUsPerDelivery', (v, s) => `${round(v, 3)} (${round(s.capacityUserCpuUsPerDelivery, 2)} / ${round(s.capacitySystemCpuUsPerDelivery, 2)})`],
    ['saturation: deliveries/s (server / client cores)', 'capacityDeliveriesPerSecond', (v, s) => `${Math.round(v)} (${round(s.capacityServerCores, 2)} / ${round(s.capacityClientCores, 2)})`],
    ['saturation: runs where every subscriber got every event in order', 'capacityRunsComplete', (v, s) => `${v} of ${s.capacityRuns}`],
    ['new authenticated connections/s', 'authConnectionsPerSecond', (v) => Math.round(v)],
    ['server CPU per authenticated connection (us)', 'serverCpuUsPerAuthConnection', (v) => round(v, 1)],
    ['load clients CPU per authenticated connection (us)', 'clientCpuUsPerAuthConnection', (v) => round(v, 1)],
  ];
  const names = Object.keys(summary);
  const others = names.filter((n) => n !== 'baseline');
  const lines = [`| metric (median) | ${names.join(' | ')} | ${others.map((n) => `${n} / baseline`).join(' | ')} |`, `|---|${names.map(() => '---|').join('')}${others.map(() => '---|').join('')}`];
  for (const [label, key, fmt] of rows) {
    const cells = names.map((n) => (summary[n][key] === undefined ? 'n/a' : fmt(summary[n][key], summary[n])));
    const ratioCells = others.map((n) => ratiosByTarget[n]?.[key] ?? 'n/a');
    lines.push(`| ${label} | ${cells.join(' | ')} | ${ratioCells.join(' | ')} |`);
  }
  // Latency shapes (BENCH_LATENCY_SHAPES): one group of rows per shape.
  const shapes = [...new Set(names.flatMap((n) => Object.keys(summary[n].shapes ?? {})))];
  const shapeRows = [
    ['latency p50 / p99 (ms)', (f) => `${round(f.p50LatencyMs, 3)} / ${round(f.p99LatencyMs, 3)}`],
    ['fan-out spread p50 / p99 (ms)', (f) => `${round(f.fanOutSpreadP50Ms, 3)} / ${round(f.fanOutSpreadP99Ms, 3)}`],
    ['first receive p50 / p99 (ms)', (f) => `${round(f.firstReceiveP50Ms, 3)} / ${round(f.firstReceiveP99Ms, 3)}`],
    ['server / clients CPU per delivery (us; clients user / kernel)', (f) => `${round(f.cpuUsPerDelivery, 3)} / ${round(f.clientCpuUsPerDelivery, 2)} (${round(f.clientUserCpuUsPerDelivery, 2)} / ${round(f.clientSystemCpuUsPerDelivery, 2)})`],
    ['achieved deliveries/s; frames per client read', (f) => `${Math.round(f.deliveriesPerSecond ?? 0)}; ${f.framesPerRead === undefined ? 'n/a' : round(f.framesPerRead, 2)}`],
    ['runs where every event reached every subscriber', (f) => `${f.runsComplete} of ${f.runs + f.runsWithErrors}`],
  ];
  for (const shape of shapes) {
    const [subs, rate] = shape.split('x');
    for (const [label, fmt] of shapeRows) {
      const cells = names.map((n) => (summary[n].shapes?.[shape] && summary[n].shapes[shape].runs > 0 ? fmt(summary[n].shapes[shape]) : 'n/a'));
      lines.push(`| ${subs} subs x ${rate} events/s: ${label} | ${cells.join(' | ')} | ${others.map(() => 'n/a').join(' | ')} |`);
    }
  }
  process.stdout.write('\n' + lines.join('\n') + '\n\n');
}

function chartOf(report) {
  const { summary, config, machine, startedAt } = report;
  const g = summary.gateway ?? {};
  const b = summary.baseline ?? {};
  const kib = (v) => (v === undefined ? undefined : v / 1024);
  // Write-delay variants as extra bars where they differ from the gateway (delivery figures only).
  const variants = Object.keys(summary).filter((n) => n.startsWith('gateway-wd'));
  const extra = (key) => variants.map((n) => ({ name: `wd ${summary[n].writeDelayMs} ms`, value: summary[n][key] }));
  return renderGatewayChart(
    [
      {
        title: 'CPU per delivered message',
        unit: 'us',
        better: 'lower',
        target: TARGETS.cpuUsPerDelivery,
        gateway: g.cpuUsPerDelivery,
        baseline: b.cpuUsPerDelivery,
        extra: extra('cpuUsPerDelivery'),
        note: `${config.subscribers} subs x ${config.rate} events/s; gateway user ${round(g.userCpuUsPerDelivery, 2)} + sys ${round(g.systemCpuUsPerDelivery, 2)}`,
      },
      {
        title: 'CPU per delivery, saturated',
        unit: 'us',
        better: 'lower',
        target: TARGETS.cpuUsPerDelivery,
        gateway: g.capacityCpuUsPerDelivery,
        baseline: b.capacityCpuUsPerDelivery,
        extra: extra('capacityCpuUsPerDelivery'),
        note: `bursts as fast as delivered; gateway ${Math.round(g.capacityDeliveriesPerSecond ?? 0).toLocaleString('en-US')}/s`,
      },
      { title: 'RSS per idle connection', unit: 'KiB', better: 'lower', target: kib(TARGETS.bytesPerIdleConnection), gateway: kib(g.bytesPerIdleConnection), baseline: kib(b.bytesPerIdleConnection), note: `${config.idleConnections} connections` },
      { title: 'NATS-to-client p99', unit: 'ms', better: 'lower', target: TARGETS.p99LatencyMs, gateway: g.p99LatencyMs, baseline: b.p99LatencyMs, extra: extra('p99LatencyMs'), note: `${config.subscribers} subs x ${config.rate}/s` + (g.fanOutSpreadP99Ms === undefined ? '' : `; fan-out spread p99 ${round(g.fanOutSpreadP99Ms, 2)} ms`) },
      // The first latency shape (BENCH_LATENCY_SHAPES), e.g. the same 100,000/s as 100 subs x 1,000 events/s.
      ...(config.latencyShapes ?? []).slice(0, 1).map(({ subscribers, rate }) => {
        const shape = `${subscribers}x${rate}`;
        return {
          title: `p99, ${subscribers} subs x ${rate.toLocaleString('en-US')}/s`,
          unit: 'ms',
          better: 'lower',
          target: TARGETS.p99LatencyMs,
          gateway: g.shapes?.[shape]?.p99LatencyMs,
          baseline: b.shapes?.[shape]?.p99LatencyMs,
          extra: variants.map((n) => ({ name: `wd ${summary[n].writeDelayMs} ms`, value: summary[n].shapes?.[shape]?.p99LatencyMs })),
          note: `fan-out spread p99 ${round(g.shapes?.[shape]?.fanOutSpreadP99Ms, 2)} ms (gateway)`,
        };
      }),
      { title: 'New authenticated conns', unit: 'per second', better: 'higher', target: TARGETS.authConnectionsPerSecond, gateway: g.authConnectionsPerSecond, baseline: b.authConnectionsPerSecond, note: 'JWT at upgrade; clients on same cores' },
    ],
    {
      title: 'Gateway benchmark: uWebSockets.js gateway vs plain ws + NATS',
      subtitle: `medians of ${config.runs} runs, ${startedAt.slice(0, 10)}, ${machine.cores} shared cores (${machine.cpuModel}), load clients (${config.loadClient ?? 'ws'}) on the same machine; wd = WRITE_DELAY_MS`,
    },
  );
}

/** `--chart-only`: redraws docs/benchmarks-gateway.svg from the last bench/results/gateway.json. */
function redrawChart() {
  const report = JSON.parse(readFileSync(`${ROOT}bench/results/gateway.json`, 'utf8'));
  writeFileSync(`${ROOT}docs/benchmarks-gateway.svg`, chartOf(report));
  log('redrew docs/benchmarks-gateway.svg from bench/results/gateway.json');
}

async function main() {
  if (process.argv.includes('--chart-only')) return redrawChart();
  const config = readConfig();
  const targets = config.targets.filter((t) => {
    if (targetAvailable(t)) return true;
    log(`${t} is not built (run npm run build): skipped`);
    return false;
  });
  if (targets.length === 0) throw new BenchConfigError('nothing to benchmark');

  const ctx = {
    config,
    run: 0,
    jwtSecret: randomBytes(32).toString('hex'),
    sourceAddresses: Array.from({ length: config.sourceAddressCount }, (_, i) => `127.0.0.${i + 2}`),
    running: new Set(),
  };
  const baseNs = process.hrtime.bigint();
  let nats;
  let nc;
  const cleanup = async () => {
    for (const target of ctx.running) target.kill();
    ctx.clients?.killAll();
    await nc?.close().catch(() => undefined);
    await nats?.dispose().catch(() => undefined);
  };
  const watchdog = setTimeout(() => {
    log(`aborting: the run exceeded BENCH_MAX_SECONDS=${config.maxSeconds}`);
    void cleanup().finally(() => process.exit(2));
  }, config.maxSeconds * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

  const startedAt = new Date();
  try {
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url, name: 'bench-publisher' });
    ctx.natsUrl = nats.url;
    ctx.publisher = new TradePublisher(nc, baseNs);
    ctx.clients = await LoadClients.start(config.clientProcesses, baseNs);
    // The warm-up's authenticated connections use the same tokens, so there are at least that many.
    await ctx.clients.all('prepareTokens', (i) => ({ secret: ctx.jwtSecret, count: ctx.clients.share(Math.max(config.authConnections, config.warmupConnections), i), prefix: `bench-p${i}` }), 120_000);
    log(`config ${JSON.stringify({ ...config, targets })}`);

    const natsFloor = await phase('NATS floor', () => measureNatsFloor(ctx));
    if (!natsFloor.error) log(`harness floor (publisher -> nats-server -> plain NATS subscriber per load process): p50 ${natsFloor.latencyUs.p50} us, p99 ${natsFloor.latencyUs.p99} us`);

    const runs = [];
    for (let run = 1; run <= config.runs; run++) {
      ctx.run = run;
      // Alternate the order so slow drift of the shared machine's load hits both sides alike.
      const order = run % 2 ? targets : [...targets].reverse();
      const result = {};
      for (const name of order) {
        try {
          result[name] = await runTarget(ctx, name);
        } catch (err) {
          // A server that will not start (or dies) must not cost the other side its figures.
          log(`  ${name} FAILED: ${err.code ?? ''} ${err.message}`);
          result[name] = { error: `${err.code ?? 'ERROR'}: ${err.message}` };
        }
      }
      runs.push(result);
    }

    const { summary, ratios, ratiosByTarget, ratiosVsGateway, targetsMet, targetsMetByTarget } = summarize(runs, targets);
    printTable({ summary, ratiosByTarget });
    for (const [name, met] of Object.entries(targetsMetByTarget)) log(`targets (issue 4), ${name}: ${JSON.stringify(met)}`);
    const report = {
      benchmark: 'gateway',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      loadAverageAtEnd: os.loadavg().map((v) => round(v, 2)),
      config: { ...config, targets, gatewayMain: process.env.BENCH_GATEWAY_MAIN },
      targets: TARGETS,
      method: {
        cpu: 'sum of /proc/<pid>/task/*/schedstat run time (ns) of the server process over the publish window until every delivery was counted, divided by deliveries counted by the clients; /proc/<pid>/stat utime+stime (10 ms ticks) kept as statCpuUsPerDelivery',
        rss: '(VmRSS with N idle /ws/trades connections - VmRSS with none) / N, each read once RSS is stable within 256 KiB over 500 ms (max 6-8 s)',
        latency: 'publisher stamps process.hrtime (CLOCK_MONOTONIC, shared by all processes) into each event; clients record receive - publish in an HDR histogram; medians of per-run p50/p99; measured at rate x subscribers deliveries/s and again at lightRate x subscribers',
        loadClient: 'delivery phases: `ws` library clients or (BENCH_LOAD_CLIENT=net) a minimal client over node:net (hand-written upgrade, lib/ws-frames.mjs parser, one shared read buffer); both read seq and benchNs from the bytes without JSON.parse',
        fanOut: 'per event (seq): first and last receive time over all subscribers (merged over the load processes, same clock) and how many subscribers got it; spread = last - first, first receive = first - publish; nearest-rank percentiles over the events every subscriber got',
        latencyShapes: 'BENCH_LATENCY_SHAPES: extra fixed-rate phases <subscribers>x<events/s> on fresh sockets, same method as the main phase (deliverySeconds long)',
        framesPerRead: 'net client only: data and control frames parsed / socket reads after the upgrade, summed over the clients: a proxy (upper bound) for events per server write',
        capacity: 'on the delivery subscribers: bursts of capacityBurst events, never more than capacityWindow events ahead of the deliveries counted by the clients, capacityEvents in all; server CPU (schedstat) from the first publish until every delivery was counted / deliveries; per-socket counts and seq order checked by the clients',
        connectionRate: 'new /ws/orders connections with a distinct HS256 JWT each (signed beforehand), 32 handshakes in flight per load process, minimal upgrade client (101 and Sec-WebSocket-Accept checked; `ws` with BENCH_RAW_UPGRADE_CLIENT=0); two passes with the same tokens, closed in between, the second measured (the first kept as firstPass); opened / (last open - first attempt)',
      },
      natsFloor,
      summary,
      ratios,
      ratiosByTarget,
      ratiosVsGateway,
      targetsMet,
      targetsMetByTarget,
      runs,
    };
    if (quick) {
      log('quick run: results not written');
    } else if (process.env.BENCH_RESULTS) {
      // A side experiment: its own results file, and the chart of the main results left alone.
      writeFileSync(process.env.BENCH_RESULTS, JSON.stringify(report, null, 2) + '\n');
      log(`wrote ${process.env.BENCH_RESULTS} (chart not redrawn)`);
    } else {
      mkdirSync(`${ROOT}bench/results`, { recursive: true });
      writeFileSync(`${ROOT}bench/results/gateway.json`, JSON.stringify(report, null, 2) + '\n');
      const svg = chartOf(report);
      writeFileSync(`${ROOT}docs/benchmarks-gateway.svg`, svg);
      log('wrote bench/results/gateway.json and docs/benchmarks-gateway.svg');
    }
  } finally {
    clearTimeout(watchdog);
    await ctx.clients?.stop().catch(() => ctx.clients.killAll());
    await cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:gateway failed: ${err.code ?? 'ERROR'}: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
