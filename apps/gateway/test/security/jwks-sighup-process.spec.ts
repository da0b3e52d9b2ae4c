import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { NatsServer, waitFor } from '@trading/testing';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { rawRequest } from './raw-http.js';

/**
 * The built gateway as a process with JWT_JWKS_FILE: SIGHUP (which would end a Node process that
 * does not handle it) re-reads the key file and the gateway keeps serving with the new keys.
 */
describe('gateway process: SIGHUP reloads JWT_JWKS_FILE', () => {
  let nats: NatsServer;
  let gateway: GatewayProcess;
  let dir: string;
  let file: string;
  const keys: { kid: string; privateKey: CryptoKey; jwk: Record<string, unknown> }[] = [];
  const sign = (i: number) => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: keys[i].kid }).setSubject('alice').setExpirationTime('1h').sign(keys[i].privateKey);
  const upgradeStatus = async (token: string) => {
    const answer = await rawRequest(
      gateway.port,
      `GET /ws/orders?token=${token} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      1000,
    );
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.statusLine)?.[1]);
  };

  beforeAll(async () => {
    for (const kid of ['old', 'new']) {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } });
    }
    dir = mkdtempSync(join(tmpdir(), 'jwks-proc-'));
    file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [keys[0].jwk] }));
    nats = await NatsServer.start({ jetstream: false });
    gateway = await startGatewayProcess(nats.url, { JWT_SECRET: '', JWT_JWKS_FILE: file, LOG_LEVEL: 'info' }, 'jwks-gateway');
  }, 30_000);
  afterAll(async () => {
    await gateway?.service.terminate().catch(() => undefined);
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives SIGHUP, logs the reload with key ids only, and applies the new key set', async () => {
    expect(await upgradeStatus(await sign(1))).toBe(401);
    writeFileSync(file, JSON.stringify({ keys: [keys[1].jwk] }));
    gateway.service.child.kill('SIGHUP');
    await waitFor(() => gateway.service.logs.includes('JWKS reloaded'), { description: 'reload logged' });
    expect(gateway.service.running).toBe(true);
    await waitFor(async () => (await upgradeStatus(await sign(0))) === 401, { description: 'old key refused' });
    expect(await upgradeStatus(await sign(1))).toBe(101);
    expect(gateway.service.logs).toMatch(/"kids":\["new"\]/);
    expect(gateway.service.logs).not.toMatch(/"x":|"y":|BEGIN/);
  });
});
