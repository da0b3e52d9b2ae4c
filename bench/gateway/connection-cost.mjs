// `node bench/gateway/connection-cost.mjs [rounds=5] [conns=5000] [conc=32] [procs=4] [client=raw|ws]
//   [syscalls=1] <label>=<path to a gateway build's dist/main.js>[|ENV:value,ENV:value] ...`
//
// A/B of gateway builds (or of one build under different environments) on the connection-rate
// phase's load only: `conns` new /ws/orders connections with a distinct HS256 JWT each, `conc`
// handshakes in flight in each of `procs` load processes (the benchmark's load clients; the minimal
// upgrade client by default). Every target runs at the same time on the same nats-server, idle
// while the others are measured; the order alternates per round. Per connection it reports the
// server's CPU (schedstat of all threads) split into the main thread and the other threads (libuv's
// thread pool, where WebCrypto runs each HMAC, and V8's GC helpers), user/system (10 ms ticks),
// voluntary/involuntary context switches, the rate, and the load clients' CPU; then medians.
// `syscalls=1` also counts the server's system calls per connection in round 2 (needs `perf` with
// syscall tracepoints). Run it under `flock /tmp/bench.lock` like every measurement. Bounded: every
// round waits at most 60 s per load process.
import { readFileSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { NatsServer } from '@trading/testing';
import { LoadClients } from './lib/load-clients.mjs';
import { readCpuOfAll } from './lib/proc-stats.mjs';
import { median } from './lib/stats.mjs';

const OPTIONS = ['rounds', 'conns', 'conc', 'procs', 'client', 'syscalls'];
const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const rounds = Number(args.rounds ?? 5);
const conns = Number(args.conns ?? 5000);
const conc = Number(args.conc ?? 32);
const procs = Number(args.procs ?? 4);
const raw = (args.client ?? 'raw') === 'raw';
const builds = Object.entries(args).filter(([k]) => !OPTIONS.includes(k));
if (builds.length === 0 || ![rounds, conns, conc, procs].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: node bench/gateway/connection-cost.mjs [rounds=5] [conns=5000] [conc=32] [procs=4] [client=raw|ws] [syscalls=1] <label>=<dist/main.js>[|ENV:value,...] ...');
  process.exit(2);
}
const secret = 'connection-cost-secret-0123456789abcdef0123';
const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
const SYSCALLS = ['accept4', 'setsockopt', 'getpeername', 'recvfrom', 'sendto', 'read', 'write', 'writev', 'epoll_ctl', 'epoll_pwait', 'futex'];

/** Per thread: schedstat run time, utime/stime (ns, from ticks), context switches. */
function threads(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      out.set(Number(tid), {
        sched: Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]),
        user: Number(f[11]) * 1e7,
        sys: Number(f[12]) * 1e7,
        vol: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]),
        invol: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]),
      });
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

function delta(before, after, pid) {
  const d = { main: 0, others: 0, user: 0, sys: 0, vol: 0, invol: 0 };
  for (const [tid, t] of after) {
    const p = before.get(tid) ?? { sched: 0, user: 0, sys: 0, vol: 0, invol: 0 };
    if (tid === pid) d.main += t.sched - p.sched;
    else d.others += t.sched - p.sched;
    d.user += t.user - p.user;
    d.sys += t.sys - p.sys;
    d.vol += t.vol - p.vol;
    d.invol += t.invol - p.invol;
  }
  return d;
}

