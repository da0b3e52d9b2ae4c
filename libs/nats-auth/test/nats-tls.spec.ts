import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { NatsServer } from '@trading/testing';
import { natsAccountsConfig, natsIdentityOptions, readNatsAuth } from '../src/index.js';
import { TEST_PASSWORDS, urlFor } from './support/secured-nats.js';
import { makeTestPki, opensslAvailable, type TestPki } from './support/test-pki.js';

/**
 * A nats-server that requires mutual TLS and passwords, like a hardened production server: the
 * NATS_TLS_* settings (read by readNatsAuth, as every service does) are what let a client in.
 */
(opensslAvailable() ? describe : describe.skip)('NATS over mutual TLS (NATS_TLS_CA / NATS_TLS_CERT / NATS_TLS_KEY)', () => {
  let pki: TestPki;
  let server: NatsServer;
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    pki = makeTestPki();
    const users = (['engine', 'gateway'] as const).map((identity) => ({ user: identity, password: TEST_PASSWORDS[identity], identity }));
    server = await NatsServer.start({
      extraConfig: [
        natsAccountsConfig(users),
        `tls { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}", ca_file: "${pki.caFile}", verify: true, timeout: 2 }`,
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await server?.dispose();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  const env = (identity: 'engine' | 'gateway', tls: Record<string, string>) => ({ NATS_URL: urlFor(server, identity), ...tls });
  const attempt = async (e: Record<string, string>) => {
    const nc = await connect({ ...natsIdentityOptions([e.NATS_URL], readNatsAuth(e)), reconnect: false, timeout: 3000 });
    open.push(nc);
    return nc;
  };

  it('connects with the CA and a client certificate, and the identities still apply', async () => {
    const tls = { NATS_TLS_CA: pki.caFile, NATS_TLS_CERT: pki.clientCert, NATS_TLS_KEY: pki.clientKey };
    const engine = await attempt(env('engine', tls));
    const gateway = await attempt(env('gateway', tls));
    expect(engine.info?.tls_required).toBe(true);
    engine.subscribe('trading.snapshot.*', { callback: (_e, msg) => void msg.respond('{"bids":[],"asks":[]}') });
    await engine.flush();
    expect((await gateway.request('trading.snapshot.BTC-USD', '{}', { timeout: 2000 })).json()).toEqual({ bids: [], asks: [] });
  });

  it('is refused without a client certificate, and without TLS at all', async () => {
    const noCert = await attempt(env('gateway', { NATS_TLS_CA: pki.caFile })).then(() => 'connected', (err: Error) => err.message);
    const noTls = await attempt(env('gateway', {})).then(() => 'connected', (err: Error) => err.message);
    // The server refuses the handshake (no client certificate); a client without NATS_TLS_CA cannot
    // verify the server's private CA.
    // Depending on timing the refusal surfaces as the TLS alert or as the server resetting the socket.
    expect(noCert).toMatch(/bad certificate|certificate required|alert|ECONNRESET/i);
    expect(noTls).toMatch(/unable to verify|certificate|tls/i);
  });

  it('is refused when the server certificate is not signed by NATS_TLS_CA', async () => {
    const other = makeTestPki();
    try {
      const wrongCa = await attempt(env('gateway', { NATS_TLS_CA: other.caFile, NATS_TLS_CERT: pki.clientCert, NATS_TLS_KEY: pki.clientKey })).then(() => 'connected', (err: Error) => err.message);
      expect(wrongCa).toMatch(/unable to verify/i);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
