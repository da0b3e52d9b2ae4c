// Matching-core benchmark: the integer OrderBook, the full SymbolEngine.apply path (validated wire
// commands in, encoded events and reply out), SymbolEngine.replay (recovery's state-only path), recovery's
// journal path (stored batch bytes of format version 1 and 2 -> decode -> replay) and the npm package nodejs-order-book as a peer, all on
// the same pre-generated command mix, in the same process.
//
//   npx tsc -b tsconfig.build.json && node bench/engine/core.mjs [--commands=200000] [--runs=5]
//
// The mix follows exchange-core's: ~1,000 resting orders kept around a fixed mid price, GTC limit
// orders that rest (never cross), IOC orders that cross (about 6% of commands trade) and cancels
// of random live orders. Self-trade prevention is `none` so that all three books see identical
// semantics and identical states. Figures: throughput (commands/s, a pass without per-command
// timers), per-command latency percentiles (a separate pass timing each command with
// process.hrtime.bigint), and the largest GC pause seen (PerformanceObserver 'gc').
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createSymbolSpec, validateCommand } from '../../libs/contracts/dist/index.js';
import { BookOrder, OrderBook, STP_NONE, TIF_GTC, TIF_IOC, createSymbolEngine } from '../../libs/order-book/dist/index.js';
import peer from 'nodejs-order-book';
import * as journalFormat from '../../apps/matching-engine/dist/journal/journal-format.js';
import { median } from './lib/bench-util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, '..', 'results', 'engine-core.json');

const SYMBOL = 'BTC-USD';
const MID = 100_000; // ticks of 0.01 -> 1000.00
const BAND = 100; // resting orders within MID +- BAND ticks
const TARGET_RESTING = 1_000;
const USERS = Array.from({ length: 1_000 }, (_, i) => `u${i}`);

/** xorshift32: the same seed gives the same command list on every machine. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Generates the command list by driving a real engine (so cancels name orders that are live at
 * that point), and returns it in three forms: wire commands, integer commands and peer arguments.
 */
export function generateCommands(count, seed = 42) {
  const spec = createSymbolSpec(SYMBOL, '0.01', '0.001');
  const engine = createSymbolEngine(spec);
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const live = [];
  const wire = new Array(count);
  const kind = new Uint8Array(count); // 0 place, 1 cancel
  const id = new Float64Array(count);
  const side = new Uint8Array(count);
  const price = new Float64Array(count);
  const qty = new Float64Array(count);
  const tif = new Uint8Array(count);
  const owner = new Array(count);
  const peerArgs = new Array(count);
  let trading = 0;
  let placedGtc = 0;
  let ioc = 0;
  let cancels = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    const user = USERS[int(USERS.length)];
    let command;
    if (r < 0.06) {
      // Crossing IOC: takes from the best levels.
      const buy = random() < 0.5;
      command = { type: 'place', userId: user, clientOrderId: `c${i}`, side: buy ? 'buy' : 'sell', orderType: 'limit', price: ticks(buy ? MID + BAND : MID - BAND), quantity: lots(1 + int(60)), timeInForce: 'IOC', stp: 'none' };
      ioc++;
    } else if (live.length === 0 || r < (engine.stats.restingOrders < TARGET_RESTING ? 0.6 : 0.5)) {
      const buy = random() < 0.5;
      const p = buy ? MID - 1 - int(BAND) : MID + 1 + int(BAND);
      command = { type: 'place', userId: user, clientOrderId: `c${i}`, side: buy ? 'buy' : 'sell', orderType: 'limit', price: ticks(p), quantity: lots(1 + int(100)), stp: 'none' };
      placedGtc++;
    } else {
      // Cancel a random live order (dropping ones that were filled meanwhile).
      let target;
      while (live.length > 0) {
        const k = int(live.length);
        const candidate = live[k];
        live[k] = live[live.length - 1];
        live.pop();
        if (engine.book.orders.has(candidate.n)) {
          target = candidate;
          break;
        }
      }
      if (target === undefined) {
        i--;
        continue;
      }
      command = { type: 'cancel', userId: target.user, orderId: `${SYMBOL}-${target.n}` };
      cancels++;
    }
    const valid = validateCommand(command);
    if (!valid.ok) throw new Error(`generator produced an invalid command: ${JSON.stringify(valid.details)}`);
    const result = engine.apply(command, 1_700_000_000_000 + i);
    if (!result.reply.ok) throw new Error(`generator command refused: ${result.replyJson}`);
    if (result.events.some((e) => e.subject.startsWith('trading.trade.'))) trading++;
    wire[i] = command;
    if (command.type === 'place') {
      const n = Number(result.reply.order.orderId.slice(SYMBOL.length + 1));
      kind[i] = 0;
      id[i] = n;
      side[i] = command.side === 'buy' ? 0 : 1;
      price[i] = Math.round(Number(command.price) * 100);
      qty[i] = Math.round(Number(command.quantity) * 1000);
      tif[i] = command.timeInForce === 'IOC' ? TIF_IOC : TIF_GTC;
      owner[i] = user;
      peerArgs[i] = { id: String(n), side: command.side, size: qty[i], price: price[i], timeInForce: command.timeInForce ?? 'GTC' };
      if (result.reply.order.status === 'NEW' || result.reply.order.status === 'PARTIALLY_FILLED') live.push({ n, user });
    } else {
      kind[i] = 1;
      id[i] = Number(command.orderId.slice(SYMBOL.length + 1));
      peerArgs[i] = String(id[i]);
    }
  }
  return {
    spec,
    count,
    wire,
    core: { kind, id, side, price, qty, tif, owner },
    peerArgs,
    mix: { gtc: placedGtc / count, ioc: ioc / count, cancel: cancels / count, trading: trading / count, restingAtEnd: engine.stats.restingOrders, levelsAtEnd: engine.stats.bidLevels + engine.stats.askLevels },
  };
}

