import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { pino } from 'pino';
import { ChildService, freePort } from '@trading/testing';
import { loadWebConfig, ConfigError } from '../src/config/web-config.js';
import { startWebServer, type RunningWebServer } from '../src/http/web-server.js';
import { devWebPort } from '../src/dev-stack/dev-page.js';
import { WEB_MAIN } from './support/stack.js';

/** The page server without a browser: configuration, assets, dev tokens, the order-entry proxy, typed errors. */
const SECRET = 'web-server-spec-secret-0123456789abcdef';
const silent = pino({ level: 'silent' });

describe('web configuration', () => {
  it('has working defaults', () => {
    const config = loadWebConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8088,
      gatewayUrls: ['ws://127.0.0.1:8080/ws', 'ws://127.0.0.1:8081/ws'],
      gatewayHttpUrls: ['http://127.0.0.1:8080', 'http://127.0.0.1:8081'],
      devJwtSecret: undefined,
    });
    expect(config.symbols.map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(loadWebConfig({ GATEWAY_URLS: 'wss://gw.example/ws' }).gatewayHttpUrls).toEqual(['https://gw.example']);
  });

  it.each([
    ['WEB_PORT', { WEB_PORT: 'http' }],
    ['WEB_PORT', { WEB_PORT: '70000' }],
    ['GATEWAY_URLS', { GATEWAY_URLS: 'http://127.0.0.1:8080/ws' }],
    ['GATEWAY_URLS', { GATEWAY_URLS: 'not a url' }],
    ['GATEWAY_URLS', { GATEWAY_URLS: 'ws://a/ws,ws://a/ws' }],
    ['SYMBOLS', { SYMBOLS: 'btc' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DEV_TOKEN_TTL_SECONDS', { DEV_TOKEN_TTL_SECONDS: '5' }],
  ])('refuses a bad %s', (variable, env) => {
    let error: unknown;
    try {
      loadWebConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
  });

  it('reads DEV_WEB_PORT for the dev stack', () => {
    expect(devWebPort({})).toBe(8088);
    expect(devWebPort({ DEV_WEB_PORT: '9000' })).toBe(9000);
    expect(() => devWebPort({ DEV_WEB_PORT: 'x' })).toThrow(/DEV_WEB_PORT: must be a TCP port/);
  });

  it('the process exits 2 with the variable named when the configuration is bad', async () => {
    const web = ChildService.start('web-bad-config', WEB_MAIN, { GATEWAY_URLS: 'ftp://nope', WEB_PORT: '0' });
    expect(await web.waitForExit()).toBe(2);
    expect(web.logs).toContain('web: invalid configuration: GATEWAY_URLS:');
    expect(web.logs).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });
});

describe('web server', () => {
  let server: RunningWebServer;
  let noTokens: RunningWebServer;
  let upstream: Server;
  const upstreamRequests: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const url = (path: string, s = server) => new URL(path, s.url).toString();

  beforeAll(async () => {
    // Stands in for a gateway's HTTP side so the proxy's forwarding can be checked byte for byte
    // (the browser e2e test runs the same proxy against real gateways).
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        upstreamRequests.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end('{"ok":false,"error":{"code":"DUPLICATE_CLIENT_ORDER_ID","message":"used"}}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const live = (upstream.address() as AddressInfo).port;
    const dead = await freePort();
    server = await startWebServer(
      loadWebConfig({ WEB_PORT: '0', GATEWAY_URLS: `ws://127.0.0.1:${dead}/ws,ws://127.0.0.1:${live}/ws`, SYMBOLS: 'BTC-USD:0.5:0.001', JWT_SECRET: SECRET }),
      silent,
    );
    noTokens = await startWebServer(loadWebConfig({ WEB_PORT: '0', GATEWAY_URLS: `ws://127.0.0.1:${dead}/ws` }), silent);
  }, 20_000);

  afterAll(async () => {
    await server?.stop();
    await noTokens?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('serves the page, its bundle (SDK and chart library inside, no CDN) and the stylesheet', async () => {
    const html = await fetch(url('/'));
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const text = await html.text();
    expect(text).toContain('<script type="module" src="/app.js">');
    expect(text).not.toMatch(/https?:\/\//);
    const js = await fetch(url('/app.js'));
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const bundle = await js.text();
    expect(bundle.length).toBeGreaterThan(50_000);
    expect(bundle).toContain('/config.json');
    expect(bundle).not.toMatch(/from\s*["']https?:/);
    expect((await fetch(url('/styles.css'))).headers.get('content-type')).toMatch(/text\/css/);
    expect((await fetch(url('/app.js.map'))).status).toBe(200);
  });

  it('tells the page the gateways, the symbols with their sizes and whether dev tokens are on', async () => {
    const config = await (await fetch(url('/config.json'))).json();
    expect(config).toEqual({
      gatewayUrls: expect.arrayContaining([expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)]),
      symbols: [{ symbol: 'BTC-USD', tick: '0.5', lot: '0.001' }],
      devTokens: true,
    });
    expect((await (await fetch(url('/config.json', noTokens))).json()).devTokens).toBe(false);
    expect(await (await fetch(url('/readyz'))).json()).toEqual({ ready: true, role: 'web' });
  });

  it('mints dev tokens the gateways accept (HS256, sub = user id, exp)', async () => {
    const res = await fetch(url('/api/dev-token'), { method: 'POST', body: JSON.stringify({ userId: 'alice_1' }) });
    expect(res.status).toBe(200);
    const body = await res.json();
    const { payload, protectedHeader } = await jwtVerify(body.token, new TextEncoder().encode(SECRET));
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('alice_1');
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(body).toMatchObject({ userId: 'alice_1', expiresAt: payload.exp! * 1000 });
  });

  it('refuses bad dev-token requests with typed errors', async () => {
    const post = (body: string, s = server) => fetch(url('/api/dev-token', s), { method: 'POST', body });
    const cases: [Response, number, string, string?][] = [
      [await post('{"userId":"a.b"}'), 400, 'VALIDATION_FAILED', 'userId'],
      [await post('{}'), 400, 'VALIDATION_FAILED', 'userId'],
      [await post('null'), 400, 'VALIDATION_FAILED', 'userId'],
      [await post('not json'), 400, 'VALIDATION_FAILED', 'body'],
      [await post('x'.repeat(5000)), 413, 'BODY_TOO_LARGE'],
      [await fetch(url('/api/dev-token')), 405, 'METHOD_NOT_ALLOWED'],
      [await post('{"userId":"alice"}', noTokens), 404, 'DEV_TOKENS_DISABLED'],
    ];
    for (const [res, status, code, field] of cases) {
      const { error } = await res.json();
      expect({ status: res.status, code: error?.code }).toEqual({ status, code });
      if (field) expect(Object.keys(error.details)).toEqual([field]);
    }
  });

  it('answers unknown paths and methods with typed errors', async () => {
    const missing = await fetch(url('/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no such page: /nope' } });
    const wrong = await fetch(url('/config.json'), { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect((await wrong.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await fetch(url('/api/v1/orders'), { method: 'GET' })).status).toBe(405);
  });

  it('forwards order entry to the first reachable replica, unchanged both ways', async () => {
    const body = JSON.stringify({ symbol: 'BTC-USD', clientOrderId: 'c1', side: 'buy', orderType: 'limit', price: '1.0', quantity: '1.000' });
    const res = await fetch(url('/api/v1/orders'), { method: 'POST', headers: { authorization: 'Bearer abc', 'content-type': 'application/json', cookie: 'x=1' }, body });
    expect(res.status).toBe(409);
    expect(await res.text()).toBe('{"ok":false,"error":{"code":"DUPLICATE_CLIENT_ORDER_ID","message":"used"}}');
    const seen = upstreamRequests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/orders', body });
    expect(seen.headers.authorization).toBe('Bearer abc');
    expect(seen.headers.cookie).toBeUndefined(); // only what the gateway needs is forwarded
    const cancel = await fetch(url('/api/v1/orders/BTC-USD-7?symbol=BTC-USD'), { method: 'DELETE', headers: { authorization: 'Bearer abc' } });
    expect(cancel.status).toBe(409);
    expect(upstreamRequests.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/v1/orders/BTC-USD-7?symbol=BTC-USD' });
  });

  it('survives clients that hang up mid-body or send garbage request lines', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(server.url).port);
    for (const raw of [
      'POST /api/dev-token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"userId":',
      'POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"symbol":',
      'GARBAGE\r\n\r\n',
      'GET /%zz%%/../\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(raw);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
    }
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });

  it('answers 503 GATEWAY_UNAVAILABLE when no replica is reachable', async () => {
    const res = await fetch(url('/api/v1/orders', noTokens), { method: 'POST', headers: { authorization: 'Bearer abc' }, body: '{}' });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(body.error.message).toMatch(/ECONNREFUSED/);
  });
});
