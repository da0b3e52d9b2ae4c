import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { errors, type NatsConnection, type Msg } from '@nats-io/nats-core';
import { NatsServer, waitFor } from '@trading/testing';
import { natsIdentityOptions, readNatsAuth, type NatsIdentityName } from '../src/index.js';
import { startSecuredNats, urlFor } from './support/secured-nats.js';
import { operatorSetup } from './support/operator-mode.js';

/** Every async error the server reported to this connection (permission violations arrive this way). */
function collectErrors(nc: NatsConnection): Error[] {
  const seen: Error[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') seen.push(s.error);
  })();
  return seen;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * The server's log reaches the test through a pipe that is read asynchronously, so a line can
 * lag the client-side error by a moment: wait (bounded) for it, then assert it so a miss still
 * fails with the log in the message.
 */
async function expectInLog(server: NatsServer, line: RegExp): Promise<void> {
  await waitFor(() => line.test(server.log), { description: `${line} in the server log`, timeoutMs: 5000 }).catch(() => undefined);
  expect(server.log).toMatch(line);
}

const isPermissionError = (err: unknown): boolean =>
  err instanceof errors.PermissionViolationError || /permissions violation/i.test(String((err as Error)?.message ?? err));

describe('NATS identities on a server configured like production (user/password)', () => {
  let server: NatsServer;
  const open: NatsConnection[] = [];
  const as = async (identity: NatsIdentityName): Promise<NatsConnection> => {
    const nc = await connect({ ...natsIdentityOptions([urlFor(server, identity)]), name: `test-${identity}` });
    open.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await startSecuredNats();
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await server?.dispose();
  });

  it('refuses a connection without credentials or with a wrong password', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(connect({ ...natsIdentityOptions([`nats://gateway:wrong@127.0.0.1:${server.port}`]), reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it('a gateway publishing a fake trading.trade.BTC-USD event gets a permission violation and no consumer sees it', async () => {
    const gateway = await as('gateway');
    const gatewayErrors = collectErrors(gateway);
    const reader = await as('reader');
    const engine = await as('engine');
    const seen: string[] = [];
    const sub = reader.subscribe('trading.trade.>', { callback: (_err, msg) => void seen.push(msg.string()) });
    await reader.flush();
    // The retention stream (what resume replays from) is a consumer too: created as the engine does.
    const jsm = await jetstreamManager(engine);
    await jsm.streams.add({ name: 'TRADING_EVENTS_PUBLIC', subjects: ['trading.trade.>', 'trading.book.>'], allow_direct: true } as never);

    gateway.publish('trading.trade.BTC-USD', JSON.stringify({ type: 'trade', symbol: 'BTC-USD', seq: 1, fake: true }));
    await gateway.flush(); // the server has processed (and refused) the publish before it answers the flush
    engine.publish('trading.trade.BTC-USD', JSON.stringify({ type: 'trade', symbol: 'BTC-USD', seq: 1, real: true }));

    await waitFor(() => seen.length >= 1 && gatewayErrors.some(isPermissionError), { description: 'real trade delivered and violation reported' });
    expect(seen).toEqual([JSON.stringify({ type: 'trade', symbol: 'BTC-USD', seq: 1, real: true })]);
    // JetStream stores asynchronously: wait for the real event, then there must be nothing else.
    await waitFor(async () => (await jsm.streams.info('TRADING_EVENTS_PUBLIC')).state.messages >= 1, { description: 'real event stored' });
    expect((await jsm.streams.info('TRADING_EVENTS_PUBLIC')).state.messages).toBe(1);
    expect((await jsm.streams.getMessage('TRADING_EVENTS_PUBLIC', { seq: 1 }))?.json()).toEqual({ type: 'trade', symbol: 'BTC-USD', seq: 1, real: true });
    await expectInLog(server, /Publish Violation.*gateway.*trading\.trade\.BTC-USD|gateway.*Publish Violation.*trading\.trade\.BTC-USD/i);
    sub.unsubscribe();
  });

  it('a gateway cannot serve commands (it could answer as an engine) nor publish on the journal', async () => {
    const gateway = await as('gateway');
    const gatewayErrors = collectErrors(gateway);
    gateway.subscribe('trading.cmd.*');
    gateway.publish('journal.BTC-USD', '{}');
    gateway.publish('$KV.engine_leases.BTC-USD', 'stolen-lease');
    await gateway.flush();
    await waitFor(() => gatewayErrors.filter(isPermissionError).length >= 1, { description: 'violations reported' });
    await expectInLog(server, /Subscription Violation.*trading\.cmd\.\*/i);
    await expectInLog(server, /Publish Violation.*journal\.BTC-USD/i);
    await expectInLog(server, /Publish Violation.*\$KV\.engine_leases\.BTC-USD/i);
  });

  it('a gateway may request commands and snapshots, and the engine may answer', async () => {
    const engine = await as('engine');
    const gateway = await as('gateway');
    engine.subscribe('trading.cmd.*', { callback: (_err, msg: Msg) => void msg.respond(JSON.stringify({ ok: true, echo: msg.string() })) });
    await engine.flush();
    const reply = await gateway.request('trading.cmd.BTC-USD', '{"type":"place"}', { timeout: 2000 });
    expect(reply.json()).toEqual({ ok: true, echo: '{"type":"place"}' });
  });

  it('a read-only identity cannot place orders: the request never reaches the engine', async () => {
    const engine = await as('engine');
    const reader = await as('reader');
    const received: string[] = [];
    engine.subscribe('trading.cmd.*', { callback: (_err, msg: Msg) => void received.push(msg.string()) });
    await engine.flush();
    const attempt = reader.request('trading.cmd.BTC-USD', '{"type":"place","userId":"victim"}', { timeout: 1500 });
    expect(isPermissionError(await rejection(attempt))).toBe(true);
    // A marker from an allowed sender arriving proves the engine's subscription was live all along.
    const gateway = await as('gateway');
    gateway.publish('trading.cmd.ETH-USD', 'marker');
    await waitFor(() => received.length >= 1, { description: 'marker at the engine' });
    expect(received).toEqual(['marker']);
    await expectInLog(server, /Publish Violation.*reader.*trading\.cmd\.BTC-USD|reader.*Publish Violation.*trading\.cmd\.BTC-USD/i);
  });

  it('a read-only identity may subscribe to events but not to commands', async () => {
    const reader = await as('reader');
    const readerErrors = collectErrors(reader);
    reader.subscribe('trading.order.>');
    reader.subscribe('trading.cmd.>');
    await reader.flush();
    await waitFor(() => readerErrors.some(isPermissionError), { description: 'subscription violation' });
    await expectInLog(server, /Subscription Violation.*trading\.cmd\.>/i);
    expect(server.log).not.toMatch(/Subscription Violation.*trading\.order\.>/i);
  });
});

describe('NATS identities from .creds files (operator/JWT mode)', () => {
  let server: NatsServer;
  let creds: Awaited<ReturnType<typeof operatorSetup>>;
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    creds = await operatorSetup(['engine', 'gateway', 'reader']);
    server = await NatsServer.start({ extraConfig: creds.serverConfig });
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await server?.dispose();
  });

  const as = async (identity: NatsIdentityName): Promise<NatsConnection> => {
    const auth = readNatsAuth({ NATS_CREDS: creds.credsFile(identity), NATS_URL: server.url });
    const nc = await connect({ ...natsIdentityOptions([server.url], auth), name: `creds-${identity}`, timeout: 5000 }).catch((err: unknown) => {
      throw new Error(`${identity} cannot connect: ${(err as Error).message}\n${server.log.slice(-1500)}`);
    });
    open.push(nc);
    return nc;
  };

  it('carries the same permissions: the gateway requests, the engine answers, the reader cannot place', async () => {
    const engine = await as('engine');
    const gateway = await as('gateway');
    const reader = await as('reader');
    engine.subscribe('trading.cmd.*', { callback: (_err, msg: Msg) => void msg.respond('{"ok":true}') });
    await engine.flush();
    expect((await gateway.request('trading.cmd.BTC-USD', '{}', { timeout: 2000 })).json()).toEqual({ ok: true });
    expect(isPermissionError(await rejection(reader.request('trading.cmd.BTC-USD', '{}', { timeout: 1500 })))).toBe(true);
    const gatewayErrors = collectErrors(gateway);
    gateway.publish('trading.trade.BTC-USD', '{"fake":true}');
    await gateway.flush();
    await waitFor(() => gatewayErrors.some(isPermissionError), { description: 'gateway publish violation' });
  });

  it('refuses a connection without creds', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authoriz/i);
  });
});

