import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { errors } from '@nats-io/nats-core';
import { pino } from 'pino';
import { LeaseManager, type LeaseLossCause } from './lease-manager.js';

/**
 * The lease manager against a fake lease bucket that goes away the ways a JetStream leader election
 * makes it go away (no responders, request timeouts, 503), with the bucket's max age applied to the
 * key. Deterministic: fake timers, no server. TTL 5 s (the default) gives renewals every 1666 ms,
 * a deadline at 4.5 s after the last renewal, and a lapse grace of 10 s after the TTL.
 */
type Failure = 'noResponders' | 'timeout' | 'unavailable';

const wrongLastSequence = (last: number) => new JetStreamApiError({ code: 400, err_code: 10071, description: `wrong last sequence: ${last}` });

class FakeLeaseBucket {
  private seq = 0;
  private readonly keys = new Map<string, { revision: number; value: string; operation: 'PUT' | 'DEL'; storedAt: number }>();
  /** While set, every request fails this way (the stream has no leader). */
  down?: Failure;
  /** Only these requests fail while `down` is set (all when unset). */
  downOps?: string[];
  /** Writes that were stored but whose answer is lost (the reply went to a dying node). */
  loseAcks = 0;
  readonly requests: string[] = [];

  constructor(private readonly ttlMs: number) {}

  private live(key: string) {
    const entry = this.keys.get(key);
    // The bucket's max age: a key not written for a TTL is gone.
    if (entry && Date.now() - entry.storedAt >= this.ttlMs) {
      this.keys.delete(key);
      return undefined;
    }
    return entry;
  }

  private async answer<T>(op: string, timeoutMs: number, work: () => T): Promise<T> {
    this.requests.push(op);
    await Promise.resolve();
    const down = this.downOps && !this.downOps.includes(op) ? undefined : this.down;
    if (down === 'noResponders') throw Object.assign(new Error('jetstream is not enabled'), { name: 'JetStreamNotEnabled' });
    if (down === 'unavailable') throw new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' });
    if (down === 'timeout') {
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      throw new errors.TimeoutError();
    }
    const result = work();
    if (this.loseAcks > 0 && op !== 'get') {
      this.loseAcks--;
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      throw new errors.TimeoutError();
    }
    return result;
  }

  /** What another instance (or an operator) does, straight to the bucket. */
  write(key: string, value: string, operation: 'PUT' | 'DEL' = 'PUT'): number {
    const revision = ++this.seq;
    this.keys.set(key, { revision, value, operation, storedAt: Date.now() });
    return revision;
  }

  valueOf(key: string): string | undefined {
    const entry = this.live(key);
    return entry?.operation === 'PUT' ? entry.value : undefined;
  }

  kv(): KV {
    const fake = {
      create: (key: string, value: string) =>
        this.answer('create', 1250, () => {
          const entry = this.live(key);
          if (entry?.operation === 'PUT') throw wrongLastSequence(entry.revision);
          return this.write(key, value);
        }),
      update: (key: string, value: string, revision: number, timeout = 1250) =>
        this.answer('update', timeout, () => {
          const entry = this.live(key);
          if ((entry?.revision ?? 0) !== revision) throw wrongLastSequence(entry?.revision ?? 0);
          return this.write(key, value);
        }),
      get: (key: string) =>
        this.answer('get', 1250, () => {
          const entry = this.live(key);
          return entry ? { revision: entry.revision, operation: entry.operation, string: () => entry.value } : null;
        }),
      delete: (key: string) => this.answer('delete', 1250, () => void this.write(key, '', 'DEL')),
      watch: async () => ({
        stop: () => undefined,
        async *[Symbol.asyncIterator]() {
          // no releases in these tests
        },
      }),
    };
    return fake as unknown as KV;
  }
}

