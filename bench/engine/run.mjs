// `npm run bench:engine`: first the matching-core benchmark (core.mjs, in process), then the
// engine as a real process through NATS with the journal on:
//   1. throughput: closed-loop load generators (separate processes, plain request/reply, many in
//      flight) -> commands/s of one engine process
//   2. latency at a fixed rate (default 50,000 commands/s): p50/p99 from scheduled send time
//   3. replay: kill -9, restart without snapshots -> journaled commands replayed per second
//   4. scale: N resting orders over M symbols in one process; graceful stop (snapshots), restart,
//      time until /readyz says owner of every symbol
//   5. throughput with the event-retention window full (retention-window.mjs), against the same
//      with it not full, alternating; BENCH_SKIP_WINDOW=1 skips it
// Each of 1-3 runs BENCH_RUNS times on a fresh nats-server; the median is reported.
// Knobs (env): BENCH_RUNS (3), BENCH_SECONDS (5), BENCH_RATE (50000), BENCH_GENERATORS (2),
// BENCH_WINDOW (2000 in flight per generator), BENCH_BIG_SYMBOLS (10000), BENCH_BIG_ORDERS
// (1000000), BENCH_SKIP_CORE=1, BENCH_SKIP_BIG=1, BENCH_SKIP_REPLAY=1 (phases 1-2 only). `--quick`: tiny smoke run, results not written.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NatsServer } from '@trading/testing';
import { EngineProcess } from './lib/engine-process.mjs';
import { runGenerators } from './lib/generators.mjs';
import { runRetentionWindowBench } from './retention-window.mjs';
import { cpuSeconds as cpuSecondsOf, median, runMain, writeResults } from './lib/bench-util.mjs';

const here = new URL('.', import.meta.url);
const RESULTS = process.env.BENCH_OUT ?? fileURLToPath(new URL('../results/engine-nats.json', here));
const quick = process.argv.includes('--quick');
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

const RUNS = quick ? 1 : num('BENCH_RUNS', 3);
const SECONDS = quick ? 2 : num('BENCH_SECONDS', 5);
const RATE = quick ? 5_000 : num('BENCH_RATE', 50_000);
const GENERATORS = num('BENCH_GENERATORS', 2);
const WINDOW = num('BENCH_WINDOW', 2000);
const BIG_SYMBOLS = quick ? 200 : num('BENCH_BIG_SYMBOLS', 10_000);
const BIG_ORDERS = quick ? 20_000 : num('BENCH_BIG_ORDERS', 1_000_000);
const LOW_RATE = quick ? 1_000 : num('BENCH_LOW_RATE', 5_000);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    return cpuSecondsOf(pid);
  } catch {
    return NaN;
  }
}
const round = (x, d = 2) => (x === null || x === undefined ? x : Math.round(x * 10 ** d) / 10 ** d);
const log = (...args) => console.log('[bench:engine]', ...args);

const THROUGHPUT_SYMBOLS = Array.from({ length: GENERATORS }, (_, i) => `TP${i}-USD`);
const RATE_SYMBOLS = Array.from({ length: GENERATORS }, (_, i) => `RT${i}-USD`);
const LOW_RATE_SYMBOLS = Array.from({ length: GENERATORS }, (_, i) => `LR${i}-USD`);
// generateCommands' mix uses tick 0.01 and lot 0.001.
const symbolsEnv = (list) => list.map((s) => `${s}:0.01:0.001`).join(',');

