// State export/import benchmark: 1,000,000 resting orders over 10,000 symbols (100 each), as the
// engine would snapshot and restore them: exportState() + JSON.stringify per symbol, then
// JSON.parse + createSymbolEngine(spec, state) per symbol.
//
//   npx tsc -b tsconfig.build.json && node bench/engine/state-export.mjs [--symbols=10000] [--orders=100]
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSymbolSpec } from '../../libs/contracts/dist/index.js';
import { createSymbolEngine } from '../../libs/order-book/dist/index.js';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'engine-state.json');

function symbolName(i) {
  return `S${i}-USD`;
}

export async function runStateBench({ symbols = 10_000, ordersPerSymbol = 100, write = true, log = console.log } = {}) {
  const specs = [];
  const engines = [];
  for (let s = 0; s < symbols; s++) {
    const spec = createSymbolSpec(symbolName(s), '0.01', '0.0001');
    const engine = createSymbolEngine(spec);
    for (let k = 0; k < ordersPerSymbol; k++) {
      const buy = k % 2 === 0;
      const price = buy ? 10_000 - 1 - (k % 50) : 10_000 + 1 + (k % 50);
      const result = engine.apply(
        { type: 'place', userId: `u${k % 97}`, clientOrderId: `c${k}`, side: buy ? 'buy' : 'sell', orderType: 'limit', price: (price / 100).toFixed(2), quantity: '1.0000' },
        1_700_000_000_000 + k,
      );
      if (!result.reply.ok) throw new Error(result.replyJson);
    }
    specs.push(spec);
    engines.push(engine);
  }
  const resting = engines.reduce((n, e) => n + e.stats.restingOrders, 0);

  // Wall time and this process's CPU time (user + system, all threads): on a shared, busy machine
  // the CPU time says what the work costs, the wall time what it took with the others around.
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const texts = engines.map((engine) => JSON.stringify(engine.exportState()));
  const exportMs = performance.now() - t0;
  const exportCpu = process.cpuUsage(c0);
  const bytes = texts.reduce((n, t) => n + t.length, 0);
  // A restore happens in a fresh process: drop the originals so the heap holds only the texts.
  engines.length = 0;
  await new Promise((resolve) => setTimeout(resolve, 50));

  t0 = performance.now();
  c0 = process.cpuUsage();
  const restored = texts.map((text, i) => createSymbolEngine(specs[i], JSON.parse(text)));
  const importMs = performance.now() - t0;
  const importCpu = process.cpuUsage(c0);
  const cpuMs = (u) => Math.round((u.user + u.system) / 1000);
  const restoredResting = restored.reduce((n, e) => n + e.stats.restingOrders, 0);
  if (restoredResting !== resting) throw new Error(`restored ${restoredResting} of ${resting} orders`);

  const result = {
    symbols,
    restingOrders: resting,
    stateBytes: bytes,
    exportMs: Math.round(exportMs),
    exportCpuMs: cpuMs(exportCpu),
    importMs: Math.round(importMs),
    importCpuMs: cpuMs(importCpu),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  log(
    `state: ${resting.toLocaleString('en')} resting orders over ${symbols.toLocaleString('en')} symbols, ${(bytes / 1e6).toFixed(1)} MB of JSON: ` +
      `export+stringify ${result.exportMs} ms (cpu ${result.exportCpuMs} ms), parse+import ${result.importMs} ms (cpu ${result.importCpuMs} ms); load ${result.loadavg.join(' ')}`,
  );
  if (write) {
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify({ benchmark: 'engine-state', date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...result }, null, 2)}\n`);
    log(`written ${RESULTS}`);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
    return hit ? Number(hit.split('=')[1]) : fallback;
  };
  runStateBench({ symbols: arg('symbols', 10_000), ordersPerSymbol: arg('orders', 100) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
