// Where replay's time goes, stage by stage, in one process (issue 3).
//
//   npx tsc -b tsconfig.build.json && node --max-semi-space-size=64 bench/engine/replay-breakdown.mjs
//
// The journal is replay.mjs's: BENCH_REPLAY_COMMANDS (1,000,000) commands of core.mjs's mix over
// BENCH_REPLAY_SYMBOLS (2) symbols, 1,000 per batch, version-2 format, written into a harness
// nats-server (never the machine's own). Each round measures, for both symbols at once:
//   - read:    an ordered consumer per symbol with the reader's 2 MiB pulls, msg.string() per batch,
//              nothing else (the transport's share);
//   - decode:  JournalReader.replay with an onBatch that does nothing (read + decodeBatch);
//   - replay:  JournalReader.replay into the engines (read + decode + replayEntries + finishReplay),
//              what recovery does below the watermark, minus leases, logs and the admin server;
//   - memory:  the same batches from memory (bytes -> text -> decodeBatch -> replayEntries ->
//              finishReplay, symbols interleaved batch by batch), no NATS at all;
//   - handoff: per replayed symbol, exportState + structuredClone + createSymbolEngine(spec, state):
//              what handing a symbol replayed on another thread back to the main one would cost
//              (reported in ms for all symbols, not per command).
// Figures: commands/s (wall) and this process's CPU per command (process.cpuUsage: every thread of
// the process, so GC helper threads count; nats-server's CPU does not). BENCH_RUNS (3) rounds,
// medians reported. Later rounds run with warmer JIT code than a restarted engine has: replay.mjs
// (a real engine process, started cold) is the figure to quote; this one says where time goes.
// Run it under `flock /tmp/bench.lock` on a shared machine. Results: bench/results/engine-replay-breakdown.json.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { NatsServer } from '@trading/testing';
import { createSymbolSpec } from '../../libs/contracts/dist/index.js';
import { createSymbolEngine } from '../../libs/order-book/dist/index.js';
import { median, runMain, writeResults } from './lib/bench-util.mjs';
import { mixJournalBatches } from './lib/journal-batches.mjs';
import * as journalFormat from '../../apps/matching-engine/dist/journal/journal-format.js';
import { JOURNAL_STREAM, ensureJournalStream, journalSubject } from '../../apps/matching-engine/dist/journal/journal-stream.js';
import { JournalReader } from '../../apps/matching-engine/dist/journal/journal-reader.js';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const COMMANDS = num('BENCH_REPLAY_COMMANDS', 1_000_000);
const SYMBOLS = num('BENCH_REPLAY_SYMBOLS', 2);
const BATCH = 1000;
const RUNS = num('BENCH_RUNS', 3);
const PULL_BYTES = 2 * 1024 * 1024; // the reader's REPLAY_PULL_BYTES
const RESULTS = process.env.BENCH_OUT ?? fileURLToPath(new URL('../results/engine-replay-breakdown.json', import.meta.url));
const log = (...args) => console.log('[bench:replay-breakdown]', ...args);
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const symbols = Array.from({ length: SYMBOLS }, (_, i) => `RP${i}-USD`);
const specs = symbols.map((s) => createSymbolSpec(s, '0.01', '0.001'));
const perSymbol = Math.floor(COMMANDS / SYMBOLS);
const total = perSymbol * SYMBOLS;

/** Per symbol, its batches as stored (bytes), as replay.mjs writes them. */
function journalBatches() {
  return mixJournalBatches(symbols, perSymbol, BATCH, journalFormat).map((batches) => batches.map((text) => Buffer.from(text)));
}

/** Runs `body`, returns wall commands/s and CPU microseconds per command of this process. */
async function timed(body, commands = total) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const extra = await body();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { commandsPerSecond: Math.round((commands / ms) * 1000), cpuMicrosPerCommand: round((cpu.user + cpu.system) / commands), ms: Math.round(ms), ...extra };
}

