// `node bench/gateway/count-syscalls.mjs [gateway|baseline]` (needs `perf` with syscall
// tracepoints, as root): counts the server's socket-write system calls while 300 events go to
// 1,000 /ws/trades subscribers at 100 events/s, to explain the system-time half of the CPU per
// delivery that bench:gateway reports (on loopback, each write also runs the receiving side's
// TCP work in the sender's context). Bounded: about 10 s.
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { NatsServer, delay } from '@trading/testing';
import { LoadClients } from './lib/load-clients.mjs';
import { TradePublisher } from './lib/publisher.mjs';
import { RunningTarget } from './lib/servers.mjs';

const which = process.argv[2] ?? 'gateway';
if (which !== 'gateway' && which !== 'baseline') {
  console.error('usage: node bench/gateway/count-syscalls.mjs [gateway|baseline]');
  process.exit(2);
}
const EVENTS = ['sendto', 'write', 'writev', 'sendmsg', 'epoll_pwait', 'epoll_wait'].map((s) => `syscalls:sys_enter_${s}`);
const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

const nats = await NatsServer.start({ jetstream: false });
const base = process.hrtime.bigint();
let target;
let clients;
let nc;
try {
  target = await RunningTarget.start(which, { natsUrl: nats.url, jwtSecret: 'count-syscalls-secret-0123456789abcdef' });
  clients = await LoadClients.start(4, base);
  nc = await connect({ servers: nats.url });
  const publisher = new TradePublisher(nc, base);
  await clients.all('open', () => ({ url: target.url('/ws/trades?symbols=BTC-USD'), count: 250, concurrency: 32, localAddresses: addresses }));
  await clients.all('count', () => ({ tag: 'warm' }));
  for (let i = 0; i < 20; i++) {
    publisher.publish('BTC-USD', 'warm');
    await delay(20);
  }
  await delay(500);
  const perf = spawn('perf', ['stat', '-x', ',', '-e', EVENTS.join(','), '-p', String(target.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  perf.stderr.on('data', (chunk) => (report += chunk));
  const perfExited = new Promise((resolve) => perf.once('exit', resolve));
  await delay(500);
  await clients.all('count', () => ({ tag: 'measure' }));
  const published = await publisher.publishAtRate('BTC-USD', 'measure', { rate: 100, durationMs: 3_000 });
  await delay(1_500);
  perf.kill('SIGINT');
  await perfExited;
  const delivered = (await clients.all('stats', () => ({ histogram: false }))).reduce((n, s) => n + s.delivered, 0);
  const counts = Object.fromEntries(
    report
      .split('\n')
      .map((line) => line.split(','))
      .filter((f) => f[2]?.startsWith('syscalls:'))
      .map((f) => [f[2].replace('syscalls:sys_enter_', ''), Number(f[0])]),
  );
  if (Object.keys(counts).length === 0) throw new Error(`perf gave no counts (is perf installed and allowed?):\n${report}`);
  const writes = (counts.sendto ?? 0) + (counts.write ?? 0) + (counts.writev ?? 0) + (counts.sendmsg ?? 0);
  console.log(JSON.stringify({ server: which, published, delivered, syscalls: counts, deliveriesPerWrite: Math.round((delivered / writes) * 100) / 100 }, null, 2));
} finally {
  await clients?.stop();
  await target?.stop();
  await nc?.close();
  await nats.dispose();
}