function ticks(n) {
  return (n / 100).toFixed(2);
}
function lots(n) {
  return (n / 1000).toFixed(3);
}

// --- The three implementations, each as (fresh state) -> (index) -> void ------------------------

function coreRunner(data) {
  const { kind, id, side, price, qty, tif, owner } = data.core;
  const book = new OrderBook();
  return {
    step(i) {
      if (kind[i] === 0) book.place(new BookOrder(id[i], owner[i], side[i], price[i], qty[i], false, tif[i], false, STP_NONE));
      else book.cancel(id[i]);
    },
    resting: () => book.orders.size,
  };
}

function applyRunner(data) {
  const engine = createSymbolEngine(data.spec);
  const wire = data.wire;
  let sink = 0;
  return {
    step(i) {
      const result = engine.apply(wire[i], 1_700_000_000_000 + i);
      sink += result.events.length; // keep the results alive as a real caller would
    },
    resting: () => (sink >= 0 ? engine.stats.restingOrders : -1),
  };
}

// Recovery's path for journal entries already published: the same state change, no event or reply text.
function replayRunner(data) {
  const engine = createSymbolEngine(data.spec);
  const wire = data.wire;
  let changed = 0;
  return {
    step(i) {
      if (engine.replay(wire[i], 1_700_000_000_000 + i)) changed++;
    },
    resting: () => (changed >= 0 ? engine.stats.restingOrders : -1),
  };
}

/** The mix as the engine journals it: batches of 1,000 commands (bytes as stored), in batch format `version`. */
function journalBatches(data, version) {
  const key = `journal${version}`;
  if (data[key]) return data[key];
  const encodeEntry = version === 1 ? journalFormat.encodeEntryV1 : journalFormat.encodeEntry;
  const encodeBatch = version === 1 ? journalFormat.encodeBatchV1 : journalFormat.encodeBatch;
  const batches = [];
  for (let i = 0; i < data.count; i += 1000) {
    const entries = [];
    for (let j = i; j < Math.min(data.count, i + 1000); j++) entries.push(encodeEntry(1_700_000_000_000 + j, data.wire[j]));
    batches.push(Buffer.from(encodeBatch(entries)));
  }
  return (data[key] = batches);
}

// Recovery's whole in-process path below the watermark: a stored batch's bytes -> text -> decodeBatch
// -> replayEntries, once per 1,000 commands (so its latency figures are per batch, not per command).
function journalReplayRunner(version) {
  return (data) => {
    const batches = journalBatches(data, version);
    const engine = createSymbolEngine(data.spec);
    return {
      step(i) {
        if (i % 1000 !== 0) return;
        const decoded = journalFormat.decodeBatch(batches[i / 1000].toString());
        if (!decoded.ok) throw new Error(decoded.reason);
        journalFormat.replayEntries(engine, decoded.batch);
        // As recovery does after its last batch (indexes what replay left for later), inside the timing.
        if (i + 1000 >= data.count) engine.finishReplay?.();
      },
      resting: () => engine.stats.restingOrders,
    };
  };
}