async function readOnly(nc, lastSeqs) {
  const js = jetstream(nc);
  let read = 0;
  await Promise.all(
    symbols.map(async (symbol, k) => {
      const consumer = await js.consumers.get(JOURNAL_STREAM, { filter_subjects: journalSubject(symbol), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
      const messages = await consumer.consume({ max_bytes: PULL_BYTES });
      for await (const msg of messages) {
        read += msg.string().length > 0 ? BATCH : 0;
        if (msg.seq >= lastSeqs[k]) break;
      }
      await messages.close();
    }),
  );
  if (read !== total) throw new Error(`read ${read} commands, expected ${total}`);
}

async function throughReader(nc, lastSeqs, replay) {
  const reader = new JournalReader(nc);
  const engines = specs.map((spec) => createSymbolEngine(spec));
  let seen = 0;
  await Promise.all(
    symbols.map((symbol, k) =>
      reader.replay(symbol, 0, lastSeqs[k], (batch) => {
        seen += batch.entries.length;
        if (replay) journalFormat.replayEntries(engines[k], batch.entries);
      }),
    ),
  );
  if (replay) for (const engine of engines) engine.finishReplay();
  if (seen !== total) throw new Error(`delivered ${seen} commands, expected ${total}`);
  return engines;
}

function fromMemory(batches) {
  const engines = specs.map((spec) => createSymbolEngine(spec));
  for (let b = 0; b < batches[0].length; b++) {
    for (let k = 0; k < SYMBOLS; k++) {
      const decoded = journalFormat.decodeBatch(batches[k][b].toString());
      if (!decoded.ok) throw new Error(decoded.reason);
      journalFormat.replayEntries(engines[k], decoded.batch);
    }
  }
  for (const engine of engines) engine.finishReplay();
  return engines;
}

async function main() {
  const started = Date.now();
  const batches = journalBatches();
  log(`journal: ${total} commands over ${SYMBOLS} symbols, ${batches[0].length} batches of ${BATCH} per symbol (${Math.round(batches[0][0].length / 1024)} KiB each)`);
  const nats = await NatsServer.start();
  const stages = { read: [], decode: [], replay: [], memory: [], handoff: [] };
  try {
    const writer = await connect({ servers: nats.url });
    await ensureJournalStream(writer, { maxAgeSeconds: 24 * 3600, replicas: 1 });
    const js = jetstream(writer);
    const lastSeqs = [];
    for (let k = 0; k < SYMBOLS; k++) {
      let seq = 0;
      for (const bytes of batches[k]) seq = (await js.publish(journalSubject(symbols[k]), bytes)).seq;
      lastSeqs.push(seq);
    }
    await writer.close();
    let expectedResting;
    for (let run = 1; run <= RUNS; run++) {
      const nc = await connect({ servers: nats.url });
      try {
        stages.read.push(await timed(() => readOnly(nc, lastSeqs)));
        stages.decode.push(await timed(async () => void (await throughReader(nc, lastSeqs, false))));
        let replayed;
        stages.replay.push(await timed(async () => void (replayed = await throughReader(nc, lastSeqs, true))));
        let inMemory;
        stages.memory.push(await timed(async () => void (inMemory = fromMemory(batches))));
        const resting = replayed.map((e) => e.stats.restingOrders).join(',');
        if (resting !== inMemory.map((e) => e.stats.restingOrders).join(',') || (expectedResting && resting !== expectedResting)) throw new Error('replays disagree on the resting orders');
        expectedResting = resting;
        // Hand-off of each replayed symbol as its exported state (the snapshot codec), cloned as postMessage would.
        const split = { exportMs: 0, cloneMs: 0, restoreMs: 0 };
        stages.handoff.push(
          await timed(() => {
            for (let k = 0; k < SYMBOLS; k++) {
              let t = performance.now();
              const state = inMemory[k].exportState();
              split.exportMs += performance.now() - t;
              t = performance.now();
              const copy = structuredClone(state);
              split.cloneMs += performance.now() - t;
              t = performance.now();
              const restored = createSymbolEngine(specs[k], copy);
              split.restoreMs += performance.now() - t;
              if (restored.stats.restingOrders !== inMemory[k].stats.restingOrders) throw new Error('hand-off changed the book');
            }
            return { exportMs: Math.round(split.exportMs), cloneMs: Math.round(split.cloneMs), restoreMs: Math.round(split.restoreMs) };
          }),
        );
      } finally {
        await nc.close();
      }
      const line = ['read', 'decode', 'replay', 'memory'].map((name) => `${name} ${stages[name][run - 1].commandsPerSecond}/s ${stages[name][run - 1].cpuMicrosPerCommand} us`).join(' | ');
      const h = stages.handoff[run - 1];
      log(`run ${run}: ${line} | handoff ${h.ms} ms (export ${h.exportMs}, clone ${h.cloneMs}, restore ${h.restoreMs}); load ${round(os.loadavg()[0], 2)}`);
    }
  } finally {
    await nats.dispose();
  }
  const medians = Object.fromEntries(
    ['read', 'decode', 'replay', 'memory'].map((name) => [name, { commandsPerSecond: median(stages[name].map((r) => r.commandsPerSecond)), cpuMicrosPerCommand: median(stages[name].map((r) => r.cpuMicrosPerCommand)) }]),
  );
  medians.handoff = Object.fromEntries(['ms', 'exportMs', 'cloneMs', 'restoreMs'].map((key) => [key, median(stages.handoff.map((r) => r[key]))]));
  log('medians:', JSON.stringify(medians));
  const result = {
    benchmark: 'engine-replay-breakdown',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, execArgv: process.execArgv, loadavg: os.loadavg().map((x) => round(x, 2)) },
    params: { commands: total, symbols: SYMBOLS, batch: BATCH, runs: RUNS, pullBytes: PULL_BYTES, mix: 'core.mjs generateCommands (seed 42)' },
    medians,
    stages,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  writeResults(RESULTS, result);
  log(`wrote ${RESULTS}`);
}

runMain(main);