async function oneRun(run) {
  const nats = await NatsServer.start();
  const env = {
    NATS_URL: nats.url,
    SYMBOLS: symbolsEnv([...THROUGHPUT_SYMBOLS, ...LOW_RATE_SYMBOLS, ...RATE_SYMBOLS]),
    INSTANCE_ID: `bench-${run}`,
    LOG_LEVEL: 'info',
    // No snapshots during the run, so phase 3 replays the whole journal.
    SNAPSHOT_INTERVAL_COMMANDS: '1000000000',
    SNAPSHOT_INTERVAL_MS: '1000000000',
  };
  let engine = await EngineProcess.start(env);
  try {
    await engine.waitOwner();
    // 1. throughput, with the CPU each process spent on it
    const cpu0 = { engine: cpuSeconds(engine.child.pid), nats: cpuSeconds(nats.child?.pid) };
    const perGen = Math.ceil((SECONDS + 2) * num("BENCH_MAX_RATE_GUESS", 60_000) / GENERATORS);
    const tp = await runGenerators(
      THROUGHPUT_SYMBOLS.map((symbol, id) => ({ id, mode: 'closed', natsUrl: nats.url, symbols: [symbol], count: perGen, window: WINDOW, seconds: SECONDS, seed: 42 + id })),
    );
    const completed = tp.results.reduce((a, r) => a + r.completed, 0);
    const seconds = Math.max(...tp.results.map((r) => r.measuredMs)) / 1000;
    const cpuUs = (who, pid) => round(((cpuSeconds(pid) - cpu0[who]) * 1e6) / completed, 1);
    const throughput = {
      commandsPerSecond: Math.round(completed / seconds),
      completed,
      seconds: round(seconds),
      ok: tp.results.reduce((a, r) => a + r.okReplies, 0),
      lost: tp.results.reduce((a, r) => a + r.lost, 0),
      latencyMs: tp.latencyMs,
      // CPU per command: what a dedicated core would allow (1e6 / us), independent of the sharing.
      cpuMicrosPerCommand: { engine: cpuUs('engine', engine.child.pid), natsServer: cpuUs('nats', nats.child?.pid) },
      loadavg1m: round(os.loadavg()[0]),
    };
    log(`run ${run} throughput: ${throughput.commandsPerSecond} commands/s (${completed} in ${round(seconds)} s, ${WINDOW * GENERATORS} in flight), p50 ${tp.latencyMs?.p50} ms p99 ${tp.latencyMs?.p99} ms; CPU/command engine ${throughput.cpuMicrosPerCommand.engine} us, nats-server ${throughput.cpuMicrosPerCommand.natsServer} us; load ${throughput.loadavg1m}`);

    // 2a. latency at a low fixed rate the shared machine sustains
    const low = await runGenerators(
      LOW_RATE_SYMBOLS.map((symbol, id) => ({ id: 50 + id, mode: 'rate', natsUrl: nats.url, symbols: [symbol], count: Math.ceil((LOW_RATE / GENERATORS) * (SECONDS + 1.5)), rate: LOW_RATE / GENERATORS, seconds: SECONDS, warmupSeconds: 1, seed: 3 + id })),
    );
    const lowRate = { rate: LOW_RATE, lost: low.results.reduce((a, r) => a + r.lost, 0), latencyMs: low.latencyMs };
    log(`run ${run} latency at ${LOW_RATE}/s: p50 ${low.latencyMs?.p50} ms p99 ${low.latencyMs?.p99} ms p99.9 ${low.latencyMs?.p999} ms (lost ${lowRate.lost})`);

    // 2. latency at a fixed rate
    const perGenRate = RATE / GENERATORS;
    const lat = await runGenerators(
      RATE_SYMBOLS.map((symbol, id) => ({ id: 100 + id, mode: 'rate', natsUrl: nats.url, symbols: [symbol], count: Math.ceil(perGenRate * (SECONDS + 1.5)), rate: perGenRate, seconds: SECONDS, warmupSeconds: 1, seed: 7 + id })),
    );
    const sent = lat.results.reduce((a, r) => a + r.sent, 0);
    const latency = { targetRate: RATE, achievedSendRate: Math.round(lat.results.reduce((a, r) => a + r.completedInWindow, 0) / SECONDS), sent, lost: lat.results.reduce((a, r) => a + r.lost, 0), latencyMs: lat.latencyMs };
    log(`run ${run} latency at ${RATE}/s: p50 ${lat.latencyMs?.p50} ms p99 ${lat.latencyMs?.p99} ms p99.9 ${lat.latencyMs?.p999} ms (replies per second of the measured window ${latency.achievedSendRate}/s, no reply within 5 s after the run: ${latency.lost})`);

    // 3. replay: crash, restart, replay everything journaled (no snapshot was taken)
    if (process.env.BENCH_SKIP_REPLAY === '1') return { throughput, lowRate, latency, replay: null };
    await engine.kill();
    engine = await EngineProcess.start(env);
    const readyMs = await engine.waitOwner();
    const owners = engine.ownerLogs();
    const replayed = owners.reduce((a, o) => a + o.replayedCommands, 0);
    const begin = Math.min(...owners.map((o) => o.time - o.ms));
    const end = Math.max(...owners.map((o) => o.time));
    const replay = {
      replayedCommands: replayed,
      wallMs: end - begin,
      commandsPerSecond: Math.round(replayed / Math.max(1, end - begin) * 1000),
      republishedEvents: owners.reduce((a, o) => a + o.republishedEvents, 0),
      processReadyMs: Math.round(readyMs),
    };
    log(`run ${run} replay: ${replay.commandsPerSecond} commands/s (${replayed} commands in ${replay.wallMs} ms; ready ${replay.processReadyMs} ms after spawn)`);
    return { throughput, lowRate, latency, replay };
  } finally {
    await engine.kill();
    await nats.dispose();
  }
}

