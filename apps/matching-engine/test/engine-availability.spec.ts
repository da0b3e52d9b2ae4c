import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsServer, waitFor } from '@trading/testing';
import { placeBody, readiness, request, startEngine, waitForRoles, type RunningEngine } from './engine-harness.js';

describe('availability: /readyz follows NATS', () => {
  let nats: NatsServer;
  const engines: RunningEngine[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start();
  });

  afterAll(async () => {
    for (const e of engines) await e.service.kill();
    await nats?.dispose();
  });

  it('is 503 while NATS is down, /healthz stays 200, and it serves again when NATS is back', async () => {
    const engine = await startEngine('avail', { NATS_URL: nats.url, SYMBOLS: 'BTC-USD', LEASE_TTL_MS: '5000' });
    engines.push(engine);
    await waitForRoles(engine, ['BTC-USD'], 'owner');

    await nats.stop();
    await waitFor(async () => (await readiness(engine)).status === 503, { description: 'readyz 503' });
    expect((await readiness(engine)).body).toMatchObject({ ready: false, nats: 'disconnected' });
    expect((await fetch(`${engine.adminUrl}/healthz`)).status).toBe(200);

    await nats.restart();
    await waitForRoles(engine, ['BTC-USD'], 'owner', 20_000);
    const nc = await connect({ servers: nats.url });
    try {
      const reply = await waitFor(async () => request(nc, 'trading.cmd.BTC-USD', placeBody(), 1000), { timeoutMs: 15_000, description: 'a command after NATS came back' });
      expect(reply.ok).toBe(true);
    } finally {
      await nc.close();
    }
    expect(engine.service.running).toBe(true);
  });

  it('starts while NATS is unreachable: alive, not ready, then ready once NATS appears', async () => {
    const late = await NatsServer.start();
    const url = late.url;
    await late.stop();
    const engine = await startEngine('late-nats', { NATS_URL: url, SYMBOLS: 'ETH-USD' });
    engines.push(engine);
    await waitFor(async () => (await fetch(`${engine.adminUrl}/healthz`)).status === 200, { description: 'healthz' });
    expect((await readiness(engine)).status).toBe(503);
    await late.restart();
    try {
      await waitForRoles(engine, ['ETH-USD'], 'owner', 20_000);
    } finally {
      await engine.service.kill();
      await late.dispose();
    }
  });
  it('is 503 with journal "unavailable" while appends cannot be stored, and ready again once they can', async () => {
    const js = await NatsServer.start();
    const engine = await startEngine('journal-gone', { NATS_URL: js.url, SYMBOLS: 'XRP-USD', LEASE_TTL_MS: '1500', JOURNAL_APPEND_TIMEOUT_MS: '500' });
    engines.push(engine);
    const nc = await connect({ servers: js.url });
    try {
      await waitForRoles(engine, ['XRP-USD'], 'owner');
      // The journal disappears and another stream takes its subjects: appends fail, re-creating it fails.
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete('TRADING_JOURNAL');
      await jsm.streams.add({ name: 'SQUATTER', subjects: ['journal.>'] });
      await expect(request(nc, 'trading.cmd.XRP-USD', placeBody(), 1500)).rejects.toThrow();
      await waitFor(async () => (await readiness(engine)).body.journal === 'unavailable', { description: 'journal unavailable' });
      const r = await readiness(engine);
      expect(r.status).toBe(503);
      expect(r.body.ready).toBe(false);
      expect((await fetch(`${engine.adminUrl}/healthz`)).status).toBe(200);

      await jsm.streams.delete('SQUATTER');
      await waitForRoles(engine, ['XRP-USD'], 'owner', 20_000);
      expect((await request(nc, 'trading.cmd.XRP-USD', placeBody(), 3000)).ok).toBe(true);
    } finally {
      await nc.close();
      await engine.service.kill();
      await js.dispose();
    }
  });
});