function peerRunner(data) {
  const book = new peer.OrderBook();
  const { kind } = data.core;
  const args = data.peerArgs;
  return {
    step(i) {
      if (kind[i] === 0) book.limit(args[i]);
      else book.cancel(args[i]);
    },
    resting: () => {
      // Its snapshot lists the orders of each level: count them to cross-check the three books.
      const snap = book.snapshot();
      let n = 0;
      for (const level of snap.bids) n += level.orders.length;
      for (const level of snap.asks) n += level.orders.length;
      return n;
    },
  };
}

// --- Measurement ----------------------------------------------------------------------------------

const gcEntries = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcEntries.push({ start: entry.startTime, duration: entry.duration });
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

// A full collection before each measured run, so that garbage of the previous run (or of the
// generator) is not collected inside this one. Enabled without a command-line flag, on first use.
let gcFunction;
function collectGarbage() {
  if (gcFunction === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc');
  }
  gcFunction();
}

async function maxGcPause(from, to) {
  await settle();
  await new Promise((resolve) => setTimeout(resolve, 20));
  let max = 0;
  for (const e of gcEntries) if (e.start >= from && e.start <= to && e.duration > max) max = e.duration;
  return max;
}

async function throughputRun(make, data) {
  collectGarbage();
  const runner = make(data);
  const n = data.count;
  const from = performance.now();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) runner.step(i);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const to = performance.now();
  // CPU time (user + system, all threads incl. GC helpers) says what the commands cost even when
  // other jobs share the cores; wall time is the headline figure.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { commandsPerSecond: n / elapsed, commandsPerCpuSecond: n / cpuSeconds, seconds: elapsed, gcMaxMs: await maxGcPause(from, to), resting: runner.resting() };
}

