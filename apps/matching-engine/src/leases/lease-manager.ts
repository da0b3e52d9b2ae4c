import { JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logging/logger.js';
import { jittered, leaseTiming, type LeaseTiming } from './lease-timing.js';

export const LEASE_BUCKET = 'engine_leases';
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
const isWrongLastSequence = (err: unknown): boolean => err instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.has(err.code);

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
  /** Since when the key may have aged out without a renewal (the lease bucket did not answer). */
  lapsedSince?: number;
}

/**
 * One key per symbol in a KV bucket whose max age is the lease TTL: the owner renews the key every
 * third of the TTL (an update against the revision it holds); if it dies, the key ages out and a
 * standby's `create` succeeds. The lease only decides who should write; the journal's
 * expected-last-subject-sequence is what actually stops a second writer.
 *
 * A failed renewal does not drop the lease: while JetStream elects a new leader (a cluster node
 * died) its API answers "no responders", 503 or nothing for a few seconds. The owner retries quickly
 * (with jitter) and keeps serving, also past the point where the key could have aged out, for up to
 * `lapseGraceMs`: nobody can write the key while its stream has no leader, and when it answers the
 * owner finds the key still its own, re-creates it if it aged out, or steps down if another instance
 * wrote it (docs/engine.md, "Leases").
 */
export class LeaseManager {
  private readonly held = new Map<string, HeldLease>();
  private renewTimer?: NodeJS.Timeout;
  private watcherStop?: () => void;
  private stopped = false;
  private readonly value: string;
  readonly timing: LeaseTiming;

  /** `LeaseManager.open` for a real bucket; tests pass a fake KV (and may shorten the timing). */
  constructor(
    private readonly kv: KV,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
    timing: Partial<LeaseTiming> = {},
  ) {
    this.value = JSON.stringify({ instanceId, acquiredAt: Date.now() } satisfies LeaseValue);
    this.timing = { ...leaseTiming(ttlMs), ...timing };
  }