describe('engine identity limits', () => {
  let server: NatsServer;
  let engine: NatsConnection;

  beforeAll(async () => {
    server = await startSecuredNats();
    engine = await connect({ ...natsIdentityOptions([urlFor(server, 'engine')]) });
  });
  afterAll(async () => {
    await engine?.close();
    await server?.dispose();
  });

  it('cannot purge or delete the journal, delete any stream, list streams, or reach streams it does not own', async () => {
    for (const subject of [
      '$JS.API.STREAM.PURGE.TRADING_JOURNAL',
      '$JS.API.STREAM.DELETE.TRADING_JOURNAL',
      // Lowering the limits by an update trims the stream at once: as good as a purge.
      '$JS.API.STREAM.UPDATE.TRADING_JOURNAL',
      '$JS.API.STREAM.UPDATE.KV_engine_leases',
      '$JS.API.STREAM.UPDATE.ENGINE_SNAPSHOTS',
      '$JS.API.STREAM.DELETE.TRADING_EVENTS_PRIVATE',
      '$JS.API.STREAM.PURGE.TRADING_EVENTS_PUBLIC',
      '$JS.API.STREAM.NAMES',
      '$JS.API.STREAM.INFO.SOMEONE_ELSES',
      'trading.cmd.BTC-USD',
    ]) {
      expect([subject, isPermissionError(await rejection(engine.request(subject, '{}', { timeout: 1500 })))]).toEqual([subject, true]);
    }
  });
});
