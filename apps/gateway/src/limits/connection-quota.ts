/** Connections per replica and per client IP. Slots are taken at upgrade time so concurrent upgrades cannot overshoot. */
export class ConnectionQuota {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerIp: number,
  ) {}

  tryTake(ip: string): 'ok' | 'replica_full' | 'ip_full' {
    if (this.total >= this.maxTotal) return 'replica_full';
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.maxPerIp) return 'ip_full';
    this.total++;
    this.perIp.set(ip, n + 1);
    return 'ok';
  }

  give(ip: string): void {
    const n = this.perIp.get(ip) ?? 0;
    if (n <= 0) return;
    this.total--;
    if (n === 1) this.perIp.delete(ip);
    else this.perIp.set(ip, n - 1);
  }

  get count(): number {
    return this.total;
  }
}
