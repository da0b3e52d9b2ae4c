import { JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logging/logger.js';
import { jittered, leaseTiming, type LeaseTiming } from './lease-timing.js';

export const LEASE_BUCKET = 'engine_leases';
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

export interface LeaseValue {
  readonly instanceId: string;
  readonly acquiredAt: number;
}

/** `taken`: another instance holds the key now. `unrenewed`: JetStream did not answer in time; the key may still be ours. */
export type LeaseLossCause = 'taken' | 'unrenewed';

export interface LeaseEvents {
  /** A lease this process held is gone (taken, or could not be renewed before it could expire). */
  onLost(symbol: string, reason: string, cause: LeaseLossCause): void;
  /** Someone released a lease (graceful shutdown): standbys may try at once instead of waiting. */
  onReleased(symbol: string): void;
}

interface HeldLease {
  revision: number;
  /** Send time of the last write that the server acknowledged: the key cannot expire before this + TTL. */
  lastRenewedAt: number;
  /** A renewal (with its retries) is running: never two updates against the same revision at once. */
  renewing: boolean;
}

/**
 * One key per symbol in a KV bucket whose max age is the lease TTL: the owner renews the key every
 * third of the TTL (an update against the revision it holds); if it dies, the key ages out and a
 * standby's `create` succeeds. The lease only decides who should write; the journal's
 * expected-last-subject-sequence is what actually stops a second writer.
 *
 * A failed renewal does not drop the lease: while JetStream elects a new leader (a cluster node
 * died) its API answers "no responders" or nothing for a few seconds. Nobody else can take the key
 * before its TTL runs out, so the owner retries quickly (with jitter) and steps down only when the
 * lease could expire within the safety margin (docs/engine.md, "Leases").
 */
export class LeaseManager {
  private readonly held = new Map<string, HeldLease>();
  private renewTimer?: NodeJS.Timeout;
  private watcherStop?: () => void;
  private stopped = false;
  private readonly value: string;
  readonly timing: LeaseTiming;

  private constructor(
    private readonly kv: KV,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.value = JSON.stringify({ instanceId, acquiredAt: Date.now() } satisfies LeaseValue);
    this.timing = leaseTiming(ttlMs);
  }

  static async open(nc: NatsConnection, instanceId: string, ttlMs: number, replicas: number, log: Logger): Promise<LeaseManager> {
    // The bucket is created with the default timeout (creating an R3 stream can be slow); every
    // request after that (create, update, get of a key) gets the short timeout of the lease timing.
    const created = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, ttl: ttlMs, replicas });
    const allowDirect = (await created.status()).streamInfo.config.allow_direct;
    const js = jetstream(nc, { timeout: leaseTiming(ttlMs).requestTimeoutMs });
    const kv = await new Kvm(js).open(LEASE_BUCKET, { allow_direct: allowDirect });
    return new LeaseManager(kv, instanceId, ttlMs, log);
  }

  holds(symbol: string): boolean {
    return this.held.has(symbol);
  }

  /** True when this process now owns the symbol. */
  async tryAcquire(symbol: string): Promise<boolean> {
    if (this.held.has(symbol)) return true;
    const sentAt = Date.now();
    try {
      const revision = await this.kv.create(symbol, this.value);
      this.held.set(symbol, { revision, lastRenewedAt: sentAt, renewing: false });
      return true;
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || !WRONG_LAST_SEQUENCE.has(err.code)) throw err;
    }
    // A lease under our own instance id is a previous life of this process (same pod name restarted
    // quickly): take it back instead of waiting for it to age out.
    const entry = await this.kv.get(symbol);
    if (entry?.operation === 'PUT' && this.ownerOf(entry.string()) === this.instanceId) {
      const updateSentAt = Date.now();
      try {
        const revision = await this.kv.update(symbol, this.value, entry.revision);
        this.held.set(symbol, { revision, lastRenewedAt: updateSentAt, renewing: false });
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
    this.renewTimer = setInterval(() => this.renewAll(events), this.timing.renewIntervalMs);
    void this.watchReleases(events);
  }

  private renewAll(events: LeaseEvents): void {
    for (const [symbol, lease] of this.held) {
      if (!lease.renewing) void this.renew(symbol, lease, events);
    }
  }

  /** Renews one lease, retrying quickly until it succeeds, is taken, or could expire. */
  private async renew(symbol: string, lease: HeldLease, events: LeaseEvents): Promise<void> {
    lease.renewing = true;
    try {
      for (let attempt = 1; ; attempt++) {
        const sentAt = Date.now();
        const deadline = lease.lastRenewedAt + this.ttlMs - this.timing.safetyMarginMs;
        let failure: string;
        try {
          const timeout = Math.max(50, Math.min(this.timing.requestTimeoutMs, deadline - sentAt));
          const revision = await this.kv.update(symbol, this.value, lease.revision, timeout);
          if (this.held.get(symbol) !== lease) return; // released or forgotten meanwhile
          lease.revision = revision;
          lease.lastRenewedAt = sentAt;
          if (attempt > 1) this.log.warn({ symbol, attempt }, 'lease renewed after retries');
          return;
        } catch (err) {
          if (this.held.get(symbol) !== lease) return;
          if (err instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.has(err.code)) {
            if (!(await this.adoptOwnWrite(symbol, lease))) {
              return this.lose(symbol, 'lease taken by another instance', 'taken', events);
            }
            continue; // an earlier timed-out renewal of ours did land: renew against its revision now
          }
          failure = (err as Error).message;
        }
        const retryIn = jittered(this.timing.retryBaseMs);
        if (this.stopped) return;
        if (Date.now() + retryIn >= deadline) {
          return this.lose(symbol, `lease not renewed in time: ${failure}`, 'unrenewed', events);
        }
        this.log.warn({ symbol, attempt, err: failure, msLeft: deadline - Date.now() }, 'lease renewal failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, retryIn));
        if (this.held.get(symbol) !== lease || this.stopped) return;
      }
    } finally {
      lease.renewing = false;
    }
  }

  /**
   * "Wrong last sequence" after a renewal whose answer was lost: if the key holds exactly our value,
   * that write was ours (stored, but its ack timed out), so take its revision. The time it was stored
   * is unknown, so `lastRenewedAt` stays where it was (the conservative choice).
   */
  private async adoptOwnWrite(symbol: string, lease: HeldLease): Promise<boolean> {
    try {
      const entry = await this.kv.get(symbol);
      if (entry?.operation !== 'PUT' || entry.string() !== this.value) return false;
      lease.revision = entry.revision;
      return true;
    } catch {
      // Cannot tell: treat it as taken. Stepping down is always safe, holding on might not be.
      return false;
    }
  }

  private lose(symbol: string, reason: string, cause: LeaseLossCause, events: LeaseEvents): void {
    if (!this.held.has(symbol)) return;
    this.held.delete(symbol);
    events.onLost(symbol, reason, cause);
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
    this.stopped = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.watcherStop?.();
  }
}
