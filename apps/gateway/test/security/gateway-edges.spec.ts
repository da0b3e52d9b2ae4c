import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestSocket, UpgradeRefusedError } from '@trading/testing';
import { SECURITY_HEADERS } from '../../src/http/http-reply.js';
import { signToken } from '../support/tokens.js';
import { startEdgeHarness, type EdgeHarness } from './edge-harness.js';
import { rawRequest } from './raw-http.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';

async function refusal(promise: Promise<unknown>): Promise<UpgradeRefusedError> {
  try {
    const s = await promise;
    await (s as TestSocket).close();
  } catch (err) {
    if (err instanceof UpgradeRefusedError) return err;
    throw err;
  }
  throw new Error('upgrade was accepted');
}

describe('gateway edges: Origin allow-list, security headers, size limits, no tokens in logs', () => {
  let h: EdgeHarness;
  let alice: string;
  const sockets: TestSocket[] = [];
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const s = await TestSocket.open(h.wsUrl(path), { headers });
    sockets.push(s);
    return s;
  };
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(h.httpUrl('/api/v1/orders'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}`, ...headers }, body });
  const order = (n: number) => JSON.stringify({ symbol: 'BTC-USD', clientOrderId: `edge-${n}`, side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' });

  beforeAll(async () => {
    h = await startEdgeHarness({ ALLOWED_ORIGINS: APP, MAX_HTTP_BODY_BYTES: '4096' });
    alice = await signToken('alice');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h?.dispose();
  });

  describe('Origin', () => {
    it('refuses a WebSocket upgrade from a disallowed Origin with 403, on every endpoint', async () => {
      for (const path of ['/ws', '/ws/trades', `/ws/orders?token=${alice}`, '/ws/markets/BTC-USD']) {
        const err = await refusal(TestSocket.open(h.wsUrl(path), { headers: { Origin: EVIL } }));
        expect(err.status).toBe(403);
        expect(JSON.parse(err.body).error.code).toBe('ORIGIN_NOT_ALLOWED');
      }
    });

    it('refuses look-alike origins (other scheme, port, suffix, case-trick, null)', async () => {
      for (const origin of ['http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil.net', 'https://APP.example.com', 'null']) {
        expect((await refusal(TestSocket.open(h.wsUrl('/ws'), { headers: { Origin: origin } }))).status).toBe(403);
      }
    });

    it('accepts the allowed Origin and clients that send none (not browsers)', async () => {
      const fromApp = await open('/ws', { Origin: APP });
      fromApp.send({ op: 'ping', id: 1 });
      await fromApp.waitForMessage((m) => m.type === 'pong');
      const noOrigin = await open('/ws');
      noOrigin.send({ op: 'ping', id: 2 });
      await noOrigin.waitForMessage((m) => m.type === 'pong');
    });

    it('refuses order entry from a disallowed Origin (403) before any engine sees it, and gives CORS only to the allowed one', async () => {
      const before = h.engine.commands.length;
      const evil = await post(order(1), { Origin: EVIL });
      expect(evil.status).toBe(403);
      expect((await evil.json()).error.code).toBe('ORIGIN_NOT_ALLOWED');
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect(h.engine.commands.length).toBe(before);

      const ok = await post(order(2), { Origin: APP });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
      const preflightEvil = await fetch(h.httpUrl('/api/v1/orders'), { method: 'OPTIONS', headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST' } });
      expect(preflightEvil.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('security headers', () => {
    it('are on every HTTP answer: 200, 400, 401, 403, 404, 413, preflight, refused upgrade', async () => {
      const answers = [
        await post(order(3)),
        await post('not json'),
        await fetch(h.httpUrl('/api/v1/orders'), { method: 'POST', body: order(4) }),
        await post(order(5), { Origin: EVIL }),
        await fetch(h.httpUrl('/api/v1/nothing')),
        await post('x'.repeat(10_000)),
        await fetch(h.httpUrl('/api/v1/orders'), { method: 'OPTIONS', headers: { Origin: APP } }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 400, 401, 403, 404, 413, 204]);
      for (const answer of answers) {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect([answer.status, name, answer.headers.get(name)]).toEqual([answer.status, name, value]);
      }
      const upgrade = await rawRequest(
        h.gateway.port,
        'GET /ws/trades?symbols=bad HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      expect(upgrade.statusLine).toMatch(/^HTTP\/1\.1 400/);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(upgrade.text.toLowerCase()).toContain(`${name}: ${value}`.toLowerCase());
    });
  });

  describe('size limits', () => {
    it('refuses an oversized body with 413 without forwarding it, and keeps serving', async () => {
      const before = h.engine.commands.length;
      const big = JSON.stringify({ symbol: 'BTC-USD', clientOrderId: 'big', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000', pad: 'x'.repeat(2_000_000) });
      const answer = await post(big).catch((err: Error) => err);
      // The gateway answers 413 and closes; a client still sending may see the close instead.
      if (answer instanceof Error) expect(answer.message).toMatch(/fetch failed|socket|closed/i);
      else expect(answer.status).toBe(413);
      expect(h.engine.commands.length).toBe(before);
      expect((await post(order(6))).status).toBe(200);
    });

    it('refuses oversized and over-many headers at the HTTP layer, and keeps serving', async () => {
      const huge = `POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(200_000)}\r\nContent-Length: 2\r\n\r\n{}`;
      const many = `GET /ws HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 500 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`;
      for (const request of [huge, many]) {
        const answer = await rawRequest(h.gateway.port, request);
        // uWS answers 431 or just closes; what matters is that nothing is accepted.
        expect(answer.statusLine === '' || /^HTTP\/1\.1 4\d\d/.test(answer.statusLine)).toBe(true);
        expect(answer.statusLine).not.toMatch(/ 200 | 101 /);
      }
      const oversizedToken = await fetch(h.httpUrl('/api/v1/orders'), { method: 'POST', headers: { authorization: `Bearer ${'a'.repeat(9000)}` }, body: order(7) }).catch((e: Error) => e);
      if (!(oversizedToken instanceof Error)) expect([401, 431]).toContain(oversizedToken.status);
      expect((await post(order(8))).status).toBe(200);
      expect(h.gateway.readiness().ready).toBe(true);
    });
  });

  describe('tokens never logged', () => {
    it('no token (valid, expired, forged) appears in any log line, even at trace level', async () => {
      const expired = await signToken('alice', { expiresInSeconds: -10 });
      const forged = await signToken('alice', { secret: 'another-secret-another-secret-another-secret' });
      for (const token of [alice, expired, forged]) {
        await fetch(h.httpUrl('/api/v1/orders'), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: order(9) });
        await TestSocket.open(h.wsUrl(`/ws/orders?token=${token}`)).then((s) => s.close(), () => undefined);
        const s = await open('/ws');
        s.send({ op: 'auth', token, id: 1 });
        await s.waitForMessage((m) => m.id === 1);
      }
      expect(h.logs.length).toBeGreaterThan(0);
      const all = h.logs.join('\n');
      for (const token of [alice, expired, forged]) {
        // The signature part alone is enough to replay nothing, but the whole token must not be there either.
        expect(all).not.toContain(token);
        expect(all).not.toContain(token.split('.')[2]);
      }
    });
  });
});
