// Engine throughput in steady state: the event-retention window (TRADING_EVENTS_PRIVATE/PUBLIC,
// docs/reliability.md) already full, so every stored event makes nats-server drop the oldest one.
// Phase 1 of run.mjs starts on empty streams that its 5 s never fill (EVENTS_MAX_BYTES 256 MiB),
// so it measures the engine before that steady state; in production the window fills within
// seconds to minutes at these rates and stays full.
//
// Each run, on a fresh nats-server, twice and alternating: "full" (EVENTS_MAX_BYTES =
// BENCH_WINDOW_BYTES, 16 MiB) and "not full" (256 MiB). Both first prefill the private stream with
// BENCH_WINDOW_BYTES of real events (closed-loop bursts on other symbols, same users), then
// measure a closed loop on fresh symbols for BENCH_SECONDS with the CPU of the engine and of
// nats-server, then reply latency in an open loop at BENCH_LOW_RATE (5,000/s; 1 s warm-up, then
// BENCH_SECONDS) on other fresh symbols. NATS_SERVER_BIN picks the server binary (the version is
// recorded).
// Alone: `npx tsc -b tsconfig.build.json && node bench/engine/retention-window.mjs`
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NATS_SERVER_BIN, NatsServer, natsServerVersion } from '@trading/testing';
import { EngineProcess } from './lib/engine-process.mjs';
import { runGenerators } from './lib/generators.mjs';
import { cpuSeconds, median, runMain, writeResults } from './lib/bench-util.mjs';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (...args) => console.log('[bench:retention-window]', ...args);
const GENERATORS = 2;
const NOT_FULL_BYTES = 256 * 1024 * 1024;
const MAX_PREFILL_BURSTS = 12;

async function streamState(jsm, name) {
  const { state } = await jsm.streams.info(name);
  return { bytes: state.bytes, messages: state.messages, subjects: state.num_subjects, firstSeq: state.first_seq, lastSeq: state.last_seq };
}

async function oneVariant({ full, windowBytes, seconds, window, lowRate, run }) {
  const label = full ? 'window full' : 'window not full';
  const maxBytes = full ? windowBytes : NOT_FULL_BYTES;
  const nats = await NatsServer.start();
  const measured = Array.from({ length: GENERATORS }, (_, i) => `WM${i}-USD`);
  const rated = Array.from({ length: GENERATORS }, (_, i) => `WR${i}-USD`);
  const prefill = Array.from({ length: MAX_PREFILL_BURSTS * GENERATORS }, (_, i) => `WP${i}-USD`);
  const engine = await EngineProcess.start({
    NATS_URL: nats.url,
    SYMBOLS: [...measured, ...rated, ...prefill].map((s) => `${s}:0.01:0.001`).join(','),
    INSTANCE_ID: `window-${run}`,
    EVENTS_MAX_BYTES: String(maxBytes),
    SNAPSHOT_INTERVAL_COMMANDS: '1000000000',
    SNAPSHOT_INTERVAL_MS: '1000000000',
  });
  const nc = await connect({ servers: nats.url });
  try {
    await engine.waitOwner();
    const jsm = await jetstreamManager(nc);
    // Fresh symbols per burst: the mix's cancels name orders by their ordinal in an empty symbol.
    let bursts = 0;
    let priv = await streamState(jsm, 'TRADING_EVENTS_PRIVATE');
    while (priv.bytes < windowBytes * 0.95 && bursts < MAX_PREFILL_BURSTS) {
      const symbols = prefill.slice(bursts * GENERATORS, (bursts + 1) * GENERATORS);
      await runGenerators(symbols.map((symbol, id) => ({ id: 300 + id, mode: 'closed', natsUrl: nats.url, symbols: [symbol], count: 60_000, window, seconds: 1, seed: 1000 + bursts * 10 + id })));
      bursts++;
      priv = await streamState(jsm, 'TRADING_EVENTS_PRIVATE');
    }
    if (priv.bytes < windowBytes * 0.95) throw new Error(`${label}: private stream holds ${priv.bytes} bytes after ${bursts} prefill bursts, wanted ${windowBytes}`);
    const e0 = cpuSeconds(engine.child.pid);
    const n0 = cpuSeconds(nats.child.pid);
    const tp = await runGenerators(
      measured.map((symbol, id) => ({ id, mode: 'closed', natsUrl: nats.url, symbols: [symbol], count: Math.ceil(((seconds + 2) * 80_000) / GENERATORS), window, seconds, seed: 42 + id })),
    );
    // CPU of the closed loop only, read before the latency phase adds its own.
    const engineCpu = cpuSeconds(engine.child.pid) - e0;
    const natsCpu = cpuSeconds(nats.child.pid) - n0;
    const perGenRate = lowRate / GENERATORS;
    const low = await runGenerators(
      rated.map((symbol, id) => ({ id: 50 + id, mode: 'rate', natsUrl: nats.url, symbols: [symbol], count: Math.ceil(perGenRate * (seconds + 1.5)), rate: perGenRate, seconds, warmupSeconds: 1, seed: 3 + id })),
    );
    const completed = tp.results.reduce((a, r) => a + r.completed, 0);
    const elapsed = Math.max(...tp.results.map((r) => r.measuredMs)) / 1000;
    const us = (x) => round((x * 1e6) / completed);
    const result = {
      label,
      maxBytes,
      commandsPerSecond: Math.round(completed / elapsed),
      completed,
      engineCpuUs: us(engineCpu),
      natsCpuUs: us(natsCpu),
      p99Ms: tp.latencyMs?.p99,
      lost: tp.results.reduce((a, r) => a + r.lost, 0),
      lowRate: { rate: lowRate, p50Ms: low.latencyMs?.p50, p99Ms: low.latencyMs?.p99, p999Ms: low.latencyMs?.p999, lost: low.results.reduce((a, r) => a + r.lost, 0) },
      prefillBursts: bursts,
      privateStreamAfter: await streamState(jsm, 'TRADING_EVENTS_PRIVATE'),
      publicStreamAfter: await streamState(jsm, 'TRADING_EVENTS_PUBLIC'),
      loadavg1m: round(os.loadavg()[0], 2),
    };
    // Each variant must have measured what its label says, or the comparison means nothing.
    const dropped = result.privateStreamAfter.firstSeq > 1;
    if (full && !dropped) throw new Error(`${label}: the private stream dropped nothing (first seq 1): the window was never full`);
    if (!full && (dropped || result.publicStreamAfter.firstSeq > 1)) throw new Error(`${label}: a stream dropped messages (first seqs ${result.privateStreamAfter.firstSeq}, ${result.publicStreamAfter.firstSeq}): the window filled`);
    log(`run ${run} ${label}: ${result.commandsPerSecond} commands/s; CPU/command engine ${result.engineCpuUs} us, nats-server ${result.natsCpuUs} us; at ${lowRate}/s p50 ${result.lowRate.p50Ms} ms p99 ${result.lowRate.p99Ms} ms; private stream ${result.privateStreamAfter.bytes} bytes / ${result.privateStreamAfter.subjects} subjects (first seq ${result.privateStreamAfter.firstSeq}); load ${result.loadavg1m}`);
    return result;
  } finally {
    await nc.close();
    await engine.kill();
    await nats.dispose();
  }
}