  static async open(nc: NatsConnection, instanceId: string, ttlMs: number, replicas: number, log: Logger, timing: Partial<LeaseTiming> = {}): Promise<LeaseManager> {
    // The bucket is created with the default timeout (creating an R3 stream can be slow); every
    // request after that (create, update, get of a key) gets the short timeout of the lease timing.
    const created = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, ttl: ttlMs, replicas });
    const allowDirect = (await created.status()).streamInfo.config.allow_direct;
    const js = jetstream(nc, { timeout: leaseTiming(ttlMs).requestTimeoutMs });
    const kv = await new Kvm(js).open(LEASE_BUCKET, { allow_direct: allowDirect });
    return new LeaseManager(kv, instanceId, ttlMs, log, timing);
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
      if (!isWrongLastSequence(err)) throw err;
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

  /**
   * Renews one lease, retrying until it succeeds, is taken, or the bucket stayed away for the TTL
   * plus `lapseGraceMs`. Past the point where the key could have aged out, the lease is kept
   * (`lapsed`) while the bucket does not answer: nobody can write the key without a stream leader,
   * and the journal fencing stops a second writer anyway. When the bucket answers again, the key is
   * still ours (renewed), aged out or deleted (created again), or someone else's (lost, `taken`).
   */
  private async renew(symbol: string, lease: HeldLease, events: LeaseEvents): Promise<void> {
    lease.renewing = true;
    try {
      for (let attempt = 1; ; attempt++) {
        const sentAt = Date.now();
        const deadline = lease.lastRenewedAt + this.ttlMs - this.timing.safetyMarginMs;
        const giveUpAt = lease.lastRenewedAt + this.ttlMs + this.timing.lapseGraceMs;
        let failure: string;
        try {
          // Before the deadline a request must not outlive it; after it, each gets the full timeout.
          const timeout = sentAt < deadline ? Math.max(50, Math.min(this.timing.requestTimeoutMs, deadline - sentAt)) : this.timing.requestTimeoutMs;
          const revision = await this.kv.update(symbol, this.value, lease.revision, timeout);
          if (this.held.get(symbol) !== lease) return; // released or forgotten meanwhile
          this.renewed(symbol, lease, revision, sentAt, attempt);
          return;
        } catch (err) {
          if (this.held.get(symbol) !== lease) return;
          if (!isWrongLastSequence(err)) {
            failure = (err as Error).message;
          } else {
            // The key is not at our revision: a renewal of ours whose ack was lost, the key aged out
            // (or was deleted), or another instance wrote it.
            const outcome = await this.resolveConflict(symbol, lease);
            if (this.held.get(symbol) !== lease) return;
            if (outcome.kind === 'taken') return this.lose(symbol, 'lease taken by another instance', 'taken', events);
            if (outcome.kind === 'adopted') continue; // renew against the adopted revision now
            if (outcome.kind === 'recreated') {
              this.renewed(symbol, lease, outcome.revision, outcome.sentAt, attempt);
              return;
            }
            failure = outcome.failure;
          }
        }
        if (this.stopped) return;
        const now = Date.now();
        const retryIn = jittered(this.timing.retryBaseMs);
        if (now + retryIn >= giveUpAt) {
          return this.lose(symbol, `lease not renewed in time: ${failure}`, 'unrenewed', events);
        }
        if (lease.lapsedSince === undefined && now + retryIn >= deadline) {
          lease.lapsedSince = now;
          this.log.warn(
            { symbol, attempt, err: failure, msSinceRenewed: now - lease.lastRenewedAt, graceMs: giveUpAt - now },
            'lease may have aged out; keeping it while the lease bucket does not answer',
          );
        } else {
          this.log.warn({ symbol, attempt, err: failure, msLeft: deadline - now }, 'lease renewal failed; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, retryIn));
        if (this.held.get(symbol) !== lease || this.stopped) return;
      }
    } finally {
      lease.renewing = false;
    }
  }

  private renewed(symbol: string, lease: HeldLease, revision: number, sentAt: number, attempt: number): void {
    lease.revision = revision;
    lease.lastRenewedAt = sentAt;
    if (lease.lapsedSince !== undefined) {
      this.log.warn({ symbol, attempt, lapsedMs: sentAt - lease.lapsedSince }, 'lease kept through a lease bucket outage');
      lease.lapsedSince = undefined;
    } else if (attempt > 1) {
      this.log.warn({ symbol, attempt }, 'lease renewed after retries');
    }
  }

  /**
   * After "wrong last sequence" on a renewal: whose is the key now?
   * - exactly our value: a renewal of ours whose ack was lost (stored, ack timed out). Its revision is
   *   adopted; the time it was stored is unknown, so `lastRenewedAt` stays where it was (conservative).
   * - absent (aged out while the bucket had no leader) or deleted: nobody holds it, so it is created
   *   again; `create` succeeds only if that is still so when it lands.
   * - someone else's value: taken.
   * A read that fails says nothing: the caller retries.
   */
  private async resolveConflict(
    symbol: string,
    lease: HeldLease,
  ): Promise<{ kind: 'taken' } | { kind: 'adopted' } | { kind: 'recreated'; revision: number; sentAt: number } | { kind: 'unknown'; failure: string }> {
    let entry: Awaited<ReturnType<KV['get']>>;
    try {
      entry = await this.kv.get(symbol);
    } catch (err) {
      return { kind: 'unknown', failure: `lease key unreadable: ${(err as Error).message}` };
    }
    if (entry?.operation === 'PUT') {
      if (entry.string() !== this.value) return { kind: 'taken' };
      lease.revision = entry.revision;
      return { kind: 'adopted' };
    }
    const sentAt = Date.now();
    try {
      const revision = await this.kv.create(symbol, this.value);
      this.log.warn({ symbol, previous: entry ? entry.operation : 'aged out' }, 'lease key was gone; created it again');
      return { kind: 'recreated', revision, sentAt };
    } catch (err) {
      // Changed between the read and the create (whose? the next attempt reads it again), or no answer.
      return { kind: 'unknown', failure: isWrongLastSequence(err) ? 'lease key changed while creating it again' : (err as Error).message };
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
