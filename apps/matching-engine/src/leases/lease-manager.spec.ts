import { afterEach, describe, expect, it } from '@jest/globals';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { delay, NatsServer, waitFor } from '@trading/testing';
import { pino } from 'pino';
import { LEASE_BUCKET, LeaseManager, type LeaseLossCause } from './lease-manager.js';
import { jittered, leaseTiming, type LeaseTiming } from './lease-timing.js';

/**
 * The lease manager against a real single-node nats-server that goes away for a while: an outage
 * shorter than the lease's validity must not cost the lease; a longer one must.
 */
describe('LeaseManager', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
  });

  async function setup(ttlMs: number, timing: Partial<LeaseTiming> = {}) {
    const nats = await NatsServer.start({ jetstream: true });
    cleanup.push(() => nats.dispose());
    const open = async (instanceId: string) => {
      const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      cleanup.push(() => nc.close());
      const lines: string[] = [];
      const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
      const leases = await LeaseManager.open(nc, instanceId, ttlMs, 1, log, timing);
      cleanup.push(() => leases.stop());
      const lost: { symbol: string; reason: string; cause: LeaseLossCause }[] = [];
      leases.start({ onLost: (symbol, reason, cause) => lost.push({ symbol, reason, cause }), onReleased: () => undefined });
      return { nc, leases, lost, lines };
    };
    const raw: NatsConnection = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanup.push(() => raw.close());
    const kv: KV = await new Kvm(raw).open(LEASE_BUCKET);
    return { nats, open, kv };
  }

  async function revisionOf(kv: KV, symbol: string): Promise<number | undefined> {
    try {
      return (await kv.get(symbol))?.revision;
    } catch {
      return undefined; // the server is down or still starting
    }
  }

  it('keeps the lease through a JetStream outage shorter than the TTL, and renews after it', async () => {
    const { nats, open, kv } = await setup(4000);
    const a = await open('engine-a');
    expect(await a.leases.tryAcquire('BTC-USD')).toBe(true);
    const before = (await revisionOf(kv, 'BTC-USD'))!;

    await nats.stop();
    await delay(1500); // the outage: renewals fail meanwhile (interval 1333 ms, retries every 200-400 ms)
    await nats.restart();

    // A renewal made it after the restart: the key's revision moved past the one before the outage.
    await waitFor(async () => ((await revisionOf(kv, 'BTC-USD')) ?? 0) > before, { timeoutMs: 10_000, description: 'a renewal after the restart' });
    expect(a.lost).toEqual([]);
    expect(a.leases.holds('BTC-USD')).toBe(true);
    expect(a.lines.join('')).toContain('lease renewal failed; retrying');
    // Still ours: another instance cannot take it.
    const b = await open('engine-b');
    expect(await b.leases.tryAcquire('BTC-USD')).toBe(false);
    expect(await b.leases.ownerOfSymbol('BTC-USD')).toBe('engine-a');
  });

  it('keeps the lease through an outage longer than the TTL: the key aged out meanwhile and is created again', async () => {
    const { nats, open, kv } = await setup(1500);
    const a = await open('engine-a');
    expect(await a.leases.tryAcquire('XRP-USD')).toBe(true);

    await nats.stop();
    await delay(3000); // twice the TTL: the key's max age passes while nobody can write it
    await nats.restart();

    await waitFor(() => (a.lines.join('').includes('lease key was gone; created it again') ? true : undefined), { timeoutMs: 10_000, description: 'the key created again' });
    expect(a.lost).toEqual([]);
    expect(a.leases.holds('XRP-USD')).toBe(true);
    const b = await open('engine-b');
    expect(await b.leases.tryAcquire('XRP-USD')).toBe(false);
    expect(await b.leases.ownerOfSymbol('XRP-USD')).toBe('engine-a');
    expect((await revisionOf(kv, 'XRP-USD'))).toBeGreaterThan(1);
  });

  it('steps down (cause "unrenewed") when the outage outlasts the lease and its grace, and can take it back after', async () => {
    const { nats, open } = await setup(1500, { lapseGraceMs: 1000 });
    const a = await open('engine-a');
    expect(await a.leases.tryAcquire('ETH-USD')).toBe(true);

    await nats.stop();
    await waitFor(() => (a.lost.length > 0 ? true : undefined), { timeoutMs: 8000, description: 'the lease given up' });
    expect(a.lost).toEqual([{ symbol: 'ETH-USD', reason: expect.stringContaining('lease not renewed in time'), cause: 'unrenewed' }]);
    expect(a.leases.holds('ETH-USD')).toBe(false);
    await nats.restart();

    // The key names engine-a (or aged out): engine-a gets it back, and then engine-b cannot.
    await waitFor(async () => ((await a.leases.tryAcquire('ETH-USD').catch(() => false)) ? true : undefined), { timeoutMs: 10_000, description: 'taken back' });
    const b = await open('engine-b');
    expect(await b.leases.tryAcquire('ETH-USD')).toBe(false);
  });

  it('steps down at once (cause "taken") when someone else wrote the key', async () => {
    const { open, kv } = await setup(1500);
    const a = await open('engine-a');
    expect(await a.leases.tryAcquire('SOL-USD')).toBe(true);
    await kv.put('SOL-USD', JSON.stringify({ instanceId: 'engine-x', acquiredAt: Date.now() }));
    await waitFor(() => (a.lost.length > 0 ? true : undefined), { timeoutMs: 5000, description: 'the lease lost' });
    expect(a.lost).toEqual([{ symbol: 'SOL-USD', reason: 'lease taken by another instance', cause: 'taken' }]);
  });

  it('adopts the revision of its own write whose ack was lost (same value stored again)', async () => {
    const { open, kv } = await setup(1500);
    const a = await open('engine-a');
    expect(await a.leases.tryAcquire('ADA-USD')).toBe(true);
    // What a renewal whose answer timed out leaves behind: our exact value at a revision we never saw.
    const ours = (await kv.get('ADA-USD'))!.string();
    const landed = await kv.put('ADA-USD', ours);
    await waitFor(async () => ((await revisionOf(kv, 'ADA-USD')) ?? 0) > landed, { timeoutMs: 5000, description: 'renewed on top of the adopted revision' });
    expect(a.lost).toEqual([]);
    expect(a.leases.holds('ADA-USD')).toBe(true);
  });
});

describe('leaseTiming', () => {
  it('keeps the retry window inside the TTL and short request timeouts for short TTLs', () => {
    expect(leaseTiming(1500)).toEqual({ renewIntervalMs: 500, requestTimeoutMs: 375, safetyMarginMs: 200, retryBaseMs: 75, lapseGraceMs: 10_000 });
    // Large TTLs (10k symbols) keep the nats.js default request timeout.
    expect(leaseTiming(60_000)).toEqual({ renewIntervalMs: 20_000, requestTimeoutMs: 5000, safetyMarginMs: 6000, retryBaseMs: 250, lapseGraceMs: 60_000 });
  });

  it('jitters between 1x and 2x of the base', () => {
    expect(jittered(100, () => 0)).toBe(100);
    expect(jittered(100, () => 0.999)).toBe(199);
  });
});