async function scaleRun() {
  const nats = await NatsServer.start();
  const symbols = Array.from({ length: BIG_SYMBOLS }, (_, i) => `S${i}-X`);
  const env = {
    NATS_URL: nats.url,
    SYMBOLS: symbols.join(','),
    INSTANCE_ID: 'bench-scale',
    LOG_LEVEL: 'warn',
    // Many symbols: fewer lease renewals per second; snapshots only at the graceful stop.
    LEASE_TTL_MS: '60000',
    SNAPSHOT_INTERVAL_COMMANDS: '1000000000',
    SNAPSHOT_INTERVAL_MS: '1000000000',
    RECOVERY_CONCURRENCY: '64',
  };
  let engine = await EngineProcess.start(env);
  try {
    const coldMs = await engine.waitOwner(300_000, 200);
    log(`scale: cold start with ${BIG_SYMBOLS} symbols ready in ${Math.round(coldMs)} ms`);
    const perSymbol = Math.ceil(BIG_ORDERS / BIG_SYMBOLS);
    const t0 = performance.now();
    const gens = Math.max(1, GENERATORS);
    const share = Math.ceil(symbols.length / gens);
    const pop = await runGenerators(
      Array.from({ length: gens }, (_, id) => ({ id: 200 + id, mode: 'populate', natsUrl: nats.url, symbols: symbols.slice(id * share, (id + 1) * share), perSymbol, window: WINDOW })),
    );
    const populated = pop.results.reduce((a, r) => a + r.okReplies, 0);
    const populateSeconds = (performance.now() - t0) / 1000;
    const metrics = await engine.metrics();
    const resting = Number(/engine_resting_orders (\d+)/.exec(metrics)?.[1]);
    log(`scale: ${populated} orders placed in ${round(populateSeconds)} s (${Math.round(populated / populateSeconds)}/s); resting ${resting}; rss ${round(Number(/process_resident_memory_bytes (\d+)/.exec(metrics)?.[1]) / 2 ** 20, 0)} MiB`);
    const code = await engine.terminate(300_000);
    const stopMs = Math.round(engine.stopMs);
    log(`scale: graceful stop (snapshot of every symbol) exit ${code} in ${stopMs} ms`);
    engine = await EngineProcess.start(env);
    const restartMs = await engine.waitOwner(300_000, 100);
    const after = await engine.metrics();
    const restingAfter = Number(/engine_resting_orders (\d+)/.exec(after)?.[1]);
    log(`scale: restart ready (every symbol owner) in ${Math.round(restartMs)} ms; resting after restart ${restingAfter}`);
    await engine.kill();
    engine = await EngineProcess.start(env);
    const crashRestartMs = await engine.waitOwner(300_000, 100);
    log(`scale: restart after kill -9 (same snapshots, nothing to replay) ready in ${Math.round(crashRestartMs)} ms`);
    return {
      symbols: BIG_SYMBOLS,
      ordersPlaced: populated,
      restingBeforeStop: resting,
      restingAfterRestart: restingAfter,
      populateCommandsPerSecond: Math.round(populated / populateSeconds),
      coldStartReadyMs: Math.round(coldMs),
      gracefulStopMs: stopMs,
      restartReadyMs: Math.round(restartMs),
      restartAfterKillReadyMs: Math.round(crashRestartMs),
    };
  } finally {
    await engine.kill();
    await nats.dispose();
  }
}

