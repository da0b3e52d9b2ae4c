// A short probe of the engine through NATS: phase 1 of run.mjs (closed-loop throughput), or with
// BENCH_RATE=N one open-loop phase at N commands/s; one run. For A/B comparisons and profiling: BENCH_ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/engine/tp-probe.mjs
// Prints commands/s, engine / nats-server CPU microseconds per command and the engine's peak
// resident set (VmHWM). The engine runs with its shipped node flags (ENGINE_NODE_FLAGS);
// BENCH_ENGINE_SHIPPED_FLAGS=0 leaves them out, for an A/B against V8's defaults.
import { readFileSync } from 'node:fs';
import { NatsServer } from '@trading/testing';
import { EngineProcess } from './lib/engine-process.mjs';
import { runGenerators } from './lib/generators.mjs';
import { cpuSeconds } from './lib/bench-util.mjs';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SECONDS = num('BENCH_SECONDS', 5);
const GENERATORS = num('BENCH_GENERATORS', 2);
const WINDOW = num('BENCH_WINDOW', 2000);
const RATE = num('BENCH_RATE', 0);
const peakRssMiB = (pid) => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
const symbols = Array.from({ length: GENERATORS }, (_, i) => `TP${i}-USD`);
const nats = await NatsServer.start();
const engine = await EngineProcess.start({
  NATS_URL: nats.url,
  SYMBOLS: symbols.map((s) => `${s}:0.01:0.001`).join(','),
  INSTANCE_ID: 'probe',
  SNAPSHOT_INTERVAL_COMMANDS: '1000000000',
  SNAPSHOT_INTERVAL_MS: '1000000000',
});
try {
  await engine.waitOwner();
  const e0 = cpuSeconds(engine.child.pid);
  const n0 = cpuSeconds(nats.child.pid);
  // BENCH_RATE: open loop at that many commands/s (1 s warm-up, then SECONDS measured) instead of
  // the closed loop; CPU per command at a rate every variant sustains compares like with like
  // (under a closed loop it also depends on how much CPU the shared machine left the engine, which
  // changes the batch sizes).
  const perGen = RATE
    ? Math.ceil((RATE / GENERATORS) * (SECONDS + 1.5))
    : Math.ceil(((SECONDS + 2) * num('BENCH_MAX_RATE_GUESS', 80_000)) / GENERATORS);
  const tp = await runGenerators(
    symbols.map((symbol, id) =>
      RATE
        ? { id, mode: 'rate', natsUrl: nats.url, symbols: [symbol], count: perGen, rate: RATE / GENERATORS, seconds: SECONDS, warmupSeconds: 1, seed: 42 + id }
        : { id, mode: 'closed', natsUrl: nats.url, symbols: [symbol], count: perGen, window: WINDOW, seconds: SECONDS, seed: 42 + id },
    ),
  );
  const completed = tp.results.reduce((a, r) => a + r.completed, 0);
  // Closed loop: replies over the run. Open loop: replies to commands sent in the measured window.
  const seconds = Math.max(...tp.results.map((r) => r.measuredMs)) / 1000;
  const replied = RATE ? tp.results.reduce((a, r) => a + r.completedInWindow, 0) : completed;
  const us = (x) => Math.round((x * 1e7) / completed) / 10;
  console.log(JSON.stringify({ mode: RATE ? `rate ${RATE}/s` : 'closed', commandsPerSecond: Math.round(replied / seconds), completed, engineCpuUs: us(cpuSeconds(engine.child.pid) - e0), natsCpuUs: us(cpuSeconds(nats.child.pid) - n0), p50: tp.latencyMs?.p50, p99: tp.latencyMs?.p99, p999: tp.latencyMs?.p999, engineRssPeakMiB: peakRssMiB(engine.child.pid), shippedFlags: process.env.BENCH_ENGINE_SHIPPED_FLAGS !== '0', lost: tp.results.reduce((a, r) => a + r.lost, 0) }));
} finally {
  await engine.terminate();
  await nats.stop();
}
