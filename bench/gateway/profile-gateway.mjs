// `node bench/gateway/profile-gateway.mjs [auth|deliver]`: runs the built gateway under
// `node --cpu-prof` with one load pattern of the benchmark and leaves the .cpuprofile in
// bench/results/tmp/profile-<mode>/ (open it in Chrome DevTools). `auth` opens 2 x 3,000
// authenticated /ws/orders connections; `deliver` sends 100 events/s for 8 s to 1,000 /ws/trades
// subscribers. Note that uWS's native fan-out runs outside JavaScript and shows as idle time in a
// JS profile: use the benchmark's /proc figures for the whole cost. The profile covers the main
// thread only, and a call during which the thread was descheduled is charged with that time (on
// two busy cores, WebCrypto's hand-off of each HMAC to libuv's thread pool looks far costlier here
// than it is in CPU). For kernel, thread-pool and GC-thread time, sample the whole process with
// perf instead: start the gateway with NODE_OPTIONS=--perf-basic-prof and run
// `perf record -g -p <pid>` over the load (docs/benchmarks.md, "Authenticated connections").
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { NatsServer, freePort, waitFor, delay } from '@trading/testing';
import { LoadClients } from './lib/load-clients.mjs';
import { TradePublisher } from './lib/publisher.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const mode = process.argv[2] ?? 'auth';
if (mode !== 'auth' && mode !== 'deliver') {
  console.error('usage: node bench/gateway/profile-gateway.mjs [auth|deliver]');
  process.exit(2);
}
const secret = 'profile-gateway-secret-0123456789abcdef';
const dir = `${ROOT}bench/results/tmp/profile-${mode}`;
const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

const nats = await NatsServer.start({ jetstream: false });
const port = await freePort();
const env = {
  ...process.env,
  NATS_URL: nats.url,
  HOST: '127.0.0.1',
  PORT: String(port),
  ADMIN_PORT: String(await freePort()),
  JWT_SECRET: secret,
  LOG_LEVEL: 'warn',
  DRAIN_MS: '0',
  MAX_CONNECTIONS_PER_IP: '1000000',
};
const gateway = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `${ROOT}apps/gateway/dist/main.js`], { env, stdio: 'inherit' });
const base = process.hrtime.bigint();
const clients = await LoadClients.start(2, base);
let nc;
try {
  const url = (path) => `ws://127.0.0.1:${port}${path}`;
  await waitFor(
    async () => {
      const [r] = await Promise.all([clients.clients[0].call('open', { url: url('/ws/trades'), count: 1, concurrency: 1, localAddresses: addresses })]);
      await clients.all('closeAll');
      return r.opened === 1;
    },
    { timeoutMs: 20_000, intervalMs: 200, description: 'gateway accepting connections' },
  );
  if (mode === 'auth') {
    await clients.all('prepareTokens', (i) => ({ secret, count: 3_000, prefix: `p${i}` }));
    for (let round = 0; round < 2; round++) {
      // The connection-rate phase's client: the minimal upgrade client (raw), 32 handshakes in flight.
      await clients.all('open', () => ({ url: url('/ws/orders'), count: 3_000 / 2, concurrency: 32, localAddresses: addresses, auth: true, raw: true }));
      await clients.all('closeAll');
    }
  } else {
    nc = await connect({ servers: nats.url });
    const publisher = new TradePublisher(nc, base);
    await clients.all('open', () => ({ url: url('/ws/trades?symbols=BTC-USD'), count: 500, concurrency: 32, localAddresses: addresses }));
    await clients.all('count', () => ({ tag: 'profile' }));
    await delay(500);
    await publisher.publishAtRate('BTC-USD', 'profile', { rate: 100, durationMs: 8_000 });
    await delay(1_000);
    await clients.all('closeAll');
  }
} finally {
  gateway.kill('SIGTERM');
  await new Promise((resolve) => (gateway.exitCode !== null ? resolve() : gateway.once('exit', resolve)));
  await clients.stop();
  await nc?.close();
  await nats.dispose();
}
console.log(`profile written to ${dir}`);
