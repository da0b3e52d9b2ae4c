import { JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logging/logger.js';

export const LEASE_BUCKET = 'engine_leases';
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

export interface LeaseValue {
  readonly instanceId: string;
  readonly acquiredAt: number;
}

export interface LeaseEvents {
  /** A lease this process held is gone (taken, expired, or could not be renewed in time). */
  onLost(symbol: string, reason: string): void;
  /** Someone released a lease (graceful shutdown): standbys may try at once instead of waiting. */
  onReleased(symbol: string): void;
}

interface HeldLease {
  revision: number;
  lastRenewedAt: number;
}

/**
 * One key per symbol in a KV bucket whose max age is the lease TTL: the owner renews the key every
 * third of the TTL (an update against the revision it holds); if it dies, the key ages out and a
 * standby's `create` succeeds. The lease only decides who should write; the journal's
 * expected-last-subject-sequence is what actually stops a second writer.
 */
export class LeaseManager {
  private readonly held = new Map<string, HeldLease>();
  private renewTimer?: NodeJS.Timeout;
  private watcherStop?: () => void;
  private readonly value: string;

  private constructor(
    private readonly kv: KV,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.value = JSON.stringify({ instanceId, acquiredAt: Date.now() } satisfies LeaseValue);
  }

  static async open(nc: NatsConnection, instanceId: string, ttlMs: number, replicas: number, log: Logger): Promise<LeaseManager> {
    const kv = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, ttl: ttlMs, replicas });
    return new LeaseManager(kv, instanceId, ttlMs, log);
  }

  holds(symbol: string): boolean {
    return this.held.has(symbol);
  }

  /** True when this process now owns the symbol. */
  async tryAcquire(symbol: string): Promise<boolean> {
    if (this.held.has(symbol)) return true;
    try {
      const revision = await this.kv.create(symbol, this.value);
      this.held.set(symbol, { revision, lastRenewedAt: Date.now() });
      return true;
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || !WRONG_LAST_SEQUENCE.has(err.code)) throw err;
    }
    // A lease under our own instance id is a previous life of this process (same pod name restarted
    // quickly): take it back instead of waiting for it to age out.
    const entry = await this.kv.get(symbol);
    if (entry?.operation === 'PUT' && this.ownerOf(entry.string()) === this.instanceId) {
      try {
        const revision = await this.kv.update(symbol, this.value, entry.revision);
        this.held.set(symbol, { revision, lastRenewedAt: Date.now() });
        return true;
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Who holds the symbol now, if anyone. */
  async ownerOfSymbol(symbol: string): Promise<string | undefined> {
    const entry = await this.kv.get(symbol);
    return entry?.operation === 'PUT' ? this.ownerOf(entry.string()) : undefined;
  }

  private ownerOf(text: string): string | undefined {
    try {
      return (JSON.parse(text) as LeaseValue).instanceId;
    } catch {
      return undefined;
    }
  }

  start(events: LeaseEvents): void {
    const interval = Math.max(100, Math.floor(this.ttlMs / 3));
    this.renewTimer = setInterval(() => void this.renewAll(events), interval);
    void this.watchReleases(events);
  }

  private async renewAll(events: LeaseEvents): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([symbol, lease]) => {
        try {
          lease.revision = await this.kv.update(symbol, this.value, lease.revision);
          lease.lastRenewedAt = Date.now();
        } catch (err) {
          if (!this.held.has(symbol)) return;
          const taken = err instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.has(err.code);
          // Unrenewed for a whole TTL: the key may have aged out and another instance may own it now.
          if (taken || Date.now() - lease.lastRenewedAt >= this.ttlMs) {
            this.held.delete(symbol);
            events.onLost(symbol, taken ? 'lease taken by another instance' : `lease not renewed: ${(err as Error).message}`);
          } else {
            this.log.warn({ symbol, err: (err as Error).message }, 'lease renewal failed; retrying');
          }
        }
      }),
    );
  }

  private async watchReleases(events: LeaseEvents): Promise<void> {
    try {
      const watcher = await this.kv.watch({ include: 'updates' as never });
      this.watcherStop = () => watcher.stop();
      for await (const entry of watcher) {
        if (entry.operation === 'DEL' || entry.operation === 'PURGE') events.onReleased(entry.key);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'lease watch ended');
    }
  }

  /** Gives a held lease up: deletes the key (only if still ours) so a standby takes over at once. */
  async release(symbol: string): Promise<void> {
    const lease = this.held.get(symbol);
    this.held.delete(symbol);
    if (!lease) return;
    try {
      await this.kv.delete(symbol, { previousSeq: lease.revision });
    } catch (err) {
      this.log.warn({ symbol, err: (err as Error).message }, 'lease release failed; it will age out');
    }
  }

  /** Forgets a lease without touching the key (it is someone else's now). */
  forget(symbol: string): void {
    this.held.delete(symbol);
  }

  stop(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.watcherStop?.();
  }
}