/** Runs the comparison; `runs` pairs, alternating which variant goes first. */
export async function runRetentionWindowBench({ runs = num('BENCH_RUNS', 3), seconds = num('BENCH_SECONDS', 5), window = num('BENCH_WINDOW', 2000), windowBytes = num('BENCH_WINDOW_BYTES', 16 * 1024 * 1024), lowRate = num('BENCH_LOW_RATE', 5_000), write = true } = {}) {
  const version = natsServerVersion() ?? 'unknown';
  log(`nats-server ${version} (${NATS_SERVER_BIN}); window ${windowBytes} bytes; ${runs} runs of ${seconds} s each per variant`);
  const fullRuns = [];
  const notFullRuns = [];
  for (let run = 1; run <= runs; run++) {
    const variants = [
      () => oneVariant({ full: true, windowBytes, seconds, window, lowRate, run }).then((r) => fullRuns.push(r)),
      () => oneVariant({ full: false, windowBytes, seconds, window, lowRate, run }).then((r) => notFullRuns.push(r)),
    ];
    if (run % 2 === 0) variants.reverse();
    for (const v of variants) await v();
  }
  const summary = (rs) => ({
    commandsPerSecond: median(rs.map((r) => r.commandsPerSecond)),
    engineCpuUs: median(rs.map((r) => r.engineCpuUs)),
    natsCpuUs: median(rs.map((r) => r.natsCpuUs)),
    lowRateP50Ms: median(rs.map((r) => r.lowRate.p50Ms)),
    lowRateP99Ms: median(rs.map((r) => r.lowRate.p99Ms)),
  });
  const result = {
    benchmark: 'engine-retention-window',
    date: new Date().toISOString(),
    natsServer: version,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    params: { runs, seconds, windowPerGenerator: window, generators: GENERATORS, windowBytes, notFullBytes: NOT_FULL_BYTES, lowRate },
    median: { windowFull: summary(fullRuns), windowNotFull: summary(notFullRuns) },
    runs: { windowFull: fullRuns, windowNotFull: notFullRuns },
  };
  const m = result.median;
  result.median.natsCpuRatioFullOverNotFull = round(m.windowFull.natsCpuUs / m.windowNotFull.natsCpuUs, 2);
  result.median.throughputRatioFullOverNotFull = round(m.windowFull.commandsPerSecond / m.windowNotFull.commandsPerSecond, 2);
  log('median:', JSON.stringify(result.median));
  if (write) {
    const out = process.env.BENCH_WINDOW_OUT ?? fileURLToPath(new URL(`../results/engine-retention-window-${version}.json`, import.meta.url));
    writeResults(out, result);
    log(`wrote ${out}`);
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runMain(() => runRetentionWindowBench());