async function main() {
  const started = Date.now();
  let core = null;
  const corePath = new URL('./core.mjs', here);
  if (process.env.BENCH_SKIP_CORE !== '1' && existsSync(corePath)) {
    const mod = await import(pathToFileURL(fileURLToPath(corePath)).href);
    if (typeof mod.runCoreBench === 'function') {
      log('matching core (bench/engine/core.mjs):');
      core = await mod.runCoreBench(quick ? { commands: 20_000, runs: 1, write: false } : {});
    }
  }
  const runs = [];
  for (let run = 1; run <= RUNS; run++) runs.push(await oneRun(run));
  const scale = process.env.BENCH_SKIP_BIG === '1' ? null : await scaleRun();
  const retentionWindow = process.env.BENCH_SKIP_WINDOW === '1' ? null : await runRetentionWindowBench(quick ? { runs: 1, seconds: 2, lowRate: LOW_RATE, write: false } : { runs: RUNS, seconds: SECONDS, lowRate: LOW_RATE });
  const result = {
    benchmark: 'engine-nats',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((x) => round(x)), note: 'shared 2-core machine: nats-server, the engine and the load generators all run on it, with other jobs' },
    params: { runs: RUNS, seconds: SECONDS, rate: RATE, lowRate: LOW_RATE, generators: GENERATORS, windowPerGenerator: WINDOW, journal: 'JetStream file storage, batched, expected-last-subject-seq', bigSymbols: BIG_SYMBOLS, bigOrders: BIG_ORDERS },
    median: {
      throughputCommandsPerSecond: median(runs.map((r) => r.throughput.commandsPerSecond)),
      latencyAtRateP50Ms: median(runs.map((r) => r.latency.latencyMs?.p50)),
      latencyAtRateP99Ms: median(runs.map((r) => r.latency.latencyMs?.p99)),
      latencyAtLowRateP50Ms: median(runs.map((r) => r.lowRate.latencyMs?.p50)),
      latencyAtLowRateP99Ms: median(runs.map((r) => r.lowRate.latencyMs?.p99)),
      engineCpuMicrosPerCommand: median(runs.map((r) => r.throughput.cpuMicrosPerCommand.engine)),
      natsServerCpuMicrosPerCommand: median(runs.map((r) => r.throughput.cpuMicrosPerCommand.natsServer)),
      replayCommandsPerSecond: median(runs.map((r) => r.replay?.commandsPerSecond)),
    },
    runs,
    scale,
    retentionWindow: retentionWindow && { natsServer: retentionWindow.natsServer, median: retentionWindow.median },
    coreSummary: core ? { applyCommandsPerSecond: core.apply?.commandsPerSecond, replayCommandsPerSecond: core.replay?.commandsPerSecond, coreCommandsPerSecond: core.core?.commandsPerSecond } : null,
    targets: {},
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  result.targets = {
    throughputAtLeast100k: result.median.throughputCommandsPerSecond >= 100_000,
    p99AtRateAtMost2ms: result.median.latencyAtRateP99Ms !== null && result.median.latencyAtRateP99Ms <= 2,
    replayAtLeast1M: result.median.replayCommandsPerSecond === null ? null : result.median.replayCommandsPerSecond >= 1_000_000,
    restartAtMost10s: scale ? scale.restartReadyMs <= 10_000 : null,
  };
  log('median:', JSON.stringify(result.median), 'targets:', JSON.stringify(result.targets));
  if (!quick) {
    writeResults(RESULTS, result);
    log(`wrote ${RESULTS}`);
  }
}

runMain(main);
