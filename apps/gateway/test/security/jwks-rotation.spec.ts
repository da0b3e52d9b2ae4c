import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { TestSocket, UpgradeRefusedError, waitFor } from '@trading/testing';
import { loadGatewayConfig } from '../../src/config/gateway-config.js';
import { TokenVerifier } from '../../src/auth/token-verifier.js';
import { startEdgeHarness, type EdgeHarness } from './edge-harness.js';

interface TestKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

async function makeKey(kid: string, alg: 'ES256' | 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const sign = (key: TestKey, sub = 'alice', claims: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).setSubject(sub).setIssuer('https://idp.example.com').setAudience('trading').setIssuedAt().setExpirationTime('1h').sign(key.privateKey);

describe('JWT_JWKS_FILE: keys rotate without downtime', () => {
  let dir: string;
  let file: string;
  let h: EdgeHarness;
  let a: TestKey, b: TestKey, c: TestKey;
  /** Replaces the file atomically (rename), as a Secret update or a deploy tool would. */
  const publish = (keys: TestKey[] | string) => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, typeof keys === 'string' ? keys : JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
    renameSync(tmp, file);
  };
  const status = async (token: string) => {
    const res = await fetch(h.httpUrl('/api/v1/orders'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'BTC-USD', clientOrderId: `k-${Math.random()}`, side: 'buy', orderType: 'limit', price: '1.00', quantity: '1.0000' }),
    });
    return res.status;
  };
  const upgradeStatus = async (token: string) => {
    try {
      const s = await TestSocket.open(h.wsUrl(`/ws/orders?token=${token}`));
      await s.close();
      return 101;
    } catch (err) {
      if (err instanceof UpgradeRefusedError) return err.status;
      throw err;
    }
  };

  beforeAll(async () => {
    [a, b, c] = await Promise.all([makeKey('key-a', 'ES256'), makeKey('key-b', 'RS256'), makeKey('key-c', 'ES256')]);
    dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    file = join(dir, 'jwks.json');
    publish([a, b]);
    h = await startEdgeHarness({ JWT_SECRET: '', JWT_JWKS_FILE: file, JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: 'trading' });
  });
  afterAll(async () => {
    await h?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts tokens of every key in the file (ES256 and RS256 side by side)', async () => {
    expect(await status(await sign(a))).toBe(200);
    expect(await status(await sign(b))).toBe(200);
    expect(await upgradeStatus(await sign(a))).toBe(101);
  });

  it('checks iss and aud when configured', async () => {
    const wrongIss = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'key-a' }).setSubject('alice').setIssuer('https://other').setAudience('trading').setExpirationTime('1h').sign(a.privateKey);
    const wrongAud = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'key-a' }).setSubject('alice').setIssuer('https://idp.example.com').setAudience('other').setExpirationTime('1h').sign(a.privateKey);
    expect(await status(wrongIss)).toBe(401);
    expect(await status(wrongAud)).toBe(401);
  });

  it('after rotation (file rewritten: a removed, c added) a new-key token is accepted and a removed-key token refused, with no restart', async () => {
    const oldToken = await sign(a);
    const newToken = await sign(c);
    expect(await status(newToken)).toBe(401); // c is not published yet
    publish([b, c]);
    await waitFor(async () => (await status(newToken)) === 200, { timeoutMs: 10_000, description: 'new key accepted after the file changed' });
    expect(await status(oldToken)).toBe(401);
    expect(await upgradeStatus(oldToken)).toBe(401);
    expect(await upgradeStatus(newToken)).toBe(101);
    expect(await status(await sign(b))).toBe(200); // the key kept across the rotation still works
    expect(h.logs.join('\n')).toMatch(/JWKS reloaded/);
  });

  it('a broken new file keeps the previous keys (no lock-out), and SIGHUP-style reload picks up a fixed one', async () => {
    publish('{"keys": [ not json');
    const reload = () => h.gateway.reloadKeys();
    reload();
    expect(h.logs.join('\n')).toMatch(/JWKS reload failed; keeping the previous keys/);
    expect(await status(await sign(c))).toBe(200);
    publish([a]);
    reload();
    expect(await status(await sign(a))).toBe(200);
    expect(await status(await sign(c))).toBe(401);
  });

  it('checks a token without kid against the current keys, and refuses an HS256 "signature" made with a public key', async () => {
    const noKid = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('alice').setIssuer('https://idp.example.com').setAudience('trading').setExpirationTime('1h').sign(a.privateKey);
    // jose picks the only key when there is no kid; with one key in the file that is still key a, so it passes.
    expect(await status(noKid)).toBe(200);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'key-a' }).setSubject('alice').setIssuer('https://idp.example.com').setAudience('trading').setExpirationTime('1h').sign(new TextEncoder().encode(JSON.stringify(a.publicJwk)));
    expect(await status(hs)).toBe(401);
  });
});

describe('JWT_JWKS_FILE validation at start', () => {
  const verifierFor = (content: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    const file = join(dir, 'jwks.json');
    writeFileSync(file, content);
    return TokenVerifier.create(loadGatewayConfig({ JWT_JWKS_FILE: file }));
  };

  it('refuses a file with a private key, no kid, duplicate kids, no keys, or not JSON', async () => {
    const key = await makeKey('k1', 'ES256');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const priv = { ...(await exportJWK(privateKey)), kid: 'p' };
    const noKid = { ...key.publicJwk, kid: undefined };
    for (const [content, message] of [
      [JSON.stringify({ keys: [priv] }), /private or symmetric/],
      [JSON.stringify({ keys: [noKid] }), /has no kid/],
      [JSON.stringify({ keys: [key.publicJwk, key.publicJwk] }), /appears twice/],
      [JSON.stringify({ keys: [] }), /at least one key/],
      ['nope', /not JSON/],
    ] as const) {
      await expect(verifierFor(content)).rejects.toMatchObject({ variable: 'JWT_JWKS_FILE', message: expect.stringMatching(message) });
    }
  });

  it('refuses two key sources at once', () => {
    expect(() => loadGatewayConfig({ JWT_SECRET: 's'.repeat(32), JWT_JWKS_FILE: '/x.json' })).toThrow(/only one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_FILE/);
  });
});
