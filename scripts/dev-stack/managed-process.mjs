// One child process of the dev stack: spawned with its own log, stopped with SIGTERM and, after a
// timeout, SIGKILL, so Ctrl-C never leaves an orphan behind.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export class ManagedProcess {
  /**
   * @param {{name: string, command: string, args: string[], env: Record<string,string>, logDir: string,
   *   logs: 'file'|'console', cwd: string, adminPort?: number}} spec
   */
  constructor(spec) {
    this.spec = spec;
    this.name = spec.name;
    this.adminPort = spec.adminPort;
    this.logFile = join(spec.logDir, `${spec.name}.log`);
    this.exitInfo = undefined;
    this.stopping = false;
  }

  start() {
    const { command, args, env, cwd, logs } = this.spec;
    let stdio;
    if (logs === 'file') {
      this.fd = openSync(this.logFile, 'w');
      stdio = ['ignore', this.fd, this.fd];
    } else {
      stdio = ['ignore', 'pipe', 'pipe'];
    }
    // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops the
    // services in order (simulator, gateways, engine, NATS) instead of all at once.
    this.child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio, detached: true });
    if (logs === 'console') {
      for (const stream of [this.child.stdout, this.child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${this.name}] ${line}\n`));
      }
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        if (this.fd !== undefined) closeSync(this.fd);
        this.fd = undefined;
        resolve(this.exitInfo);
      });
      this.child.once('error', (err) => {
        this.exitInfo = { code: null, signal: null, error: err };
        resolve(this.exitInfo);
      });
    });
    return this;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. Resolves with how it ended. */
  async stop(timeoutMs) {
    this.stopping = true;
    if (!this.running) return this.exitInfo;
    this.child.kill('SIGTERM');
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => {
        if (this.running) this.child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    const info = await this.exited;
    return { ...info, forced: info.signal === 'SIGKILL' };
  }

  /** Last lines of its log, to show why it failed. */
  tail(lines = 15) {
    if (this.spec.logs !== 'file') return '';
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Last resort when the supervisor itself is exiting: nothing may outlive it. */
  killNow() {
    if (this.running) this.child.kill('SIGKILL');
  }
}
