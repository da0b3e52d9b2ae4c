/**
 * The Origin allow-list (ALLOWED_ORIGINS). Browsers always send `Origin` on WebSocket upgrades and
 * cross-site requests, so checking it stops another site's page from using a visitor's browser (and
 * its cookies or query-string token) against the gateway: cross-site WebSocket hijacking. Clients
 * that are not browsers send no Origin and pass; they could forge one anyway, which is why tokens,
 * not Origin, are what authenticate.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowed: readonly string[]) {
    this.allowed = new Set(allowed);
  }

  allows(origin: string): boolean {
    if (this.allowed.size === 0 || origin === '') return true;
    return this.allowed.has(origin);
  }
}
