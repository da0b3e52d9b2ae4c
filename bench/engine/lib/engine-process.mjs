// Starts the built engine (apps/matching-engine/dist/main.js) as a child process and waits on its
// /readyz; collects its JSON log lines.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@trading/testing';

const ENGINE_MAIN = fileURLToPath(new URL('../../../apps/matching-engine/dist/main.js', import.meta.url));
// The node flags the engine ships with (its image's CMD): a 64 MiB young generation.
const { ENGINE_NODE_FLAGS } = await import(new URL('../../../apps/matching-engine/dist/engine/node-flags.js', import.meta.url).href);

export class EngineProcess {
  static async start(env) {
    const adminPort = await freePort();
    // The shipped flags (ENGINE_NODE_FLAGS; BENCH_ENGINE_SHIPPED_FLAGS=0 leaves them out, for an A/B
    // against V8's defaults), then BENCH_ENGINE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = [
      ...(process.env.BENCH_ENGINE_SHIPPED_FLAGS === '0' ? [] : ENGINE_NODE_FLAGS),
      ...(process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ];
    const child = spawn(process.execPath, [...nodeArgs, ENGINE_MAIN], {
      // EVENTS_MAX_BYTES: the event-retention streams reserve it; two of them must fit the harness's 2 GiB store.
      env: { ...process.env, LOG_LEVEL: 'info', ADMIN_PORT: String(adminPort), EVENTS_MAX_BYTES: String(256 * 1024 * 1024), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const engine = new EngineProcess(child, adminPort);
    return engine;
  }

  constructor(child, adminPort) {
    this.child = child;
    this.adminPort = adminPort;
    this.startedAt = performance.now();
    this.lines = [];
    this.stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop();
      for (const line of parts) if (line.includes('"owner of symbol"') || line.includes('"recovery data prefetched"') || line.includes('"level":50') || line.includes('"level":60')) this.lines.push(line);
    });
    child.stderr.on('data', (chunk) => (this.stderr = (this.stderr + chunk.toString()).slice(-5000)));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async readiness() {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}/readyz`);
    return { status: res.status, body: await res.json() };
  }

  /** Resolves with ms from spawn until /readyz is 200 with every symbol owner. */
  async waitOwner(timeoutMs = 120_000, pollMs = 50) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`engine exited: ${this.stderr}\n${this.lines.slice(-5).join('\n')}`);
      try {
        const r = await this.readiness();
        if (r.status === 200 && Object.values(r.body.symbols).every((role) => role === 'owner')) return performance.now() - this.startedAt;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new Error('engine not ready in time');
  }

  async metrics() {
    return (await fetch(`http://127.0.0.1:${this.adminPort}/metrics`)).text();
  }

  ownerLogs() {
    return this.lines.filter((l) => l.includes('"owner of symbol"')).map((l) => JSON.parse(l));
  }

  async terminate(timeoutMs = 60_000) {
    if (!this.running) return this.child.exitCode;
    const t0 = performance.now();
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (code === 'timeout') await this.kill();
    this.stopMs = performance.now() - t0;
    return code;
  }

  async kill() {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
