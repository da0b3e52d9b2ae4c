// Polls each service's /readyz and reports changes, so a developer sees at once which process is
// unhealthy and why (the body of a failing /readyz says what is wrong).

/** @returns {Promise<{ready: boolean, detail: string}>} */
export async function probeReady(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1500) });
    const body = (await res.text()).replace(/\s+/g, ' ').trim().slice(0, 200);
    return { ready: res.status === 200, detail: `HTTP ${res.status}${body ? ` ${body}` : ''}` };
  } catch (err) {
    return { ready: false, detail: err?.cause?.code ?? err?.name ?? String(err) };
  }
}

/**
 * Tracks one state per service: starting -> ready <-> unhealthy, or exited. Calls `report` only on
 * a change, and marks a service unhealthy if it is still not ready after `startTimeoutMs`.
 */
export class ReadinessMonitor {
  constructor(services, { startTimeoutMs, report, intervalMs = 1000 }) {
    this.services = services;
    this.report = report;
    this.startTimeoutMs = startTimeoutMs;
    this.intervalMs = intervalMs;
    this.state = new Map(services.map((s) => [s.name, { status: 'starting', detail: '', since: Date.now() }]));
    this.waiters = [];
  }

  add(service) {
    if (!this.services.includes(service)) this.services.push(service);
    this.state.set(service.name, { status: 'starting', detail: '', since: Date.now() });
  }

  start() {
    const loop = async () => {
      await this.poll();
      if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
    };
    this.timer = setTimeout(loop, 200);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async poll() {
    await Promise.all(
      this.services.map(async (service) => {
        const current = this.state.get(service.name);
        if (current.status === 'exited') return;
        if (!service.running) {
          if (!service.stopping) this.set(service, 'exited', describeExit(service.exitInfo));
          return;
        }
        if (service.adminPort === undefined) return this.set(service, 'ready', 'running');
        const { ready, detail } = await probeReady(service.adminPort);
        if (ready) this.set(service, 'ready', detail);
        else if (current.status !== 'starting' || Date.now() - current.since > this.startTimeoutMs) this.set(service, 'unhealthy', detail);
      }),
    );
    for (const waiter of [...this.waiters]) waiter();
  }

  set(service, status, detail) {
    const current = this.state.get(service.name);
    if (current.status === status) return;
    this.state.set(service.name, { status, detail, since: Date.now() });
    this.report(service, status, detail);
  }

  statusOf(name) {
    return this.state.get(name).status;
  }

  /**
   * Resolves once none of the named services is still starting: true if all are ready, false if
   * one exited or stayed unready past the start timeout.
   */
  waitUntilSettled(names) {
    return new Promise((resolve) => {
      const check = () => {
        const statuses = names.map((n) => this.statusOf(n));
        if (statuses.includes('exited')) return done(false);
        if (statuses.every((s) => s === 'ready')) return done(true);
        if (!statuses.includes('starting')) return done(false);
      };
      const done = (value) => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(value);
      };
      this.waiters.push(check);
      check();
    });
  }
}

export function describeExit(info) {
  if (!info) return 'not started';
  if (info.error) return `could not start: ${info.error.message}`;
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}