async function latencyRun(make, data) {
  collectGarbage();
  const runner = make(data);
  const n = data.count;
  const samples = new Float64Array(n);
  const from = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    runner.step(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const to = performance.now();
  samples.sort();
  const pick = (q) => samples[Math.min(n - 1, Math.floor(q * n))] / 1000;
  return { p50: pick(0.5), p99: pick(0.99), p999: pick(0.999), p9999: pick(0.9999), max: samples[n - 1] / 1000, gcMaxMs: await maxGcPause(from, to) };
}


async function measure(name, make, data, runs) {
  await throughputRun(make, data); // warm-up: JIT and inline caches
  const throughput = [];
  const latency = [];
  for (let r = 0; r < runs; r++) {
    throughput.push(await throughputRun(make, data));
    latency.push(await latencyRun(make, data));
  }
  const result = {
    name,
    commandsPerSecond: median(throughput.map((t) => t.commandsPerSecond)),
    commandsPerSecondRuns: throughput.map((t) => Math.round(t.commandsPerSecond)),
    commandsPerCpuSecond: median(throughput.map((t) => t.commandsPerCpuSecond)),
    latencyUs: {
      p50: median(latency.map((l) => l.p50)),
      p99: median(latency.map((l) => l.p99)),
      p999: median(latency.map((l) => l.p999)),
      p9999: median(latency.map((l) => l.p9999)),
      maxOfRuns: Math.max(...latency.map((l) => l.max)),
    },
    p9999UsRuns: latency.map((l) => round(l.p9999)),
    gcMaxPauseMs: Math.max(...throughput.map((t) => t.gcMaxMs), ...latency.map((l) => l.gcMaxMs)),
    restingAtEnd: throughput[0].resting,
  };
  return result;
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs the whole benchmark and returns (and writes) the figures. */
export async function runCoreBench({ commands = 200_000, runs = 5, seed = 42, write = true, log = console.log } = {}) {
  gcObserver.observe({ entryTypes: ['gc'] });
  const loadavgBefore = os.loadavg().map((x) => round(x));
  try {
    const data = generateCommands(commands, seed);
    log(`mix: ${JSON.stringify(mix(data.mix))}`);
    const core = await measure('OrderBook (integer core)', coreRunner, data, runs);
    log(summary(core));
    const apply = await measure('SymbolEngine.apply (wire command -> events + reply JSON)', applyRunner, data, runs);
    log(summary(apply));
    const replay = await measure('SymbolEngine.replay (wire command -> state only, as recovery below the watermark)', replayRunner, data, runs);
    log(summary(replay));
    if (replay.restingAtEnd !== apply.restingAtEnd) log(`warning: resting orders differ at the end: apply ${apply.restingAtEnd}, replay ${replay.restingAtEnd}`);
    const journalV1 = await measure('journal replay, version-1 batches (bytes -> decodeBatch -> replayEntries; latency per 1,000-command batch)', journalReplayRunner(1), data, runs);
    log(summary(journalV1));
    const journalV2 = await measure('journal replay, version-2 batches (bytes -> decodeBatch -> replayEntries; latency per 1,000-command batch)', journalReplayRunner(2), data, runs);
    log(summary(journalV2));
    for (const j of [journalV1, journalV2]) if (j.restingAtEnd !== apply.restingAtEnd) log(`warning: resting orders differ at the end: apply ${apply.restingAtEnd}, ${j.name} ${j.restingAtEnd}`);
    const nob = await measure('nodejs-order-book 10.1.1 (peer)', peerRunner, data, runs);
    log(summary(nob));
    if (core.restingAtEnd !== apply.restingAtEnd || core.restingAtEnd !== nob.restingAtEnd) {
      log(`warning: resting orders differ at the end: core ${core.restingAtEnd}, apply ${apply.restingAtEnd}, peer ${nob.restingAtEnd}`);
    }
    const result = {
      benchmark: 'engine-core',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgBefore, loadavgAfter: os.loadavg().map((x) => round(x)), note: 'shared 2-core machine, busy with other jobs during the run' },
      params: { commands, runs, seed, restingTarget: TARGET_RESTING, priceBandTicks: BAND, users: USERS.length, stp: 'none' },
      mix: mix(data.mix),
      core: clean(core),
      apply: clean(apply),
      replay: clean(replay),
      journalReplayV1: clean(journalV1),
      journalReplayV2: clean(journalV2),
      peer: clean(nob),
      ratios: {
        coreVsPeerThroughput: round(core.commandsPerSecond / nob.commandsPerSecond),
        applyVsPeerThroughput: round(apply.commandsPerSecond / nob.commandsPerSecond),
        replayVsApplyThroughput: round(replay.commandsPerSecond / apply.commandsPerSecond),
        journalV2VsV1Throughput: round(journalV2.commandsPerSecond / journalV1.commandsPerSecond),
      },
      targets: {
        coreCommandsPerSecondAtLeast1M: core.commandsPerSecond >= 1_000_000,
        coreP9999AtMost100us: core.latencyUs.p9999 <= 100,
      },
    };
    log(`ratios: ${JSON.stringify(result.ratios)}  targets: ${JSON.stringify(result.targets)}`);
    if (write) {
      mkdirSync(dirname(RESULTS), { recursive: true });
      writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
      log(`written ${RESULTS}`);
    }
    return result;
  } finally {
    gcObserver.disconnect();
  }
}

function mix(m) {
  return { gtc: round(m.gtc, 3), ioc: round(m.ioc, 3), cancel: round(m.cancel, 3), trading: round(m.trading, 3), restingAtEnd: m.restingAtEnd, levelsAtEnd: m.levelsAtEnd };
}

function clean(r) {
  return {
    name: r.name,
    commandsPerSecond: Math.round(r.commandsPerSecond),
    commandsPerSecondRuns: r.commandsPerSecondRuns,
    commandsPerCpuSecond: Math.round(r.commandsPerCpuSecond),
    latencyUs: Object.fromEntries(Object.entries(r.latencyUs).map(([k, v]) => [k, round(v)])),
    p9999UsRuns: r.p9999UsRuns,
    gcMaxPauseMs: round(r.gcMaxPauseMs),
    restingAtEnd: r.restingAtEnd,
  };
}

function summary(r) {
  const l = r.latencyUs;
  return `${r.name}: ${Math.round(r.commandsPerSecond).toLocaleString('en')} commands/s (${Math.round(r.commandsPerCpuSecond).toLocaleString('en')} per CPU-second); latency us p50 ${round(l.p50)} p99 ${round(l.p99)} p99.9 ${round(l.p999)} p99.99 ${round(l.p9999)} max ${round(l.maxOfRuns)}; largest GC pause ${round(r.gcMaxPauseMs)} ms`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
    return hit ? Number(hit.split('=')[1]) : fallback;
  };
  runCoreBench({ commands: arg('commands', 200_000), runs: arg('runs', 5) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
