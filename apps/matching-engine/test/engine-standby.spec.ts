import { describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { placeBody, readiness, request, waitForLogs, waitForRoles, engineTestBed } from './engine-harness.js';

const SYMBOLS = ['BTC-USD', 'ETH-USD'];

describe('lease: one owner, hot standby, takeover', () => {
  const bed = engineTestBed();
  const env = (id: string) => ({ NATS_URL: bed.nats.url, SYMBOLS: SYMBOLS.join(','), INSTANCE_ID: id, LEASE_TTL_MS: '1500' });

  it('a second instance stands by (ready, role standby), takes over after the owner is killed, and a graceful stop hands over', async () => {
    const a = await bed.start('engine-a', env('engine-a'));
    await waitForRoles(a, SYMBOLS, 'owner');
    const b = await bed.start('engine-b', env('engine-b'));
    await waitForRoles(b, SYMBOLS, 'standby');
    const standbyMetrics = await (await fetch(`${b.adminUrl}/metrics`)).text();
    expect(standbyMetrics).toMatch(/engine_symbol_role\{symbol="BTC-USD",role="standby"\} 1/);

    const placed: { body: Record<string, unknown>; reply: unknown }[] = [];
    for (let i = 0; i < 20; i++) {
      const body = placeBody({ price: `${200 + i}.00` });
      placed.push({ body, reply: await request(bed.nc, 'trading.cmd.BTC-USD', body) });
    }
    // Only the owner writes: every journal message so far is from A's appends, one writer.
    const jsm = await jetstreamManager(bed.nc);
    const before = (await jsm.streams.info('TRADING_JOURNAL')).state.messages;
    expect(before).toBeGreaterThan(0);

    await a.service.kill();
    await waitForRoles(b, SYMBOLS, 'owner');
    for (const { body, reply } of placed) expect(await request(bed.nc, 'trading.cmd.BTC-USD', body)).toEqual(reply);
    const next = await request(bed.nc, 'trading.cmd.BTC-USD', placeBody({ price: '150.00' }));
    expect(next.ok).toBe(true);

    // A third instance stands by; SIGTERM on the owner releases the leases, exit 0, and C takes over.
    const c = await bed.start('engine-c', env('engine-c'));
    await waitForRoles(c, SYMBOLS, 'standby');
    expect(await b.service.terminate()).toBe(0);
    await waitForRoles(c, SYMBOLS, 'owner');
    await waitForLogs(b, 'engine stopped');
    const snap = await request(bed.nc, 'trading.snapshot.BTC-USD', { depth: 100 });
    expect(snap.bids.map(([price]: [string]) => price)).toContain('150.00');
    // C recovered from B's shutdown snapshot: nothing left in the journal tail to replay or republish.
    const ownerLog = (await waitForLogs(c, 'owner of symbol', 2)).find((l) => l.symbol === 'BTC-USD');
    expect(ownerLog).toMatchObject({ replayedCommands: 0, republishedEvents: 0 });
    expect(ownerLog.snapshotSeq).toBe(ownerLog.journalSeq);
    expect((await readiness(c)).body.symbols).toEqual({ 'BTC-USD': 'owner', 'ETH-USD': 'owner' });
  });
});
