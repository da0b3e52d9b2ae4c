/**
 * The time budget of a lease, derived from its TTL. The KV bucket's max age is the TTL, and a key's
 * age starts when the server stores it, which is after we sent the write: so "TTL after the send
 * time of the last successful write" is a lower bound for when anyone else could `create` the key.
 */
export interface LeaseTiming {
  /** How often the owner renews, and how often a standby tries to take a free lease. */
  readonly renewIntervalMs: number;
  /** Per KV request: short, so a request lost in a JetStream leader election is retried rather than awaited. */
  readonly requestTimeoutMs: number;
  /** The owner gives up this long before the lease could expire (timer lateness, clock rate, the store delay). */
  readonly safetyMarginMs: number;
  /** Base delay between renewal retries; each retry waits between 1x and 2x of it (jitter). */
  readonly retryBaseMs: number;
  /**
   * How long an owner keeps a lease it could not renew past the point where the key may have aged
   * out, while the lease bucket does not answer (no responders, timeouts, 503: a JetStream leader
   * election). Nobody can write the key while its stream has no leader; once it answers, the owner
   * finds the key still its own, re-creates it if it aged out, or steps down if someone else holds it.
   * Past this, it steps down (`unrenewed`) so that a standby that can reach JetStream gets all traffic.
   */
  readonly lapseGraceMs: number;
}

export function leaseTiming(ttlMs: number): LeaseTiming {
  return {
    renewIntervalMs: Math.max(100, Math.floor(ttlMs / 3)),
    // 5 s is the nats.js default; large TTLs (10k symbols) keep it, short ones (failover tests) get far less.
    requestTimeoutMs: clamp(Math.floor(ttlMs / 4), 250, 5000),
    safetyMarginMs: Math.max(200, Math.floor(ttlMs / 10)),
    retryBaseMs: clamp(Math.floor(ttlMs / 20), 50, 250),
    // Longer than a JetStream meta plus stream leader election after a node loss (2-9 s measured with
    // nats-server 2.9 on a loaded 2-core machine, docs/reliability.md).
    lapseGraceMs: Math.max(10_000, ttlMs),
  };
}

/** A delay in [base, 2 * base): many engines retrying after the same election do not retry in step. */
export function jittered(baseMs: number, random: () => number = Math.random): number {
  return baseMs + Math.floor(random() * baseMs);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