const nats = await NatsServer.start({ jetstream: false });
const clients = await LoadClients.start(procs, process.hrtime.bigint());
const share = (i) => Math.floor(conns / procs) + (i < conns % procs ? 1 : 0);
const targets = [];
const baseEnv = { ...process.env };
try {
  await clients.all('prepareTokens', (i) => ({ secret, count: share(i), prefix: `cc${i}` }), 120_000);
  for (const [label, spec] of builds) {
    const [main, envSpec] = spec.split('|');
    for (const k of Object.keys(process.env)) if (!(k in baseEnv)) delete process.env[k];
    for (const kv of envSpec ? envSpec.split(',') : []) process.env[kv.slice(0, kv.indexOf(':'))] = kv.slice(kv.indexOf(':') + 1);
    process.env.BENCH_GATEWAY_MAIN = main; // read by servers.mjs when it is loaded: a fresh copy per build
    const { RunningTarget } = await import(`./lib/servers.mjs?build=${encodeURIComponent(label)}`);
    targets.push({ label, target: await RunningTarget.start('gateway', { natsUrl: nats.url, jwtSecret: secret }), rows: [] });
  }
  for (const k of Object.keys(process.env)) if (!(k in baseEnv)) delete process.env[k];
  const open = (target, count) => clients.all('open', (i) => ({ url: target.url('/ws/orders'), count: count(i), concurrency: conc, localAddresses: addresses, auth: true, raw }), 60_000);
  for (const { target } of targets) {
    for (let w = 0; w < 2; w++) {
      await open(target, (i) => Math.min(300, share(i))); // warm-up: JIT, lazy initialisation
      await clients.all('closeAll');
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const t of round % 2 ? [...targets].reverse() : targets) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pid = t.target.pid;
      let perf;
      if (args.syscalls === '1' && round === 1) {
        const events = SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(',');
        perf = spawn('perf', ['stat', '-x', ',', '-e', events, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
        perf.text = '';
        perf.stderr.on('data', (chunk) => (perf.text += chunk));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const before = threads(pid);
      const clientsBefore = readCpuOfAll(clients.pids);
      const results = await open(t.target, share);
      const after = threads(pid);
      const clientNs = readCpuOfAll(clients.pids) - clientsBefore;
      const opened = results.reduce((n, r) => n + r.opened, 0);
      if (perf) {
        perf.kill('SIGINT');
        await new Promise((resolve) => perf.once('exit', resolve));
        const counts = Object.fromEntries(
          perf.text.split('\n').filter((l) => l.includes('sys_enter_')).map((l) => [l.split(',')[2].replace('syscalls:sys_enter_', ''), +(Number(l.split(',')[0]) / opened).toFixed(2)]),
        );
        console.log(`${t.label} syscalls per connection (round ${round + 1}, while perf counted): ${JSON.stringify(counts)}`);
      }
      const start = results.reduce((m, r) => (BigInt(r.startNs) < m ? BigInt(r.startNs) : m), BigInt(results[0].startNs));
      const end = results.reduce((m, r) => (BigInt(r.endNs) > m ? BigInt(r.endNs) : m), 0n);
      const d = delta(before, after, pid);
      const us = (ns) => +(ns / 1000 / opened).toFixed(1);
      const row = {
        opened,
        perSecond: Math.round(opened / (Number(end - start) / 1e9)),
        serverUs: us(d.main + d.others),
        mainThreadUs: us(d.main),
        otherThreadsUs: us(d.others),
        userUs: us(d.user),
        systemUs: us(d.sys),
        voluntarySwitches: +(d.vol / opened).toFixed(2),
        involuntarySwitches: +(d.invol / opened).toFixed(2),
        clientsUs: us(clientNs),
      };
      t.rows.push(row);
      console.log(`${t.label} round ${round + 1}: ${JSON.stringify(row)} (load average ${os.loadavg()[0].toFixed(2)})`);
      await clients.all('closeAll');
    }
  }
  for (const t of targets) {
    const m = Object.fromEntries(Object.keys(t.rows[0]).map((k) => [k, median(t.rows.map((r) => r[k]))]));
    console.log(`median ${t.label} (${t.rows.length} rounds, ${raw ? 'raw' : 'ws'} client, ${procs} x ${conc} in flight): ${JSON.stringify(m)}`);
  }
} finally {
  for (const { target } of targets) await target.stop();
  await clients.stop();
  await nats.dispose();
}
