import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
import { startEdgeHarness, type EdgeHarness } from './edge-harness.js';
import { metricValue } from '../support/gateway-harness.js';

const PER_IP = 20;
const ATTEMPTS = 120;

/**
 * Attack-like load, bounded so it runs in seconds on a shared machine: a burst of concurrent upgrades
 * from one address, and message floods from several connections at once. The limits must hold
 * exactly, the process must stay up and responsive, and a client from another address must be served
 * throughout.
 */
describe('per-IP connection and message limits under attack-like load', () => {
  let h: EdgeHarness;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    h = await startEdgeHarness({ MAX_CONNECTIONS_PER_IP: String(PER_IP), MAX_MESSAGES_PER_SECOND: '20', RATE_LIMIT_CLOSE_AFTER: '20' });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h?.dispose();
  });

  it(`a burst of ${ATTEMPTS} concurrent upgrades from one IP gets exactly ${PER_IP} connections; another IP is still served`, async () => {
    const results = await Promise.all(
      Array.from({ length: ATTEMPTS }, () =>
        TestSocket.open(h.wsUrl('/ws/trades'), { localAddress: '127.0.0.1' }).then(
          (s) => (sockets.push(s), 'open' as const),
          (err: unknown) => (err instanceof UpgradeRefusedError ? err.status : String(err)),
        ),
      ),
    );
    expect(results.filter((r) => r === 'open').length).toBe(PER_IP);
    expect(results.filter((r) => r === 503).length).toBe(ATTEMPTS - PER_IP);

    const other = await TestSocket.open(h.wsUrl('/ws'), { localAddress: '127.0.0.2' });
    sockets.push(other);
    other.send({ op: 'ping', id: 1 });
    await other.waitForMessage((m) => m.type === 'pong');
    expect(h.gateway.readiness().ready).toBe(true);
  });

  it('slots come back when the attacker disconnects (no leak under churn)', async () => {
    const mine = sockets.splice(0, PER_IP);
    await Promise.all(mine.map((s) => s.close()));
    // Churn: open and drop repeatedly; the count must settle back to zero for this IP.
    for (let round = 0; round < 3; round++) {
      const batch = await Promise.all(Array.from({ length: PER_IP }, () => TestSocket.open(h.wsUrl('/ws/trades'), { localAddress: '127.0.0.1' })));
      await Promise.all(batch.map((s) => s.close()));
    }
    await waitFor(async () => (await metricValue(h.gateway, 'gateway_connections')) === 1, { description: 'only the 127.0.0.2 client left' });
    const again = await Promise.all(Array.from({ length: PER_IP }, () => TestSocket.open(h.wsUrl('/ws/trades'), { localAddress: '127.0.0.1' })));
    sockets.push(...again);
    expect(again.length).toBe(PER_IP);
  });

  it('floods from 10 connections at once are rate-limited and closed with 1008 while a quiet client keeps getting answers', async () => {
    const quiet = await TestSocket.open(h.wsUrl('/ws'), { localAddress: '127.0.0.3' });
    sockets.push(quiet);
    const flooders = await Promise.all(Array.from({ length: 10 }, () => TestSocket.open(h.wsUrl('/ws'), { localAddress: '127.0.0.4' })));
    sockets.push(...flooders);
    for (const f of flooders) for (let i = 0; i < 200; i++) f.send({ op: 'ping', id: i });
    quiet.send({ op: 'ping', id: 'quiet' });
    await quiet.waitForMessage((m) => m.id === 'quiet' && m.type === 'pong');
    const closes = await Promise.all(flooders.map((f) => f.waitForClose()));
    expect(closes.map((c) => c.code)).toEqual(Array(10).fill(1008));
    for (const f of flooders) {
      // Each flooder got at most its allowance of answers before the limiter stepped in.
      expect(f.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(20);
      expect(f.messages.some((m) => m.code === 'RATE_LIMITED')).toBe(true);
    }
    expect(await metricValue(h.gateway, 'gateway_rate_limit_closes_total')).toBe(10);
    quiet.send({ op: 'ping', id: 'after' });
    await quiet.waitForMessage((m) => m.id === 'after' && m.type === 'pong');
  });

  it('junk frames (binary, not JSON, huge ids) get typed errors, never a crash', async () => {
    const s = await TestSocket.open(h.wsUrl('/ws'), { localAddress: '127.0.0.5' });
    sockets.push(s);
    s.send(Buffer.from([0, 1, 2, 3]));
    s.send('{"op":');
    s.send({ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 'x'.repeat(5000) });
    await s.waitForCount((m) => m.type === 'error', 3);
    expect(s.messages.filter((m) => m.type === 'error').every((m) => m.code === 'BAD_REQUEST')).toBe(true);
    s.send({ op: 'ping', id: 9 });
    await s.waitForMessage((m) => m.type === 'pong' && m.id === 9);
  });
});
