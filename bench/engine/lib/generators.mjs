// Runs load-generator.mjs processes in parallel: each builds its command list, and when all say
// ready they are told to go at once. Merges their latency histograms.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';

const GENERATOR = fileURLToPath(new URL('../load-generator.mjs', import.meta.url));

function spawnGenerator(cfg) {
  const child = spawn(process.execPath, [GENERATOR, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  child.stdout.on('data', (c) => {
    out += c.toString();
    if (out.includes('"ready":true')) markReady();
  });
  child.stderr.on('data', (c) => (err += c.toString()));
  const done = new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      markReady();
      const lines = out.trim().split('\n');
      if (code !== 0) return reject(new Error(`generator ${cfg.id} exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(lines[lines.length - 1]));
    }),
  );
  return { child, ready, done };
}

export async function runGenerators(configs) {
  const gens = configs.map(spawnGenerator);
  await Promise.all(gens.map((g) => g.ready));
  for (const g of gens) g.child.stdin.write('go\n');
  const results = await Promise.all(gens.map((g) => g.done));
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const r of results) merged.add(hdr.decodeFromCompressedBase64(r.histogram));
  const pct = (p) => merged.getValueAtPercentile(p) / 1000;
  return {
    results: results.map(({ histogram, ...rest }) => rest),
    latencyMs: merged.totalCount > 0 ? { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: merged.maxValue / 1000, count: merged.totalCount } : null,
  };
}
