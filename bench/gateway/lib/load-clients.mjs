// Orchestrator side of the load-client processes: forks them and runs one operation on all of
// them at once (the IPC protocol is in ../load-client.mjs).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../load-client.mjs', import.meta.url));

export class LoadClientOpError extends Error {
  code = 'LOAD_CLIENT_OP_FAILED';
  constructor(pid, op, error) {
    super(`load client ${pid}: ${op} failed: ${error.code}: ${error.message}`);
    this.name = 'LoadClientOpError';
  }
}

class LoadClient {
  #nextId = 1;
  #pending = new Map();

  constructor(child) {
    this.child = child;
    child.on('message', ({ id, ok, result, error }) => {
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      if (ok) pending.resolve(result);
      else pending.reject(new LoadClientOpError(child.pid, pending.op, error));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.#pending.values()) pending.reject(new LoadClientOpError(child.pid, pending.op, { code: 'EXITED', message: `exited with ${code ?? signal}` }));
      this.#pending.clear();
    });
  }

  call(op, args, timeoutMs = 60_000) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new LoadClientOpError(this.child.pid, op, { code: 'TIMEOUT', message: `no answer in ${timeoutMs} ms` }));
      }, timeoutMs);
      timer.unref();
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      this.#pending.set(id, { op, resolve: settle(resolve), reject: settle(reject) });
      this.child.send({ id, op, args });
    });
  }
}

/** BENCH_CLIENT_CPU_PROF=<dir>: each load client writes a V8 CPU profile there when it exits (diagnosis only). */
function profileArgs() {
  const dir = process.env.BENCH_CLIENT_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export class LoadClients {
  constructor(clients) {
    this.clients = clients;
  }

  get pids() {
    return this.clients.map((c) => c.child.pid);
  }

  get size() {
    return this.clients.length;
  }

  /** Forks `count` client processes sharing the latency clock base `baseNs` (a bigint). */
  static async start(count, baseNs) {
    const clients = Array.from(
      { length: count },
      () => new LoadClient(fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=1024', ...profileArgs()] })),
    );
    const pool = new LoadClients(clients);
    await pool.all('init', () => ({ baseNs: String(baseNs) }));
    return pool;
  }

  /** Runs `op` on every client; `argsFor(index)` gives each its arguments. */
  all(op, argsFor = () => ({}), timeoutMs) {
    return Promise.all(this.clients.map((client, i) => client.call(op, argsFor(i), timeoutMs)));
  }

  /** Splits `total` as evenly as possible over the clients. */
  share(total, index) {
    return Math.floor(total / this.size) + (index < total % this.size ? 1 : 0);
  }

  async stop() {
    await Promise.all(
      this.clients.map(async (client) => {
        if (client.child.exitCode !== null || client.child.signalCode !== null) return;
        const exited = new Promise((resolve) => client.child.once('exit', resolve));
        await client.call('exit', {}, 2_000).catch(() => client.child.kill('SIGKILL'));
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000).unref())]);
        if (client.child.exitCode === null && client.child.signalCode === null) client.child.kill('SIGKILL');
      }),
    );
  }

  /** Last resort on error paths: no client process may outlive the benchmark. */
  killAll() {
    for (const client of this.clients) if (client.child.exitCode === null) client.child.kill('SIGKILL');
  }
}