describe('LeaseManager under lease bucket outages (fake bucket, fake timers)', () => {
  const TTL = 5000;
  let bucket: FakeLeaseBucket;
  let leases: LeaseManager;
  let lost: { symbol: string; reason: string; cause: LeaseLossCause }[];
  let lines: string[];

  beforeEach(async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    bucket = new FakeLeaseBucket(TTL);
    lost = [];
    lines = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    leases = new LeaseManager(bucket.kv(), 'engine-a', TTL, log);
    leases.start({ onLost: (symbol, reason, cause) => lost.push({ symbol, reason, cause }), onReleased: () => undefined });
    expect(await leases.tryAcquire('BTC-USD')).toBe(true);
  });
  afterEach(() => {
    leases.stop();
    jest.useRealTimers();
  });

  const ours = () => JSON.parse(bucket.valueOf('BTC-USD') ?? '{}').instanceId as string | undefined;
  const logged = (msg: string) => lines.some((line) => line.includes(`"msg":"${msg}"`));

  for (const failure of ['noResponders', 'timeout', 'unavailable'] as const) {
    it(`keeps the lease through a ${failure} outage shorter than the TTL`, async () => {
      await jest.advanceTimersByTimeAsync(1000);
      bucket.down = failure;
      await jest.advanceTimersByTimeAsync(3000);
      bucket.down = undefined;
      await jest.advanceTimersByTimeAsync(3000);
      expect(lost).toEqual([]);
      expect(leases.holds('BTC-USD')).toBe(true);
      expect(ours()).toBe('engine-a');
      expect(logged('lease renewal failed; retrying')).toBe(true);
    });

    it(`keeps the lease through a ${failure} outage longer than the TTL, and creates the aged-out key again`, async () => {
      bucket.down = failure;
      // 9 s without a leader: the key ages out (TTL 5 s) while nobody can write it.
      await jest.advanceTimersByTimeAsync(9000);
      expect(bucket.valueOf('BTC-USD')).toBeUndefined();
      expect(leases.holds('BTC-USD')).toBe(true);
      expect(logged('lease may have aged out; keeping it while the lease bucket does not answer')).toBe(true);
      bucket.down = undefined;
      await jest.advanceTimersByTimeAsync(2000);
      expect(lost).toEqual([]);
      expect(leases.holds('BTC-USD')).toBe(true);
      expect(ours()).toBe('engine-a');
      expect(logged('lease key was gone; created it again')).toBe(true);
      expect(logged('lease kept through a lease bucket outage')).toBe(true);
      // And renews normally afterwards.
      const requests = bucket.requests.length;
      await jest.advanceTimersByTimeAsync(4000);
      const after = bucket.requests.slice(requests);
      expect(after.length).toBeGreaterThanOrEqual(2);
      expect(new Set(after)).toEqual(new Set(['update']));
      expect(lost).toEqual([]);
    });

    it(`steps down ("unrenewed") when a ${failure} outage outlasts the TTL plus the grace`, async () => {
      bucket.down = failure;
      await jest.advanceTimersByTimeAsync(TTL + leases.timing.lapseGraceMs - 1500);
      expect(lost).toEqual([]);
      await jest.advanceTimersByTimeAsync(3000);
      expect(lost).toEqual([{ symbol: 'BTC-USD', reason: expect.stringContaining('lease not renewed in time'), cause: 'unrenewed' }]);
      expect(leases.holds('BTC-USD')).toBe(false);
    });
  }

  it('steps down ("taken") when another instance created the key while the bucket was away from this one', async () => {
    bucket.down = 'noResponders';
    await jest.advanceTimersByTimeAsync(7000);
    // The key aged out and a standby that could reach the bucket took it.
    expect(bucket.valueOf('BTC-USD')).toBeUndefined();
    bucket.write('BTC-USD', JSON.stringify({ instanceId: 'engine-b', acquiredAt: 1 }));
    bucket.down = undefined;
    await jest.advanceTimersByTimeAsync(2000);
    expect(lost).toEqual([{ symbol: 'BTC-USD', reason: 'lease taken by another instance', cause: 'taken' }]);
    expect(JSON.parse(bucket.valueOf('BTC-USD')!).instanceId).toBe('engine-b');
  });

  it('adopts its own renewal whose answer was lost instead of stepping down', async () => {
    bucket.loseAcks = 1;
    await jest.advanceTimersByTimeAsync(6000);
    expect(lost).toEqual([]);
    expect(leases.holds('BTC-USD')).toBe(true);
    expect(ours()).toBe('engine-a');
  });

  it('does not call the lease taken when the key cannot be read after a conflict', async () => {
    bucket.loseAcks = 1; // the next renewal is stored but unanswered: its retry meets "wrong last sequence"
    await jest.advanceTimersByTimeAsync(1666 + 1250 + 1);
    bucket.down = 'timeout'; // ... and the read that would tell whose it is times out
    bucket.downOps = ['get'];
    await jest.advanceTimersByTimeAsync(3000);
    expect(lost).toEqual([]);
    bucket.down = undefined;
    await jest.advanceTimersByTimeAsync(3000);
    expect(lost).toEqual([]);
    expect(leases.holds('BTC-USD')).toBe(true);
    expect(ours()).toBe('engine-a');
  });

  it('steps down ("taken") at once when someone else wrote the key while the bucket was up', async () => {
    bucket.write('BTC-USD', JSON.stringify({ instanceId: 'engine-x', acquiredAt: 1 }));
    await jest.advanceTimersByTimeAsync(2000);
    expect(lost).toEqual([{ symbol: 'BTC-USD', reason: 'lease taken by another instance', cause: 'taken' }]);
  });
});
