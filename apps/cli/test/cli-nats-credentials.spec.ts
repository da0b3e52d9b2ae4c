import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { NatsServer } from '@trading/testing';
import { natsIdentityOptions } from '@trading/nats-auth';
import { startSecuredNats, TEST_PASSWORDS, urlFor } from '../../../libs/nats-auth/test/support/secured-nats.js';
import { operatorSetup } from '../../../libs/nats-auth/test/support/operator-mode.js';
import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/io.js';
import { ExitCode } from '../src/errors.js';

function capture(env: Record<string, string>): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env }, out, err };
}

const PLACE = ['place', '--user', 'alice', '--symbol', 'BTC-USD', '--side', 'buy', '--price', '1.00', '--qty', '1.0000', '--client-order-id', 'cli-sec'];

/** A stand-in engine under the engine identity: answers every command ok and counts them. */
async function responder(nc: NatsConnection): Promise<{ count(): number }> {
  let n = 0;
  nc.subscribe('trading.cmd.*', {
    callback: (_e, msg) => {
      n++;
      msg.respond(JSON.stringify({ ok: true, order: { ...msg.json<Record<string, unknown>>(), orderId: `o-${n}`, status: 'NEW' } }));
    },
  });
  await nc.flush();
  return { count: () => n };
}

describe('CLI with NATS credentials (user/password in NATS_URL)', () => {
  let server: NatsServer;
  let engine: NatsConnection;
  let commands: { count(): number };

  beforeAll(async () => {
    server = await startSecuredNats();
    engine = await connect({ ...natsIdentityOptions([urlFor(server, 'engine')]) });
    commands = await responder(engine);
  });
  afterAll(async () => {
    await engine?.close();
    await server?.dispose();
  });

  it('places an order with an identity allowed to send commands', async () => {
    const c = capture({ NATS_URL: urlFor(server, 'gateway') });
    expect(await runCli(PLACE, c.io)).toBe(ExitCode.OK);
    expect(JSON.parse(c.out[0]).ok).toBe(true);
  });

  it('a read-only identity cannot place: permission violation, nothing reaches the engine, exit 3', async () => {
    const before = commands.count();
    const c = capture({ NATS_URL: urlFor(server, 'reader') });
    expect(await runCli(PLACE, c.io)).toBe(ExitCode.UNAVAILABLE);
    expect(c.err.join('\n')).toMatch(/permission/i);
    expect(commands.count()).toBe(before);
  });

  it('no or wrong credentials: cannot connect (exit 3) and the password is not printed', async () => {
    const wrong = capture({ NATS_URL: `nats://gateway:not-${TEST_PASSWORDS.gateway}@127.0.0.1:${server.port}` });
    expect(await runCli(PLACE, wrong.io)).toBe(ExitCode.UNAVAILABLE);
    expect(wrong.err.join('\n')).not.toContain(`not-${TEST_PASSWORDS.gateway}`);
    expect(await runCli(PLACE, capture({ NATS_URL: server.url }).io)).toBe(ExitCode.UNAVAILABLE);
  });

  it('a NATS_CREDS path that does not exist is a usage error naming the variable (exit 2)', async () => {
    const c = capture({ NATS_URL: server.url, NATS_CREDS: '/nonexistent/cli.creds' });
    expect(await runCli(PLACE, c.io)).toBe(ExitCode.USAGE);
    expect(c.err.join('\n')).toMatch(/NATS_CREDS/);
  });
});

describe('CLI with a NATS_CREDS file (operator mode)', () => {
  let server: NatsServer;
  let engine: NatsConnection;
  let creds: Awaited<ReturnType<typeof operatorSetup>>;

  beforeAll(async () => {
    creds = await operatorSetup(['engine', 'gateway']);
    server = await NatsServer.start({ extraConfig: creds.serverConfig });
    engine = await connect({ ...natsIdentityOptions([server.url], { credsFile: creds.credsFile('engine') }) });
    await responder(engine);
  });
  afterAll(async () => {
    await engine?.close();
    await server?.dispose();
  });

  it('places an order', async () => {
    const c = capture({ NATS_URL: server.url, NATS_CREDS: creds.credsFile('gateway') });
    expect(await runCli(PLACE, c.io)).toBe(ExitCode.OK);
  });
});
