import type { Service } from './stack.js';

/** Polls /readyz of some services every `everyMs` and keeps every answer, to see an outage in them. */
export class ReadinessProbe {
  readonly samples = new Map<string, { at: number; status: number }[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly services: Service[],
    everyMs = 50,
  ) {
    for (const s of services) this.samples.set(s.service.name, []);
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  private async poll(): Promise<void> {
    await Promise.all(this.services.map(async (s) => this.samples.get(s.service.name)!.push({ at: Date.now(), status: await s.readyz() })));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether the service answered anything but 200 after `from`, and when it was last not ready. */
  outage(name: string, from: number): { sawNotReady: boolean; lastNotReadyAt?: number; readyAgainAt?: number } {
    const samples = this.samples.get(name)!.filter((s) => s.at >= from);
    const notReady = samples.filter((s) => s.status !== 200);
    const lastNotReadyAt = notReady.at(-1)?.at;
    const readyAgainAt = lastNotReadyAt === undefined ? undefined : samples.find((s) => s.at > lastNotReadyAt && s.status === 200)?.at;
    return { sawNotReady: notReady.length > 0, lastNotReadyAt, readyAgainAt };
  }
}
